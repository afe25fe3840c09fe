package archive_test

import (
	"encoding/json"
	"testing"
	"time"

	"crm/archive"
)

// handInStepper opens the archive as member id for a hand-in step on the
// state snapshot, as crm does: the part of dossier (a hand-in about it, a
// fold into it), a new dossier's part (a fold with create), or the
// snapshot's header alone (a hand-in for a new customer, a turn-down).
func (f *fixture) handInStepper(id, dossier string, create bool) *archive.Archive {
	f.t.Helper()
	if dossier == "" && !create {
		return f.headerStepper(id)
	}
	return f.openAs(id, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: dossier, Creates: create})
}

// Hand-ins (R6.1, R6.3) change only the hand-ins, which a snapshot keeps in
// its header, and read only the dossier they are about or fold into: after
// each, every reader takes a state of some parts, not the whole state, and
// every step works on one, with every rule checked there. What a step
// refuses is what a replay refuses, in the same words; the state, and the
// snapshot saved once the hand-ins name more parts than a state of some
// parts is advanced by unsaved, are a cold replay's.
func TestSnapshotHandInSteps(t *testing.T) {
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		t.Run(style, func(t *testing.T) {
			f := newFixtureStyle(t, style)
			ids := f.history() // ids[1] is 机密: li may not read a hand-in about it
			f.addSales("qian2")
			f.settle()
			for _, m := range []string{"li", "zhang", "qian2"} {
				f.reader(m, f.clock) // each member's snapshot
			}
			partial := func(a *archive.Archive, step string) { t.Helper(); onParts(t, a, step) }
			same := func(step string, err, cold error) {
				t.Helper()
				if err == nil || cold == nil || err.Error() != cold.Error() {
					t.Fatalf("%s: %v, cold %v", step, err, cold)
				}
			}
			var subs []string
			for _, about := range []string{ids[2], ids[1], ""} {
				a := f.handInStepper("qian2", about, false)
				partial(a, "hand-in about "+about)
				sub, err := a.Submit([]byte("customer:\n  name: 新客户\nnotes: 涨价\n"), about)
				if err != nil {
					t.Fatal(err)
				}
				subs = append(subs, sub.ID)
			}
			// The readers after them.
			f.sameSummaryAsCold(f.clock, true)
			partial(f.openAs("li", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryNone}), "the hand-ins listed")
			partial(f.openAs("li", archive.OpenOptions{Snapshot: true, Only: ids[2]}), "a dossier shown")

			// Refused as a replay refuses: a hand-in li cannot read, one
			// folded into a dossier that is not there, a turn-down
			// without a reason.
			_, err := f.handInStepper("li", ids[1], false).MergeSubmission(subs[1], ids[1])
			_, cold := f.cold("li").MergeSubmission(subs[1], ids[1])
			same("a hand-in li cannot read", err, cold)
			err = f.handInStepper("li", ids[2], false).CheckMerge(subs[0], "C-999999")
			cold = f.cold("li").CheckMerge(subs[0], "C-999999")
			same("no such dossier", err, cold)
			_, err = f.handInStepper("li", "", false).RejectSubmission(subs[0], " ")
			_, cold = f.cold("li").RejectSubmission(subs[0], " ")
			same("no reason", err, cold)

			// A fold into a dossier, a new dossier made of a hand-in, a
			// turn-down: each on a state of some parts.
			a := f.handInStepper("li", ids[2], false)
			partial(a, "a fold")
			if _, err := a.MergeSubmission(subs[0], ids[2]); err != nil {
				t.Fatal(err)
			}
			c := f.handInStepper("li", "", true)
			partial(c, "a fold into a new dossier")
			id, err := c.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.MergeSubmission(subs[2], id); err != nil {
				t.Fatal(err)
			}
			_, err = f.handInStepper("li", ids[2], false).MergeSubmission(subs[0], ids[2])
			_, cold = f.cold("li").MergeSubmission(subs[0], ids[2])
			same("a second fold", err, cold)
			r := f.handInStepper("zhang", "", false)
			partial(r, "a turn-down")
			if _, err := r.RejectSubmission(subs[1], "重复"); err != nil {
				t.Fatal(err)
			}
			s := f.advancedAsCold("the hand-ins")
			want := map[string]string{subs[0]: archive.SubmissionMerged, subs[1]: archive.SubmissionRejected, subs[2]: archive.SubmissionMerged}
			for sub, st := range want {
				if got := s.State.Submissions[sub]; got == nil || got.Status != st {
					t.Fatalf("hand-in %s: %+v, want %s", sub, got, st)
				}
			}
		})
	}
}

// Hand-ins among events that name more parts than a state of some parts
// is advanced by without saving: the advanced snapshot is saved with the
// hand-ins in its header, and every reader after it is a cold replay's.
func TestSnapshotHandInsSaved(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.addSales("qian2")
	f.settle()
	f.reader("li", f.clock)
	old := archive.SetMaxPartialParts(1)
	defer archive.SetMaxPartialParts(old)
	sub := f.handIn(ids[2])
	f.edit("li", ids[0])
	f.settle()
	a := f.summaryReader(f.clock)
	if !a.Partial() {
		t.Fatal("the readers after a hand-in and an edit took the whole state")
	}
	if !a.SnapshotStandsFor() {
		t.Fatal("the snapshot advanced by a hand-in and an edit was not saved")
	}
	archive.SetMaxPartialParts(old)
	b := f.reader("li", f.clock)
	if got := b.State.Submissions[sub]; got == nil || got.Status != archive.SubmissionPending {
		t.Fatalf("hand-in %s in the saved snapshot: %+v", sub, got)
	}
	sameAsCold(t, f, b)
	f.sameSummaryAsCold(f.clock, true)
}

// advancedAsCold fails unless verify finds nothing and the next reader's
// state, after the steps of what, is advanced from the snapshot and says
// what a cold replay says; it returns that reader.
func (f *fixture) advancedAsCold(what string) *archive.Archive {
	f.t.Helper()
	f.verifyClean()
	f.settle()
	s := f.reader("li", f.clock)
	if !s.FromSnapshot() {
		f.t.Fatalf("the state after %s was not advanced from the snapshot", what)
	}
	sameAsCold(f.t, f, s)
	return s
}

// The monthly report lists the hand-ins (R6.1) from the journal alone:
// opened as crm report opens it (a snapshot's rows, loans, destruction
// requests and histories, SummaryHistoriesOnce), the state has the
// register of hand-ins and when each member's roles were set, from the
// snapshot's header, as a cold replay has them.
func TestReportSummaryHasHandIns(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.addSales("qian2")
	f.handIn(ids[2])
	if _, err := f.as("li").RejectSubmission(f.handIn(""), "重复"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	cold := f.cold("li")
	jsonOf := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	report := archive.SummaryRows | archive.SummaryLoans | archive.SummaryDestructions | archive.SummaryHistories | archive.SummaryHistoriesOnce
	for _, fromSnapshot := range []bool{false, true} { // the first saves it
		a := f.summaryOpen(f.clock, report)
		if a.Partial() != fromSnapshot {
			t.Fatalf("from the snapshot: %v, want %v", a.Partial(), fromSnapshot)
		}
		if got, want := jsonOf(a.Submissions(false)), jsonOf(cold.Submissions(false)); got != want || len(a.State.Submissions) != 2 {
			t.Fatalf("the report's state (from the snapshot: %v) has the hand-ins\n%s\nwant\n%s", fromSnapshot, got, want)
		}
		if got, want := jsonOf(a.State.RoleHistory), jsonOf(cold.State.RoleHistory); got != want {
			t.Fatalf("the report's state (from the snapshot: %v) has the roles set\n%s\nwant\n%s", fromSnapshot, got, want)
		}
	}
}

// rolesAt takes the latest setting before the time asked, whatever the
// history's order: journal order, which concurrent clones or a clock set
// wrong may leave out of time order.
func TestRolesAtTakesTheLatestBefore(t *testing.T) {
	s := &archive.State{}
	t0 := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s.RoleHistory = map[string][]archive.RoleSpell{"wu": {
		{From: t0, Roles: []string{"sales"}},
		{From: t0.AddDate(0, 0, 20), Roles: nil},              // removed on 9 November…
		{From: t0.AddDate(0, 0, 5), Roles: []string{"clerk"}}, // …after a change dated 25 October, replayed later
	}}
	if got := archive.RolesAtForTest(s, "wu", nov); len(got) != 1 || got[0] != "clerk" {
		t.Errorf("roles on 1 November: %v, want [clerk]", got)
	}
	if got := archive.RolesAtForTest(s, "wu", nov.AddDate(0, 0, 10)); got != nil {
		t.Errorf("roles on 11 November: %v, want none (removed)", got)
	}
}
