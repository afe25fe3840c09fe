package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newBorrowCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "borrow",
		Short: l10n.Pick("Borrowing (借阅, R7.1): request, endorse, approve, cancel, reject, renew, return, list", "借阅 (R7.1)：申请、部门经理签字、审批、撤回、驳回、续借、归还、列表"),
	}
	c.AddCommand(newBorrowRequestCmd(e), newBorrowEndorseCmd(e), newBorrowApproveCmd(e),
		newBorrowCancelCmd(e), newBorrowRejectCmd(e),
		newBorrowRenewCmd(e), newBorrowReturnCmd(e), newBorrowListCmd(e))
	return c
}

func newBorrowRequestCmd(e *env) *cobra.Command {
	var purpose string
	var days int
	c := &cobra.Command{
		Use:   "request ID --purpose P [--days N]",
		Short: l10n.Pick("Ask to borrow a dossier (managers and above)", "申请借阅档案（经理及以上）"),
		Args:  cobra.ExactArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("days") && days < 1 {
				return usagef("--days %d: a loan lasts at least one day", days)
			}
			return nil
		},
		RunE: e.oneDossierLoanStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
			l, err := a.BorrowRequest(id, purpose, days)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Loan %s requested: dossier %s for %d day(s).", l.ID, l.Dossier, l.Days))
			if l.NeedsSign && l.EndorsedBy == "" {
				e.printf("%s\n", l10n.Sprintf("It needs the sign-off of a dept_manager of %s (R6.7): `crm borrow endorse %s`.", l.Department, l.ID))
			}
			level := a.State.Dossiers[l.Dossier].Level
			need := a.Policy.LoanApprovers(level)
			e.printf("%s\n", l10n.Sprintf("Approval by %s: `crm borrow approve %s`.", roleChain(need, a.Policy, " + "), l.ID))
			if me, _ := a.Me(); me.HasRole(need...) {
				e.printf("%s\n", l10n.Sprintf("You may not approve your own loan: another %s or a %s approves in your stead.", roleChain(need, a.Policy, "/"), roleChain(a.Policy.SelfLoanApprovers(), a.Policy, "/")))
			}
			return nil
		})),
	}
	c.Flags().StringVar(&purpose, "purpose", "", l10n.Pick("what the dossier is borrowed for (on the borrow card)", "借阅用途（记入借阅卡）"))
	c.Flags().IntVar(&days, "days", 0, l10n.Pick("loan period in days (default and maximum: policy loan.days)", "借期天数（默认与上限见策略 loan.days）"))
	return c
}

func newBorrowEndorseCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "endorse LOAN",
		Short: l10n.Pick("Sign a loan request as the requester's department manager (R6.7)", "以申请人所在部门经理身份签字 (R6.7)"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, err := a.BorrowEndorse(arg)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Loan %s signed by %s for %s.", l.ID, l.EndorsedBy, l.Department))
			return nil
		})),
	}
}

func newBorrowApproveCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "approve LOAN",
		Short: l10n.Pick("Approve a loan; the last approval gives the borrower access and prints the borrow card", "审批借阅；最后一项批准后借阅人可解密，并打印借阅卡"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, last, err := a.BorrowApprove(arg)
			if err != nil {
				return err
			}
			if !last {
				d := a.State.Dossiers[l.Dossier]
				e.printf("%s\n", l10n.Sprintf("Loan %s approved by %s; still waiting for the other approvers of level %s (%s).", l.ID, l.Approvals[len(l.Approvals)-1].Member, d.Level, roleChain(a.Policy.LoanApprovers(d.Level), a.Policy, " + ")))
				return nil
			}
			e.printf("%s\n", l10n.Sprintf("Loan %s approved: %s can read dossier %s until %s.", l.ID, l.Borrower, l.Dossier, a.FormatTime(l.Due)))
			if d := a.State.Dossiers[l.Dossier]; !slices.Contains(d.Recipients, l.Borrower) {
				// Approved by a role that only reads: it writes no file.
				e.printf("%s\n", l10n.Sprintf("The file is encrypted to %s at a writer's next step: a writer of level %s runs `crm maintain` or `crm rekey`.", l.Borrower, d.Level))
			}
			return printCard(e, namedCard(a, cardOf(a, l, l10n.Pick)))
		})),
	}
}

func newBorrowCancelCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "cancel LOAN [--reason R]",
		Short: l10n.Pick("Withdraw your own loan request while it waits", "撤回自己尚未批准的借阅申请"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, err := a.BorrowCancel(arg, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Loan request %s of %s withdrawn.", l.ID, l.Dossier))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why it is withdrawn (optional)", "撤回原因（可选）"))
	return c
}

func newBorrowRejectCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject LOAN --reason R",
		Short: l10n.Pick("Reject a loan request that waits (one who may approve it)", "驳回尚未批准的借阅申请（有审批权者）"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, err := a.BorrowReject(arg, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Loan request %s of %s by %s rejected: %s", l.ID, l.Dossier, l.Borrower, l.Reason))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why it is rejected (the requester reads it)", "驳回原因（申请人可见）"))
	return c
}

// cardOf is loan l's borrow card (journaled with its last approval) with
// what happened since filled in: renewals, due date, return, revocation.
// pick chooses the words (English or Chinese) of whether it came back
// intact and of a revocation.
func cardOf(a *archive.Archive, l *archive.Loan, pick func(en, zh string) string) *archive.BorrowCard {
	if l.Card == nil {
		return nil
	}
	c := *l.Card
	// The due time to the minute, as the approval says it: the loan falls
	// overdue at that instant (R7.1), not at the end of its due date.
	c.Renewals, c.Due = l.Renewals, a.FormatTime(l.Due)
	// The level it went out at by R7.2.4, as the borrow register prints
	// it: the card records the marking the journal had, which is still
	// 机密 for a dossier whose secrecy period had run out (内部) until
	// crm maintain journals its declassification.
	if d := a.State.Dossiers[l.Dossier]; d != nil && !l.Out.IsZero() {
		if lv := a.State.EffectiveLevelAt(d, l.Out.Add(time.Nanosecond)); lv != "" {
			c.Level = lv
		}
	}
	if !l.Returned.IsZero() {
		c.Returned = a.Date(l.Returned)
		c.Intact = map[bool]string{true: pick("yes", "是"), false: pick("no", "否")}[l.Intact]
		c.Remarks = l.Note
	}
	switch {
	case l.Expired.IsZero() || c.Remarks != "":
	case l.RoleLost():
		// Taken back by the time it was due because the borrower lost
		// the role to borrow (R7.1), as the borrow register says: not
		// an overdue loan.
		c.Remarks = fmt.Sprintf(pick("access revoked %s: borrower no longer entitled to borrow", "已于 %s 撤销访问权限：借阅人已无借阅资格"), a.Date(l.Expired))
	default:
		c.Remarks = fmt.Sprintf(pick("access revoked %s: overdue", "已于 %s 撤销访问权限：逾期"), a.Date(l.Expired))
	}
	return &c
}

// memberLabel is member id with their name, as lists and cards name people
// ("zhao 赵六"): the id alone when it is empty or the member has no name.
func memberLabel(a *archive.Archive, id string) string {
	if n := a.State.MemberName(id); id != "" && n != id {
		return id + " " + n
	}
	return id
}

// namedCard is card c with who signed and who approved named as on a
// paper card and in the borrow register (R7.1, R6.7): the card journals
// their member ids, printed as the borrower is, id and name.
func namedCard(a *archive.Archive, c *archive.BorrowCard) *archive.BorrowCard {
	if c == nil {
		return nil
	}
	n := *c
	n.EndorsedBy = memberLabel(a, n.EndorsedBy)
	n.Approvers = make([]string, len(c.Approvers))
	for i, id := range c.Approvers {
		n.Approvers[i] = memberLabel(a, id)
	}
	return &n
}

// printCard prints a borrow card (借阅卡) as a two-column table.
func printCard(e *env, c *archive.BorrowCard) error {
	if c == nil {
		return nil
	}
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	rows := [][]string{
		{l10n.Pick("card no. (卡号)", "卡号"), c.Card},
		{l10n.Pick("dossier (档案)", "档案编号"), c.Dossier},
		{l10n.Pick("level (密级)", "密级"), c.Level},
		{l10n.Pick("borrower (借阅人)", "借阅人"), c.Borrower + " " + c.BorrowerName},
		{l10n.Pick("title (职务)", "职务"), c.Title},
		{l10n.Pick("department (部门)", "部门"), c.Department},
		{l10n.Pick("purpose (用途)", "用途"), c.Purpose},
		{l10n.Pick("dept. manager's sign-off (部门经理签字)", "部门经理签字"), dash(c.EndorsedBy)},
		{l10n.Pick("approved by (批准人)", "批准人"), l10n.List(c.Approvers)},
		{l10n.Pick("date out (借出日期)", "借出日期"), c.Out},
		// The due time to the minute (cardOf), not a date alone.
		{l10n.Pick("due (应还时间)", "应还时间"), c.Due},
		{l10n.Pick("renewals (续借次数)", "续借次数"), strconv.Itoa(c.Renewals)},
		{l10n.Pick("returned (归还日期)", "归还日期"), dash(c.Returned)},
		{l10n.Pick("returned intact (完好)", "归还时是否完好"), dash(c.Intact)},
		{l10n.Pick("remarks (备注)", "备注"), dash(c.Remarks)},
	}
	return printTable(e.io.Out, []string{l10n.Pick("BORROW CARD 借阅卡", "借阅卡"), ""}, rows)
}

func newBorrowRenewCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "renew LOAN",
		Short: l10n.Pick("Extend a loan by its period (policy loan.renewals times)", "续借（次数见策略 loan.renewals）"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, err := a.BorrowRenew(arg)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Loan %s renewed: due %s.", l.ID, a.FormatTime(l.Due)))
			return nil
		})),
	}
}

func newBorrowReturnCmd(e *env) *cobra.Command {
	var intact bool
	var damaged string
	c := &cobra.Command{
		Use:   "return LOAN [--intact | --damaged NOTE]",
		Short: l10n.Pick("Record a return; a borrower who reads the dossier only by the loan loses access", "登记归还；仅凭借阅阅读档案的借阅人不再能解密"),
		Args:  cobra.ExactArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if intact && cmd.Flags().Changed("damaged") {
				return usagef("--intact and --damaged exclude each other")
			}
			if cmd.Flags().Changed("damaged") && strings.TrimSpace(damaged) == "" {
				return usagef("--damaged needs a note saying what is damaged or missing")
			}
			return nil
		},
		RunE: e.oneLoanStep(e.stepOn(func(a *archive.Archive, arg string) error {
			l, err := a.BorrowReturn(arg, damaged == "", damaged)
			if err != nil {
				return err
			}
			state := l10n.T("intact")
			if !l.Intact {
				state = l10n.Sprintf("damaged: %s", l.Note)
			}
			d := a.State.Dossiers[l.Dossier]
			if d != nil && slices.Contains(a.State.ExpectedRecipients(d), l.Borrower) {
				// A borrower who reads the level by a role (a manager's
				// loan of a 机密 dossier, on a borrow card as R7.1 asks)
				// keeps reading it: saying they lost access was not true.
				e.printf("%s\n", l10n.Sprintf("Loan %s returned (%s); %s still reads %s by their role.", l.ID, state, l.Borrower, l.Dossier))
				return nil
			}
			if d != nil && slices.Contains(d.Recipients, l.Borrower) {
				// Returned by the borrower, who may not write the file:
				// it is still encrypted to their key (helper-74: saying
				// they had no access any more was not true).
				e.printf("%s\n", l10n.Sprintf("Loan %s returned (%s).", l.ID, state))
				e.printf("%s\n", l10n.Sprintf("crm no longer opens it for %s, but the file of %s is still encrypted to their key until a writer of its level re-encrypts it (`crm maintain` or `crm repair`).", l.Borrower, l.Dossier))
				return nil
			}
			e.printf("%s\n", l10n.Sprintf("Loan %s returned (%s); %s no longer has access to %s.", l.ID, state, l.Borrower, l.Dossier))
			return nil
		})),
	}
	c.Flags().BoolVar(&intact, "intact", false, l10n.Pick("returned complete and undamaged (the default)", "完好归还（默认）"))
	c.Flags().StringVar(&damaged, "damaged", "", l10n.Pick("returned damaged or incomplete: say what", "有损坏或缺失：说明情况"))
	return c
}

func newBorrowListCmd(e *env) *cobra.Command {
	var overdue, asJSON bool
	c := &cobra.Command{
		Use:   "list [--overdue] [--json]",
		Short: l10n.Pick("List loans (the borrow register, 借阅登记), from the journal", "列出借阅（借阅登记），只读日志"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryLoans // reads only the loans
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			ls := a.Loans(overdue)
			if overdue && len(ls) > 0 {
				e.exit = ExitDue // for cron, as review due and maintain
			}
			if asJSON {
				type jl struct {
					*archive.Loan
					Status  string `json:"status"`
					Overdue bool   `json:"overdue"`
				}
				out := []jl{}
				for _, l := range ls {
					// The card as it stands, as printed, not as journaled
					// at the approval (renewed, returned: R7.1), in the
					// department's words whatever the language, as the
					// reports' JSON.
					x := *l
					x.Card = cardOf(a, l, func(_, zh string) string { return zh })
					out = append(out, jl{&x, a.State.LoanStatus(l), l.Overdue(a.Now())})
				}
				return printJSON(e.io.Out, out)
			}
			var rows [][]string
			for _, l := range ls {
				due, st := "", archive.LoanStatusText(a.State.LoanStatus(l))
				if !l.Due.IsZero() {
					// To the minute: a loan falls overdue at its due
					// time (R7.1), which a date alone does not say.
					due = a.FormatTime(l.Due)
				}
				if !l.Expired.IsZero() {
					// The day maintain took the access back, which the
					// borrow register gives too (loan.expire).
					d := a.Date(l.Expired)
					st += l10n.Pick(" ("+d+")", "（"+d+"）")
				}
				if l.Overdue(a.Now()) {
					st += " " + l10n.Pick("OVERDUE", "逾期")
				}
				rows = append(rows, []string{l.ID, l.Dossier, l.Borrower, l.Department, st, due, l.Purpose})
			}
			return printTable(e.io.Out, []string{l10n.Pick("LOAN", "借阅号"), l10n.Pick("DOSSIER", "档案"), l10n.Pick("BORROWER", "借阅人"), l10n.Pick("DEPARTMENT", "部门"), l10n.Pick("STATUS", "状态"), l10n.Pick("DUE", "应还时间"), l10n.Pick("PURPOSE", "用途")}, rows)
		},
	}
	c.Flags().BoolVar(&overdue, "overdue", false, l10n.Pick("only loans past due and not returned (exit 10 when there are any, for cron)", "仅列出逾期未还（有则退出码为 10，供 cron 使用）"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}
