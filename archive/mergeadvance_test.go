package archive_test

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// forked is the history with three more dossiers, a snapshot of it saved
// in f, a copy of the archive as it was (base, the clones' common past)
// and a second clone g: two clones of one repository about to work apart.
func forked(t *testing.T) (f, g *fixture, base string, ids []string) {
	t.Helper()
	f = newFixture(t)
	ids = f.history()
	for range 3 {
		ids = append(ids, f.create("内部"))
	}
	f.settle()
	f.reader("li", f.clock)
	base = t.TempDir()
	copyTree(t, f.dir, base)
	return f, f.clone(), base, ids
}

// edit appends a comment line to dossier id as member m.
func (f *fixture) edit(m, id string) {
	f.t.Helper()
	a := f.as(m)
	o, err := a.Read(id)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, _, err := a.Update(id, o.SHA256, o.Text, append(bytes.Clone(o.Text), "# 改\n"...)); err != nil {
		f.t.Fatal(err)
	}
}

// A pull of work done concurrently in another clone, about other
// dossiers, advances the snapshot (journal.Merge, commutes) both ways:
// each clone's state, every dossier read alone and every report are a
// cold replay's. A step on the merged state follows both sides, the other
// clone's next pull is an ordinary advance, and verify finds nothing.
func TestMergeAdvancesTheSnapshot(t *testing.T) {
	f, g, base, ids := forked(t)
	// This clone: an edit and a hold (no register entries). The other:
	// a 核定, a credit class and an edit (entries).
	f.edit("li", ids[2])
	if err := f.as("zhang").SetHold(ids[1], true, "诉讼"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.as("li").ReviewDone(ids[3], "另一克隆"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.as("su").SetCredit(ids[4], "A", "付款及时"); err != nil {
		t.Fatal(err)
	}
	g.edit("li", ids[5])
	gBase := t.TempDir()
	copyTree(t, g.dir, gBase)
	g.settle()
	g.reader("li", g.clock) // g's snapshot holds its side

	f.advanced(true, func() { f.pull(g, base) })
	f.sameReportsAsCold("after the merge", true, false)
	f.tailIsTheOrder("after the merge")
	g.advanced(true, func() { g.pull(f, base) })
	g.sameReportsAsCold("after the merge, the other way", true, false)

	// A step on f's merged state links to both sides' heads.
	if _, err := f.as("li").ReviewDone(ids[5], "合并后"); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	heads := f.cold("li").State.Journal.Heads
	if len(heads) != 1 {
		t.Fatalf("heads after a step on the merged state: %v", heads)
	}
	// The snapshot saved by the merge knows its heads' times: the step
	// advances it.
	f.settle()
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("the step after the merge was not advanced from the snapshot")
	}
	g.advanced(true, func() { g.pull(f, base) })
	g.tailIsTheOrder("after an advance over the merged steps")
	g.verifyClean()
}

// tailIsTheOrder fails unless the tail of the journal's order li's
// snapshot keeps is the end of the order a whole read gives.
func (f *fixture) tailIsTheOrder(what string) {
	f.t.Helper()
	got, ok := archive.SavedTail(f.reader("li", f.clock))
	var want []string
	for _, e := range f.cold("li").State.Journal.Events {
		want = append(want, e.Hash)
	}
	want = want[max(len(want)-journal.TailLen, 0):]
	if !ok || !slices.Equal(got, want) {
		f.t.Fatalf("%s: the snapshot's tail (%v)\n%v\nwant\n%v", what, ok, got, want)
	}
}

// This clone signs off the quarter's 核定 (review.signoff: not about one
// dossier, it reads the 核定 register); the other records a 核定 of
// another dossier in that quarter. A whole replay that puts the other
// clone's 核定 first finds the sign-off listing fewer dossiers than it
// signs; a replay of the 核定 on top of the snapshot does not. The
// snapshot is not advanced over it, whichever comes first (commutes:
// every event of this clone's side is about one dossier). From the
// review of the first version.
func TestMergeSignoffOnThisSide(t *testing.T) {
	seen := map[bool]bool{}
	for i := 0; len(seen) < 2; i++ {
		if i == 24 {
			t.Fatalf("in 24 tries, only review-first=%v", seen)
		}
		f, g, base, ids := forked(t)
		q, err := g.as("li").ReviewDone(ids[4], "另一克隆")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.as("su").ReviewSignoff(q); err != nil {
			t.Fatal(err)
		}
		var signoff string
		for _, e := range f.cold("li").State.Journal.Events {
			if e.Kind == archive.KindReviewSignoff {
				signoff = e.Hash
			}
		}
		first := reviewHash(t, g, ids[4]) < signoff
		if seen[first] {
			continue
		}
		seen[first] = true
		f.advanced(false, func() { f.pull(g, base) })
	}
}

// A pull of two clones' work: one wrote on the common past, the other
// after pulling this clone's edit. The new events follow different old
// events (two roots); the snapshot is advanced, and the edit the second
// clone followed is no head any more.
func TestMergeOfTwoClones(t *testing.T) {
	f, g, base, ids := forked(t)
	h := f.clone()
	f.edit("li", ids[2])
	g.edit("li", ids[3])
	h.pull(f, base)
	h.edit("li", ids[4])
	f.advanced(true, func() {
		f.pull(g, base)
		f.pull(h, base)
	})
	if heads := f.cold("li").State.Journal.Heads; len(heads) != 2 {
		t.Fatalf("heads after the merge: %v", heads)
	}
	f.sameReportsAsCold("two clones", true, false)
	if _, err := f.as("li").ReviewDone(ids[5], "合并后"); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
}

// A second pull from a clone that has not seen this one's side yet: the
// snapshot saved by the first merge still knows that side (its heads),
// and an edit of a dossier of that side is not advanced over.
func TestMergeTwiceRemembersTheSide(t *testing.T) {
	f, g, base, ids := forked(t)
	f.edit("li", ids[2])
	g.edit("li", ids[3])
	f.advanced(true, func() { f.pull(g, base) })
	g.edit("li", ids[2])
	f.advanced(false, func() { f.pull(g, base) })
}

// A merge the snapshot cannot stand for replays the whole journal, and
// the state is the cold one: a dossier with events on both sides, a loan
// step, and an event the new ones follow that lies before the tail of
// the order the snapshot keeps.
func TestMergeNotAdvanced(t *testing.T) {
	for _, c := range []struct {
		name  string
		mine  func(f *fixture, ids []string)
		their func(g *fixture, ids []string)
	}{
		{"one dossier on both sides", func(f *fixture, ids []string) { f.edit("li", ids[3]) },
			func(g *fixture, ids []string) {
				if _, err := g.as("li").ReviewDone(ids[3], "同一档案"); err != nil {
					t.Fatal(err)
				}
			}},
		{"a loan step", func(f *fixture, ids []string) { f.edit("li", ids[3]) },
			func(g *fixture, ids []string) {
				if _, err := g.as("zhao").BorrowRequest(ids[4], "谈判", 3); err != nil {
					t.Fatal(err)
				}
			}},
		{"before the tail", func(f *fixture, ids []string) {
			old := journal.TailLen
			journal.TailLen = 1 // the tail holds this clone's edit only
			t.Cleanup(func() { journal.TailLen = old })
			f.edit("li", ids[3])
		}, func(g *fixture, ids []string) { g.edit("li", ids[4]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, g, base, ids := forked(t)
			c.mine(f, ids)
			c.their(g, ids)
			f.advanced(false, func() { f.pull(g, base) })
			f.verifyClean()
		})
	}
}

// Both clones record a 核定 of a different dossier. In the merged order
// (by hash, as neither follows the other) either comes first: when the
// other clone's does, this clone's entry moves behind it in the 核定
// register, which a replay of the new event on top would not give, and
// the whole journal is replayed; else the snapshot is advanced. Each is
// the cold state, and each way is met.
func TestMergeOfTwoReviews(t *testing.T) {
	seen := map[bool]bool{}
	for i := 0; len(seen) < 2; i++ {
		if i == 24 {
			t.Fatalf("in 24 tries, only advanced=%v", slices.Collect(maps.Keys(seen)))
		}
		f, g, base, ids := forked(t)
		if _, err := f.as("li").ReviewDone(ids[3], "本克隆"); err != nil {
			t.Fatal(err)
		}
		if _, err := g.as("li").ReviewDone(ids[4], "另一克隆"); err != nil {
			t.Fatal(err)
		}
		mineFirst := reviewHash(t, f, ids[3]) < reviewHash(t, g, ids[4])
		if seen[mineFirst] {
			continue
		}
		seen[mineFirst] = true
		f.advanced(mineFirst, func() { f.pull(g, base) })
		f.sameReportsAsCold("two reviews", true, false)
	}
}

// reviewHash is the hash of the 核定 event of dossier id in f.
func reviewHash(t *testing.T, f *fixture, id string) string {
	t.Helper()
	for _, e := range f.cold("li").State.Journal.Events {
		if e.Kind == archive.KindReview && e.Dossier == id {
			return e.Hash
		}
	}
	t.Fatalf("no 核定 of %s", id)
	return ""
}
