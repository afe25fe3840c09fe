package archive_test

import (
	"testing"

	"crm/archive"
)

// forkedWithHandIns is forked with a sales member (qian2) and two hand-ins
// (R6.1) waiting in the clones' common past: subs[0] about ids[5],
// subs[1] about a customer with no dossier yet.
func forkedWithHandIns(t *testing.T) (f, g *fixture, base string, ids, subs []string) {
	t.Helper()
	f, g, base, ids = forkedAfter(t, archive.IDRandom, func(f *fixture, ids []string) {
		f.addSales("qian2")
		subs = append(subs, f.handIn(ids[5]), f.handIn(""))
	})
	return f, g, base, ids, subs
}

// fold folds hand-in sub into dossier id as zhang (R6.3): the dossier
// edited, then the hand-in marked merged.
func (f *fixture) fold(sub, id string) {
	f.t.Helper()
	f.edit("zhang", id)
	if _, err := f.as("zhang").MergeSubmission(sub, id); err != nil {
		f.t.Fatal(err)
	}
}

// Hand-ins in two clones that work apart (commutes): this clone's sales
// member hands in about one dossier while a clerk edits another; the
// other clone hands in about a third and about a new customer, folds a
// hand-in of the common past into its dossier and turns the other down.
// The pull advances the snapshot both ways; the state, every dossier read
// alone, the reports and the snapshot saved are a cold replay's, and
// each clone then sees every hand-in as the other left it.
func TestMergeOfHandIns(t *testing.T) {
	f, g, base, ids, subs := forkedWithHandIns(t)
	mine := f.handIn(ids[3])
	f.edit("li", ids[2])
	theirs := []string{g.handIn(ids[4]), g.handIn("")}
	g.fold(subs[0], ids[5])
	if _, err := g.as("zhang").RejectSubmission(subs[1], "重复"); err != nil {
		t.Fatal(err)
	}
	g.edit("zhang", ids[1])
	gBase := g.holdSide()

	f.pullsBothWays(g, base, gBase, "hand-ins on both sides")

	for _, c := range []*fixture{f, g} {
		s := c.as("zhang").State
		want := map[string]string{mine: archive.SubmissionPending, theirs[0]: archive.SubmissionPending,
			theirs[1]: archive.SubmissionPending, subs[0]: archive.SubmissionMerged, subs[1]: archive.SubmissionRejected}
		for id, st := range want {
			if sub := s.Submissions[id]; sub == nil || sub.Status != st {
				t.Fatalf("hand-in %s after the merge: %+v, want %s", id, sub, st)
			}
		}
		c.verifyClean()
	}
	// A step on a hand-in of the other side follows both.
	f.fold(theirs[0], ids[4])
	f.verifyClean()
	f.settle()
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("the fold after the merge was not advanced from the snapshot")
	}
}

// Hand-ins in two clones that a pull cannot put on top of the snapshot:
// the journal is replayed and the state is the cold one.
//
//   - A hand-in about a dossier the other side changes, either way round:
//     the hand-in reads the dossier's level and status (here a level
//     raised, which refuses a hand-in to the readers of the old level
//     when a whole replay puts the change first).
//   - One hand-in folded in both clones, or folded in one and turned
//     down in the other: whichever a whole replay puts second is refused.
//
// A refused hand-in on this side: TestMergeAfterRefusedStepOfThisSide.
func TestMergeOfHandInsNotAdvanced(t *testing.T) {
	for _, c := range []struct {
		name        string
		mine, their func(f *fixture, ids, subs []string)
	}{
		{"a hand-in here about a dossier made 机密 there",
			func(f *fixture, ids, _ []string) { f.handIn(ids[3]) },
			func(g *fixture, ids, _ []string) {
				// The hand-in went to the readers of 秘密, the clerk
				// among them; after the change it is kept at 机密.
				if _, err := g.as("zhang").SetLevel(ids[3], "机密", "", "升级"); err != nil {
					g.t.Fatal(err)
				}
			}},
		{"a dossier edited here, a hand-in about it there",
			func(f *fixture, ids, _ []string) { f.edit("li", ids[3]) },
			func(g *fixture, ids, _ []string) { g.handIn(ids[3]) }},
		{"one hand-in folded on both sides",
			func(f *fixture, ids, subs []string) { f.fold(subs[0], ids[5]) },
			func(g *fixture, ids, subs []string) { g.fold(subs[0], ids[4]) }},
		{"one hand-in turned down there, folded here",
			func(f *fixture, ids, subs []string) { f.fold(subs[1], ids[3]) },
			func(g *fixture, ids, subs []string) {
				if _, err := g.as("zhang").RejectSubmission(subs[1], "重复"); err != nil {
					g.t.Fatal(err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, g, base, ids, subs := forkedWithHandIns(t)
			c.mine(f, ids, subs)
			c.their(g, ids, subs)
			f.advanced(false, func() { f.pull(g, base) })
		})
	}
}
