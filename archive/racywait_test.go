package archive_test

import (
	"testing"
	"time"

	"crm/archive"
)

// Writes run back to back (a script's loop of review done) leave the
// journal's folder changed within the racy window at every open. A
// snapshot cannot stand for such a folder, so the advanced snapshot due
// to be saved (past maxPartialParts parts) was never saved: each command
// read every part the unsaved events named, more each time. The save now
// waits the window out and lists the folder again (settleListed), and the
// next open starts from the saved snapshot.
func TestSaveWaitsOutTheRacyWindow(t *testing.T) {
	racyWindow(t, 300*time.Millisecond)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	old := archive.SetMaxPartialParts(1)
	defer archive.SetMaxPartialParts(old)
	// two dossiers of two parts, edited just now: the folder is racy
	var a, b string
	for _, x := range ids {
		for _, y := range ids {
			if archive.SnapBucketOf(x) != archive.SnapBucketOf(y) {
				a, b = x, y
			}
		}
	}
	if a == "" {
		t.Fatal("the fixture's dossiers all lie in one part")
	}
	f.edit("zhang", a)
	f.edit("zhang", b)
	s := f.summaryReader(f.clock)
	if !s.Partial() {
		t.Fatal("the reader after two edits took the whole state")
	}
	if !s.SnapshotStandsFor() {
		t.Fatal("the snapshot advanced by two parts' edits was not saved while the folder was racy")
	}
	sameAsCold(t, f, f.reader("li", f.clock))
}
