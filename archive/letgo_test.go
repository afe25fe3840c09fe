package archive_test

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// dataReadsDuring is how many events' data f read back from their files.
func dataReadsDuring(f func()) int64 {
	n := journal.DataReads.Load()
	f()
	return journal.DataReads.Load() - n
}

// allDataKept fails unless every event of a's journal gives its data
// without reading it back.
func allDataKept(t *testing.T, a *archive.Archive) {
	t.Helper()
	if n := dataReadsDuring(func() {
		for _, e := range a.State.Journal.Events {
			if _, err := archive.DataOf(e); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Fatalf("read back %d events' data, want 0 (kept)", n)
	}
}

// bundled moves the fixture's clock two months on and bundles every month
// then closed, as a department's journal of past years is.
func (f *fixture) bundled() {
	f.t.Helper()
	f.now = f.now.AddDate(0, 2, 0) // closedMonths
	if b, err := f.as("zhang").BundleJournal(); err != nil || len(b) == 0 {
		f.t.Fatalf("bundled %v, %v", b, err)
	}
}

// bundledReview is a fixture with li's 核定 (note "ok") of a dossier in a
// bundled month, and that event as a whole replay by zhang left it.
func bundledReview(t *testing.T) (*fixture, *journal.Event) {
	t.Helper()
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.bundled()
	return f, eventOf(t, f.as("zhang"), archive.KindReview)
}

// eventOf is the last event of kind k in a's journal.
func eventOf(t *testing.T, a *archive.Archive, k journal.Kind) *journal.Event {
	t.Helper()
	var out *journal.Event
	for _, e := range a.State.Journal.Events {
		if e.Kind == k {
			out = e
		}
	}
	if out == nil {
		t.Fatalf("no %s event", k)
	}
	return out
}

// A whole replay lets go of the data of each event from a bundle once
// applied, and nothing after it in opening the archive reads any back;
// the data is still there for whoever asks (from the bundle), and a
// replay of the same events from it gives the same state. An event in a
// file of its own (a month not closed) keeps its data.
func TestWholeReplayLetsGoOfData(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.bundled()
	f.create("内部")
	var a *archive.Archive
	if n := dataReadsDuring(func() { a = f.as("zhang") }); n != 0 {
		t.Fatalf("opening read back the data of %d events, want 0", n)
	}
	review := eventOf(t, a, archive.KindReview)
	var x archive.ReviewData
	if n := dataReadsDuring(func() {
		if err := review.Decode(&x); err != nil {
			t.Fatal(err)
		}
	}); n != 1 || x.Note != "ok" || review.Bundle() == "" {
		t.Fatalf("decoded %+v reading back %d (bundle %q), want note ok read back once from a bundle", x, n, review.Bundle())
	}
	create := eventOf(t, a, archive.KindDossierCreate)
	if n := dataReadsDuring(func() {
		if _, err := archive.DataOf(create); err != nil {
			t.Fatal(err)
		}
	}); n != 0 || create.Bundle() != "" {
		t.Fatalf("this month's create (bundle %q) read back %d times, want its data kept", create.Bundle(), n)
	}
	again := archive.Replay(ctx, a.State.Journal, a.Policy, f.clock(), true)
	sameState(t, again, a.State)
	if again.Dossiers[id].LastReviewBefore(f.clock()) == nil {
		t.Fatalf("replay from the files lost %s's 核定", id)
	}
}

// Without a journal cache to read them from again, the events keep
// their data (a step after another process wrote reuses them).
func TestReplayWithoutCacheKeepsData(t *testing.T) {
	f := newFixture(t)
	f.create("秘密")
	f.bundled()
	a := f.cold("zhang") // no cache
	allDataKept(t, a)
}

// Data let go is read back only from a file that still holds the event:
// a bundle changed since gives an error naming the event, not other data.
func TestDataReadBackRefusesAChangedFile(t *testing.T) {
	f, review := bundledReview(t)
	p := filepath.Join(f.dir, filepath.FromSlash(path.Dir(review.Path)), review.Bundle())
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte("note: ok"), []byte("note: no"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var x archive.ReviewData
	err = review.Decode(&x)
	if err == nil || !strings.Contains(err.Error(), review.Path) || x.Note != "" {
		t.Fatalf("decoded %+v, err %v; want an error naming %s", x, err, review.Path)
	}
}

// An event whose data was let go, back in a file of its own since (its
// bundle gone: a clone that never bundled the month merged), is read back
// from there.
func TestDataReadBackFromItsOwnFileSince(t *testing.T) {
	f, review := bundledReview(t)
	folder := filepath.Join(f.dir, filepath.FromSlash(path.Dir(review.Path)))
	b, err := os.ReadFile(filepath.Join(folder, review.Bundle()))
	if err != nil {
		t.Fatal(err)
	}
	pieces, err := journal.SplitBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pieces {
		e, err := journal.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash))), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(folder, review.Bundle())); err != nil {
		t.Fatal(err)
	}
	var x archive.ReviewData
	if err := review.Decode(&x); err != nil || x.Note != "ok" {
		t.Fatalf("decoded %+v, %v", x, err)
	}
}

// Where a second pass may follow (a leaver wrote concurrently with their
// removal), the first keeps the data: the second applies every event
// again.
func TestReplayKeepsDataForASecondPass(t *testing.T) {
	f := newFixture(t)
	f.reviewWhileRemoved("ok")
	f.bundled()
	n := archive.ReplayPasses()
	var a *archive.Archive
	reads := dataReadsDuring(func() { a = f.as("zhang") })
	if passes := archive.ReplayPasses() - n; passes != 2 || reads != 0 {
		t.Fatalf("%d passes reading back %d events' data, want 2 and 0", passes, reads)
	}
	allDataKept(t, a)
}

// A step under the lock after another process wrote reads the journal
// again; after a replay that let go of its events' data, not by reusing
// those events (each replayed would be read back from its file).
func TestStepAfterAnotherWriterReadsNoDataBack(t *testing.T) {
	racyWindow(t, 0) // folders just written are reused
	f := newFixture(t)
	id := f.create("秘密")
	f.bundled()
	a := f.as("li")
	f.create("内部") // another process
	if n := dataReadsDuring(func() {
		if _, err := a.ReviewDone(id, "ok"); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("the step read back the data of %d events, want 0", n)
	}
	sameState(t, a.State, f.cold("zhang").State)
}

// The log of the whole journal after a whole replay that let go of its
// events' data is read as from the snapshot it saved: no event is read
// back one at a time.
func TestEventLogAfterWholeReplayReadsNoDataBack(t *testing.T) {
	racyWindow(t, 0) // the snapshot is saved from folders just written
	f := bundledHistory(t)
	if reads, n, snap := logReadBacks(t, f); reads != 0 || !snap {
		t.Fatalf("the log (from the snapshot: %v) read back the data of %d of %d events, want 0, from the snapshot", snap, reads, n)
	}
	got, want := logHashes(t, f.logReader("li")), logHashes(t, f.cold("li"))
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("log %v, want %v", got, want)
	}
}

// Reading a dossier whose file another process rewrote reads the journal
// afresh; after a replay that let go of its events' data, from the cache,
// not by replaying those events (each would be read back).
func TestFreshDossierAfterWholeReplayReadsNoDataBack(t *testing.T) {
	racyWindow(t, 0) // folders written before are reused
	f := newFixture(t)
	id := f.create("内部")
	f.create("内部")
	f.bundled()
	a := f.as("li")
	f.edit("li", id) // another process rewrites the file
	if n := dataReadsDuring(func() {
		if _, err := a.Read(id); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Read after another writer read back the data of %d events", n)
	}
}
