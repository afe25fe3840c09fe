package report

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"crm/archive"
	"crm/classify"
)

// facts is the archive's state as the reports read it: every dossier with
// its histories, the loans, the destructions, the 核定 and the
// classification register, all from archive.State and its histories
// (Archive.Histories), which replayed the journal with every rule checked
// (a step that broke a rule has no effect there, so it counts nowhere
// here). Building it reads no dossier content and needs no key. The
// reports keep no event kinds and compute no rule of their own: levels,
// credit classes and tiers come from the state's answers.
type facts struct {
	a        *archive.Archive
	s        *archive.State
	loc      *time.Location         // the policy's zone: periods and dates
	ids      []string               // every dossier ever created, sorted (hist's: not to be changed)
	loans    []*archive.Loan        // by request time
	destroys []*archive.Destruction // by execution time
	hist     *archive.Histories
	changes  []archive.Change // the classification register, by time (changesByTime)
	marks    map[string]bool  // levels of the dossiers the report shows (marking.go)
	levelNow []string         // every dossier's level today, in the order of ids (marking.go)
	// digests are what the key reads of every active dossier's content
	// (contents), read once per report: digests[i] is dossier
	// digestIDs[i]'s (sorted), nil where the key does not read it.
	digestIDs []string
	digests   []*archive.Digest
	unread    map[string]error // why a dossier the key should read was not
}

func gatherFacts(a *archive.Archive) *facts {
	s, h := a.State, a.Histories()
	f := &facts{a: a, s: s, loc: a.Location(), ids: h.IDs(), hist: h}
	// The state lists in journal order, which follows links; the reports
	// read by time (stable: ties keep the journal's order).
	f.loans = s.SortedLoans()
	sort.SliceStable(f.loans, func(i, j int) bool { return f.loans[i].Requested.Before(f.loans[j].Requested) })
	f.destroys = s.SortedDestructions()
	sort.SliceStable(f.destroys, func(i, j int) bool { return f.destroys[i].Executed.Before(f.destroys[j].Executed) })
	return f
}

// changesByTime is the classification register by time, ties by dossier
// (a batch's steps share a time, and are journaled in the order of their
// runs: archive.ClassifyMany) and then in journal order: only that
// register lists them; the other reports count them.
func (f *facts) changesByTime() []archive.Change {
	if f.changes == nil {
		f.changes = slices.Clone(f.hist.Changes)
		slices.SortStableFunc(f.changes, func(x, y archive.Change) int {
			return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Dossier, y.Dossier))
		})
	}
	return f.changes
}

// reviewRow is a 核定 as the register shows it, with the dossier's level
// at the time. Times are Unix seconds (events are dated to the second):
// at 100,000 dossiers ten years of 核定 held as archive.ReviewEntry, and
// a map of their places by dossier for the levels, were 110 MB of a
// register report's 230 MB.
type reviewRow struct {
	dossier, level, quarter, by, note, signedOffBy string
	at, signedOff                                  int64 // Unix seconds; signedOff 0: not signed off
	// result is the 核定's result (核定结果): 0 none recorded, else its
	// place in reviewResults plus one.
	result uint8
}

// reviewResults are the results a 核定 may record (archive.ReviewResults).
var reviewResults = archive.ReviewResults()

// reviewResultOf is result r as a reviewRow keeps it.
func reviewResultOf(r string) uint8 {
	for i, x := range reviewResults {
		if x.Zh == r {
			return uint8(i + 1)
		}
	}
	return 0
}

// reviewsIn is every 核定 of period p by time, ties by dossier (a batch's
// share a time: archive.ReviewDoneMany) and then in journal order, each
// with its dossier's level then. One pass over the dossiers (f.each) makes
// them: each dossier's 核定 are in journal order.
func (f *facts) reviewsIn(p Period) []reviewRow {
	var out []reviewRow
	if p.All() {
		out = make([]reviewRow, 0, f.hist.ReviewCount())
	}
	f.each(func(d *archive.DossierState) {
		for _, r := range d.Reviews {
			if !p.All() && !p.Contains(r.Time) {
				continue
			}
			x := reviewRow{dossier: d.ID, level: f.levelAt(d, r.Time.Add(time.Nanosecond)), quarter: r.Quarter,
				by: r.By, note: r.Note, at: r.Time.Unix(), result: reviewResultOf(r.Result)}
			if r.SignedOffBy != "" {
				x.signedOffBy, x.signedOff = r.SignedOffBy, r.SignedOff.Unix()
			}
			out = append(out, x)
		}
	})
	slices.SortStableFunc(out, func(x, y reviewRow) int {
		return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.dossier, y.dossier))
	})
	return out
}

// levelAt is the dossier's effective level just before t (R7.2.4).
func (f *facts) levelAt(d *archive.DossierState, t time.Time) string {
	return f.s.EffectiveLevelAt(d, t)
}

// dateOf is t's date in the policy's zone, or empty.
func (f *facts) dateOf(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Date(t.In(f.loc))
}

// daysBetween counts calendar days (in the policy's zone) from a to just before b.
func (f *facts) daysBetween(a, b time.Time) int {
	ya, ma, da := a.In(f.loc).Date()
	yb, mb, db := b.Add(-time.Nanosecond).In(f.loc).Date()
	return int(time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC).Sub(time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// overdueIn reports whether loan l was overdue at some time in p before
// now: out, past its due time, and not yet returned (archive.Loan.Overdue).
// A loan that fell overdue in an earlier month and is still out is overdue
// in this one too: the monthly report shows every loan to chase (R7.1),
// not only those that fell due in the month.
func overdueIn(l *archive.Loan, p Period, now time.Time) bool {
	if l.Out.IsZero() || l.Due.IsZero() {
		return false
	}
	end := now // the part of p before now: [from, end)
	if !p.All() && p.End.Before(end) {
		end = p.End
	}
	from := l.Due // the first instant in p it could be overdue at
	if !p.All() && p.Start.After(from) {
		from = p.Start
	}
	if !from.Before(end) {
		// Not past due in p before now: due at or after p's end (or
		// now), or p not begun by now (a month still to come names no
		// loan, however long one has been out).
		return false
	}
	return l.Returned.IsZero() || l.Returned.After(from)
}

// dossier is dossier id's state with its histories, or nil.
func (f *facts) dossier(id string) *archive.DossierState { return f.hist.Dossier(id) }

// each calls fn with every dossier's state, by id (Histories.Each: fn
// keeps nothing of it but its strings). The first pass also notes every
// dossier's level today for the marking (markDossier), which would
// otherwise take a pass of its own.
func (f *facts) each(fn func(d *archive.DossierState)) {
	if f.levelNow != nil {
		f.hist.Each(fn)
		return
	}
	levels := make([]string, 0, len(f.ids))
	f.hist.Each(func(d *archive.DossierState) {
		levels = append(levels, f.a.EffectiveLevel(d))
		fn(d)
	})
	f.levelNow = levels
}

// passesDone lets the histories go (archive.Histories.Release) when a
// report is done with its passes over them and counted the registers,
// before it reads the dossiers' content, if the archive was opened for
// this one report (archive.SummaryHistoriesOnce). The marking needs every
// dossier's level today: the first pass noted it (each).
func (f *facts) passesDone() {
	if f.levelNow != nil {
		f.hist.Release()
	}
}

// standing is what the reports read of the dossiers that existed just
// before t, in id order: each one's level then and what classifies it
// then (customers). A report fills it in the pass it makes anyway
// (add): every pass decodes every dossier's histories.
type standing struct {
	t      time.Time
	ids    []string
	levels []string
	// credit and tier are the journal's overrides in force at t ("" for
	// none); lastReview is the last 核定 before t (zero: none).
	credit, tier []string
	lastReview   []time.Time
	// creditD is, by dossier, the dossier.credit step that made it D
	// (dangerous) and is in force at t: few, so a map.
	creditD map[string]archive.Mark
}

// newStanding is an empty standing at t, with room for every dossier:
// grown by append, its slices made 10 MB of garbage at 100,000.
func (f *facts) newStanding(t time.Time) *standing {
	n := len(f.ids)
	return &standing{t: t, ids: make([]string, 0, n), levels: make([]string, 0, n),
		credit: make([]string, 0, n), tier: make([]string, 0, n), lastReview: make([]time.Time, 0, n)}
}

// add records d if it existed just before st.t.
func (st *standing) add(f *facts, d *archive.DossierState) {
	t := st.t
	if !d.ActiveAt(t) {
		return
	}
	var last time.Time
	if r := d.LastReviewBefore(t); r != nil {
		last = r.Time
	}
	st.ids = append(st.ids, d.ID)
	st.levels = append(st.levels, f.levelAt(d, t))
	m := d.CreditMarkAt(t)
	st.credit = append(st.credit, m.Value)
	if m.Value == string(classify.CreditD) {
		if st.creditD == nil {
			st.creditD = map[string]archive.Mark{}
		}
		st.creditD[d.ID] = m
	}
	st.tier = append(st.tier, d.TierOverrideAt(t))
	st.lastReview = append(st.lastReview, last)
}

// creditReasons fills in why each dossier of st.creditD was classed D,
// from the classification register (the histories keep no reasons):
// before passesDone, which lets the register go.
func (st *standing) creditReasons(f *facts) {
	if len(st.creditD) == 0 {
		return
	}
	for _, c := range f.hist.Changes {
		if m, ok := st.creditD[c.Dossier]; ok && c.Kind == archive.ChangeCredit && c.At.Equal(m.At) {
			m.Reason, m.By = c.Reason, c.By
			st.creditD[c.Dossier] = m
		}
	}
}

// activity counts what happened in a period.
type activity struct {
	created, updated, verified, borrowed, returned, overdue, destroyed int
	reclassified, declassified                                         int
}

// countActivity counts into out[k] what dossier d's histories say
// happened in ps[k]; journalActivity adds the registers'.
func countActivity(out []activity, ps []Period, d *archive.DossierState) {
	for k, p := range ps {
		s := &out[k]
		if p.Contains(d.Created) {
			s.created++
		}
		for _, u := range d.Updates {
			if p.Contains(u.At) {
				s.updated++ // dossiers updated, not updates
				break
			}
		}
		for _, r := range d.Reviews {
			if p.Contains(r.Time) {
				s.verified++ // dossiers verified, not 核定 recorded
				break
			}
		}
	}
}

// countDeclassified counts into out[k] the declassifications of dossier
// d in ps[k] before now (R7.2.4): when each secrecy period ran out, as the
// levels the reports show have it (archive.State.DeclassifiedAt), whether
// or not the journal has recorded it yet.
func (f *facts) countDeclassified(out []activity, ps []Period, d *archive.DossierState, now time.Time) {
	for _, t := range f.s.DeclassifiedAt(d, now) {
		for k, p := range ps {
			if p.Contains(t) {
				out[k].declassified++
			}
		}
	}
}

// journalActivity counts into s what happened in p that the registers,
// loans and destructions say.
func (f *facts) journalActivity(s *activity, p Period, now time.Time) {
	for _, c := range f.hist.Changes {
		if !p.Contains(c.At) {
			continue
		}
		// 密级变更 counts the changes of level (升密, 降密): a 密级确认
		// keeps the level and only sets a new secrecy period, as the
		// classification register's own type for it says.
		switch c.Kind {
		case archive.ChangeRaise, archive.ChangeLower:
			s.reclassified++
		}
		// Declassifications count when the period ran out
		// (countDeclassified), not when crm maintain journaled them.
	}
	for _, l := range f.loans {
		if !l.Out.IsZero() && p.Contains(l.Out) {
			s.borrowed++
		}
		if !l.Out.IsZero() && !l.Returned.IsZero() && p.Contains(l.Returned) {
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
}

// memberName is a member's name as the reports show it ("" for none).
func (f *facts) memberName(id string) string {
	if id == "" {
		return ""
	}
	return f.s.MemberName(id)
}

// names is the members' names as one cell: joined with 、, in English
// with ", ".
func (f *facts) names(ids []string) Value {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = f.memberName(id)
	}
	if len(s) < 2 {
		return Str(strings.Join(s, ""))
	}
	return Words(Text{Zh: strings.Join(s, "、"), En: strings.Join(s, ", ")})
}

// roleTitles is a member's roles by the policy's titles, joined with 、.
func (f *facts) roleTitles(id string) string {
	m := f.s.Members[id]
	if m == nil {
		return ""
	}
	t := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		t[i] = f.a.Policy.RoleTitle(r)
	}
	return strings.Join(t, "、")
}

func (f *facts) department(id string) string {
	if m := f.s.Members[id]; m != nil {
		return m.Department
	}
	return ""
}

// changeTerms are the classification register's words for a change (R7.2, R8).
var changeTerms = map[archive.ChangeKind]Text{
	archive.ChangeMark:       {Zh: "定密", En: "marked"},
	archive.ChangeRaise:      {Zh: "升密", En: "raised"},
	archive.ChangeLower:      {Zh: "降密", En: "lowered"},
	archive.ChangeConfirm:    {Zh: "密级确认", En: "level confirmed"},
	archive.ChangeDeclassify: {Zh: "自行解密", En: "declassified"},
	archive.ChangeCredit:     {Zh: "信用等级变更", En: "credit class changed"},
	archive.ChangeTier:       {Zh: "客户层级变更", En: "tier changed"},
}

// creditKept is the register's word for a credit step that set the class
// the dossier had: kept after a supervisor reviewed a visit's change in
// credit (dossier.credit with reviews:), or a class its survey gave
// pinned as an override.
var creditKept = Text{Zh: "信用等级维持", En: "credit class kept"}

// seeker finds ids in list (sorted): asked in order, as the reports' lists
// by id are, it walks list once rather than search it for each.
type seeker struct {
	list []string
	k    int // list[:k] are before every id asked since the last search
}

// find is id's place in list, and whether it is there.
func (s *seeker) find(id string) (int, bool) {
	if s.k > 0 && s.list[s.k-1] >= id { // asked out of order
		k, ok := slices.BinarySearch(s.list, id)
		s.k = k
		if ok {
			s.k++
		}
		return k, ok
	}
	for s.k < len(s.list) && s.list[s.k] < id {
		s.k++
	}
	if s.k < len(s.list) && s.list[s.k] == id {
		s.k++
		return s.k - 1, true
	}
	return s.k, false
}
