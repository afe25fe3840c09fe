package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
)

// destroyStepper opens the archive as member id the way the destroy
// commands do: a request about dossier (with every request), or a step on
// request req.
func (f *fixture) destroyStepper(id, dossier, req string) *archive.Archive {
	f.t.Helper()
	o := archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: dossier, OnlyDestruction: req}
	if dossier != "" {
		o.Summary = archive.SummaryDestructions
	}
	return f.openAs(id, o)
}

// onParts fails unless a took its step on a state of some parts of the
// snapshot.
func onParts(t *testing.T, a *archive.Archive, step string) {
	t.Helper()
	if !a.FromSnapshot() || !a.Partial() {
		t.Fatalf("%s: snapshot %v, partial %v", step, a.FromSnapshot(), a.Partial())
	}
}

// A destruction's steps (R6.10: the request, three approvals in the
// policy's order, the execution before witnesses) work on the snapshot's
// state: every request and loan, and the part of its dossier, with every
// rule checked there. What each refuses (an approval out of order, a
// second request, a dossier on loan, an unknown request) is what a replay
// refuses, in the same words, and the archive is then what a replay says.
func TestSnapshotDestructionSteps(t *testing.T) {
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		t.Run(style, func(t *testing.T) {
			f := newFixtureStyle(t, style)
			ids := f.history() // ids[0] is on loan
			f.settle()
			for _, m := range []string{"li", "su", "zhang", "wang"} {
				f.reader(m, f.clock) // each member's snapshot
			}
			partial := func(a *archive.Archive, step string) { onParts(t, a, step) }
			same := func(step string, err, cold error) {
				t.Helper()
				if err == nil || cold == nil || err.Error() != cold.Error() {
					t.Fatalf("%s: %v, a replay: %v", step, err, cold)
				}
			}
			_, err := f.destroyStepper("li", ids[0], "").DestroyRequest(ids[0], "过期")
			_, cold := f.cold("li").DestroyRequest(ids[0], "过期")
			same("a dossier on loan", err, cold)

			a := f.destroyStepper("li", ids[2], "")
			r, err := a.DestroyRequest(ids[2], "过期")
			if err != nil {
				t.Fatal(err)
			}
			partial(a, "request")
			_, err = f.destroyStepper("li", ids[2], "").DestroyRequest(ids[2], "再次")
			_, cold = f.cold("li").DestroyRequest(ids[2], "再次")
			same("a second request", err, cold)

			_, err = f.destroyStepper("zhang", "", r.ID).DestroyApprove(r.ID)
			_, cold = f.cold("zhang").DestroyApprove(r.ID)
			same("the manager's approval first", err, cold)
			for _, who := range []string{"su", "zhang", "wang"} {
				typed := r.ID // a random id typed as the user may: lower case
				if style == archive.IDRandom {
					typed = strings.ToLower(r.ID)
				}
				b := f.destroyStepper(who, "", typed)
				if _, err := b.DestroyApprove(typed); err != nil {
					t.Fatalf("%s: %v", who, err)
				}
				partial(b, who+"'s approval")
			}
			_, err = f.destroyStepper("su", "", r.ID).DestroyApprove(r.ID)
			_, cold = f.cold("su").DestroyApprove(r.ID)
			same("an approval past the chain", err, cold)

			c := f.destroyStepper("zhang", "", r.ID)
			if _, err := c.DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
				t.Fatal(err)
			}
			partial(c, "execute")
			if _, err := os.Stat(filepath.Join(f.dir, archive.DossierPath(ids[2]))); !os.IsNotExist(err) {
				t.Fatalf("the destroyed dossier's file: %v", err)
			}
			u := f.destroyStepper("zhang", "", "D-999999")
			partial(u, "an unknown request")
			_, err = u.DestroyApprove("D-999999")
			_, cold = f.cold("zhang").DestroyApprove("D-999999")
			same("an unknown request", err, cold)
			f.verifyClean()
			f.settle()
			sameAsCold(t, f, f.reader("li", f.clock))
		})
	}
}

// A hand-made destroy.request that reuses the id of another dossier's
// request, added after the snapshot, is refused by a replay; an open
// about its dossier, of the rows or of the requests says the same (a
// state of some parts advanced by it holds every request: advancedParts;
// it refuses the request, and the journal is replayed).
func TestSnapshotForgedDuplicateRequestID(t *testing.T) {
	for _, o := range []archive.OpenOptions{
		{Only: "C-000003"},
		{Summary: archive.SummaryRows},
		{Summary: archive.SummaryDestructions},
	} {
		f := newFixture(t)
		ids := f.history()
		r, err := f.as("li").DestroyRequest(ids[1], "过期")
		if err != nil {
			t.Fatal(err)
		}
		f.settle()
		f.reader("li", f.clock)
		if err := f.as("li").ForgeEvent(archive.KindDestroyRequest, ids[2], &archive.DestroyRequest{Request: r.ID, Reason: "x"}); err != nil {
			t.Fatal(err)
		}
		f.settle()
		if ps := f.cold("li").State.Problems; len(ps) != 1 {
			t.Fatalf("problems %v", ps)
		}
		o.Snapshot = true
		a := f.openAs("li", o)
		t.Logf("%q %v: snapshot %v partial %v", o.Only, o.Summary, a.FromSnapshot(), a.Partial())
		if got := a.State.Destructions[r.ID]; got == nil || got.Dossier != ids[1] {
			t.Errorf("%q %v: request %s is %+v, want dossier %s's", o.Only, o.Summary, r.ID, got, ids[1])
		}
		if len(a.State.Problems) != 1 {
			t.Errorf("%q %v: problems %v, want the forged request", o.Only, o.Summary, a.State.Problems)
		}
	}
}
