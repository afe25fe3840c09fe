package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
	"crm/report"
)

// Statistics requests (R6.7): a member outside 客服部 asks, their own
// department manager signs, 客服部's manager approves; then `crm report`
// works for them and says under which request.

func newRequestCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "request stats|endorse|approve|reject|list",
		Short: l10n.Pick("Ask for customer statistics from outside 客服部 (R6.7): request, department manager's signature, approval", "其他部门申请客户统计资料 (R6.7)：申请、部门经理签字、客服部批准"),
	}
	c.AddCommand(newRequestStatsCmd(e), newRequestStepCmd(e, "endorse"), newRequestStepCmd(e, "approve"), newRequestRejectCmd(e), newRequestListCmd(e))
	return c
}

func newRequestStatsCmd(e *env) *cobra.Command {
	var purpose string
	var reports []string
	c := &cobra.Command{
		Use:   "stats --purpose P [--report NAME]...",
		Short: l10n.Pick("Ask for the department's reports (members outside 客服部)", "申请客服部的统计报表（其他部门人员）"),
		Long: l10n.Pick(`Ask 客服部 for customer statistics (R6.7): the reports named with --report
(`+strings.Join(report.Reports, ", ")+`), or all of them. Your own department's
manager signs (crm request endorse; a department manager's own request carries
their signature), then 客服部's manager approves (crm request approve). Once
approved you may run crm report for policy requests.valid_days days (30 by
default): your key counts only the dossiers it opens, so for figures from
dossier content 客服部 makes the report for you (crm report NAME --for REQUEST).
Each report says for whom and under which request it was made.`, `向客服部申请客户统计资料（R6.7）：--report 指定的报表（`+strings.Join(report.Reports, "、")+`），未指定则为全部。
先由本部门经理签字（crm request endorse；部门经理本人申请视为已签字），再由客服部经理批准（crm request approve）。
批准后可在策略 requests.valid_days 天内（默认 30 天）运行 crm report；您的密钥只统计它能打开的档案，需档案内容的统计由客服部为您编制（crm report 报表名 --for 申请编号）。报表注明为谁、依哪份申请编制。`),
		Args: cobra.NoArgs,
		RunE: e.headerStep(func(cmd *cobra.Command, args []string) error {
			for _, r := range reports {
				if !slices.Contains(report.Reports, r) {
					return usagef("--report %q: choose from %s", r, l10n.List(report.Reports))
				}
			}
			a, err := e.open(true)
			if err != nil {
				return err
			}
			r, err := a.RequestStatistics(purpose, reports)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Request %s made: %s for %s.", r.ID, requestReports(r), r.Purpose))
			if r.EndorsedBy == "" {
				e.printf("%s\n", l10n.Sprintf("It needs the signature of a dept_manager of %s (R6.7): `crm request endorse %s`.", r.Department, r.ID))
			}
			e.printf("%s\n", l10n.Sprintf("Then 客服部's approval: `crm request approve %s`.", r.ID))
			return nil
		}),
	}
	c.Flags().StringVar(&purpose, "purpose", "", l10n.Pick("what the statistics are for", "用途"))
	c.Flags().StringSliceVar(&reports, "report", nil, l10n.Pick("a report asked for (repeat; default: every report)", "申请的报表（可重复；默认全部）"))
	return c
}

// reportTitle is report name's title in lang, from its layout (the
// archive's override or the built-in one); its name when lang is English
// (the name --report takes) or the layout does not load.
func reportTitle(a *archive.Archive, name, lang string) string {
	if lang == report.LangEn {
		return name
	}
	l, err := report.LoadLayout(name, a.Overrides())
	if err != nil || l.Title.Zh == "" {
		return name
	}
	return l.Title.In(lang)
}

// requestReports names what a request covers.
func requestReports(r *archive.StatsRequest) string {
	if len(r.Reports) == 0 {
		return l10n.T("every report")
	}
	return l10n.List(r.Reports)
}

func newRequestStepCmd(e *env, step string) *cobra.Command {
	short := map[string][2]string{
		"endorse": {"Sign a statistics request as the requester's department manager (R6.7)", "以申请人所在部门经理身份签字 (R6.7)"},
		"approve": {"Approve a signed statistics request for 客服部 (R6.7)", "客服部批准已签字的统计资料申请 (R6.7)"},
	}[step]
	return &cobra.Command{
		Use:   step + " REQUEST",
		Short: l10n.Pick(short[0], short[1]),
		Args:  cobra.ExactArgs(1),
		RunE: e.headerStep(e.stepOn(func(a *archive.Archive, id string) error {
			if step == "endorse" {
				r, err := a.EndorseRequest(id)
				if err != nil {
					return err
				}
				e.printf("%s\n", l10n.Sprintf("Request %s signed by %s for %s.", r.ID, r.EndorsedBy, r.Department))
				return nil
			}
			r, err := a.ApproveRequest(id)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Request %s approved: %s may make %s until %s.", r.ID, r.By, requestReports(r), r.Expires))
			return nil
		})),
	}
}

func newRequestRejectCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject REQUEST --reason R",
		Short: l10n.Pick("Reject a statistics request that waits (客服部's approver or the department manager)", "驳回待处理的统计资料申请（客服部审批人或申请人部门经理）"),
		Args:  cobra.ExactArgs(1),
		RunE: e.headerStep(e.stepOn(func(a *archive.Archive, id string) error {
			r, err := a.RejectRequest(id, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Request %s by %s rejected: %s", r.ID, r.By, r.Reason))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why it is rejected (the requester reads it)", "驳回原因（申请人可见）"))
	return c
}

func newRequestListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: l10n.Pick("List the statistics requests, from the journal", "列出统计资料申请（只读日志）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryNone // reads only the requests
			a, err := e.open(false)
			if err != nil {
				return err
			}
			rs := a.State.SortedRequests()
			if asJSON {
				type jr struct {
					*archive.StatsRequest
					Status string `json:"status"`
				}
				out := []jr{}
				for _, r := range rs {
					out = append(out, jr{r, a.RequestStatus(r)})
				}
				return printJSON(e.io.Out, out)
			}
			// People by id and name, as the member, borrow and hand-in
			// lists give them; reports by their titles in the Chinese
			// table (R6.7: what the department calls what it gives out).
			who := func(id string) string { return memberLabel(a, id) }
			lang := l10n.Pick(report.LangEn, report.LangZh)
			titles := map[string]string{}
			var rows [][]string
			for _, r := range rs {
				names := requestReports(r)
				if len(r.Reports) > 0 {
					var ts []string
					for _, name := range r.Reports {
						t, ok := titles[name]
						if !ok {
							t = reportTitle(a, name, lang)
							titles[name] = t
						}
						ts = append(ts, t)
					}
					names = l10n.List(ts)
				}
				rows = append(rows, []string{r.ID, who(r.By), r.Department, r.Purpose, names,
					who(r.EndorsedBy), who(r.ApprovedBy), requestStatusText(a.RequestStatus(r)), r.Expires + r.Reason})
			}
			return printTable(e.io.Out, []string{l10n.Pick("REQUEST", "申请编号"), l10n.Pick("BY", "申请人"), l10n.Pick("DEPARTMENT", "部门"), l10n.Pick("PURPOSE", "用途"),
				l10n.Pick("REPORTS", "报表"), l10n.Pick("SIGNED", "部门经理签字"), l10n.Pick("APPROVED", "批准人"), l10n.Pick("STATUS", "状态"), l10n.Pick("VALID UNTIL / REASON", "有效期至/驳回原因")}, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}
