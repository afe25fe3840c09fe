package archive_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crm/archive"
)

// logReader opens the archive as crm log does: from the state snapshot,
// reading nothing of the dossiers.
func (f *fixture) logReader(id string) *archive.Archive {
	f.t.Helper()
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids[id], Snapshot: true, Summary: archive.SummaryNone})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// logHashes is every event of a's EventLog, by hash, in its order.
func logHashes(t *testing.T, a *archive.Archive) []string {
	t.Helper()
	l, err := a.EventLog()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range l.Len() {
		e, err := l.At(i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Hash)
	}
	return out
}

// teamHistory makes a journal of three months in which two clones worked
// apart and merged: events that neither follows come by hash.
func teamHistory(t *testing.T) *fixture {
	f := newFixture(t)
	ids := f.history()
	base := f.clone()
	g := f.clone()
	f.now, g.now = f.now.AddDate(0, 1, 0), f.now.AddDate(0, 1, 0)
	if _, err := f.as("li").ReviewDone(ids[2], "ok"); err != nil {
		t.Fatal(err)
	}
	g.create("内部")
	g.now = g.now.AddDate(0, 1, 0)
	g.create("秘密")
	f.pull(g, base.dir)
	f.now = g.now
	f.create("内部")
	f.settle()
	f.cache = t.TempDir() // f's alone: the clones' segments are not in it
	return f
}

// The log read from the snapshot, a month folder at a time, is the
// journal a replay reads, in the same order.
func TestEventLogIsTheJournal(t *testing.T) {
	f := teamHistory(t)
	var want []string
	for _, e := range f.cold("li").State.Journal.Events {
		want = append(want, e.Hash)
	}
	f.logReader("li") // replays, and saves the snapshot
	a := f.logReader("li")
	if !a.FromSnapshot() {
		t.Fatal("the second open did not read the snapshot")
	}
	got := logHashes(t, a)
	if !slices.Equal(got, want) {
		t.Fatalf("log from the snapshot:\n%v\nwant\n%v", got, want)
	}
	if !a.FromSnapshot() {
		t.Fatal("the log replayed the journal")
	}
	months, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*"))
	if len(months) < 3 {
		t.Fatalf("the history has %d month folders, want 3", len(months))
	}
}

// A segment of the cache that does not verify (or is gone) is read from
// the folder instead, and written again; one of a folder that changed
// while the log was being read makes At fail, naming the folder.
func TestEventLogReadsAroundTheCache(t *testing.T) {
	f := teamHistory(t)
	f.logReader("li")
	segs, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*", "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	slices.Sort(segs)
	want := logHashes(t, f.logReader("li"))

	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 1
	os.WriteFile(segs[0], b, 0o600)
	os.Remove(segs[1])
	a := f.logReader("li")
	if got := logHashes(t, a); !slices.Equal(got, want) || !a.FromSnapshot() {
		t.Fatalf("log around a damaged and a missing segment differs (from snapshot %v)", a.FromSnapshot())
	}
	for _, s := range segs[:2] {
		if c, err := os.ReadFile(s); err != nil || slices.Equal(c, b) {
			t.Fatalf("segment %s was not written again (%v)", filepath.Base(s), err)
		}
	}

	// Between the order and the events, the last month's segment goes
	// and its folder loses an event.
	a = f.logReader("li")
	l, err := a.EventLog()
	if err != nil {
		t.Fatal(err)
	}
	last := segs[len(segs)-1]
	os.Remove(last)
	month := strings.TrimSuffix(strings.ReplaceAll(filepath.Base(last), "_", "/"), ".seg")
	files, _ := filepath.Glob(filepath.Join(f.dir, filepath.FromSlash(month), "*.yaml"))
	os.Remove(files[0])
	var failed error
	for i := range l.Len() {
		if _, err := l.At(i); err != nil {
			failed = err
			break
		}
	}
	if failed == nil || !strings.Contains(failed.Error(), month) {
		t.Fatalf("a folder changed while read: %v", failed)
	}
}
