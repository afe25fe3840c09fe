package archive_test

import (
	"os"
	"path/filepath"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// memoFixture makes an archive with a history whose snapshot a rows open
// saved (racy window off): the fixture, the history's dossiers, and the
// paths of the snapshot and of the listing memo beside it.
func memoFixture(t *testing.T) (f *fixture, ids []string, snap, memo string) {
	t.Helper()
	racyWindow(t, 0)
	f = newFixture(t)
	ids = f.history()
	f.settle()
	rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) // the snapshot
	snaps := snapshotFiles(t, f)
	if len(snaps) != 1 {
		t.Fatalf("snapshots %v", snaps)
	}
	return f, ids, snaps[0], filepath.Join(filepath.Dir(snaps[0]), "state.listed")
}

// A command that advances the snapshot by a few events saves no snapshot
// (hundreds of MB at 100,000 dossiers), but keeps its listing of the
// month folders that changed (listmemo.go): the next command does not
// list them again while their times are unchanged, and sees what a cold
// replay sees. A new event changes the folder's time: it is listed again.
// A memo sealed under another key, or of another snapshot, is not used.
func TestListingMemo(t *testing.T) {
	f, ids, snapPath, memo := memoFixture(t)
	rows := func() string { return rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) }
	snaps := []string{snapPath}
	snap, _ := os.ReadFile(snapPath)

	if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	want := rowsOf(f.cold("li"))
	listed := journal.MonthListings()
	if got := rows(); got != want {
		t.Fatalf("rows after a review:\n%s\nwant %s", got, want)
	}
	if journal.MonthListings() == listed {
		t.Fatal("the changed folder was not listed")
	}
	if now, _ := os.ReadFile(snaps[0]); string(now) != string(snap) {
		t.Fatal("a snapshot was saved for one event: the memo is not what this tests")
	}
	if _, err := os.Stat(memo); err != nil {
		t.Fatalf("no listing memo: %v", err)
	}
	listed = journal.MonthListings()
	parts := archive.MonthPartReads()
	for range 2 {
		if got := rows(); got != want {
			t.Fatalf("rows from the memo:\n%s\nwant %s", got, want)
		}
	}
	if n := journal.MonthListings() - listed; n != 0 {
		t.Fatalf("listed %d folders again with the memo", n)
	}
	// Nor were the events the snapshot knew there read: a quarter's
	// month knows ~100,000, which made `show` 3× slower.
	if n := archive.MonthPartReads() - parts; n != 0 {
		t.Fatalf("read the snapshot's events of %d month folders with the memo", n)
	}
	sameAsCold(t, f, f.reader("li", f.clock))

	// A new event: the folder's time changes, it is listed again.
	if _, err := f.as("zhang").ReviewDone(ids[1], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	want = rowsOf(f.cold("li"))
	listed = journal.MonthListings()
	if got := rows(); got != want {
		t.Fatalf("rows after a second review:\n%s\nwant %s", got, want)
	}
	if journal.MonthListings() == listed {
		t.Fatal("a folder that changed after the memo was not listed")
	}

	// A memo with a byte changed is not used: the folder is listed.
	b, err := os.ReadFile(memo)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(memo, b, 0o600); err != nil {
		t.Fatal(err)
	}
	listed = journal.MonthListings()
	if got := rows(); got != want {
		t.Fatalf("rows with a damaged memo:\n%s\nwant %s", got, want)
	}
	if journal.MonthListings() == listed {
		t.Fatal("a damaged memo was used")
	}
}
