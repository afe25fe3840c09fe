package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newDestroyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "destroy",
		Short: l10n.Pick("Destruction (销毁, R6.10): request, approve in order, reject, execute before witnesses, list", "销毁 (R6.10)：申请、依次审批、驳回、监销执行、销毁清册"),
	}
	c.AddCommand(newDestroyRequestCmd(e), newDestroyApproveCmd(e), newDestroyRejectCmd(e), newDestroyExecuteCmd(e), newDestroyListCmd(e))
	return c
}

func newDestroyRequestCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "request ID --reason R",
		Short: l10n.Pick("Ask for a dossier to be destroyed", "申请销毁档案"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneDossierDestroyStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
			r, err := a.DestroyRequest(id, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Destruction request %s for dossier %s; approvals needed in order: %s.", r.ID, r.Dossier, roleChain(r.Chain, a.Policy, " → ")))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why the material has no value left", "销毁理由"))
	return c
}

func newDestroyApproveCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "approve REQ",
		Short: l10n.Pick("Give the next approval of a destruction request, in the policy's order", "按顺序审批销毁申请"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneRequestStep(e.stepOn(func(a *archive.Archive, arg string) error {
			r, err := a.DestroyApprove(arg)
			if err != nil {
				return err
			}
			ap := r.Approvals[len(r.Approvals)-1]
			if next := r.NextRole(); next != "" {
				e.printf("%s\n", l10n.Sprintf("Request %s: step %d (%s) approved by %s; next: a %s.", r.ID, ap.Step, roleTitle(ap.Role, a.Policy), ap.Member, roleTitle(next, a.Policy)))
			} else {
				e.printf("%s\n", l10n.Sprintf("Request %s: step %d (%s) approved by %s; every approval given: `crm destroy execute %s --witness M1 --witness M2`.", r.ID, ap.Step, roleTitle(ap.Role, a.Policy), ap.Member, r.ID))
			}
			return nil
		})),
	}
}

func newDestroyRejectCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject REQ --reason R",
		Short: l10n.Pick("Reject a destruction request (this ends it)", "驳回销毁申请（申请即告终止）"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneRequestStep(e.stepOn(func(a *archive.Archive, arg string) error {
			r, err := a.DestroyReject(arg, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Request %s rejected by %s: dossier %s stays.", r.ID, r.RejectedBy, r.Dossier))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why the destruction is rejected", "驳回理由"))
	return c
}

func newDestroyExecuteCmd(e *env) *cobra.Command {
	var witnesses []string
	var method string
	var yes bool
	c := &cobra.Command{
		Use:   "execute REQ --witness M1 --witness M2 [--method M] [--yes]",
		Short: l10n.Pick("Destroy the dossier of a fully approved request before witnesses; the journal keeps the destruction list", "在监销人见证下执行已批准的销毁；日志保留销毁清册"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneRequestStep(e.stepOn(func(a *archive.Archive, arg string) error {
			// The request as the step finds it: an id typed in lower
			// case is asked about too.
			if r, err := a.Destruction(arg); err == nil && r.Status() == archive.DestroyApproved {
				if err := e.confirm(yes, l10n.Sprintf("Destroy dossier %s (request %s) now? Its file is deleted and cannot be brought back with crm; old versions stay in git history until purged.", r.Dossier, r.ID)); err != nil {
					return err
				}
			}
			r, err := a.DestroyExecute(arg, witnesses, method)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Dossier %s destroyed (request %s), witnessed by %s; its history stays in `crm log %s`.", r.Dossier, r.ID, l10n.List(r.Witnesses), r.Dossier))
			e.printf("%s\n", l10n.Sprintf("Note: git history still holds its old ciphertexts; `crm purge %s` rewrites history to remove them.", r.Dossier))
			return nil
		})),
	}
	c.Flags().StringArrayVar(&witnesses, "witness", nil, l10n.Pick("a witness (监销人), a member other than you; repeat", "监销人（成员，非执行人），可重复"))
	c.Flags().StringVar(&method, "method", "", l10n.Pick("how it was destroyed (default: the ciphertext file is deleted)", "销毁方式（默认：删除密文文件）"))
	c.Flags().BoolVar(&yes, "yes", false, yesFlag())
	return c
}

func newDestroyListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: l10n.Pick("List destruction requests and the destruction list (销毁清册), from the journal", "列出销毁申请与销毁清册（只读日志）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryDestructions // reads only the requests
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			rs := a.Destructions()
			if asJSON {
				type jr struct {
					*archive.Destruction
					Status string `json:"status"`
				}
				out := []jr{}
				for _, r := range rs {
					out = append(out, jr{r, r.Status()})
				}
				return printJSON(e.io.Out, out)
			}
			var rows [][]string
			for _, r := range rs {
				// Each approval: supervisor:su 2026-11-22; in Chinese
				// 客户信息主管 su（2026-11-22）, joined with ；.
				var aps []string
				for _, ap := range r.Approvals {
					if l10n.Chinese() {
						aps = append(aps, fmt.Sprintf("%s %s（%s）", roleTitle(ap.Role, a.Policy), ap.Member, ap.Date))
					} else {
						aps = append(aps, fmt.Sprintf("%s:%s %s", ap.Role, ap.Member, ap.Date))
					}
				}
				st := archive.DestroyStatusText(r.Status())
				if n := r.NextRole(); n != "" {
					st += " → " + roleTitle(n, a.Policy)
				}
				if !r.Rejected.IsZero() { // who ended it, when and why, as --json has it
					st = l10n.Sprintf("%s by %s on %s: %s", st, r.RejectedBy, a.Date(r.Rejected), r.RejectNote)
				}
				done := ""
				if !r.Executed.IsZero() {
					done = a.Date(r.Executed) + " " + strings.Join(r.Witnesses, l10n.Pick(",", "、"))
				}
				rows = append(rows, []string{r.ID, r.Dossier, st, r.Reason, strings.Join(aps, l10n.Pick("; ", "；")), done})
			}
			return printTable(e.io.Out, []string{l10n.Pick("REQUEST", "申请号"), l10n.Pick("DOSSIER", "档案"), l10n.Pick("STATUS", "状态"), l10n.Pick("REASON", "理由"), l10n.Pick("APPROVALS", "审批"), l10n.Pick("EXECUTED / WITNESSES", "执行日期/监销人")}, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}
