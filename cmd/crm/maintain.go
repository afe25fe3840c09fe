package main

import (
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

func newMaintainCmd(e *env) *cobra.Command {
	var within string
	var asJSON, all bool
	c := &cobra.Command{
		Use:   "maintain [--within DUR] [--json]",
		Short: l10n.Pick("Cron job: revoke expired loans, declassify, re-encrypt stale files, report overdue loans, due reviews, pending approvals, overdue visits, complaints past retention, missing hand-ins (exit 10 when a person is needed)", "定时任务：收回逾期借阅权限、自行解密、重新加密收件人过期的档案，提示逾期、待核定、待审批、逾期未拜访、投诉记录到期、未交客户信息报告等事项（需人处理时退出码 10）"),
		Long: l10n.Pick(`Revoke the access of loans past due, and of loans out whose borrower no longer
holds a role that may borrow (R7.1), re-encrypting their dossiers, and print
overdue loans, reviews (核定) due within --within, overdue or missed in an
earlier quarter, requests waiting for a sign-off or approval, customers whose
visit is overdue by the policy's cadence (contacts.visit_every), complaint
records kept past their retention (contacts.complaint_retention), and
members who have not handed in this month's customer information report
(R6.1). Safe to run every hour: a run with nothing to revoke writes nothing.
Exit 10 when something needs a person, so cron can mail the output. It also
re-encrypts files whose recipients a step recorded without a file (a
borrower's own return, the gm's approval). Run it with a writer's key for
every level (the manager's): only a writer of a level writes its files, so
with a key that only reads, the access of overdue loans is revoked in the
journal but the files wait for a writer; dossiers the key cannot open are
not checked for visits and complaints (their number is printed).

crontab (hourly; chronic from moreutils keeps cron quiet unless the exit is non-zero, e.g. 10):
  0 * * * *  cd /srv/crm-archive && CRM_IDENTITY=/etc/crm/maintain.key chronic crm maintain

systemd: crm-maintain.service
  [Service]
  Type=oneshot
  WorkingDirectory=/srv/crm-archive
  Environment=CRM_IDENTITY=/etc/crm/maintain.key
  ExecStart=/usr/local/bin/crm maintain
  SuccessExitStatus=10
and crm-maintain.timer
  [Timer]
  OnCalendar=hourly
  Persistent=true
  [Install]
  WantedBy=timers.target`, `收回逾期借阅及借阅人已不再担任可借阅角色 (R7.1) 的借阅的解密权限（重新加密），并列出逾期借阅、--within 期限内到期、已逾期或以往漏做的核定、
待签字或待审批的申请、按策略拜访间隔已逾期未拜访的客户、超过保存期限的投诉记录、本月尚未提交客户信息报告的
人员 (R6.1)。可每小时运行：无事可做时不写任何文件。需人处理时退出码 10，便于 cron 发信。
还会重新加密收件人已由无文件步骤改变的档案（借阅人自行归还、总经理批准）。请用各密级写入者的密钥运行（经理的密钥）：
只有该密级的写入者才能写文件；无法解密的档案不检查拜访与投诉，并提示其份数。crontab 与 systemd 定时器示例见英文帮助（--lang en）。`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			win, err := parseSpanFlag("--within", within)
			if err != nil {
				return err
			}
			// One line per loan, 核定, visit… (195k at 100,000 dossiers).
			flush := e.bufferOut()
			defer func() {
				if ferr := flush(); err == nil {
					err = ferr
				}
			}()
			// The whole snapshot's state, taken under the lock (Maintain):
			// its steps (loan.expire, declassify, rekey) read no events.
			// Before that, the snapshot's header is all it needs.
			e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryNone
			a, err := e.open(true)
			if err != nil {
				return err
			}
			rep, err := a.Maintain(e.ctx(), win)
			if rep == nil {
				return err
			}
			if rep.NeedsPerson() {
				e.exit = ExitDue
			}
			if asJSON {
				if perr := printJSON(e.io.Out, rep); perr != nil {
					return perr
				}
				return err
			}
			e.printLoansAndReviews(a, rep, all)
			e.printPendingRequests(a, rep, all)
			e.printRulebookDues(rep, all)
			if !rep.NeedsPerson() && len(rep.Expired) == 0 && len(rep.RoleLost) == 0 && rep.Declassified == 0 && len(rep.Rekeyed) == 0 && len(rep.Bundled) == 0 {
				e.printf("%s\n", l10n.T("Nothing to do."))
			}
			return err
		},
	}
	c.Flags().StringVar(&within, "within", "14d", l10n.Pick("report reviews when the quarter ends within this window", "季度结束前多久开始提示核定"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	c.Flags().BoolVar(&all, "all", false, l10n.Pick("print every line (default: the first 20 of each kind, then how many more)", "逐条列出全部（默认每类只列前 20 条并注明其余条数）"))
	return c
}

// maintainShown is how many lines of one kind maintain prints without
// --all: at 100,000 dossiers a run printed ~195,000 (every dossier's
// visit overdue and missed 核定), which cron mails every hour.
const maintainShown = 20

// capLines prints n lines of one kind (print(i) writes the i-th), the
// first maintainShown unless all, then how many more there are.
func (e *env) capLines(n int, all bool, print func(i int)) {
	shown := n
	if !all && n > maintainShown {
		shown = maintainShown
	}
	for i := range shown {
		print(i)
	}
	if shown < n {
		e.linef(l10n.T("… and %d more like the line above: `crm maintain --all` prints every one, --json lists them"), n-shown)
	}
}

// printLoansAndReviews prints what the run did and what waits in the
// journal's workflows: loans, 核定, destructions.
func (e *env) printLoansAndReviews(a *archive.Archive, rep *archive.MaintainReport, all bool) {
	e.capLines(len(rep.Expired), all, func(i int) {
		l := rep.Expired[i]
		e.linef(l10n.T("revoked: loan %s of %s by %s was due %s; the file no longer opens with their key."), l.ID, l.Dossier, l.Borrower, a.FormatTime(l.Due))
	})
	e.capLines(len(rep.RoleLost), all, func(i int) {
		l := rep.RoleLost[i]
		e.linef(l10n.T("revoked: loan %s of %s by %s, who no longer holds a role that may borrow (R7.1); the file no longer opens with their key."), l.ID, l.Dossier, l.Borrower)
	})
	if n := len(rep.Rekeyed); n > 0 {
		ids := rep.Rekeyed
		if !all && n > maintainShown {
			ids = append(ids[:maintainShown:maintainShown], l10n.Sprintf("… %d more", n-maintainShown))
		}
		e.linef(l10n.T("re-encrypted: %d dossier(s) to the recipients the journal gives them now (%s)."), n, l10n.List(ids))
	}
	if rep.Declassified > 0 {
		e.linef(l10n.T("declassified: %d dossier(s) whose secrecy period ran out are now 内部 (R7.2.4)."), rep.Declassified)
	}
	for _, b := range rep.Bundled {
		e.linef(l10n.T("bundled: %s: %d event(s) in %s, in place of %d file(s)."), b.Month, b.Events, b.File, b.Files)
	}
	e.capLines(len(rep.Overdue), all, func(i int) {
		l := rep.Overdue[i]
		e.linef(l10n.T("overdue: loan %s of %s by %s, due %s: `crm borrow return %s`"), l.ID, l.Dossier, l.Borrower, a.FormatTime(l.Due), l.ID)
	})
	lefts := map[int]string{} // "%s days left", by the days: one string each
	e.capLines(len(rep.Reviews), all, func(i int) {
		r := rep.Reviews[i]
		left, ok := lefts[r.DaysLeft]
		if !ok {
			left = l10n.Sprintf("%s days left", strconv.Itoa(r.DaysLeft))
			lefts[r.DaysLeft] = left
		}
		if r.Overdue {
			left = l10n.T("overdue")
		}
		if who := reviewerElse(a, r.ID); who != "" {
			e.linef(l10n.T("review due: %s (%s, created by %s) for %s, %s: your key does not open it; %s records it (`crm review done %s`)"), r.ID, r.Level, r.Owner, rep.Quarter, left, who, r.ID)
			return
		}
		e.linef(l10n.T("review due: %s (%s, created by %s) for %s, %s: `crm review done %s`"), r.ID, r.Level, r.Owner, rep.Quarter, left, r.ID)
	})
	e.capLines(len(rep.Missed), all, func(i int) {
		m := rep.Missed[i]
		if who := reviewerElse(a, m.ID); who != "" {
			e.linef(l10n.T("review missed: %s (%s, created by %s) was not verified in %s: your key does not open it; %s records it (`crm review done %s --quarter %s`)"), m.ID, m.Level, m.Owner, m.Quarters, who, m.ID, m.Quarters[0].First())
			return
		}
		e.linef(l10n.T("review missed: %s (%s, created by %s) was not verified in %s: `crm review done %s --quarter %s`"), m.ID, m.Level, m.Owner, m.Quarters, m.ID, m.Quarters[0].First())
	})
	e.capLines(len(rep.PendingLoans), all, func(i int) {
		l := rep.PendingLoans[i]
		switch next := a.State.NextForLoan(l); {
		case slices.Equal(next, []string{"dept_manager"}) && len(a.State.Endorsers(l.Department, l.Borrower)) == 0:
			e.linef(l10n.T("waiting: loan %s of %s by %s needs the signature of a department manager of %s, and no member is one: a manager adds one (`crm member add ID --name NAME --role dept_manager --department %s --public FILE`), or the loan is rejected (`crm borrow reject %s --reason R`)"), l.ID, l.Dossier, l.Borrower, l.Department, l.Department, l.ID)
		case slices.Equal(next, []string{"dept_manager"}):
			e.linef(l10n.T("waiting: loan %s of %s by %s needs the signature of a department manager of %s: `crm borrow endorse %s`"), l.ID, l.Dossier, l.Borrower, l.Department, l.ID)
		case len(next) > 0 && a.State.Members[l.Borrower].HasRole(next...):
			e.linef(l10n.T("waiting: loan %s of %s by %s needs the approval of another %s or a %s (nobody approves their own loan): `crm borrow approve %s`"), l.ID, l.Dossier, l.Borrower, roleChain(next, a.Policy, "/"), roleChain(a.Policy.SelfLoanApprovers(), a.Policy, "/"), l.ID)
		case len(next) > 0:
			e.linef(l10n.T("waiting: loan %s of %s by %s needs the approval of %s: `crm borrow approve %s`"), l.ID, l.Dossier, l.Borrower, roleChain(next, a.Policy, l10n.Pick(" and ", "和")), l.ID)
		default:
			e.linef(l10n.T("waiting: loan %s of %s by %s needs a sign-off or approval"), l.ID, l.Dossier, l.Borrower)
		}
	})
	e.capLines(len(rep.Ahead), all, func(i int) {
		x := rep.Ahead[i]
		what := archive.KindText(journal.Kind(x.Kind))
		if x.Dossier != "" {
			what += " " + x.Dossier
		}
		e.linef(l10n.T("dated ahead: %s by %s (event %s) is dated %s, after this computer's clock by more than %s: it counts from then on, possibly over steps taken meanwhile on the same dossier; if this clock is behind, set it right, else ask %s to set theirs"), what, x.Actor, journal.ShortHash(x.Event), a.FormatTime(x.Time), archive.ClockSkew, x.Actor)
	})
	e.capLines(len(rep.Destructions), all, func(i int) {
		r := rep.Destructions[i]
		if n := r.NextRole(); n != "" {
			e.linef(l10n.T("waiting: destruction request %s of %s needs a %s's approval"), r.ID, r.Dossier, roleTitle(n, a.Policy))
		} else {
			e.linef(l10n.T("waiting: destruction request %s of %s is approved and waits to be executed"), r.ID, r.Dossier)
		}
	})
}

// printPendingRequests prints the statistics requests waiting for a
// step (R6.7), and says so when no member may take it.
func (e *env) printPendingRequests(a *archive.Archive, rep *archive.MaintainReport, all bool) {
	e.capLines(len(rep.PendingRequests), all, func(i int) {
		r := rep.PendingRequests[i]
		home := a.Policy.HomeDepartment
		switch {
		case r.Needs == archive.NeedsEndorsement && len(r.Who) > 0:
			e.linef(l10n.T("waiting: statistics request %s by %s (%s) needs the signature of a department manager of %s (%s): `crm request endorse %s`"), r.ID, r.By, r.Department, r.Department, l10n.List(r.Who), r.ID)
		case r.Needs == archive.NeedsEndorsement:
			e.linef(l10n.T("waiting: statistics request %s by %s (%s) needs the signature of a department manager of %s, and no member is one: a manager adds one (`crm member add ID --name NAME --role dept_manager --department %s --public FILE`), or the request is rejected (`crm request reject %s --reason R`)"), r.ID, r.By, r.Department, r.Department, r.Department, r.ID)
		case len(r.Who) > 0:
			e.linef(l10n.T("waiting: statistics request %s by %s (%s) is signed and needs %s's approval (%s): `crm request approve %s`"), r.ID, r.By, r.Department, home, l10n.List(r.Who), r.ID)
		default:
			e.linef(l10n.T("waiting: statistics request %s by %s (%s) is signed and needs %s's approval, and no member but its requester may give it: a manager gives one the role (`crm member roles ID ROLE…`)"), r.ID, r.By, r.Department, home)
		}
	})
}

// printRulebookDues prints the hand-ins (R6.1) and what the dossiers' own
// records call for: visits and complaints.
func (e *env) printRulebookDues(rep *archive.MaintainReport, all bool) {
	e.capLines(len(rep.HandInsMissing), all, func(i int) {
		m := rep.HandInsMissing[i]
		e.linef(l10n.T("hand-in missing: %s %s has not handed in the customer information report for %s, due %s (R6.1): `crm submit`"), m.Member, m.Name, m.Month, m.Due)
	})
	e.capLines(len(rep.HandInsPending), all, func(i int) {
		sub := rep.HandInsPending[i]
		about := sub.About
		if about == "" {
			about = l10n.T("a new customer")
		}
		if slices.Contains(rep.HandInsOrphaned, sub.ID) {
			// Merging it fails: its dossier is gone.
			e.linef(l10n.T("waiting: hand-in %s by %s is about %s, which was destroyed, so it cannot be merged: `crm submissions reject %s --reason R`"), sub.ID, sub.By, sub.About, sub.ID)
			return
		}
		e.linef(l10n.T("waiting: hand-in %s by %s (%s) waits to be merged: `crm submissions merge %s`"), sub.ID, sub.By, about, sub.ID)
	})
	e.capLines(len(rep.Visits), all, func(i int) {
		v := rep.Visits[i]
		last := v.LastVisit
		if last == "" {
			last = l10n.T("none yet")
		}
		e.linef(l10n.T("visit overdue: %s (%s, every %s, owner %s) was due a visit on %s; last visit: %s"), v.ID, v.Tier, v.Every, v.Owner, v.Due, last)
	})
	e.capLines(len(rep.Complaints), all, func(i int) {
		c := rep.Complaints[i]
		e.linef(l10n.T("complaint past retention: %s has %d complaint record(s) kept until %s: `crm contact remove %s --expired`"), c.ID, len(c.KeptUntil), commaList(c.KeptUntil), c.ID)
	})
	e.capLines(len(rep.SameCustomer), all, func(i int) {
		c := rep.SameCustomer[i]
		e.linef(l10n.T("same customer: %s has %d dossiers (%s): one dossier per customer (R6.2); keep one, file what the others hold into it (`crm edit ID`), and ask to destroy the others (`crm destroy request ID --reason R`)"), c.Name, len(c.Dossiers), commaList(c.Dossiers))
	})
	if rep.Unchecked > 0 {
		e.linef(l10n.T("note: %d dossier(s) could not be checked for visits, complaints and a customer's second dossier: your key does not open them."), rep.Unchecked)
	}
}

// reviewerElse is "" when the working member can record dossier id's 核定
// (R6.5: one who can read it); else who can, by role: those who may record
// a 核定 and read the level its readers follow (CanReadID), so that
// maintain does not hand a clerk a command that refuses.
func reviewerElse(a *archive.Archive, id string) string {
	if _, err := a.Me(); err != nil {
		return ""
	}
	can, level, known := a.CanReadID(id)
	if can || !known {
		return ""
	}
	roles := a.Policy.Reviewers(level)
	if len(roles) == 0 {
		return l10n.T("a member who can read it")
	}
	return roleChain(roles, a.Policy, l10n.Pick(" or ", "或"))
}
