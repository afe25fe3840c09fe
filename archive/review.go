package archive

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"crm/classify"
	"crm/l10n"
)

// Hold is a legal hold (冻结) on a dossier.
type Hold struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	Since  time.Time `json:"since"`
}

// Review is one recorded 核定 of a dossier (R6.5), with the sign-off of
// its quarter once given (review.signoff).
type Review struct {
	Quarter     string    `json:"quarter"`
	By          string    `json:"by"`
	Time        time.Time `json:"time"`
	Note        string    `json:"note,omitempty"`
	Result      string    `json:"result,omitempty"` // 核定结果 (ReviewResults), "" if none was recorded
	SignedOffBy string    `json:"signed_off_by,omitempty"`
	SignedOff   time.Time `json:"signed_off,omitzero"`
	Event       string    `json:"-"` // hash of the dossier.review event
}

// ReviewEntry is a 核定 in the archive's register of them. The review is
// its dossier's (DossierState.Reviews), not a copy: at 100,000 dossiers
// ten years of 核定 held twice were 90 MB of a replay's live heap.
//
// A dossier's list may be grown after its entries were made (a new 核定
// on a state read from a snapshot): the entries then point into the list
// it was grown from, a copy with the same values. So a change to a 核定
// (a sign-off) is made through the register and in the dossier's list.
type ReviewEntry struct {
	Dossier string
	*Review
}

// Payloads of the 核定 and hold events.
type (
	// ReviewData is a quarterly re-verification (核定, R6.5) of the
	// event's dossier, in the calendar quarter of the event in the
	// policy's zone.
	ReviewData struct {
		Quarter string `yaml:"quarter" json:"quarter"`
		Note    string `yaml:"note" json:"note"`
		// Result is the 核定's result (核定结果): one of ReviewResults,
		// in Chinese. Optional: a 核定 recorded without one, as every one
		// was before it could be given, has none.
		Result string `yaml:"result,omitempty" json:"result,omitempty"`
	}
	// HoldData puts the event's dossier under a legal hold (冻结).
	HoldData struct {
		Reason string `yaml:"reason" json:"reason"`
	}
	// ReleaseData releases a legal hold.
	ReleaseData struct {
		Reason string `yaml:"reason" json:"reason"`
	}
	// ReviewSignoff is the sign-off of a quarter's 核定 by a supervisor
	// (R6.5): it signs the reviews of the quarter that it follows, by
	// others, not yet signed; Dossiers lists their dossiers.
	ReviewSignoff struct {
		Quarter  string   `yaml:"quarter" json:"quarter"`
		Dossiers []string `yaml:"dossiers" json:"dossiers"`
	}
)

// The results a 核定 may record (核定结果, R6.5: each dossier is verified
// every quarter, and supplemented or adjusted): the journal keeps the
// Chinese word.
const (
	ReviewUnchanged    = "无变化"
	ReviewSupplemented = "已补充"
	ReviewAdjusted     = "已调整"
)

// ReviewResult is a result a 核定 may record, in both languages.
type ReviewResult struct{ Zh, En string }

// ReviewResults are the results a 核定 may record.
func ReviewResults() []ReviewResult {
	return []ReviewResult{{ReviewUnchanged, "unchanged"}, {ReviewSupplemented, "supplemented"}, {ReviewAdjusted, "adjusted"}}
}

// ParseReviewResult reads the result of a 核定: 无变化, 已补充 or 已调整,
// or its English name; "" is none. It returns the Chinese word.
func ParseReviewResult(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return "", nil
	}
	for _, r := range ReviewResults() {
		if v == r.Zh || strings.EqualFold(v, r.En) {
			return r.Zh, nil
		}
	}
	return "", usageErr("result", l10n.Errorf("unknown 核定 result %q: want 无变化, 已补充 or 已调整 (or unchanged, supplemented, adjusted)", s))
}

// ReviewRecord is what a 核定 records besides its quarter: a note on what
// was checked or changed, and its result (ParseReviewResult; "" none).
type ReviewRecord struct {
	Note, Result string
}

// data is r as the payload of a 核定 of quarter q, its result read
// (ParseReviewResult).
func (r ReviewRecord) data(q classify.Quarter) (*ReviewData, error) {
	res, err := ParseReviewResult(r.Result)
	if err != nil {
		return nil, err
	}
	return &ReviewData{Quarter: q.String(), Note: r.Note, Result: res}, nil
}

// reviewQuarter checks the quarter of a 核定 or sign-off written at t: a
// calendar quarter, not after t's (a day of clock skew allowed).
func (c *step) reviewQuarter(s string) (classify.Quarter, error) {
	q, err := classify.ParseQuarter(s)
	if err != nil {
		return q, problemf("unreadable review data: quarter must look like 2026Q4")
	}
	if now := classify.QuarterOf(c.e.Time.Add(24*time.Hour), c.p.Location()); now.Before(q) {
		return q, usageErr("quarter", l10n.Errorf("%s has not begun yet", q))
	}
	return q, nil
}

func (x *ReviewData) check(c *step) error {
	q, err := c.reviewQuarter(x.Quarter)
	if err != nil {
		return err
	}
	if r, err := ParseReviewResult(x.Result); err != nil || r != x.Result {
		return problemf("review result %q is none of 无变化, 已补充, 已调整", x.Result)
	}
	if !c.d.Created.Before(q.End(c.p.Location())) {
		return usageErr("quarter", l10n.Errorf("dossier %s was created after %s ended: it was not due then", c.d.ID, q))
	}
	// R6.5: the 核定 checks the content, so only a member who can read it
	// records it: a recipient of the file at this point of the journal whom
	// the journal still lets read it (CanRead: not a borrower whose loan
	// ended, though the file stays encrypted to them until a writer's next
	// step, nor a member whose roles no longer read the level), or, for a
	// 核定 accepted after its actor's removal (decision.go), one whose
	// roles read the level.
	if !(slices.Contains(c.d.Recipients, c.e.Actor) && c.readsNow()) && !(c.revived && c.readsLevel()) {
		return &Error{Code: Denied, Actor: c.actor.ID, Held: c.actor.Roles,
			Err: l10n.Errorf("%s cannot read dossier %s (level %s), so cannot verify it (R6.5): its 核定 is recorded by one who can read it", c.actor.ID, c.d.ID, c.d.Level)}
	}
	// A 核定 is of the quarter it was made in, or of an earlier one that
	// was missed (a late 核定, R6.5): never of a quarter that had not
	// begun at the event's time in any zone (clocks only bound: a
	// back-dated event is refused by the time rules).
	latest := quartersOf(c.e.Time)
	if last, _ := classify.ParseQuarter(latest[len(latest)-1]); last.Before(q) {
		return problemf("review for quarter %s dated %s, which is in %s: a 核定 counts for the quarter it was made in or an earlier one missed", x.Quarter, fmtUTC(c.e.Time), classify.QuarterOf(c.e.Time, c.p.Location()))
	}
	return nil
}

// Time zones run from UTC−12 to UTC+14: what an event's time is as a
// calendar date or quarter anywhere.
const (
	zoneWest = -12 * time.Hour
	zoneEast = 14 * time.Hour
)

// quartersOf returns the quarters t falls in, in any time zone.
func quartersOf(t time.Time) []string {
	a, b := classify.QuarterOf(t.Add(zoneWest), time.UTC).String(), classify.QuarterOf(t.Add(zoneEast), time.UTC).String()
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// sameDay reports whether date (YYYY-MM-DD) is t's calendar date in some
// time zone.
func sameDay(date string, t time.Time) bool {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return false
	}
	return !d.Before(civil(t.Add(zoneWest).UTC())) && !d.After(civil(t.Add(zoneEast).UTC()))
}

func (x *ReviewData) apply(c *step) {
	r := Review{Quarter: x.Quarter, By: c.e.Actor, Time: c.e.Time, Note: x.Note, Result: x.Result, Event: c.e.Hash}
	if n := c.s.reviewsOf[c.d.ID]; c.d.Reviews == nil && n > 1 {
		// A whole replay counted them (registerSizes): the list is made
		// once, where growing it as the reviews come made three times
		// its size of garbage (250 MB at 750,000 核定).
		c.d.Reviews = make([]Review, 0, n)
	}
	c.d.Reviews = appendSparing(c.d.Reviews, r)
	c.s.Reviews = append(c.s.Reviews, ReviewEntry{Dossier: c.d.ID, Review: &c.d.Reviews[len(c.d.Reviews)-1]})
}

// appendSparing is append that grows a full slice of a few elements or
// more by a quarter, where append would double it: a dossier's list of
// 核定 read from a snapshot is exactly full, and the quarterly batch adds
// one to nearly every dossier's and keeps them all to the command's end
// (at 100,000 dossiers, 78,073 lists of ~7 doubled: ~50 MB). Lists of
// fewer than four grow as append grows them, as do long ones (append
// already adds only a quarter to a slice of 256 or more).
func appendSparing[T any](s []T, v T) []T {
	if n := len(s); n == cap(s) && n >= 4 && n < 256 {
		grown := make([]T, n, n+n/4+1)
		copy(grown, s)
		s = grown
	}
	return append(s, v)
}

// signable returns the positions in s.Reviews of the reviews of quarter q
// that a sign-off by the step's actor signs: not yet signed, by someone
// else (nobody signs off their own 核定), and followed by the step through
// links (a review written apart from it waits for the next sign-off).
func (c *step) signable(q string) []int {
	var out []int
	for i, r := range c.s.Reviews {
		if r.Quarter != q || r.SignedOffBy != "" || r.By == c.e.Actor {
			continue
		}
		out = append(out, i)
	}
	j := c.s.Journal
	if j == nil || len(out) == 0 {
		return out
	}
	// The step's ancestors among those 核定, walked once (not once per
	// review) and only as far back as they lie.
	want := make(map[string]bool, len(out))
	for _, i := range out {
		want[c.s.Reviews[i].Event] = true
	}
	before := j.AncestorsAmong(c.e, want)
	return slices.DeleteFunc(out, func(i int) bool { return !j.Before(before, c.e, c.s.Reviews[i].Event) })
}

// signedDossiers are the dossiers of the reviews at positions idx, sorted, each once.
func (s *State) signedDossiers(idx []int) []string {
	var ids []string
	for _, i := range idx {
		ids = append(ids, s.Reviews[i].Dossier)
	}
	sort.Strings(ids)
	return slices.Compact(ids)
}

func (x *ReviewSignoff) check(c *step) error {
	q, err := c.reviewQuarter(x.Quarter)
	if err != nil {
		return err
	}
	idx := c.signable(q.String())
	listed := x.Dossiers
	if in := c.s.inRun; in != nil {
		// A run of saveInGroups' parts holds the reviews of its dossiers
		// only: what the sign-off lists of those must be what it signs
		// there. Every run checks so, and signoffRuns checked that the
		// list is sorted, each once, and not empty: together, the check
		// below on the whole state.
		listed = slices.DeleteFunc(slices.Clone(listed), func(id string) bool { return !in(id) })
	} else if len(idx) == 0 {
		return failErr(l10n.Errorf("no 核定 of %s by anyone but %s waits for a sign-off", q, c.e.Actor), NoNext, "")
	}
	if in := c.s.inRun; in != nil {
		idx = slices.DeleteFunc(idx, func(i int) bool { return !in(c.s.Reviews[i].Dossier) })
	}
	if want := c.s.signedDossiers(idx); !slices.Equal(listed, want) {
		return problemf("sign-off of %s lists dossiers %v, but the reviews it signs are of %v", q, idsText(x.Dossiers), idsText(want))
	}
	return nil
}

func (x *ReviewSignoff) apply(c *step) {
	// The quarter as check read it ("2026-q4" is 2026Q4): what it checked
	// the list against is what is signed.
	q, err := classify.ParseQuarter(x.Quarter)
	if err != nil {
		return // check refused it
	}
	for _, i := range c.signable(q.String()) {
		r := c.s.Reviews[i]
		r.SignedOffBy, r.SignedOff = c.e.Actor, c.e.Time
		if d := c.s.Dossiers[r.Dossier]; d != nil {
			for j := range d.Reviews {
				if d.Reviews[j].Event == r.Event {
					d.Reviews[j].SignedOffBy, d.Reviews[j].SignedOff = c.e.Actor, c.e.Time
				}
			}
		}
	}
}

func (x *HoldData) check(c *step) error {
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the dossier is held (e.g. the case or order)"))
	}
	if d := c.d; d.OnHold() {
		return failErr(l10n.Errorf("dossier %s is already on hold since %s (%s)", d.ID, c.s.date(d.Hold.Since), d.Hold.Reason), NoNext, "")
	}
	return nil
}

func (x *HoldData) apply(c *step) { c.d.Hold = &Hold{Reason: x.Reason, By: c.e.Actor, Since: c.e.Time} }

func (x *ReleaseData) check(c *step) error {
	if !c.d.OnHold() {
		return failErr(l10n.Errorf("dossier %s is not on hold: nothing to release", c.d.ID), NoNext, "")
	}
	return nil
}

func (x *ReleaseData) apply(c *step) { c.d.Hold = nil }

// Quarter is the calendar quarter of the archive's clock in its zone.
func (a *Archive) Quarter() classify.Quarter { return classify.QuarterOf(a.now, a.Location()) }

// DueReview is a dossier not yet verified (核定) in a quarter (R6.5).
type DueReview struct {
	ID         string `json:"id"`
	Level      string `json:"level"`                 // its level now by R7.2.4, as list shows it
	Owner      string `json:"owner"`                 // the member who created the dossier (the journal's owner)
	OwnerName  string `json:"owner_name"`            // their name
	LastReview string `json:"last_review,omitempty"` // quarter of the last 核定, if any
	DaysLeft   int    `json:"days_left"`             // whole days to the end of the quarter; negative when overdue
	Overdue    bool   `json:"overdue"`
}

// ReviewsDueAndMissed is ReviewsDue and, when missed is set,
// ReviewsMissed of quarter q, made side by side on two cores (at 100,000
// dossiers each walks every row).
func (a *Archive) ReviewsDueAndMissed(q classify.Quarter, missed bool) ([]DueReview, []MissedReview) {
	a.State.sortedRows() // made (and kept) before the two read them
	a.Location()         // the policy's zone, likewise (Policy.Location keeps it)
	var ms []MissedReview
	var wg sync.WaitGroup
	if missed {
		wg.Go(func() { ms = a.ReviewsMissed(q) })
	}
	due := a.ReviewsDue(q)
	wg.Wait()
	return due, ms
}

// ReviewsDue lists, from the journal alone, the active dossiers created
// before the quarter ended that have no dossier.review for it, with the
// days left until its end (in the policy's zone).
func (a *Archive) ReviewsDue(q classify.Quarter) []DueReview {
	loc := a.Location()
	now := a.now.In(loc)
	end := q.End(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	days := int(math.Round(end.Sub(today).Hours() / 24))
	rows := a.State.sortedRows()
	out := make([]DueReview, 0, len(rows))
	at := a.now.Add(time.Nanosecond)
	for i := range rows {
		d := &rows[i]
		if d.Status != StatusActive || !d.Created.Before(end) || d.reviewedIn(q) {
			continue
		}
		r := DueReview{ID: d.ID, Level: a.State.rowLevelNow(d, at), Owner: d.CreatedBy, OwnerName: a.State.MemberName(d.CreatedBy), DaysLeft: days, Overdue: !now.Before(end)}
		if r.OwnerName == d.CreatedBy {
			r.OwnerName = ""
		}
		r.LastReview = d.LastReview
		out = append(out, r)
	}
	return out
}

// lastQuarter is the latest quarter d was verified for, "" if never.
func lastQuarter(d *DossierState) string {
	var last *classify.Quarter
	for _, r := range d.Reviews {
		if q, err := parseQuarter(r.Quarter); err == nil && (last == nil || last.Before(q)) {
			last = &q
		}
	}
	if last == nil {
		return ""
	}
	return last.String()
}

// MissedReview is a dossier with quarters that ended without its 核定
// (R6.5). They stay listed until a (late) 核定 is recorded for each.
type MissedReview struct {
	ID        string         `json:"id"`
	Level     string         `json:"level"` // its level now by R7.2.4, as list shows it
	Owner     string         `json:"owner"`
	OwnerName string         `json:"owner_name,omitempty"`
	Quarters  classify.Spans `json:"quarters"` // oldest first; every quarter's name in JSON
}

// ReviewsMissed lists, from the journal alone, the active dossiers with
// quarters before q in which they existed and have no 核定.
func (a *Archive) ReviewsMissed(q classify.Quarter) []MissedReview {
	loc := a.Location()
	rows := a.State.sortedRows()
	out := make([]MissedReview, 0, len(rows))
	qi, okQ := quarterIndex(q)
	at := a.now.Add(time.Nanosecond)
	// The runs of quarters missed are cut from slabs: tens of thousands
	// of dossiers may each have missed some.
	var slab classify.Spans
	for i := range rows {
		d := &rows[i]
		if d.Status != StatusActive {
			continue
		}
		first := classify.QuarterOf(d.Created, loc)
		if n := len(d.Reviewed) + 1; cap(slab)-len(slab) < n {
			slab = make(classify.Spans, 0, max(n, 4096))
		}
		start := len(slab)
		if fi, okF := quarterIndex(first); okF && okQ {
			// The gaps between the quarters with a 核定 (ascending),
			// from the first quarter to q's: a run of quarters each.
			p := fi
			for _, r := range d.Reviewed {
				if r < p {
					continue
				}
				if r >= qi {
					break
				}
				if r > p {
					slab = append(slab, classify.SpanOf(quarterAt(p), quarterAt(r-1)))
				}
				p = r + 1
			}
			if p < qi {
				slab = append(slab, classify.SpanOf(quarterAt(p), quarterAt(qi-1)))
			}
		} else {
			var own classify.Spans // Add would extend the slab's previous run
			for p := first; p.Before(q); p = p.Next() {
				if !d.reviewedIn(p) {
					own = own.Add(p)
				}
			}
			slab = append(slab, own...)
		}
		missed := slab[start:len(slab):len(slab)]
		if len(missed) == 0 {
			continue
		}
		m := MissedReview{ID: d.ID, Level: a.State.rowLevelNow(d, at), Owner: d.CreatedBy, OwnerName: a.State.MemberName(d.CreatedBy), Quarters: missed}
		if m.OwnerName == d.CreatedBy {
			m.OwnerName = ""
		}
		out = append(out, m)
	}
	return out
}

// reviewQuarterFor is the quarter a 核定 written now for q is of (the zero
// Quarter: the current one), once the working member may record one and
// the quarter has begun.
func (a *Archive) reviewQuarterFor(q classify.Quarter) (classify.Quarter, error) {
	if q == (classify.Quarter{}) {
		q = a.Quarter()
	}
	if _, err := a.requireKind(KindReview); err != nil {
		return q, err
	}
	return q, a.quarterBegun(q)
}

// quarterBegun refuses a 核定 written for a quarter that has not begun by
// the writer's clock, in the policy's zone (R6.5: a quarter's 核定 is made
// in it). Replay allows a day of clock skew (reviewQuarter); a write does
// not: on 31 December at 20:00 a 2027Q1 核定 would stand for January's.
func (a *Archive) quarterBegun(q classify.Quarter) error {
	if now := a.Quarter(); now.Before(q) {
		return usageErr("quarter", l10n.Errorf("%s has not begun yet", q))
	}
	return nil
}

// ReviewDone records this quarter's 核定 of dossier id (R6.5), with a note
// on what was checked or changed. Only a member who can read it may.
func (a *Archive) ReviewDone(id, note string) (classify.Quarter, error) {
	return a.ReviewDoneFor(id, classify.Quarter{}, ReviewRecord{Note: note})
}

// ReviewDoneFor is ReviewDone for quarter q (the zero Quarter: the current
// one), recording rec: a note and a result (核定结果, ParseReviewResult);
// an earlier quarter records a late 核定 of a quarter that was missed.
func (a *Archive) ReviewDoneFor(id string, q classify.Quarter, rec ReviewRecord) (classify.Quarter, error) {
	q, err := a.reviewQuarterFor(q)
	if err != nil {
		return q, err
	}
	data, err := rec.data(q)
	if err != nil {
		return q, err
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		_, err = a.commit(KindReview, id, data)
		return err
	})
	return q, err
}

// ReviewDoneOnce is ReviewDoneFor unless dossier id already has a 核定
// for the quarter (R6.5: once a calendar quarter): then it writes nothing
// and returns that 核定 (the latest). Looked at under the lock, on the
// state with every event written so far, so a script run twice records
// one 核定, and a supervisor's sign-off of it stays the quarter's.
func (a *Archive) ReviewDoneOnce(id string, q classify.Quarter, rec ReviewRecord) (classify.Quarter, *Review, error) {
	q, err := a.reviewQuarterFor(q)
	if err != nil {
		return q, nil, err
	}
	data, err := rec.data(q)
	if err != nil {
		return q, nil, err
	}
	var had *Review
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		// The step's own rules first (who may, who reads it, the
		// quarter): "already verified" is no answer to one who may not.
		if err := a.precheck(KindReview, id, data); err != nil {
			return err
		}
		if had = a.reviewOf(d, q); had != nil {
			return nil
		}
		_, err = a.commit(KindReview, id, data)
		return err
	})
	return q, had, err
}

// reviewOf is dossier d's latest 核定 for quarter q, nil if it has none;
// for a dossier known by its row alone (a summary state), a 核定 with
// the quarter only.
func (a *Archive) reviewOf(d *DossierState, q classify.Quarter) *Review {
	if r := d.ReviewedIn(q.String()); r != nil {
		return r
	}
	if row := a.State.rowByID(d.ID); row != nil && a.State.Dossiers[d.ID] == nil && row.reviewedIn(q) {
		return &Review{Quarter: q.String()}
	}
	return nil
}

// ReviewDoneManyOnce is ReviewDoneMany that records nothing for a
// dossier already verified for the quarter (R6.5: once a calendar
// quarter), as ReviewDoneOnce: every dossier is checked first, and one
// refused refuses the batch; under the lock, a dossier with a 核定 for q
// is skipped. It returns the full ids recorded and those skipped.
func (a *Archive) ReviewDoneManyOnce(ids []string, q classify.Quarter, rec ReviewRecord) (classify.Quarter, []string, []string, error) {
	q, err := a.reviewQuarterFor(q)
	if err != nil {
		return q, nil, nil, err
	}
	data, err := rec.data(q)
	if err != nil {
		return q, nil, nil, err
	}
	var done, skipped []string
	_, err = a.batch(ids, func(d *DossierState) error {
		return a.precheck(KindReview, d.ID, data)
	}, func(id string) error {
		if d, err := a.Lookup(id); err == nil && a.reviewOf(d, q) != nil {
			skipped = append(skipped, id)
			return nil
		}
		if _, err := a.commit(KindReview, id, data); err != nil {
			return err
		}
		done = append(done, id)
		return nil
	})
	return q, done, skipped, err
}

// ReviewDoneMany records the 核定 of quarter q (the zero Quarter: the
// current one) of every dossier of ids, with one record (note and result), as one batch: every
// step is checked first, and nothing is written unless all pass (the error
// names each dossier refused); then they are journaled under one lock and
// synced once at the end (Bulk). It returns the dossiers' full ids.
func (a *Archive) ReviewDoneMany(ids []string, q classify.Quarter, rec ReviewRecord) (classify.Quarter, []string, error) {
	q, err := a.reviewQuarterFor(q)
	if err != nil {
		return q, nil, err
	}
	data, err := rec.data(q)
	if err != nil {
		return q, nil, err
	}
	done, err := a.batch(ids, func(d *DossierState) error {
		return a.precheck(KindReview, d.ID, data)
	}, func(id string) error {
		_, err := a.commit(KindReview, id, data)
		return err
	})
	return q, done, err
}

// checkEach is a batch's first pass: every dossier of ids is looked up
// and checked, and it returns their full ids in the order given (an id
// given twice counts once), or every refusal joined.
func (a *Archive) checkEach(ids []string, check func(d *DossierState) error) ([]string, error) {
	var errs []error
	var out []string
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		d, err := a.Lookup(id)
		if err == nil {
			err = check(d)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d.ID)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// DueReadable lists the dossiers whose 核定 of quarter q is due (ReviewsDue)
// that the working member can read (CanRead, as the rows tell it): what
// `review done --all-readable` records. It reads the rows alone, so the
// batch opens with them (SummaryRows) and its steps take the dossiers'
// parts under the lock: at 100,000 dossiers a whole state read only for
// this held 566 MB beside those parts all through the batch.
func (a *Archive) DueReadable(q classify.Quarter) []string {
	can := a.rowReadable()
	rows := a.State.sortedRows()
	var ids []string
	for _, r := range a.ReviewsDue(q) {
		if k, ok := findRow(rows, r.ID); ok && can(&rows[k]) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// ReviewSignoff signs off the 核定 of quarter q (R6.5) recorded so far by
// others and not yet signed, and returns the dossiers whose 核定 it signed.
func (a *Archive) ReviewSignoff(q classify.Quarter) ([]string, error) {
	me, err := a.requireKind(KindReviewSignoff)
	if err != nil {
		return nil, err
	}
	// As for a 核定 (quarterBegun): replay's day of clock skew would let a
	// quarter that begins tomorrow read as one with nothing to sign.
	if err := a.quarterBegun(q); err != nil {
		return nil, err
	}
	var ids []string
	err = a.locked(func() error {
		if a.partial {
			// Who signs is the member the key is under the lock (commit
			// signs as a.Me()), and with nothing to sign, the whole
			// state says why (a quarter not begun, a role lost, or none
			// waiting) as it always did.
			cur, err := a.Me()
			if err != nil {
				return err
			}
			if runIDs, ok := a.signableInRuns(q, cur); ok && len(runIDs) > 0 {
				// The state holds no dossier's 核定: its check is the
				// rest of the rule (role, quarter, time), and the
				// replays check the list run by run.
				ids = runIDs
				a.State.inRun = func(string) bool { return false }
				defer func() { a.State.inRun = nil }()
				_, err := a.commit(KindReviewSignoff, "", &ReviewSignoff{Quarter: q.String(), Dossiers: ids})
				return err
			}
			if err := a.wholeForSteps(); err != nil {
				return err
			}
		}
		var idx []int
		for i, r := range a.State.Reviews {
			if r.Quarter == q.String() && r.SignedOffBy == "" && r.By != me.ID {
				idx = append(idx, i)
			}
		}
		ids = a.State.signedDossiers(idx)
		_, err := a.commit(KindReviewSignoff, "", &ReviewSignoff{Quarter: q.String(), Dossiers: ids})
		return err
	})
	return ids, err
}

// SetHold puts dossier id under a legal hold (冻结), or releases it.
func (a *Archive) SetHold(id string, hold bool, reason string) error {
	kind, data := KindHold, payload(&HoldData{Reason: reason})
	if !hold {
		kind, data = KindRelease, &ReleaseData{Reason: reason}
	}
	if _, err := a.requireKind(kind); err != nil {
		return err
	}
	if hold && strings.TrimSpace(reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the dossier is held (e.g. the case or order)"))
	}
	return a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		_, err = a.commit(kind, id, data)
		return err
	})
}

// readsLevel reports whether the step's actor holds a role that reads its
// dossier's level.
func (c *step) readsLevel() bool {
	lp := c.p.Level(c.d.Level)
	return lp != nil && c.actor.HasRole(lp.Readers...)
}

// readsNow reports whether the actor is among the recipients the journal
// gives the dossier now (ExpectedRecipients): a reader of its level, or
// the borrower of a loan of it that gives access.
func (c *step) readsNow() bool {
	return c.readsLevel() || slices.Contains(c.d.borrowers(""), c.actor.ID)
}
