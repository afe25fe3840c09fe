package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"crm/archive"
	"crm/classify"
)

// Event kinds the reports read from the journal itself: those whose history
// over time (levels, credit classes, tiers, the classification register)
// archive.State does not keep. They are written by the classification
// steps (archive/FORMAT.md); the reports read them by kind and data keys
// only. Loans, destructions and 核定 are taken from archive.State instead
// (facts.lifecycle).
const (
	kCreate     = "dossier.create"
	kUpdate     = "dossier.update"
	kClassify   = "dossier.classify"
	kDeclassify = "dossier.declassify"
	kCredit     = "dossier.credit"
	kTier       = "dossier.tier"
	kReview     = "dossier.review"  // counted by archive.State; the journal gives the register's order
	kDestroyRun = "destroy.execute" // records the level destroyed, which is no level change
)

// facts is what the journal says, indexed for the reports: histories over
// time from the journal's events, loans, destructions and 核定 from
// archive.State. Building it reads no dossier content and needs no key.
type facts struct {
	a        *archive.Archive
	dossiers map[string]*dfacts
	ids      []string               // sorted
	loans    []*archive.Loan        // archive's loans, by request time
	destroys []*archive.Destruction // archive's destruction requests, by execution time
	changes  []*change              // classification register, in journal order
	byKind   map[string][]*archive.Event
	marks    map[string]bool // levels of the dossiers the report shows (marking.go)
}

type strAt struct {
	t time.Time
	v string
}

// levelAt is a level recorded by an event, with its secrecy period.
type levelAt struct {
	t      time.Time
	level  string
	setOn  time.Time
	period classify.Period
}

// dfacts is one dossier's history.
type dfacts struct {
	id        string
	created   time.Time
	destroyed time.Time // zero while it exists
	levels    []levelAt
	credits   []strAt
	tiers     []strAt
	reviews   []archive.Review // the 核定 replay accepted, by time
}

type change struct {
	e                *archive.Event
	kind             string
	from, to         string
	period, expires  string
	reason, approver string
}

// activeAt reports whether the dossier existed at t.
func (d *dfacts) activeAt(t time.Time) bool {
	return d.created.Before(t) && (d.destroyed.IsZero() || !d.destroyed.Before(t))
}

func lastBefore(s []strAt, t time.Time) string {
	v := ""
	for _, x := range s {
		if !x.t.Before(t) {
			break
		}
		v = x.v
	}
	return v
}

// levelAt is the dossier's effective level at t (R7.2.4): the recorded
// level, or the declassified level (内部) from the day its secrecy period
// ran out, as archive.EffectiveLevel says for today.
func (f *facts) levelAt(d *dfacts, t time.Time) string {
	var cur *levelAt
	for i := range d.levels {
		if !d.levels[i].t.Before(t) {
			break
		}
		cur = &d.levels[i]
	}
	if cur == nil {
		return ""
	}
	low := f.a.Policy.DeclassifiedLevel()
	if cur.level != low && classify.Expired(cur.setOn, cur.period, t.Add(-time.Nanosecond).In(Zone)) {
		return low
	}
	return cur.level
}
func (d *dfacts) creditAt(t time.Time) string { return lastBefore(d.credits, t) }
func (d *dfacts) tierAt(t time.Time) string   { return lastBefore(d.tiers, t) }

// lastReviewBefore returns the last 核定 before t, or nil.
func (d *dfacts) lastReviewBefore(t time.Time) *archive.Review {
	var r *archive.Review
	for i := range d.reviews {
		if d.reviews[i].Time.Before(t) {
			r = &d.reviews[i]
		}
	}
	return r
}

// data decodes an event's data as a map; unreadable data is an empty map
// (verify reports it).
func data(e *archive.Event) map[string]any {
	var m map[string]any
	if err := e.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// text returns a data value as text: lists joined with 、.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.In(Zone).Format(time.DateOnly)
	case []any:
		s := make([]string, 0, len(x))
		for _, y := range x {
			if t := text(y); t != "" {
				s = append(s, t)
			}
		}
		return strings.Join(s, "、")
	case map[string]any:
		return ""
	}
	return fmt.Sprint(v)
}

// when parses a data value holding a time or a date. A bare date is that
// day in Zone.
func when(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		s := strings.TrimSpace(x)
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z", "2006-01-02 15:04:05"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t
			}
		}
		if t, err := time.ParseInLocation(time.DateOnly, s, Zone); err == nil {
			return t
		}
	}
	return time.Time{}
}

// gatherFacts reads the journal once.
func gatherFacts(a *archive.Archive) *facts {
	f := &facts{a: a, dossiers: map[string]*dfacts{}, byKind: map[string][]*archive.Event{}}
	dossier := func(id string) *dfacts {
		d := f.dossiers[id]
		if d == nil {
			d = &dfacts{id: id}
			f.dossiers[id] = d
			f.ids = append(f.ids, id)
		}
		return d
	}
	// A classification step that broke a rule is reported by replay (and
	// verify) and does not count (archive/FORMAT.md); the reports do not
	// count it either. (Lifecycle steps need no such filter: they are read
	// from archive.State, which applied only those that passed.)
	broken := map[string]bool{}
	for _, p := range a.State.Problems {
		broken[p.Path] = true
	}
	for _, e := range a.State.Journal.Events {
		if broken[e.Path] && e.Kind != kCreate && e.Kind != kUpdate {
			continue
		}
		f.byKind[e.Kind] = append(f.byKind[e.Kind], e)
		if e.Dossier == "" {
			continue
		}
		m := data(e)
		d := dossier(e.Dossier)
		if lv := text(m["level"]); lv != "" && e.Kind != kDestroyRun {
			d.levels = append(d.levels, f.levelOf(e, m, lv))
		}
		switch e.Kind {
		case kCreate:
			if d.created.IsZero() {
				d.created = e.Time
				f.changes = append(f.changes, &change{e: e, kind: "定密", to: text(m["level"]), period: text(m["period"]), reason: text(m["reason"])})
			}
		case kClassify:
			c := &change{e: e, from: text(m["old_level"]), to: text(m["level"]), period: text(m["period"]),
				expires: text(m["expires"]), reason: text(m["reason"]), approver: text(m["approved_by"])}
			c.kind = f.levelChange(c.from, c.to)
			f.changes = append(f.changes, c)
		case kDeclassify:
			f.changes = append(f.changes, &change{e: e, kind: "自行解密", from: text(m["old_level"]), to: text(m["level"]),
				reason: "保密期限届满（" + text(m["expired"]) + "）"})
		case kCredit:
			d.credits = append(d.credits, strAt{e.Time, text(m["class"])})
			f.changes = append(f.changes, &change{e: e, kind: "信用等级变更", from: text(m["old_class"]), to: text(m["class"]), reason: text(m["reason"])})
		case kTier:
			d.tiers = append(d.tiers, strAt{e.Time, text(m["tier"])})
			f.changes = append(f.changes, &change{e: e, kind: "客户层级变更", from: text(m["old_tier"]), to: text(m["tier"]), reason: text(m["reason"])})
		}
	}
	sort.Strings(f.ids)
	// Journal order follows links; the reports read histories by time.
	byTime := func(s []strAt) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].t.Before(s[j].t) })
	}
	for _, d := range f.dossiers {
		sort.SliceStable(d.levels, func(i, j int) bool { return d.levels[i].t.Before(d.levels[j].t) })
		byTime(d.credits)
		byTime(d.tiers)
	}
	sort.SliceStable(f.changes, func(i, j int) bool { return f.changes[i].e.Time.Before(f.changes[j].e.Time) })
	for _, evs := range f.byKind {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	}
	f.lifecycle()
	return f
}

// lifecycle takes the 核定, loans and destructions from archive.State:
// replay has checked every step of them, and applied only those that
// passed (archive/lifecycle.go). Ids are issued in journal order, so the
// id breaks ties of time as the journal's order would.
func (f *facts) lifecycle() {
	st := f.a.State
	for _, id := range f.ids {
		if ds := st.Dossiers[id]; ds != nil {
			d := f.dossiers[id]
			// Journal order follows links; the reports read histories by time.
			d.reviews = slices.Clone(ds.Reviews)
			sort.SliceStable(d.reviews, func(i, j int) bool { return d.reviews[i].Time.Before(d.reviews[j].Time) })
		}
	}
	f.loans = st.SortedLoans()
	sort.SliceStable(f.loans, func(i, j int) bool { return f.loans[i].Requested.Before(f.loans[j].Requested) })
	f.destroys = st.SortedDestructions()
	sort.SliceStable(f.destroys, func(i, j int) bool { return f.destroys[i].Executed.Before(f.destroys[j].Executed) })
	for _, r := range f.destroys {
		if r.Executed.IsZero() {
			continue
		}
		if d := f.dossiers[r.Dossier]; d != nil && d.destroyed.IsZero() {
			d.destroyed = r.Executed
		}
	}
}

// levelOf reads the level an event records and its secrecy period
// (archive/FORMAT.md): set_on and period when given, else the event's UTC
// date and the policy's period for the level; a declassification is 长期
// from the day the old period expired.
func (f *facts) levelOf(e *archive.Event, m map[string]any, lv string) levelAt {
	x := levelAt{t: e.Time, level: lv}
	u := e.Time.UTC()
	x.setOn = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	if t := when(m["set_on"]); !t.IsZero() {
		x.setOn = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	if e.Kind == kDeclassify {
		x.period = classify.Period{Long: true}
		return x
	}
	if p, err := classify.ParsePeriod(text(m["period"])); err == nil {
		x.period = p
	} else {
		x.period = f.a.Policy.LevelPeriod(lv)
	}
	return x
}

// levelChange names a change of level: 定密 (first marking), 升密 (up),
// 降密 (down), by the policy's order of levels.
func (f *facts) levelChange(from, to string) string {
	rank := func(l string) int {
		for i, n := range f.a.Policy.LevelNames() {
			if n == l {
				return i
			}
		}
		return -1
	}
	switch {
	case from == "":
		return "定密"
	case rank(to) > rank(from):
		return "升密"
	case rank(to) < rank(from):
		return "降密"
	}
	return "密级确认"
}

// overdueIn reports whether loan l fell overdue in p, before now: it was
// out, its due time (archive.Loan.Due, an instant) passed in p, and it had
// not been returned by then.
func overdueIn(l *archive.Loan, p Period, now time.Time) bool {
	if l.Out.IsZero() || l.Due.IsZero() {
		return false
	}
	if l.Due.After(now) || !p.Contains(l.Due.Add(-time.Nanosecond)) {
		return false
	}
	return l.Returned.IsZero() || l.Returned.After(l.Due)
}

// activeCount is the number of dossiers that existed at t.
func (f *facts) activeCount(t time.Time) int {
	n := 0
	for _, id := range f.ids {
		if f.dossiers[id].activeAt(t) {
			n++
		}
	}
	return n
}

// activity counts what happened in p (journal only).
type activity struct {
	created, updated, verified, borrowed, returned, overdue, destroyed int
	reclassified, declassified                                         int
}

func (f *facts) activity(p Period, now time.Time) activity {
	var s activity
	distinct := func(kind string) int {
		seen := map[string]bool{}
		for _, e := range f.byKind[kind] {
			if p.Contains(e.Time) {
				seen[e.Dossier] = true
			}
		}
		return len(seen)
	}
	count := func(kind string) int {
		n := 0
		for _, e := range f.byKind[kind] {
			if p.Contains(e.Time) {
				n++
			}
		}
		return n
	}
	s.created = count(kCreate)
	s.updated = distinct(kUpdate)
	s.reclassified = count(kClassify)
	s.declassified = count(kDeclassify)
	for _, id := range f.ids {
		for _, r := range f.dossiers[id].reviews {
			if p.Contains(r.Time) {
				s.verified++ // dossiers verified, not 核定 recorded
				break
			}
		}
	}
	for _, l := range f.loans {
		if !l.Out.IsZero() && p.Contains(l.Out) {
			s.borrowed++
		}
		if !l.Returned.IsZero() && p.Contains(l.Returned) {
			s.returned++
		}
		if overdueIn(l, p, now) {
			s.overdue++
		}
	}
	for _, d := range f.destroys {
		if !d.Executed.IsZero() && p.Contains(d.Executed) {
			s.destroyed++
		}
	}
	return s
}

// memberName is a member's name as the reports show it.
func (f *facts) memberName(id string) string {
	if m := f.a.State.Members[id]; m != nil && m.Name != "" {
		return m.Name
	}
	return id
}

func (f *facts) names(ids []string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = f.memberName(id)
	}
	return strings.Join(s, "、")
}
