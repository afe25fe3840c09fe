package archive_test

import (
	"os"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// review59: a command opened from the snapshot with a month taken from
// the listing memo (a.sinceListed holds the memo's listing, no hashes)
// while another command advances the same snapshot by the same events and
// saves it. The journal is unchanged, so the first command's state still
// stands (stillCurrent) and its verify --fast and log read the snapshot
// file as it is now: the memo's new file is one that snapshot knows, and
// MemoHashes refuses the listing.
func review59MemoThenSaved(t *testing.T) (f *fixture, a *archive.Archive) {
	t.Helper()
	f, ids, snap, memo := memoFixture(t)
	snaps := []string{snap}
	if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) // advances by one event, writes the memo
	if _, err := os.Stat(memo); err != nil {
		t.Fatalf("no listing memo: %v", err)
	}
	s1, _ := os.ReadFile(snaps[0])
	listed := journal.MonthListings()
	a = f.summaryOpen(f.clock, archive.SummaryRows) // as verify --fast opens
	if journal.MonthListings() != listed {
		t.Fatal("the folder was listed: the memo was not used")
	}
	f.reader("li", f.clock) // takes the memo, advances, saves
	if s2, _ := os.ReadFile(snaps[0]); string(s2) == string(s1) {
		t.Fatal("no snapshot was saved over the memo's")
	}
	return f, a
}

// Before 162ba53 the memo's listing carried its hashes (known and new)
// and verify --fast stayed quick; now it reads the known from the snapshot
// saved since, which holds the memo's new event, and falls back to the
// full check.
func TestReview59VerifyFastAfterAnotherSave(t *testing.T) {
	f, a := review59MemoThenSaved(t)
	ps, err := a.VerifyFast(ctx)
	if err != nil || len(ps) > 0 {
		t.Fatalf("verify --fast: %v %v", ps, err)
	}
	if !a.VerifiedQuick() {
		t.Fatal("verify --fast read the journal: the memo's listing was refused against the snapshot saved since")
	}
	sameAsCold(t, f, f.reader("li", f.clock))
}

// The same for log: the streamed log takes every month's hashes from
// monthsKnown.
func TestReview59LogAfterAnotherSave(t *testing.T) {
	_, a := review59MemoThenSaved(t)
	n := archive.Replays()
	l, err := a.EventLog()
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() == 0 {
		t.Fatal("no events")
	}
	if archive.Replays() != n || !a.FromSnapshot() {
		t.Fatal("log replayed the journal: the memo's listing was refused against the snapshot saved since")
	}
}
