package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"crm/archive"
	"crm/classify"
)

// Event kinds the reports read. They are written by the lifecycle and
// classification steps (archive/FORMAT.md); the reports read them by kind
// and data keys only, so they need no code of those steps.
const (
	kCreate     = "dossier.create"
	kUpdate     = "dossier.update"
	kClassify   = "dossier.classify"
	kDeclassify = "dossier.declassify"
	kCredit     = "dossier.credit"
	kTier       = "dossier.tier"
	kReview     = "dossier.review"
	kLoanReq    = "loan.request"
	kLoanEnd    = "loan.endorse"
	kLoanOK     = "loan.approve"
	kLoanRenew  = "loan.renew"
	kLoanReturn = "loan.return"
	kLoanExpire = "loan.expire"
	kDestroyReq = "destroy.request"
	kDestroyOK  = "destroy.approve"
	kDestroyNo  = "destroy.reject"
	kDestroyRun = "destroy.execute"
)

// facts is what the journal says, indexed for the reports. Building it reads
// no dossier content and needs no key.
type facts struct {
	a        *archive.Archive
	dossiers map[string]*dfacts
	ids      []string // sorted
	loans    []*loan
	destroys []*destruction
	changes  []*change // classification register, in journal order
	byKind   map[string][]*archive.Event
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
	reviews   []*review
}

type review struct {
	dossier   string
	t         time.Time
	actor     string
	quarter   string
	note      string
	signedOff string
	result    string
}

type loan struct {
	id, dossier         string
	requested           time.Time
	borrower            string
	purpose, department string
	endorsedBy          string
	approvers           []string
	out                 time.Time // final approval: the dossier went out
	due                 time.Time // when it is due back: a date (midnight in Zone) or an instant
	dueIsDate           bool      // due was given as a date: it may be returned all that day
	card                map[string]any
	renewals            int
	returned            time.Time
	intact              string
	note                string
	expired             time.Time
	days                int
	firstSeen           time.Time
}

type destruction struct {
	id, dossier, reason string
	requested           time.Time
	requester           string
	approvals           []approval
	rejected            bool
	executed            time.Time
	executor            string
	witnesses, method   string
	level               string
}

type approval struct {
	t     time.Time
	actor string
	step  string
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
func (d *dfacts) lastReviewBefore(t time.Time) *review {
	var r *review
	for _, x := range d.reviews {
		if x.t.Before(t) {
			r = x
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

// whenDue parses a due date or instant; isDate tells which.
func whenDue(v any) (t time.Time, isDate bool) {
	if s, ok := v.(string); ok {
		if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), Zone); err == nil {
			return d, true
		}
	}
	return when(v), false
}

func intOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(strings.TrimSpace(x))
		return n
	}
	return 0
}

// gatherFacts reads the journal once.
func gatherFacts(a *archive.Archive) *facts {
	f := &facts{a: a, dossiers: map[string]*dfacts{}, byKind: map[string][]*archive.Event{}}
	loans := map[string]*loan{}
	dests := map[string]*destruction{}
	dossier := func(id string) *dfacts {
		d := f.dossiers[id]
		if d == nil {
			d = &dfacts{id: id}
			f.dossiers[id] = d
			f.ids = append(f.ids, id)
		}
		return d
	}
	getLoan := func(e *archive.Event, m map[string]any) *loan {
		id := text(m["loan"])
		if id == "" {
			return nil
		}
		l := loans[id]
		if l == nil {
			l = &loan{id: id, firstSeen: e.Time}
			loans[id] = l
			f.loans = append(f.loans, l)
		}
		if l.dossier == "" {
			l.dossier = e.Dossier
		}
		if e.Time.Before(l.firstSeen) {
			l.firstSeen = e.Time
		}
		return l
	}
	getDest := func(e *archive.Event, m map[string]any) *destruction {
		id := text(m["request"])
		if id == "" {
			return nil
		}
		d := dests[id]
		if d == nil {
			d = &destruction{id: id}
			dests[id] = d
			f.destroys = append(f.destroys, d)
		}
		if d.dossier == "" {
			d.dossier = e.Dossier
		}
		return d
	}
	// A lifecycle or classification step that broke a rule is reported by
	// replay (and verify) and does not count (archive/FORMAT.md); the
	// reports do not count it either.
	broken := map[string]bool{}
	for _, p := range a.State.Problems {
		broken[p.Path] = true
	}
	for _, e := range a.State.Journal.Events {
		if broken[e.Path] && e.Kind != kCreate && e.Kind != kUpdate {
			continue
		}
		f.byKind[e.Kind] = append(f.byKind[e.Kind], e)
		if e.Dossier == "" && !strings.HasPrefix(e.Kind, "loan.") && !strings.HasPrefix(e.Kind, "destroy.") {
			continue
		}
		m := data(e)
		var d *dfacts
		if e.Dossier != "" {
			d = dossier(e.Dossier)
		}
		if d != nil {
			if lv := text(m["level"]); lv != "" && e.Kind != kDestroyRun {
				d.levels = append(d.levels, f.levelOf(e, m, lv))
			}
		}
		switch e.Kind {
		case kCreate:
			if d != nil && d.created.IsZero() {
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
			if d != nil {
				d.credits = append(d.credits, strAt{e.Time, text(m["class"])})
			}
			f.changes = append(f.changes, &change{e: e, kind: "信用等级变更", from: text(m["old_class"]), to: text(m["class"]), reason: text(m["reason"])})
		case kTier:
			if d != nil {
				d.tiers = append(d.tiers, strAt{e.Time, text(m["tier"])})
			}
			f.changes = append(f.changes, &change{e: e, kind: "客户层级变更", from: text(m["old_tier"]), to: text(m["tier"]), reason: text(m["reason"])})
		case kReview:
			if d != nil {
				q := text(m["quarter"])
				if q == "" {
					q = QuarterOf(e.Time).Label
				}
				d.reviews = append(d.reviews, &review{dossier: d.id, t: e.Time, actor: e.Actor, quarter: q, note: text(m["note"]),
					signedOff: text(m["signed_off_by"]), result: text(m["result"])})
			}
		case kLoanReq:
			if l := getLoan(e, m); l != nil {
				l.requested, l.borrower = e.Time, e.Actor
				l.purpose, l.department, l.endorsedBy = text(m["purpose"]), text(m["department"]), text(m["endorsed_by"])
				l.days = intOf(m["days"])
			}
		case kLoanEnd:
			if l := getLoan(e, m); l != nil && l.endorsedBy == "" {
				l.endorsedBy = e.Actor
			}
		case kLoanOK:
			if l := getLoan(e, m); l != nil {
				l.approvers = append(l.approvers, e.Actor)
				_, hasDue := m["due"]
				_, hasCard := m["card"]
				_, hasSHA := m["sha256"]
				if hasDue || hasCard || hasSHA {
					l.out = e.Time
					if c, ok := m["card"].(map[string]any); ok {
						l.card = c
					}
					l.due, l.dueIsDate = whenDue(m["due"])
					if l.due.IsZero() && l.card != nil {
						l.due, l.dueIsDate = whenDue(l.card["due"])
					}
				}
			}
		case kLoanRenew:
			if l := getLoan(e, m); l != nil {
				l.renewals++
				if t, isDate := whenDue(m["due"]); !t.IsZero() {
					l.due, l.dueIsDate = t, isDate
				}
			}
		case kLoanReturn:
			if l := getLoan(e, m); l != nil {
				l.returned, l.note = e.Time, text(m["note"])
				switch v := m["intact"].(type) {
				case bool:
					l.intact = map[bool]string{true: "是", false: "否"}[v]
				default:
					l.intact = text(v)
				}
			}
		case kLoanExpire:
			if l := getLoan(e, m); l != nil {
				l.expired = e.Time
			}
		case kDestroyReq:
			if x := getDest(e, m); x != nil {
				x.requested, x.requester, x.reason = e.Time, e.Actor, text(m["reason"])
			}
		case kDestroyOK:
			if x := getDest(e, m); x != nil {
				x.approvals = append(x.approvals, approval{t: e.Time, actor: e.Actor, step: text(m["step"])})
			}
		case kDestroyNo:
			if x := getDest(e, m); x != nil {
				x.rejected = true
			}
		case kDestroyRun:
			if x := getDest(e, m); x != nil {
				x.executed, x.executor = e.Time, e.Actor
				x.witnesses, x.method, x.level = text(m["witnesses"]), text(m["method"]), text(m["level"])
				if x.dossier == "" {
					x.dossier = e.Dossier
				}
				if dd := f.dossiers[x.dossier]; dd != nil && dd.destroyed.IsZero() {
					dd.destroyed = e.Time
				}
			}
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
		sort.SliceStable(d.reviews, func(i, j int) bool { return d.reviews[i].t.Before(d.reviews[j].t) })
	}
	sort.SliceStable(f.changes, func(i, j int) bool { return f.changes[i].e.Time.Before(f.changes[j].e.Time) })
	sort.SliceStable(f.loans, func(i, j int) bool { return f.loans[i].firstSeen.Before(f.loans[j].firstSeen) })
	sort.SliceStable(f.destroys, func(i, j int) bool { return f.destroys[i].executed.Before(f.destroys[j].executed) })
	for _, evs := range f.byKind {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	}
	for _, l := range f.loans {
		if l.due.IsZero() && !l.out.IsZero() {
			days := l.days
			if days <= 0 {
				days = a.Policy.Loan.Days
			}
			y, mo, dd := l.out.In(Zone).Date()
			l.due, l.dueIsDate = time.Date(y, mo, dd+days, 0, 0, 0, 0, Zone), true
		}
	}
	return f
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

// deadline is the first moment a loan is late: the start of the day after
// its due date (in Zone), or the due instant if one was given.
func (l *loan) deadline() time.Time {
	if !l.dueIsDate {
		return l.due
	}
	y, m, d := l.due.In(Zone).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, Zone)
}

// overdueIn reports whether the loan fell overdue in p, before now: it was
// out, its due date ended in p, and it had not been returned by then.
func (l *loan) overdueIn(p Period, now time.Time) bool {
	if l.out.IsZero() || l.due.IsZero() {
		return false
	}
	dl := l.deadline()
	if dl.After(now) || !p.Contains(dl.Add(-time.Nanosecond)) {
		return false
	}
	return l.returned.IsZero() || l.returned.After(dl)
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
	s.verified = distinct(kReview)
	s.reclassified = count(kClassify)
	s.declassified = count(kDeclassify)
	s.returned = count(kLoanReturn)
	for _, l := range f.loans {
		if !l.out.IsZero() && p.Contains(l.out) {
			s.borrowed++
		}
		if l.overdueIn(p, now) {
			s.overdue++
		}
	}
	for _, d := range f.destroys {
		if !d.executed.IsZero() && p.Contains(d.executed) {
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
