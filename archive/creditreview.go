package archive

import (
	"cmp"
	"time"

	"crm/classify"
)

// CreditReviewDue is the visit of a dossier's contact records (contacts:
// those noting a change in the customer's credit, 信用异动, count) whose
// change awaits a supervisor's review, nil for none (R8; DOMAIN "Intake and
// records": visits note changes in credit and why). It is the latest such
// visit (by date; of one date, the last listed), when the class the archive
// gives the customer now (class, "" for none) is not the one it noted, and
// the dossier's latest credit decision (decided: its dossier.credit mark in
// force, the zero Mark for none; days in zone loc) did not review it. The
// monthly report marks it 待复核 (report), and a supervisor may keep the
// class in force for it (SetCredit).
//
// A kept class names the visit it reviewed (Mark.Reviewed, the latest
// awaiting review when it was written): it reviewed this one exactly when
// that is this visit's day and class; a visit filed since, or one filed
// in another clone meanwhile, is another, and awaits review.
//
// A change of class names no visit. The journal does not say which
// content write (filed: the times of the dossier's creation and updates,
// DossierState.ContentWrites) filed which record, only that a visit is
// filed no earlier than the day it took place: a change of an earlier day,
// or made before every write of the visit's day or later, came before the
// visit was filed (a change at 09:30, the visit filed at 15:00), and did
// not review it; one at or after such a write counts as its review.
func CreditReviewDue(contacts []Contact, class string, decided Mark, filed []time.Time, loc *time.Location) *Contact {
	var last *Contact
	for i := range contacts {
		if v := &contacts[i]; v.CreditChange != nil && (last == nil || !v.Date.Before(last.Date.Time)) {
			last = v
		}
	}
	if last == nil || last.CreditChange.To == class {
		return nil
	}
	if r := decided.Reviewed; r != nil {
		if r.Visit == last.Date.Format(time.DateOnly) && r.To == last.CreditChange.To {
			return nil
		}
		return last
	}
	if decided.At.IsZero() || decided.At.In(loc).Format(time.DateOnly) < last.Date.Format(time.DateOnly) {
		return last
	}
	y, m, d := last.Date.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var first time.Time // the earliest the visit can have been filed
	for _, w := range filed {
		if !w.Before(from) && (first.IsZero() || w.Before(first)) {
			first = w
		}
	}
	if !first.IsZero() && decided.At.Before(first) {
		return last
	}
	return nil
}

// ContentWrites are the times d's content was written: its creation and
// each update (CreditReviewDue).
func (d *DossierState) ContentWrites() []time.Time {
	out := make([]time.Time, 0, 1+len(d.Updates))
	out = append(out, d.Created)
	for _, u := range d.Updates {
		out = append(out, u.At)
	}
	return out
}

// CreditReview is a credit decision's review of a visit's change in credit
// (信用异动) that keeps the class in force (dossier.credit reviews:): the
// visit's day and the class it noted, which the supervisor did not take.
type CreditReview struct {
	Visit string `yaml:"visit" json:"visit"` // YYYY-MM-DD
	To    string `yaml:"to" json:"to"`
}

// checkKeep checks a kept class (x.Reviews) against the journal, on write
// and on replay (R8): it keeps the class in force (the class it says
// applied before, as its author saw it), for a visit dated no later than the
// decision's day (latestDay) that noted another class. Whether that visit is in the
// dossier, and its change not yet reviewed, is checked where the content is
// read (SetCredit): the journal does not hold it.
func (x *DossierCredit) checkKeep(c *step) error {
	r := x.Reviews
	if r == nil {
		return nil
	}
	// The class before is the one its author saw (old_class): a change
	// of class written concurrently in another clone may come before it
	// in the merged order, and the keep then applies as any concurrent
	// credit decision does, the later in the order in force.
	if x.OldClass != x.Class {
		return problemf("a review of a visit's change in credit keeps the class in force; this one sets %s where %s applied", x.Class, cmp.Or(x.OldClass, "-"))
	}
	if _, err := classify.ParseCreditClass(r.To); err != nil {
		return problemf("the visit a kept credit class reviews: %v", err)
	}
	if r.To == x.Class {
		return problemf("the visit a kept credit class reviews noted %s, the class kept: there is no change to review", r.To)
	}
	day := c.latestDay()
	if _, err := ParseDate(r.Visit); err != nil || r.Visit > day {
		return problemf("the visit a kept credit class reviews is dated %q: a day (YYYY-MM-DD) no later than the decision's, %s", r.Visit, day)
	}
	return nil
}

// latestDay is the latest calendar day (YYYY-MM-DD) the step's event may
// be dated in: its day in the zone of the policy it was written under when
// that is the one replayed under, else in the easternmost zone, UTC+14 (a
// change of zone makes no old event wrong: the journal does not record the
// zone an event was written in, FORMAT.md; as declassifyFrom and a 核定's
// quarter).
func (c *step) latestDay() string {
	if c.p.sha != "" && c.p.sha == c.s.PolicySHA256 {
		return c.e.Time.In(c.p.Location()).Format(time.DateOnly)
	}
	return c.e.Time.Add(zoneEast).UTC().Format(time.DateOnly)
}
