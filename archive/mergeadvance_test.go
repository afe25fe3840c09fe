package archive_test

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
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
	return forkedStyle(t, archive.IDSequential)
}

// forkedStyle is forked with the policy's id style.
func forkedStyle(t *testing.T, style string) (f, g *fixture, base string, ids []string) {
	t.Helper()
	return forkedAfter(t, style, nil)
}

// forkedAfter is forkedStyle, with the steps past (if not nil) taken on
// the history before the clones part.
func forkedAfter(t *testing.T, style string, past func(f *fixture, ids []string)) (f, g *fixture, base string, ids []string) {
	t.Helper()
	f = newFixtureStyle(t, style)
	ids = f.history()
	for range 3 {
		ids = append(ids, f.create("内部"))
	}
	if past != nil {
		past(f, ids)
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
	g.holdSide()

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
// the state is the cold one: a dossier with events on both sides (a loan
// of a dossier the other side edits), and an event the new ones follow
// that lies before the tail of the order the snapshot keeps.
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
		{"a loan of a dossier edited on this side", func(f *fixture, ids []string) { f.edit("li", ids[3]) },
			func(g *fixture, ids []string) {
				if _, err := g.as("zhao").BorrowRequest(ids[3], "谈判", 3); err != nil {
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
// register (placeEntries). The snapshot is advanced both ways, each is the
// cold state, and the snapshot saved then reads as the cold state too.
func TestMergeOfTwoReviews(t *testing.T) {
	seen := map[bool]bool{}
	for i := 0; len(seen) < 2; i++ {
		if i == 24 {
			t.Fatalf("in 24 tries, only mine first=%v", slices.Collect(maps.Keys(seen)))
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
		f.advanced(true, func() { f.pull(g, base) })
		f.sameReportsAsCold("two reviews", true, false)
		f.fromSaved("two reviews")
	}
}

// fromSaved fails unless the whole state read from the snapshot saved,
// without a replay, is a cold replay's.
func (f *fixture) fromSaved(what string) {
	f.t.Helper()
	before := archive.Replays()
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() || archive.Replays() != before {
		f.t.Fatalf("%s: the snapshot saved was not read (%d replays)", what, archive.Replays()-before)
	}
	sameAsCold(f.t, f, a)
}

// registerStep is a step that makes register entries, taken in clone f
// on dossier id: a 核定, a credit class, a tier, a level, or (the last) a
// new dossier (id unused).
type registerStep func(f *fixture, id string, n int)

var registerSteps = []registerStep{
	func(f *fixture, id string, n int) {
		if _, err := f.as("zhang").ReviewDone(id, fmt.Sprint("核定", n)); err != nil {
			f.t.Fatal(err)
		}
	},
	func(f *fixture, id string, n int) {
		if _, _, err := f.as("su").SetCredit(id, []string{"A", "B", "C"}[n%3], fmt.Sprint("信用", n)); err != nil {
			f.t.Fatal(err)
		}
	},
	func(f *fixture, id string, n int) {
		if _, _, err := f.as("su").SetTier(id, []string{"重点", "普通"}[n%2], fmt.Sprint("分级", n)); err != nil {
			f.t.Fatal(err)
		}
	},
	func(f *fixture, id string, n int) {
		if _, err := f.as("zhang").SetLevel(id, []string{"机密", "秘密"}[n%2], "", fmt.Sprint("密级", n)); err != nil {
			f.t.Fatal(err)
		}
	},
	func(f *fixture, _ string, n int) { f.create("内部") },
}

// interleaved reports whether the cold journal of f puts an event of
// theirs that makes register entries before one of mine that does: the
// entries a merge must move. mine maps this clone's events since the
// fork to true and the common past's to false; others are theirs.
func interleaved(f *fixture, mine map[string]bool) bool {
	theirs := false
	for _, e := range f.cold("li").State.Journal.Events {
		c, r := archive.RegisterEntries(e.Kind)
		m, known := mine[e.Hash]
		switch {
		case c+r == 0 || known && !m:
		case m && theirs:
			return true
		case !known:
			theirs = true
		}
	}
	return false
}

// Each clone takes several register steps on dossiers of its own (a
// 核定, credit class, tier, level, new dossier, at random), and this one
// pulls the other's: whatever order the hashes give the entries, the
// snapshot is advanced, on the whole state, on a state of some parts
// saved (saveAdvancedParts) and a run of parts at a time (saveInGroups),
// and every state, dossier, report and register is the cold replay's,
// then and read from the snapshot saved. Some merges must move entries.
func TestMergeMovesRegisterEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, path := range []string{"whole", "parts", "groups"} {
		t.Run(path, func(t *testing.T) {
			switch path {
			case "parts": // the first open about a dossier saves (mustSave)
				old := archive.SetMaxPartialParts(0)
				defer archive.SetMaxPartialParts(old)
			case "groups": // the first open saves a run of parts at a time
				old := archive.SetGroupedParts(0)
				defer archive.SetGroupedParts(old)
			}
			moved := 0
			for round := range 8 {
				what := fmt.Sprint(path, ", round ", round)
				f, g, base, ids := forked(t)
				ids = ids[1:] // not the one on loan (its level cannot change)
				before := map[string]bool{}
				for _, e := range f.cold("li").State.Journal.Events {
					before[e.Hash] = true
				}
				// The first 2–4 dossiers are this clone's, the rest the
				// other's; one clone creates dossiers (ids are sequential
				// here: two clones' creations would be one id, renumbered).
				split, creator := 2+rng.IntN(3), rng.IntN(2)
				step := func(side int) registerStep {
					return registerSteps[rng.IntN(len(registerSteps)-1+map[bool]int{true: 1}[side == creator])]
				}
				for n := range 2 + rng.IntN(4) {
					step(0)(f, ids[rng.IntN(split)], n)
				}
				mine := map[string]bool{}
				for _, e := range f.cold("li").State.Journal.Events {
					mine[e.Hash] = !before[e.Hash]
				}
				for n := range 2 + rng.IntN(4) {
					step(1)(g, ids[split+rng.IntN(len(ids)-split)], n)
				}
				var saves int64
				f.advanced(true, func() {
					saves = archive.GroupedSaves()
					f.pull(g, base)
				})
				if interleaved(f, mine) {
					moved++
				}
				if got := archive.GroupedSaves() - saves; got != map[bool]int64{true: 1}[path == "groups"] {
					t.Fatalf("%s: %d grouped saves", what, got)
				}
				f.sameReportsAsCold(what, true, false)
				f.tailIsTheOrder(what)
				f.fromSaved(what)
				f.verifyClean()
			}
			if moved == 0 {
				t.Fatal("no merge moved register entries")
			}
			t.Logf("%d of 8 merges moved register entries", moved)
		})
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

// A refused event of this clone's side (a hand-made credit class of no
// class: a problem) made no register entry: when the merged order puts
// the other clone's entries before it, the entries of this side's events
// that took effect move, and its makes none. Advanced, the state is the
// cold one.
func TestMergeMovesPastARefusedEvent(t *testing.T) {
	for i := 0; ; i++ {
		if i == 24 {
			t.Fatal("in 24 tries, the other clone's events never came before the refused one")
		}
		f, g, base, ids := forked(t)
		if _, err := f.as("zhang").ReviewDone(ids[3], "本克隆"); err != nil {
			t.Fatal(err)
		}
		if err := f.as("su").ForgeEvent(archive.KindDossierCredit, ids[3], &archive.DossierCredit{Class: "Z", Reason: "手工"}); err != nil {
			t.Fatal(err)
		}
		f.settle()
		if _, _, err := f.as("su").SetCredit(ids[2], "A", "付款及时"); err != nil {
			t.Fatal(err)
		}
		if ps := f.cold("li").State.Problems; len(ps) != 1 {
			t.Fatalf("problems: %v", ps)
		}
		if _, err := g.as("zhang").ReviewDone(ids[4], "另一克隆"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.as("su").SetCredit(ids[5], "B", "偶有拖欠"); err != nil {
			t.Fatal(err)
		}
		f.advanced(true, func() { f.pull(g, base) })
		f.sameReportsAsCold("past a refused event", true, false)
		f.fromSaved("past a refused event")
		// Done once a 核定 of the other clone comes before the refused event.
		var theirs, refused bool
		for _, e := range f.cold("li").State.Journal.Events {
			switch {
			case e.Dossier == ids[4] && e.Kind == archive.KindReview:
				theirs = true
			case e.Dossier == ids[3] && e.Kind == archive.KindDossierCredit:
				refused = true
				if theirs {
					t.Logf("after %d tries", i+1)
					return
				}
			}
		}
		if !refused {
			t.Fatal("no refused credit class in the journal")
		}
	}
}

// The parts whose register entries a merge moves count with the new
// events' (snapLoad.named): every command would read them again until a
// save, and a state of some parts holds them all. With one part allowed
// unsaved, the other clone's 核定 of one dossier is advanced and saved by
// the first open about it when it moves this clone's two 核定, and not
// saved when it does not; with one part allowed outside the grouped save,
// it is saved a run of parts at a time when it moves them.
func TestMergeSavesTheMovedParts(t *testing.T) {
	for _, grouped := range []bool{false, true} {
		t.Run(fmt.Sprint("grouped=", grouped), func(t *testing.T) { mergeSavesTheMovedParts(t, grouped) })
	}
}

func mergeSavesTheMovedParts(t *testing.T, grouped bool) {
	if grouped {
		old := archive.SetGroupedParts(1)
		defer archive.SetGroupedParts(old)
	} else {
		old := archive.SetMaxPartialParts(1)
		defer archive.SetMaxPartialParts(old)
	}
	seen := map[bool]bool{}
	for i := 0; len(seen) < 2; i++ {
		if i == 24 {
			t.Fatalf("in 24 tries, only moved=%v", slices.Collect(maps.Keys(seen)))
		}
		f, g, base, ids := forked(t)
		before := map[string]bool{}
		for _, e := range f.cold("li").State.Journal.Events {
			before[e.Hash] = true
		}
		for _, id := range ids[1:3] {
			if _, err := f.as("zhang").ReviewDone(id, "本克隆"); err != nil {
				t.Fatal(err)
			}
		}
		mine := map[string]bool{}
		for _, e := range f.cold("li").State.Journal.Events {
			mine[e.Hash] = !before[e.Hash]
		}
		if _, err := g.as("zhang").ReviewDone(ids[4], "另一克隆"); err != nil {
			t.Fatal(err)
		}
		f.settle()
		f.reader("li", f.clock) // the snapshot holds this clone's 核定
		f.pull(g, base)
		f.settle()
		moved := interleaved(f, mine)
		seen[moved] = true
		saves := archive.GroupedSaves()
		a := f.readerOf("li", ids[4])
		if !a.Partial() || a.SnapshotStandsFor() != moved || (archive.GroupedSaves() > saves) != (grouped && moved) {
			t.Fatalf("grouped %v, moved %v: partial %v, saved %v, %d grouped saves", grouped, moved, a.Partial(), a.SnapshotStandsFor(), archive.GroupedSaves()-saves)
		}
		f.fromSaved(fmt.Sprint("moved ", moved))
	}
}
