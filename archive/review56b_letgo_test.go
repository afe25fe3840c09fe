package archive_test

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"crm/archive"
)

// supersededInBundle makes n dossiers, then two supervisors approve step 1
// of one destruction request in two clones; the clones merge (one
// approval is superseded) and the months are bundled. It returns how many
// events' data a first command (a whole replay, with the journal cache)
// reads back while opening.
func supersededInBundle(t *testing.T, n int, mergeAfterBundling bool) (reads int64, superseded int) {
	t.Helper()
	f := withSun(t)
	for range n {
		f.create("内部")
	}
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	if mergeAfterBundling {
		f.bundled()
	}
	base := f.clone()
	g := f.clone()
	if _, err := f.as("su").DestroyApprove(r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := g.as("sun").DestroyApprove(r.ID); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base.dir)
	if !mergeAfterBundling {
		f.bundled()
	}
	var a *archive.Archive
	reads = dataReadsDuring(func() { a = f.as("zhang") })
	if len(a.State.Superseded) == 0 {
		t.Fatalf("no superseded step: %v", a.State.Problems)
	}
	return reads, len(a.State.Superseded)
}

// A step superseded by a concurrent one (in a bundled month, or in this
// month after bundled ones) is checked against its causal past during
// the whole replay (validInPast), after that past's events let go of
// their data. Read back an event at a time, the read-backs of a first
// command grew with the journal (every dossier's creation is in that
// past, helper-69's review); the data is taken back a bundle at a time.
func TestReview56bSupersededStepReadsItsPastBack(t *testing.T) {
	for _, later := range []bool{false, true} {
		few, s1 := supersededInBundle(t, 2, later)
		many, s2 := supersededInBundle(t, 30, later)
		t.Logf("merge after bundling %v: read back %d events (2 dossiers), %d events (30 dossiers); superseded %d, %d", later, few, many, s1, s2)
		if few != 0 || many != 0 {
			t.Errorf("merge after bundling %v: opening read back the data of %d events with 2 dossiers, %d with 30; want 0", later, few, many)
		}
	}
}

// bundledHistory is a fixture with five dossiers in bundled months and
// one in this month.
func bundledHistory(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	for range 5 {
		f.create("内部")
	}
	f.bundled()
	f.create("秘密")
	return f
}

// logReadBacks opens the archive as crm log does, as a first command (no
// snapshot: a whole replay that lets go of the bundled events' data), and
// renders the whole log as crm log does (each event's data decoded). It
// returns how many events' data that read back, and how many events the
// log has.
func logReadBacks(t *testing.T, f *fixture) (reads int64, n int, fromSnapshot bool) {
	t.Helper()
	a := f.logReader("li")
	if a.FromSnapshot() {
		t.Fatal("opened from a snapshot")
	}
	reads = dataReadsDuring(func() {
		l, err := a.EventLog()
		if err != nil {
			t.Fatal(err)
		}
		n = l.Len()
		for i := range l.Len() {
			ev, err := l.At(i)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := archive.DataOf(ev); err != nil {
				t.Fatal(err)
			}
		}
	})
	return reads, n, a.FromSnapshot()
}

// The log of a first command, when the replay could not save a snapshot
// (its folders were written within the racy window: a fresh clone, a
// pull just made), falls back to the replayed state's events, whose data
// was let go: it is taken back a bundle at a time, not an event at a
// time.
func TestReview56bEventLogWithoutSnapshotReadsEveryEventBack(t *testing.T) {
	f := bundledHistory(t)
	// The racy window is left as crm has it (2 s): the folders were
	// just written, so the whole replay saves no snapshot.
	reads, n, snap := logReadBacks(t, f)
	if reads != 0 {
		t.Fatalf("the log (from snapshot %v) read back the data of %d of its %d events, want 0", snap, reads, n)
	}
}

// The same, for a journal that will never have a snapshot while a stray
// file sits in one of its month folders (journal.Journal.Problems: verify
// names it).
func TestReview56bEventLogWithAStrayFileReadsEveryEventBack(t *testing.T) {
	racyWindow(t, 0)
	f := bundledHistory(t)
	last := eventOf(t, f.cold("li"), archive.KindDossierCreate)
	stray := filepath.Join(f.dir, filepath.FromSlash(path.Dir(last.Path)), "notes.txt")
	if err := os.WriteFile(stray, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reads, n, snap := logReadBacks(t, f)
	if reads != 0 {
		t.Fatalf("the log (from snapshot %v) read back the data of %d of its %d events, want 0", snap, reads, n)
	}
}

// When the journal cache cannot be written (a full disk, a quota: here
// each segment's place is taken by a folder), the folders stay to be
// saved (Folder.Dirty) and the command's end (SaveCache) packs them
// again: their events do not let go of their data, or each would be read
// back from its bundle at every command.
func TestReview56bUnwritableCacheReadsEveryEventBackAtSave(t *testing.T) {
	f := bundledHistory(t)
	f.as("zhang") // the cache's segments written
	segs, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*", "*.seg"))
	if len(segs) == 0 {
		t.Fatal("no segment in the cache")
	}
	for _, s := range segs {
		if err := os.Remove(s); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(s, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var a *archive.Archive
	open := dataReadsDuring(func() { a = f.as("zhang") })
	n := len(a.State.Journal.Events)
	save := dataReadsDuring(func() {
		if err := a.SaveCache(); err != nil {
			t.Fatal(err)
		}
	})
	if open != 0 || save != 0 {
		t.Fatalf("opening read back %d events' data, saving the cache %d (of %d events); want 0", open, save, n)
	}
}
