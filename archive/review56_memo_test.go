package archive_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// review56: a known event's file in a month folder that changed since the
// snapshot is rewritten in place (no new directory entry, so the folder's
// time does not change) after the listing memo was written. A listing
// would see the known file is newer than the snapshot's folder time
// (listSince, mt > old) and read it again; the memo does not look at the
// known files (that is the cost it saves): as for a folder unchanged
// since the snapshot, a file rewritten in place is for verify to find
// (SECURITY.md). The reviewer's test asserted the memo saw it; it now
// asserts that verify --fast and verify do, after opens that took the
// folder from the memo.
func TestReview56MemoKnownEventRewrittenInPlaceIsVerifys(t *testing.T) {
	f, ids, _, memo := memoFixture(t)
	rows := func() string { return rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) }

	// The events the snapshot knows.
	before, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*.yaml"))
	if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	after, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*.yaml"))
	var fresh string
	for _, p := range after {
		if !slices.Contains(before, p) {
			fresh = p
		}
	}
	if fresh == "" {
		t.Fatal("no new event file")
	}
	// A known event in the same month folder as the new one.
	var known string
	for _, p := range before {
		if b, _ := os.ReadFile(p); filepath.Dir(p) == filepath.Dir(fresh) && bytes.Contains(b, []byte("kind: dossier.review")) {
			known = p
		}
	}
	if known == "" {
		t.Fatal("no known event beside the new one")
	}
	rows() // advances by the one event, writes the memo
	if _, err := os.Stat(memo); err != nil {
		t.Fatalf("no listing memo: %v", err)
	}

	// Rewritten in place: same name, same folder time.
	folder := filepath.Dir(known)
	fi, _ := os.Stat(folder)
	b, err := os.ReadFile(known)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte("ok"), []byte("OK"), 1)
	if bytes.Equal(edited, b) {
		edited = append(slices.Clone(b), []byte("# edited\n")...)
	}
	w, err := os.OpenFile(known, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(edited); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if fi2, _ := os.Stat(folder); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatal("the folder's time changed: not what this tests")
	}

	cold := f.cold("li").State
	if len(cold.Journal.Problems) == 0 {
		t.Fatal("a cold read did not see the edited event")
	}
	// Control first, on the same cache: without the memo the listing sees
	// the edit (the memo is put back after).
	mb, _ := os.ReadFile(memo)
	os.Remove(memo)
	if !review56Seen(f) {
		t.Fatal("without the memo the listing did not see the edit either: not the memo's doing")
	}
	if err := os.WriteFile(memo, mb, 0o600); err != nil {
		t.Fatal(err)
	}
	listed := journal.MonthListings()
	review56Seen(f) // as list opens: from the memo
	if journal.MonthListings() != listed {
		t.Fatal("the folder was listed: the memo was not used")
	}
	a := f.as("li")
	for name, check := range map[string]func() ([]archive.Problem, error){"verify --fast": func() ([]archive.Problem, error) { return a.VerifyFast(ctx) }, "verify": func() ([]archive.Problem, error) { return a.Verify(ctx) }} {
		ps, err := check()
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			t.Fatalf("%s after opens from the memo: the event rewritten in place is not reported (cold read: %v)", name, cold.Journal.Problems)
		}
	}
}

// review56Seen reports whether a summary open (as list, show and maintain open)
// notices a problem in the journal: an error, or a journal problem.
func review56Seen(f *fixture) bool {
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids["li"], Snapshot: true, Summary: archive.SummaryRows})
	return err != nil || a.State.Journal != nil && len(a.State.Journal.Problems) > 0 || len(a.State.Problems) > 0
}

// review56: the same rewrite, opened as show and the writing commands open
// (the whole state): the advance taken from the memo saves a snapshot that
// stands for the rewritten folder, so the tampered event is not seen by
// any later snapshot open either, memo or not, until a full replay.
func TestReview56MemoSnapshotSavedOverRewrittenEvent(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock) // the snapshot
	before, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*.yaml"))
	if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) // advances by the one event, writes the memo
	snaps := snapshotFiles(t, f)
	memo := filepath.Join(filepath.Dir(snaps[0]), "state.listed")
	if _, err := os.Stat(memo); err != nil {
		t.Fatalf("no listing memo: %v", err)
	}
	var known string
	for _, p := range before {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("kind: dossier.review")) {
			known = p
		}
	}
	b, _ := os.ReadFile(known)
	w, err := os.OpenFile(known, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(append(b, "# edited\n"...))
	w.Close()

	f.reader("li", f.clock) // takes the memo, advances, saves
	os.Remove(memo)
	sameAsCold(t, f, f.reader("li", f.clock))
}
