package report

import (
	"time"

	"crm/archive"
)

// The monthly report's words for how a member stands with a month's
// customer information report (R6.1), the department's own.
// In an English report, the English.
var (
	handInOnTime  = Text{Zh: "按期", En: "on time"} // the first that counts came by the due day
	handInLate    = Text{Zh: "逾期", En: "late"}    // it came after the due day
	handInMissing = Text{Zh: "未交", En: "missing"} // none counts, and the due day has ended
	handInWaiting = Text{Zh: "待交", En: "not yet"} // none yet, but the due day has not ended
)

// handIns are the rows of the monthly report's hand-ins (R6.1): one per
// member who owed month p's customer information report
// (archive.State.OwesHandIn), by id, with its due date, how many hand-ins
// for p count (archive.Submission.Counts) and how many were rejected, the
// date of the first that counts, and whether it came by the due day
// (handInOnTime …). From the journal's register of hand-ins alone: no
// hand-in is decrypted, so whoever makes the report need not be one of
// their recipients. The members are those who held a submitter role
// when p began (archive.State.RoleHistory), whatever they hold now or
// whether they left since (as for archive.Archive.MissingHandIns).
func (f *facts) handIns(p Period, now time.Time) []Row {
	due := f.a.Policy.HandInDue(p.Start)
	type tally struct {
		counted, rejected int
		first             *archive.Submission
	}
	by := map[string]*tally{}
	for _, sub := range f.s.Submissions {
		if sub.Month != p.Label {
			continue
		}
		t := by[sub.By]
		if t == nil {
			t = &tally{}
			by[sub.By] = t
		}
		if !sub.Counts() {
			t.rejected++
			continue
		}
		t.counted++
		if t.first == nil || sub.At.Before(t.first.At) || sub.At.Equal(t.first.At) && sub.ID < t.first.ID {
			t.first = sub
		}
	}
	var rows []Row
	for _, m := range f.s.SortedMembers() {
		if !f.s.OwesHandIn(m, p.Start, due) {
			continue
		}
		t := by[m.ID]
		if t == nil {
			t = &tally{}
		}
		r := Row{"member": Str(m.ID), "name": Str(m.Name), "due": f.dateOf(due.Add(-time.Nanosecond)),
			"handed_in": Int(t.counted), "rejected": Int(t.rejected), "status": Words(handInStatus(t.first, due, now))}
		if t.first != nil {
			r["first_on"] = f.dateOf(t.first.At)
		}
		rows = append(rows, r)
	}
	return rows
}

// handInStatus is how a member stands with a month's report whose due
// day ends at due, first being the first hand-in that counts (nil: none),
// as of now.
func handInStatus(first *archive.Submission, due, now time.Time) Text {
	switch {
	case first != nil && first.At.Before(due):
		return handInOnTime
	case first != nil:
		return handInLate
	case now.Before(due):
		return handInWaiting
	}
	return handInMissing
}
