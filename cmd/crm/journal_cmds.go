package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/journal"
	"crm/archive/work"
	"crm/l10n"
	"crm/report"
)

func newListCmd(e *env) *cobra.Command {
	var asJSON, noDecrypt bool
	var level string
	var lf listFilters
	c := &cobra.Command{
		Use:   "list [--level L] [--expiring-within DUR] [--credit C] [--tier T] [--json] [--no-decrypt]",
		Short: l10n.Pick("List dossiers: id, level, status, dates; name and owner where your key opens them", "列出档案：编号、密级、状态、日期；可解密者另显示客户名称与负责人"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			use := keyWanted
			if noDecrypt {
				use = keyNone
			}
			// Reads only the dossiers' rows; with the key, each readable
			// dossier's digest too (ListBrief).
			e.snapshot = true
			e.summary = archive.SummaryRows
			if !noDecrypt {
				// With no plaintext cache yet every dossier is decrypted:
				// at 100,000 dossiers 348-354 MB at the default pace,
				// 233-237 MB under the budget, in 18.5 s against 16.2 s.
				// A warm list stays far under it (154 MB).
				defer archive.PaceGC()()
			}
			a, err := e.openWith(use)
			if err != nil {
				return err
			}
			if level != "" {
				if level, err = levelFlag(a, level); err != nil {
					return err
				}
			}
			if err := lf.check(a, !noDecrypt); err != nil {
				return err
			}
			if noDecrypt && !asJSON {
				return e.printListView(a, a.ListView(), func(en *archive.ListEntry) bool {
					return (level == "" || en.Level == level) && lf.keep(*en)
				})
			}
			list := a.ListBrief
			if noDecrypt {
				list = func(ctx context.Context) ([]archive.ListEntry, error) { return a.List(ctx, false) }
			}
			entries, err := list(e.ctx())
			if err != nil {
				e.errorf("crm: %v\n", err)
			}
			out := entries[:0] // filtered in place: a department lists 100,000
			unreadable, unknown := 0, 0
			for _, en := range entries {
				if level != "" && en.Level != level || !lf.keep(en) {
					if (level == "" || en.Level == level) && lf.unknown(en) {
						unknown++
					}
					continue
				}
				if !en.Readable {
					unreadable++
				}
				out = append(out, en)
			}
			if asJSON {
				if len(out) == 0 {
					out = []archive.ListEntry{}
				}
				return printJSON(e.io.Out, out)
			}
			cells := listCells(a)
			err = printTableRows(e.io.Out, listColumns(), len(out), func(i int, row []string) []string {
				return cells(&out[i], row)
			})
			if err != nil {
				return err
			}
			if !noDecrypt && unreadable > 0 {
				switch {
				case len(out) == 1:
					e.errorf("%s\n", l10n.T("The dossier is not readable with your key: its name and owner are not shown."))
				case unreadable == 1:
					e.errorf("%s\n", l10n.Sprintf("1 of %d dossiers is not readable with your key: its name and owner are not shown.", len(out)))
				default:
					e.errorf("%s\n", l10n.Sprintf("%d of %d dossiers are not readable with your key: their name and owner are not shown.", unreadable, len(out)))
				}
			}
			if unknown > 0 {
				// Left out for a class or tier that only the dossier
				// says: the list of D (dangerous) customers, say, may be
				// incomplete, as the monthly report notes (R8).
				e.errorf("%s\n", l10n.Sprintf("%d more dossier(s) not readable with your key may match --credit/--tier: the journal sets no class or tier for them, and what they write is not known.", unknown))
			}
			return nil
		},
	}
	c.Flags().StringVar(&level, "level", "", l10n.Pick("only dossiers of this (effective) level", "仅列出该密级（按自行解密后的密级）"))
	lf.flags(c)
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	c.Flags().BoolVar(&noDecrypt, "no-decrypt", false, l10n.Pick("read the journal only (no key needed)", "只读日志（无需密钥）"))
	return c
}

// listColumns are the columns of crm list.
func listColumns() []string {
	return []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("STATUS", "状态"), l10n.Pick("CREATED", "建档日期"), l10n.Pick("CHANGED", "最近变更"), l10n.Pick("CUSTOMER", "客户名称"), l10n.Pick("OWNER", "负责人"), l10n.Pick("EXPIRES", "解密日期"), l10n.Pick("CREDIT", "信用"), l10n.Pick("TIER", "层级")}
}

// listCells writes an entry's line of crm list into row.
func listCells(a *archive.Archive) func(en *archive.ListEntry, row []string) []string {
	dangerous := l10n.Pick(" (dangerous)", "（危险）")
	onHold := l10n.Pick(", on hold", "（冻结）")
	date := a.DateMemo()
	return func(en *archive.ListEntry, row []string) []string {
		credit := en.Credit
		if en.Dangerous {
			credit += dangerous
		}
		status := statusText(en.Status)
		if en.OnHold {
			status += onHold // a legal hold blocks destruction (R6.10)
		}
		return append(row[:0], en.ID, en.Level, status, date(en.Created), date(en.Updated), en.Name, en.Owner, en.Expires, credit, en.Tier)
	}
}

// printListView writes crm list --no-decrypt's table from the journal's
// rows, the entries keep keeps, each made when its line is measured and
// again when it is written (archive.ListView): 100,000 entries are never
// held at once.
func (e *env) printListView(a *archive.Archive, v *archive.ListView, keep func(*archive.ListEntry) bool) error {
	var en archive.ListEntry
	kept := make([]int32, 0, v.Len())
	for i := range v.Len() {
		if v.Entry(i, &en); keep(&en) {
			kept = append(kept, int32(i))
		}
	}
	cells := listCells(a)
	return printTableRows(e.io.Out, listColumns(), len(kept), func(i int, row []string) []string {
		v.Entry(int(kept[i]), &en)
		return cells(&en, row)
	})
}

// summaryKeys are the data fields a log line shows, in this order.
var summaryKeys = []string{"loan", "request", "submission", "step", "quarter", "result", "dossiers", "level", "class", "tier", "fields", "member", "roles", "recipients"}

// summaryTerms are the summary fields' Chinese names.
var summaryTerms = map[string]string{
	"loan": "借阅号", "request": "申请号", "step": "步骤", "quarter": "季度", "result": "核定结果", "level": "密级",
	"class": "信用等级", "tier": "客户层级",
	"fields": "字段", "member": "成员", "roles": "角色", "recipients": "收件人",
}

// eventSummary is a one-line description of an event's data (never
// content): the summary fields its payload has.
func eventSummary(ev *journal.Event, pol *archive.Policy) string {
	data, err := archive.DataOf(ev)
	if err != nil {
		return ""
	}
	vals := map[string]string{}
	collectFields(reflect.ValueOf(data).Elem(), vals)
	var parts []string
	for _, k := range summaryKeys {
		if v, ok := vals[k]; ok {
			switch k {
			case "roles":
				v = roleChain(strings.Split(v, ","), pol, ",")
			case "result":
				v = reviewResultText(v)
			}
			if t, ok := summaryTerms[k]; ok && l10n.Chinese() {
				k = t
			}
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// reviewResultText is a 核定's result (archive.ReviewResults, kept in
// Chinese) in the language of the output, as crm report reviews gives it.
func reviewResultText(r string) string {
	if !l10n.Chinese() {
		for _, x := range archive.ReviewResults() {
			if x.Zh == r {
				return x.En
			}
		}
	}
	return r
}

// collectFields writes the set fields of a payload struct by yaml name.
func collectFields(v reflect.Value, out map[string]string) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") && fv.Kind() == reflect.Struct {
			collectFields(fv, out)
			continue
		}
		switch fv.Kind() {
		case reflect.String:
			if fv.String() != "" {
				out[name] = fv.String()
			}
		case reflect.Int:
			if fv.Int() != 0 {
				out[name] = fmt.Sprint(fv.Int())
			}
		case reflect.Slice:
			if !fv.IsNil() && fv.Type().Elem().Kind() == reflect.String {
				out[name] = strings.Join(fv.Interface().([]string), ",")
			}
		case reflect.Struct:
			if m, ok := fv.Interface().(archive.Member); ok {
				out[name] = m.ID
			}
		}
	}
}

func newLogCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "log [ID] [--json]",
		Short: l10n.Pick("Show the journal, or one dossier's history", "显示日志，或某一档案的历史"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// One dossier's history: its part of the state snapshot
			// names its events' files. The whole journal: the snapshot
			// stands for its events, read as they are printed
			// (archive.EventLog).
			e.snapshot = true
			if len(args) == 1 {
				e.only = args[0]
			} else {
				e.summary = archive.SummaryNone
			}
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			var events *archive.EventLog
			// One dossier's steps that do not count, by hash: shown
			// where their time puts them, with why.
			var notCounted map[string]string
			if len(args) == 1 {
				if err := resolveDossier(a, args); err != nil {
					return err
				}
				evs, err := a.DossierLog(args[0])
				if err != nil {
					return err
				}
				evs, notCounted = withUncounted(a, evs, a.UncountedOf(args[0]))
				events = archive.EventsOf(evs)
			} else {
				// Months of events read and let go while the
				// order of a million is held.
				defer archive.PaceGC()()
				if events, err = a.EventLog(); err != nil {
					return err
				}
			}
			if asJSON {
				type jev struct {
					Hash    string       `json:"hash"`
					Kind    journal.Kind `json:"kind"`
					Time    time.Time    `json:"time"`
					Actor   string       `json:"actor"`
					Dossier string       `json:"dossier,omitempty"`
					Prev    []string     `json:"prev"`
					Data    any          `json:"data,omitempty"`
					Path    string       `json:"path"`
					// Why the event does not count, for one
					// dossier's history.
					NotCounted string `json:"not_counted,omitempty"`
				}
				w := bufio.NewWriterSize(e.io.Out, 64<<10)
				var failed error // an event that could not be read
				err := report.WriteJSON(w, report.JSONList{N: events.Len(), At: func(i int) any {
					ev, err := events.At(i)
					if err != nil {
						failed = err
						return failedJSON{err}
					}
					d, _ := archive.DataOf(ev)
					// The genesis event follows none: "prev": [].
					return fillLists(&jev{ev.Hash, ev.Kind, ev.Time, ev.Actor, ev.Dossier, ev.Prev, d, ev.Path, notCounted[ev.Hash]})
				}})
				if ferr := w.Flush(); err == nil {
					err = ferr
				}
				if failed != nil {
					return failed
				}
				return err
			}
			// Events are read in order, and their lines (each event's
			// data decoded: most of the work) made on every core, a
			// batch at a time.
			flush := e.bufferOut()
			batch := make([]*journal.Event, 0, 2048)
			lines := make([]string, cap(batch))
			kindW := kindColumn()
			for i := 0; i < events.Len(); i += len(batch) {
				batch = batch[:0]
				for k := i; k < events.Len() && len(batch) < cap(batch); k++ {
					ev, err := events.At(k)
					if err != nil {
						flush()
						return err
					}
					batch = append(batch, ev)
				}
				err := work.Each(e.ctx(), "", len(batch), func(k int) {
					ev := batch[k]
					d := ev.Dossier
					if d == "" {
						d = "-"
					}
					sum := eventSummary(ev, a.Policy)
					if why, ok := notCounted[ev.Hash]; ok {
						if sum == "" {
							// nothing to show after it (a hold's
							// data has no summary field): no
							// dangling ": "
							sum = l10n.Sprintf("NOT COUNTED (%s)", why)
						} else {
							sum = l10n.Sprintf("NOT COUNTED (%s): %s", why, sum)
						}
					}
					lines[k] = fmt.Sprintf("%s  %s  %s %s %s %s\n", journal.ShortHash(ev.Hash), a.FormatTime(ev.Time), padRight(archive.KindText(ev.Kind), kindW), padRight(ev.Actor, 8), padRight(d, 12), sum)
				})
				if err != nil {
					flush()
					return err
				}
				for _, l := range lines[:len(batch)] {
					io.WriteString(e.io.Out, l)
				}
			}
			return flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

// withUncounted is a dossier's history evs with its steps that do not
// count (archive.UncountedOf) put in where their times fall, and why each
// does not count, by hash.
func withUncounted(a *archive.Archive, evs []*journal.Event, un []archive.Uncounted) ([]*journal.Event, map[string]string) {
	if len(un) == 0 {
		return evs, nil
	}
	why := make(map[string]string, len(un))
	held := make(map[string]bool, len(evs)) // a replayed state's history holds its refused steps already
	for _, e := range evs {
		held[e.Hash] = true
	}
	all := slices.Clone(evs)
	for _, u := range un {
		if _, dup := why[u.Event.Hash]; dup {
			continue
		}
		w := u.Problem
		if r := u.Rejected; r != nil {
			w = l10n.Sprintf("rejected by %s: %s", a.State.MemberName(r.By), r.Reason)
		}
		why[u.Event.Hash] = w
		if held[u.Event.Hash] {
			continue
		}
		// After the events of its time or before: in the order taken.
		at, _ := slices.BinarySearchFunc(all, u.Event.Time, func(e *journal.Event, t time.Time) int {
			if e.Time.After(t) {
				return 1
			}
			return -1
		})
		all = slices.Insert(all, at, u.Event)
	}
	return all, why
}

// failedJSON is a value of a streamed JSON list that could not be had:
// writing it fails, and stops the list.
type failedJSON struct{ err error }

func (f failedJSON) MarshalJSON() ([]byte, error) { return nil, f.err }

func newVerifyCmd(e *env) *cobra.Command {
	var accept, reject, reason string
	var fast bool
	c := &cobra.Command{
		Use:   "verify [--fast] [--accept EVENT | --reject EVENT] [--reason R]",
		Short: l10n.Pick("Check signatures, links, roles, and every file against the journal (exit 4 on a problem)", "核查签名、链接、角色及每个文件与日志是否一致（有问题退出码 4）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if accept != "" && reject != "" {
				return usagef("--accept and --reject exclude each other")
			}
			e.fullRead = !fast
			open := e.openJournal
			if accept != "" || reject != "" {
				open = func() (*archive.Archive, error) { return e.open(true) }
			} else if fast {
				e.snapshot, e.summary = true, archive.SummaryRows // VerifyFast checks from the snapshot
			}
			a, err := open()
			if err != nil {
				return err
			}
			if accept != "" || reject != "" {
				if err := e.decide(a, accept, reject, reason); err != nil {
					return err
				}
			}
			if e.plainID != nil {
				a.CheckWithKey(e.plainID)
			}
			conflicts := e.gitWarnings(a)
			var ps []archive.Problem
			err = e.during(l10n.T("verifying the archive"), func() (err error) {
				if fast {
					ps, err = a.VerifyFast(e.ctx())
				} else {
					ps, err = a.Verify(e.ctx())
				}
				return err
			})
			if err != nil {
				return err
			}
			// What an interrupted command left and verify finished first.
			for _, f := range a.Repaired() {
				e.printf("%s\n", l10n.Sprintf("repaired: %s", f))
			}
			// Steps made moot by concurrent ones are history, not problems.
			for _, n := range a.State.Superseded {
				e.printf("%s\n", l10n.Sprintf("note: %s", n))
			}
			// Files waiting for a writer to re-encrypt them are work, not problems.
			for _, n := range a.VerifyNotes() {
				e.printf("%s\n", l10n.Sprintf("pending: %s", noteText(n)))
			}
			for _, d := range a.State.Decided {
				e.printf("%s\n", l10n.Sprintf("note: %s: %s by %s (%s)", d.Event.Path, decisionText(d.Decision), d.By, d.Reason))
			}
			if len(ps) > 0 {
				events, bundle := false, ""
				restore := map[string]bool{}
				for i, p := range ps {
					if conflicts[p.Path] {
						// Not the pinned file because git's merge left
						// it so: the note above says what to do.
						ps[i].Msg = l10n.T("not the file the journal pinned: it is in a merge conflict (see the note)")
					}
					if p.Next == int(archive.NextRestoreEvent) {
						// No decision mends it: the event's own bytes do.
						restore[p.Arg] = true
						continue
					}
					if p.Next == int(archive.NextRestoreID) {
						continue
					}
					events = events || strings.HasPrefix(p.Path, journal.Dir+"/")
					if bundle == "" && journal.IsBundlePath(p.Path) {
						bundle = p.Path
					}
				}
				err := &archive.Error{Code: archive.Integrity, Err: l10n.Errorf("verify found %d problem(s)", len(ps))}
				switch {
				case bundle != "":
					// A bundle is bytes crm wrote, not a step to judge:
					// put back, it mends the links to what it held.
					err.Next, err.Arg = archive.NextRestoreEvent, bundle
				case events:
					err.Next, err.Arg = archive.NextDecide, "EVENT"
				case len(restore) == 1:
					for h := range restore {
						err.Next, err.Arg = archive.NextRestoreEvent, journal.ShortHash(h)
					}
				case len(restore) > 1:
					err.Next, err.Arg = archive.NextRestoreEvent, "EVENT"
				case len(a.Rewrite()) > 0:
					// Files encrypted to other keys than the journal says.
					err.Next, err.Arg = archive.NextRewrite, strings.Join(a.Rewrite(), " ")
				}
				// Each problem without the next step the error says
				// after them (noteTextBefore).
				for _, p := range ps {
					e.printf("%s\n", noteTextBefore(p, err))
				}
				if !a.ClockAhead().IsZero() {
					// Nothing for a manager to settle if it is this clock.
					e.printf("%s\n", l10n.Sprintf("note: this computer's clock reads %s, and the journal has events dated up to %s, later by more than %s: they are problems until then. If this clock is behind, set it right (e.g. timedatectl set-ntp true) and run crm verify again.", a.Now().UTC().Format(time.RFC3339), a.ClockAhead().UTC().Format(time.RFC3339), archive.ClockSkew))
				}
				return err
			}
			n := a.Verified()
			e.printf("%s\n", l10n.Sprintf("ok: %d event(s), %d member(s), %d dossier(s) verified.", n.Events, n.Members, n.Dossiers))
			return nil
		},
	}
	c.Flags().StringVar(&accept, "accept", "", l10n.Pick("a problem event (its path or hash) to accept: it takes effect here, if its rule passes here (managers)", "接受某个问题事件（路径或哈希）：若其规则在此处成立则在此生效（经理）"))
	c.Flags().StringVar(&reject, "reject", "", l10n.Pick("a problem event (its path or hash) to reject: it stays without effect and is no longer a problem (managers)", "驳回某个问题事件（路径或哈希）：保持无效，不再报告为问题（经理）"))
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why (journaled with the decision)", "理由（随决定记入日志）"))
	c.Flags().BoolVar(&fast, "fast", false, l10n.Pick("trust the events your verified-journal cache holds (read and checked before); every rule and file is still checked", "信任本机已核验日志缓存中的事件（此前已读取并核验签名）；规则与文件仍逐一核查"))
	return c
}

func decisionText(d string) string {
	if d == archive.DecisionAccept {
		return l10n.Pick("accepted", "已接受")
	}
	return l10n.Pick("rejected", "已驳回")
}

// decide journals a manager's decision on a problem event.
func (e *env) decide(a *archive.Archive, accept, reject, reason string) error {
	o := archive.DecideOptions{Event: accept, Decision: archive.DecisionAccept, Reason: reason}
	if reject != "" {
		o.Event, o.Decision = reject, archive.DecisionReject
	}
	if g, err := openRepo(a.Dir); err == nil {
		o.Find = g.findByHash
	}
	newID, err := a.Decide(o)
	if err != nil {
		// The archive calls the event's input "event"; the user gave it
		// as --accept or --reject: named whether it cannot be an event
		// (usage, exit 2) or is of an event's form and names none (exit 1).
		var ae *archive.Error
		if errors.As(err, &ae) && ae.Field == "event" {
			ae.Field = "accept"
			if reject != "" {
				ae.Field = "reject"
			}
		}
		return err
	}
	if newID != "" {
		e.printf("%s\n", l10n.Sprintf("Accepted the creation under the new id %s.", newID))
	} else {
		e.printf("%s\n", l10n.Sprintf("Decision journaled: %s %s.", decisionText(o.Decision), o.Event))
	}
	return nil
}

// gitWarnings says what in this clone's git config endangers the archive:
// cachetextconv (plaintext in git's database) and missing drivers; and
// what a merge left: it returns the dossier files in a merge conflict
// (archive-relative), whose problems verify words as such.
func (e *env) gitWarnings(a *archive.Archive) (conflicts map[string]bool) {
	g, err := openRepo(a.Dir)
	if err != nil {
		return nil
	}
	if g.config("diff.crm.cachetextconv") != "" {
		e.errorf("crm: %s\n", l10n.T("warning: git config diff.crm.cachetextconv is set: git keeps the decrypted dossiers in its notes; unset it (git config --unset diff.crm.cachetextconv)"))
	}
	if miss := driversMissing(g); len(miss) > 0 {
		e.errorf("crm: %s\n", l10n.Sprintf("warning: this clone lacks crm's git drivers (%s): a merge would treat dossiers as text; run crm git setup", l10n.List(miss)))
	}
	for _, r := range pendingMerges(g) {
		e.errorf("crm: %s\n", l10n.Sprintf("note: %s is git's merge of the changes both clones made to it, not journaled yet: run crm sync, which journals it (do not restore it: that would drop one side's changes)", r.Path))
	}
	if !g.mayHaveConflicts() {
		return nil
	}
	// A dossier crm sync left for a person to settle: whatever verify
	// says of its file, the way on is crm resolve, not a restore.
	records := readRecords(g)
	for _, p := range g.unmerged() {
		rel, _ := g.rel(p)
		if id, ok := archive.DossierOfPath(rel); ok && !conflicts[rel] {
			if d := a.State.Dossiers[id]; d != nil && d.Status == archive.StatusDestroyed {
				// Changed here, destroyed there: nothing for a person
				// to settle (the destruction stands).
				e.errorf("crm: %s\n", l10n.Sprintf("note: %s was changed in one clone and destroyed in the other: the destruction stands, and crm sync removes the file", rel))
			} else if i := slices.IndexFunc(records, func(r *mergeRecord) bool {
				return r.Path == p && (r.Conflict == "unreadable" || r.Conflict == "role")
			}); i >= 0 {
				// No crm resolve of this key's can settle it.
				e.errorf("crm: %s\n", l10n.Sprintf("note: %s: crm sync undoes git's merge and hands your work on", conflictLine(records[i], a.Policy)))
			} else if i := slices.IndexFunc(records, func(r *mergeRecord) bool {
				return r.Path == p && (r.Conflict == "created" || r.Conflict == "rewritten")
			}); i >= 0 {
				// Nothing to merge: crm sync keeps one and renumbers.
				e.errorf("crm: %s\n", l10n.Sprintf("note: %s: crm sync settles it", conflictLine(records[i], a.Policy)))
			} else {
				e.errorf("crm: %s\n", l10n.Sprintf("note: %s is in a merge conflict left to settle: run crm resolve %s, then crm sync (do not restore it from git: that would drop one side's changes)", rel, id))
			}
			if conflicts == nil {
				conflicts = map[string]bool{}
			}
			conflicts[rel] = true
		}
	}
	return conflicts
}

func newRekeyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "rekey [ID…]",
		Short: l10n.Pick("Re-encrypt every dossier whose recipients are not the ones the policy gives", "重新加密收件人与策略不符的档案"),
		Long: l10n.Pick(`Re-encrypt every dossier whose recipients are not the ones the policy gives
(a member added, removed, given other roles or new keys; a loan approved or
returned), to the recipients the journal gives it now.

With IDs, write the files of those dossiers again to their readers, even
when the journal already pins the right recipients: for a file that was
encrypted to other keys than the journal says (crm verify: "does not open
with your key"), which only a writer of its level who can open it can mend.`, `重新加密收件人与策略不符的档案（成员增加、移除、角色或密钥变更；借阅批准或归还），
使其加密给日志当前规定的收件人。

给出 ID 时，即使日志所记收件人已正确，也把这些档案重新写给其读者：用于被加密给
与日志不符的密钥的文件（crm verify：“无法用你的密钥打开”），只有能打开它的该密级
写入者才能修复。`),
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.rekeySteps()
			a, err := e.open(true)
			if err != nil {
				return err
			}
			var n int
			if len(args) > 0 {
				n, err = a.RekeyAgain(e.ctx(), args)
			} else {
				n, err = a.Rekey(e.ctx())
			}
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Re-encrypted %d dossier(s).", n))
			return nil
		},
	}
}
