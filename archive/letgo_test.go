package archive_test

import (
	"os"
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

// A whole replay lets go of each event's data once applied, and nothing
// after it in opening the archive reads any back; the data is still there
// for whoever asks (from the event's file), and a replay of the same
// events from it gives the same state.
func TestWholeReplayLetsGoOfData(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.create("内部")
	var a *archive.Archive
	if n := dataReadsDuring(func() { a = f.cold("zhang") }); n != 0 {
		t.Fatalf("opening read back the data of %d events, want 0", n)
	}
	var review *journal.Event
	for _, e := range a.State.Journal.Events {
		if e.Kind == archive.KindReview {
			review = e
		}
	}
	if review == nil {
		t.Fatal("no review event")
	}
	var x archive.ReviewData
	if n := dataReadsDuring(func() {
		if err := review.Decode(&x); err != nil {
			t.Fatal(err)
		}
	}); n != 1 || x.Note != "ok" {
		t.Fatalf("decoded %+v reading back %d, want note ok read back once", x, n)
	}
	again := archive.Replay(ctx, a.State.Journal, a.Policy, f.clock(), true)
	sameState(t, again, a.State)
	if again.Dossiers[id].LastReviewBefore(f.clock().AddDate(1, 0, 0)) == nil {
		t.Fatalf("replay from the files lost %s's 核定", id)
	}
}

// Data let go is read back only from a file that still holds the event:
// one changed since gives an error naming it, not other data.
func TestDataReadBackRefusesAChangedFile(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	a := f.cold("zhang")
	var review *journal.Event
	for _, e := range a.State.Journal.Events {
		if e.Kind == archive.KindReview {
			review = e
		}
	}
	p := filepath.Join(f.dir, filepath.FromSlash(review.Path))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "ok", "no", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var x archive.ReviewData
	err = review.Decode(&x)
	if err == nil || !strings.Contains(err.Error(), review.Path) || x.Note != "" {
		t.Fatalf("decoded %+v, err %v; want an error naming %s", x, err, review.Path)
	}
}

// Where a second pass may follow (a leaver wrote concurrently with their
// removal), the first keeps the data: the second applies every event
// again.
func TestReplayKeepsDataForASecondPass(t *testing.T) {
	f := newFixture(t)
	f.reviewWhileRemoved("ok")
	n := archive.ReplayPasses()
	var a *archive.Archive
	reads := dataReadsDuring(func() { a = f.cold("zhang") })
	if passes := archive.ReplayPasses() - n; passes != 2 || reads != 0 {
		t.Fatalf("%d passes reading back %d events' data, want 2 and 0", passes, reads)
	}
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

// A step under the lock after another process wrote reads the journal
// again; after a replay that let go of its events' data, not by reusing
// those events (each replayed would be read back from its file).
func TestStepAfterAnotherWriterReadsNoDataBack(t *testing.T) {
	racy := journal.RacyWindow()
	journal.SetRacyWindow(0) // folders just written are reused
	defer journal.SetRacyWindow(racy)
	f := newFixture(t)
	id := f.create("秘密")
	f.now = f.now.AddDate(0, 1, 0)
	a := f.as("li")
	// Another process, in a month of its own: the month folders read
	// before are unchanged, and their events reused as they were.
	f.create("内部")
	if n := dataReadsDuring(func() {
		if _, err := a.ReviewDone(id, "ok"); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("the step read back the data of %d events, want 0", n)
	}
	sameState(t, a.State, f.cold("zhang").State)
}

// An event whose data was let go, moved since into a bundle of its month
// (another process bundled the closed month), is read back from there.
func TestDataReadBackFromABundleMadeSince(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 2, 0) // the month closed (closedMonths)
	a := f.cold("zhang")
	var review *journal.Event
	for _, e := range a.State.Journal.Events {
		if e.Kind == archive.KindReview {
			review = e
		}
	}
	bundled, err := f.as("zhang").BundleJournal()
	if err != nil || len(bundled) == 0 {
		t.Fatalf("bundled %v, %v", bundled, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, filepath.FromSlash(review.Path))); !os.IsNotExist(err) {
		t.Fatalf("%s is still a file of its own (%v)", review.Path, err)
	}
	var x archive.ReviewData
	if err := review.Decode(&x); err != nil || x.Note != "ok" {
		t.Fatalf("decoded %+v, %v", x, err)
	}
}
