package main

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

func newReviewCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "review",
		Short: l10n.Pick("The quarterly verification (核定, R6.5): what is due, recording it, the supervisor's sign-off", "季度核定 (R6.5)：待核定列表、登记与主管签核"),
	}
	c.AddCommand(newReviewDueCmd(e), newReviewDoneCmd(e), newReviewSignoffCmd(e))
	return c
}

// ownedBy reports whether a dossier whose journal owner is id (named
// name) is the --owner's: "" matches everyone.
func ownedBy(owner, id, name string) bool { return owner == "" || owner == id || owner == name }

func newReviewDueCmd(e *env) *cobra.Command {
	var quarter, within, owner string
	var asJSON bool
	c := &cobra.Command{
		Use:   "due [--quarter 2026Q4] [--within DUR] [--owner M] [--json]",
		Short: l10n.Pick("List dossiers not yet verified in the quarter, and earlier quarters missed, from the journal (exit 10 when any are due within the window, overdue or missed)", "列出本季度尚未核定的档案及以往漏核定的季度（只读日志；窗口内到期、已逾期或有漏核定时退出码 10）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryRows // reads only the dossiers' rows
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			// An --owner no member answers to would read as everything
			// verified. A name has no fixed form: whatever names nobody
			// is an error (exit 1), as an unknown id is, not a usage error.
			if owner != "" && !isMember(a.State, owner) {
				return l10n.Errorf("--owner %q: no member has that id or name (crm member list shows them)", owner)
			}
			q := a.Quarter()
			if quarter != "" {
				if q, err = parseQuarterFlag(quarter); err != nil {
					return err
				}
				// Nothing is due in a quarter that has not begun (R6.5): it
				// would read as every dossier verified.
				if now := a.Quarter(); now.Before(q) {
					return usagef("--quarter %s has not begun yet (this quarter is %s)", q, now)
				}
			}
			var win classify.Period
			if within != "" {
				if win, err = parseSpanFlag("--within", within); err != nil {
					return err
				}
			}
			// Quarters that ended without a 核定 stay listed until done
			// (R6.5); asked about one quarter, only that one is shown.
			all, ms := a.ReviewsDueAndMissed(q, quarter == "")
			due := all[:0:len(all)] // filtered in place
			alarm := false
			for _, r := range all {
				if !ownedBy(owner, r.Owner, r.OwnerName) {
					continue
				}
				due = append(due, r)
				if within == "" || a.DueWithin(r, win) {
					alarm = true
				}
			}
			missed := []archive.MissedReview{}
			if quarter == "" {
				if ms != nil {
					missed = ms[:0] // filtered in place: tens of thousands
				}
				for _, m := range ms {
					if ownedBy(owner, m.Owner, m.OwnerName) {
						missed = append(missed, m)
						alarm = true
					}
				}
			}
			if alarm {
				e.exit = ExitDue
			}
			if asJSON {
				return printJSON(e.io.Out, map[string]any{"quarter": q.String(), "due": due, "missed": missed})
			}
			return e.printReviewsDue(q, owner, due, missed)
		},
	}
	c.Flags().StringVar(&quarter, "quarter", "", l10n.Pick("calendar quarter, like 2026Q4 (default: the current one, with the quarters missed before it)", "日历季度，如 2026Q4（默认本季度，并列出以往漏核定的季度）"))
	c.Flags().StringVar(&within, "within", "", l10n.Pick("exit 10 only if the quarter ends within this window (14d, 2w, 1m) or is over; default: whenever any is due", "仅当季度在此期限内结束或已结束时退出码 10（如 14d）"))
	c.Flags().StringVar(&owner, "owner", "", l10n.Pick("only dossiers of this member (id or name; the member who created them)", "仅列出该成员（id 或姓名；建档人）的档案"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newReviewDoneCmd(e *env) *cobra.Command {
	var note, quarter, result string
	var allReadable, again bool
	var q classify.Quarter // from --quarter; zero: this quarter
	rec := func() archive.ReviewRecord { return archive.ReviewRecord{Note: note, Result: result} }
	one := e.oneDossierStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
		if again {
			done, err := a.ReviewDoneFor(id, q, rec())
			if err == nil {
				e.printf("%s\n", l10n.Sprintf("Dossier %s verified for %s.", id, done))
			}
			return err
		}
		done, had, err := a.ReviewDoneOnce(id, q, rec())
		switch {
		case err != nil:
			return err
		case had != nil:
			e.printAlreadyReviewed(a, id, had)
		default:
			e.printf("%s\n", l10n.Sprintf("Dossier %s verified for %s.", id, done))
		}
		return nil
	}))
	c := &cobra.Command{
		Use:   "done ID… | --all-readable [--note N] [--result R] [--quarter Q]",
		Short: l10n.Pick("Record this quarter's verification of dossiers, or a missed quarter's late (a member who can read them)", "登记本季度核定，或补登以往漏核定的季度（须能阅读该档案）"),
		Long: l10n.Pick("Record the 核定 of one dossier, of several in one batch (all checked first: nothing is recorded unless every one may be), or of every dossier due this quarter that you can read (--all-readable).",
			"登记一份档案的核定，或一次登记多份（先逐一核查：只要有一份不可登记，就一份也不登记），或登记本季度应核定且您能阅读的全部档案（--all-readable）。"),
		PreRunE: func(cmd *cobra.Command, args []string) (err error) {
			switch {
			case allReadable && len(args) > 0:
				return usagef("give dossier ids or --all-readable, not both")
			case !allReadable && len(args) == 0:
				return usagef("give the dossier ids to record, or --all-readable")
			}
			// A result no 核定 may record is refused before anything
			// is opened.
			if _, err := archive.ParseReviewResult(result); err != nil {
				return err
			}
			if quarter != "" {
				q, err = parseQuarterFlag(quarter)
			}
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return one(cmd, args)
			}
			// A batch: one lock for every step. Ids are resolved against
			// the snapshot's rows, and the steps written against those
			// dossiers' parts (ReviewDoneMany); --all-readable finds what
			// is due and what the key reads in the rows too (DueReadable).
			e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryRows
			a, ids, err := e.openForBatch(args)
			if err != nil {
				return err
			}
			if allReadable {
				qq := q
				if qq == (classify.Quarter{}) {
					qq = a.Quarter()
				}
				if ids = a.DueReadable(qq); len(ids) == 0 {
					e.printf("%s\n", l10n.Sprintf("No dossier you can read is due for %s.", qq))
					return nil
				}
			}
			if again || allReadable {
				done, verified, err := a.ReviewDoneMany(ids, q, rec())
				if err != nil {
					return err
				}
				for _, id := range verified {
					e.printf("%s\n", l10n.Sprintf("Dossier %s verified for %s.", id, done))
				}
				return nil
			}
			// Once a quarter: those recorded are said, then those already
			// verified, for which nothing is recorded.
			done, verified, skipped, err := a.ReviewDoneManyOnce(ids, q, rec())
			if err != nil {
				return err
			}
			was := map[string]bool{}
			for _, id := range skipped {
				was[id] = true
			}
			for _, id := range append(verified, skipped...) {
				if was[id] {
					e.printf("%s\n", l10n.Sprintf("Dossier %s was already verified for %s: nothing recorded (--again records another 核定).", id, done))
				} else {
					e.printf("%s\n", l10n.Sprintf("Dossier %s verified for %s.", id, done))
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&note, "note", "", l10n.Pick("what was checked, supplemented or adjusted", "核对、补充或调整了什么"))
	c.Flags().StringVar(&result, "result", "", l10n.Pick("the result of the 核定 (核定结果): 无变化, 已补充 or 已调整 (or unchanged, supplemented, adjusted)", "核定结果：无变化、已补充 或 已调整"))
	c.Flags().StringVar(&quarter, "quarter", "", l10n.Pick("an earlier quarter whose 核定 was missed, recorded late (default: this quarter)", "补登的以往季度（默认本季度）"))
	c.Flags().BoolVar(&again, "again", false, l10n.Pick("record another 核定 of a dossier already verified for the quarter (by default it is left as it is)", "对本季度已核定的档案再登记一次核定（默认不重复登记）"))
	c.Flags().BoolVar(&allReadable, "all-readable", false, l10n.Pick("every dossier due this quarter that you can read", "本季度应核定且您能阅读的全部档案"))
	return c
}

// printAlreadyReviewed says that dossier id has 核定 r for its quarter
// already, by whom and when when the state knows, and that nothing was
// recorded.
func (e *env) printAlreadyReviewed(a *archive.Archive, id string, r *archive.Review) {
	if r.By == "" {
		e.printf("%s\n", l10n.Sprintf("Dossier %s was already verified for %s: nothing recorded (--again records another 核定).", id, r.Quarter))
		return
	}
	at := r.Time.In(a.Location()).Format(time.DateOnly)
	e.printf("%s\n", l10n.Sprintf("Dossier %s was already verified for %s on %s by %s: nothing recorded (--again records another 核定).", id, r.Quarter, at, a.State.MemberName(r.By)))
}

// signoffNamed is how many dossiers review signoff names.
const signoffNamed = 20

// signedOffText says what review signoff signed: a quarter's 核定 at
// 100,000 dossiers are tens of thousands, so the first signoffNamed are
// named and the reviews register has them all.
func signedOffText(q classify.Quarter, ids []string) string {
	if len(ids) > signoffNamed {
		return l10n.Sprintf("Signed off the 核定 of %s of %d dossier(s): %s and %d more (crm report reviews --quarter %s lists them).", q, len(ids), l10n.List(ids[:signoffNamed]), len(ids)-signoffNamed, q)
	}
	return l10n.Sprintf("Signed off the 核定 of %s of %d dossier(s): %s.", q, len(ids), l10n.List(ids))
}

func newReviewSignoffCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "signoff QUARTER",
		Short: l10n.Pick("Sign off a quarter's verifications by others (客户信息主管, R6.5)", "签核某季度他人所做的核定（客户信息主管，R6.5）"),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil // RunE says which form (signoffNoQuarter)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return e.signoffNoQuarter()
			}
			q, err := parseQuarterAs(l10n.T("quarter"), args[0])
			if err != nil {
				return err
			}
			// Its rule reads every 核定 of the quarter: from the snapshot
			// when one stands for the journal, a run of parts at a time
			// (862 MB for the whole state at 100,000 dossiers), else the
			// snapshot's whole state advanced (a replay of the journal
			// took 48 s and 2.1 GB), the step taken under the lock.
			e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryRows
			a, err := e.open(true)
			if err != nil {
				return err
			}
			ids, err := a.ReviewSignoff(q)
			if ae := (*archive.Error)(nil); errors.As(err, &ae) && ae.Code == archive.Usage && ae.Field == "quarter" {
				// The quarter is this command's argument, not a flag.
				if now := a.Quarter(); now.Before(q) {
					return usagef("%s %s has not begun yet (this quarter is %s)", l10n.T("quarter"), q, now)
				}
				return usagef("%s %s: %v", l10n.T("quarter"), q, ae.Err)
			}
			if err != nil {
				return err
			}
			e.printf("%s\n", signedOffText(q, ids))
			// The sign-off is of the 核定 recorded; the supervisor also
			// learns which dossiers of the quarter have none yet (R6.5),
			// which a later sign-off takes once recorded.
			if due := a.ReviewsDue(q); len(due) > 0 {
				e.printf("%s\n", notVerifiedText(q, due, a.Quarter()))
			}
			return nil
		},
	}
}

// signoffNoQuarter is review signoff's usage error without a quarter. A
// sign-off names its quarter on purpose (it is often given after the
// quarter ended, R6.5): the error says which form, with this quarter as
// the example, as the archive counts it: by --now/CRM_NOW, which cobra
// reads only after an Args check (so this runs in RunE), and in the
// policy's zone (crm.yaml timezone; the default zone when it does not
// read), as "this quarter is …" of a quarter not yet begun says it.
// Before (helper 130) the example was this machine's clock in its own
// zone: 2026Q4 with --now 2027-01-01 or in a UTC machine's first 8 hours
// of a Shanghai quarter.
func (e *env) signoffNoQuarter() error {
	now, err := e.now()
	if err != nil {
		return err
	}
	pol := e.worktreePolicy()
	if pol == nil {
		pol = &archive.Policy{}
	}
	return usagef("name the quarter to sign off, e.g. crm review signoff %s (this quarter)", classify.QuarterOf(now(), pol.Location()))
}

// notVerifiedText says which dossiers of quarter q (now being the current
// quarter) have no 核定 yet, and so were not signed off.
func notVerifiedText(q classify.Quarter, due []archive.DueReview, now classify.Quarter) string {
	ids := make([]string, 0, min(len(due), signoffNamed))
	for i := range due[:min(len(due), signoffNamed)] {
		ids = append(ids, due[i].ID)
	}
	list := l10n.List(ids)
	if len(due) > signoffNamed {
		list = l10n.Sprintf("%s and %d more", list, len(due)-signoffNamed)
	}
	if q.Before(now) {
		return l10n.Sprintf("Not signed off: %d dossier(s) have no 核定 for %s: %s (record it late with `crm review done ID --quarter %s`, then sign off again; `crm review due --quarter %s` lists them).", len(due), q, list, q, q)
	}
	return l10n.Sprintf("Not signed off: %d dossier(s) have no 核定 for %s yet: %s (`crm review due` lists them; sign off again once they are verified).", len(due), q, list)
}

// ownerText writes an owner's member id and name, each pair once: a
// department's tables name a few dozen owners on 100,000 lines.
func ownerText() func(id, name string) string {
	seen := map[[2]string]string{}
	return func(id, name string) string {
		k := [2]string{id, name}
		s, ok := seen[k]
		if !ok {
			s = id + " " + name
			seen[k] = s
		}
		return s
	}
}

// isMember reports whether some member, present or removed, has id or
// name s (review due --owner).
func isMember(st *archive.State, s string) bool {
	for _, m := range st.Members {
		if m.ID == s || m.Name == s {
			return true
		}
	}
	return false
}

// printReviewsDue prints the 核定 not done in q and the quarters missed
// before it, of the dossiers of owner ("": everyone's).
func (e *env) printReviewsDue(q classify.Quarter, owner string, due []archive.DueReview, missed []archive.MissedReview) error {
	if len(due) == 0 && owner != "" {
		e.printf("%s\n", l10n.Sprintf("Every dossier of %s is verified for %s.", owner, q))
	} else if len(due) == 0 {
		e.printf("%s\n", l10n.Sprintf("Every dossier is verified for %s.", q))
	} else {
		owner := ownerText()
		overdue := l10n.Pick("OVERDUE", "已逾期")
		e.printf("%s\n", l10n.Sprintf("%d dossier(s) not verified (核定) in %s:", len(due), q))
		err := printTableRows(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("CREATED BY", "建档人"), l10n.Pick("LAST REVIEW", "上次核定"), l10n.Pick("DAYS LEFT", "剩余天数")}, len(due), func(i int, row []string) []string {
			r := &due[i]
			left := overdue
			if !r.Overdue {
				left = strconv.Itoa(r.DaysLeft)
			}
			return append(row[:0], r.ID, r.Level, owner(r.Owner, r.OwnerName), r.LastReview, left)
		})
		if err != nil {
			return err
		}
	}
	if len(missed) > 0 {
		owner := ownerText()
		e.printf("%s\n", l10n.Sprintf("%d dossier(s) missed the 核定 of an earlier quarter (record it late with `crm review done ID --quarter Q`):", len(missed)))
		// Each row's quarters written once, into one text: the table asks
		// for every row twice, and at 100,000 dossiers ninety thousand may
		// have missed a quarter.
		var text strings.Builder
		ends := make([]int, len(missed))
		size := 0
		for i := range missed {
			size += 15 * len(missed[i].Quarters) // 2026Q2-2026Q3,
		}
		text.Grow(size)
		var b []byte
		for i := range missed {
			b = missed[i].Quarters.Append(b[:0])
			text.Write(b)
			ends[i] = text.Len()
		}
		quarters := text.String()
		return printTableRows(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("CREATED BY", "建档人"), l10n.Pick("MISSED", "漏核定季度")}, len(missed), func(i int, row []string) []string {
			m := &missed[i]
			start := 0
			if i > 0 {
				start = ends[i-1]
			}
			return append(row[:0], m.ID, m.Level, owner(m.Owner, m.OwnerName), quarters[start:ends[i]])
		})
	}
	return nil
}
