package archive_test

import (
	"testing"

	"crm/archive"
)

// headerStepper opens the archive as member id for a step that reads only
// what the snapshot's header holds (a statistics request's, a hand-in's
// turn-down), as crm does.
func (f *fixture) headerStepper(id string) *archive.Archive {
	f.t.Helper()
	return f.openAs(id, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryNone})
}

// Steps on statistics requests (R6.7) change only the requests, which a
// snapshot keeps in its header, and read no dossier: each works on the
// snapshot's header, every reader after them takes a state of some parts,
// and what a step refuses (out of order, by the wrong member) is what a
// replay refuses, in the same words. The state is then a cold replay's.
func TestSnapshotRequestSteps(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	for _, m := range []string{"li", "zhang", "qian", "zhou", "zhao"} {
		f.reader(m, f.clock) // each member's snapshot
	}
	same := func(step string, err, cold error) {
		t.Helper()
		if err == nil || cold == nil || err.Error() != cold.Error() {
			t.Fatalf("%s: %v, cold %v", step, err, cold)
		}
	}
	a := f.headerStepper("qian")
	onParts(t, a, "a request")
	r, err := a.RequestStatistics("审计", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Out of order (no signature yet), and a sign-off by the manager of
	// another department.
	_, err = f.headerStepper("zhang").ApproveRequest(r.ID)
	_, cold := f.cold("zhang").ApproveRequest(r.ID)
	same("an approval before the signature", err, cold)
	_, err = f.headerStepper("zhao").EndorseRequest(r.ID)
	_, cold = f.cold("zhao").EndorseRequest(r.ID)
	same("a sign-off by another department's manager", err, cold)
	for _, step := range []struct {
		who string
		do  func(a *archive.Archive) error
	}{
		{"zhou", func(a *archive.Archive) error { _, err := a.EndorseRequest(r.ID); return err }},
		{"zhang", func(a *archive.Archive) error { _, err := a.ApproveRequest(r.ID); return err }},
	} {
		a := f.headerStepper(step.who)
		onParts(t, a, step.who)
		if err := step.do(a); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.headerStepper("zhang").ApproveRequest(r.ID)
	_, cold = f.cold("zhang").ApproveRequest(r.ID)
	same("a second approval", err, cold)
	o, err := f.headerStepper("zhao").RequestStatistics("营销", []string{"monthly"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.headerStepper("zhang").RejectRequest(o.ID, "无此需要"); err != nil {
		t.Fatal(err)
	}
	f.sameSummaryAsCold(f.clock, true)
	onParts(t, f.openAs("qian", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryNone}), "the requests listed")
	s := f.advancedAsCold("the requests")
	if got := s.State.Requests[r.ID]; got == nil || got.ApprovedBy != "zhang" || got.EndorsedBy != "zhou" {
		t.Fatalf("request %s: %+v", r.ID, got)
	}
}

// Statistics requests in two clones that work apart: steps on requests on
// one side only commute with the other side's steps (commutes), and the
// pull advances the snapshot both ways; steps on requests on both sides
// (one signed here, rejected there) replay the journal, and the state is
// the cold one.
func TestMergeOfRequests(t *testing.T) {
	var r *archive.StatsRequest
	f, g, base, ids := forkedAfter(t, archive.IDRandom, func(f *fixture, ids []string) {
		var err error
		if r, err = f.as("qian").RequestStatistics("审计", nil); err != nil {
			f.t.Fatal(err)
		}
	})
	if _, err := f.as("zhou").EndorseRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("zhang").ApproveRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	f.edit("li", ids[3])
	g.edit("li", ids[4])
	g.lendTo("zhou", ids[5])
	gBase := g.holdSide()
	f.pullsBothWays(g, base, gBase, "requests on this side")
	for _, c := range []*fixture{f, g} {
		if got := c.as("li").State.Requests[r.ID]; got == nil || got.ApprovedBy != "zhang" {
			t.Fatalf("request %s after the merge: %+v", r.ID, got)
		}
	}

	f, g, base, _ = forkedAfter(t, archive.IDRandom, func(f *fixture, ids []string) {
		var err error
		if r, err = f.as("qian").RequestStatistics("审计", nil); err != nil {
			f.t.Fatal(err)
		}
	})
	if _, err := f.as("zhou").EndorseRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := g.as("zhang").RejectRequest(r.ID, "无此需要"); err != nil {
		t.Fatal(err)
	}
	f.advanced(false, func() { f.pull(g, base) })
}
