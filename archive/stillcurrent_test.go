package archive_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// A step takes its state from the snapshot at open (before the lock) and
// again under the lock, in case another writer went first. When no folder
// of the journal changed since the first, the second is skipped
// (stillCurrent); when one did, or changed too shortly before the first
// to tell, it is taken again, and the step follows the other writer's.
func TestStepOnStateTakenAtOpen(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	x := f.create("秘密")
	y := f.create("秘密")
	f.settle()
	f.reader("li", f.clock)
	open := func(id string) *archive.Archive {
		t.Helper()
		return f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: id})
	}

	// Nothing changed between open and the step: taken once.
	n := archive.StateReuses()
	if _, err := open(x).ReviewDoneFor(x, classify.Quarter{}, archive.ReviewRecord{Note: "核对"}); err != nil {
		t.Fatal(err)
	}
	if archive.StateReuses() != n+1 {
		t.Fatal("a step on an unchanged journal took the state again")
	}

	// Another writer between open and the step: taken again, and the
	// step follows its event.
	f.settle()
	a := open(y)
	if _, err := f.as("zhang").ReviewDoneFor(x, classify.Quarter{}, archive.ReviewRecord{Note: "经理核对"}); err != nil {
		t.Fatal(err)
	}
	n = archive.StateReuses()
	if _, err := a.ReviewDoneFor(y, classify.Quarter{}, archive.ReviewRecord{Note: "核对"}); err != nil {
		t.Fatal(err)
	}
	if archive.StateReuses() != n {
		t.Fatal("a step after another writer's was taken on the state from before it")
	}
	j := f.cold("li").State.Journal
	last := j.Events[len(j.Events)-1]
	prev := j.Events[len(j.Events)-2]
	if last.Dossier != y || prev.Dossier != x || !slices.Contains(last.Prev, prev.Hash) {
		t.Fatalf("the step does not follow the other writer's: %s %v, %s %s", last.Dossier, last.Prev, prev.Dossier, prev.Hash)
	}

	// A folder changed just before the open (within settledFor) cannot
	// show by its time that nothing was added after it: its files are
	// listed again under the lock. The same files are the same events
	// (each is named for its bytes): taken once.
	time.Sleep(60 * time.Millisecond)
	if _, err := f.as("zhang").ReviewDoneFor(y, classify.Quarter{}, archive.ReviewRecord{Note: "经理核对"}); err != nil {
		t.Fatal(err)
	}
	a = open(x)
	n = archive.StateReuses()
	if _, err := a.ReviewDoneFor(x, classify.Quarter{}, archive.ReviewRecord{Note: "再次核对"}); err != nil {
		t.Fatal(err)
	}
	if archive.StateReuses() != n+1 {
		t.Fatal("a step on a folder that changed just before the open, and not since, took the state again")
	}

	f.verifyClean()
}

// A writer that went between the open and the lock within the same tick
// of the month folder's time (put back here to the time it had) leaves
// the journal's folders as they were: the folder, changed within the
// racy window, is listed again, its files differ, the state is taken
// again and the step follows the other writer's event.
func TestStepAfterWriterInSameTick(t *testing.T) {
	racyWindow(t, 300*time.Millisecond)
	f := newFixture(t)
	x := f.create("秘密")
	y := f.create("秘密")
	f.settle()
	f.reader("li", f.clock)
	if _, err := f.as("zhang").ReviewDoneFor(y, classify.Quarter{}, archive.ReviewRecord{Note: "经理核对"}); err != nil {
		t.Fatal(err)
	}
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: x})
	before := monthTimes(t, f.dir)
	if _, err := f.as("zhang").ReviewDoneFor(y, classify.Quarter{}, archive.ReviewRecord{Note: "经理再次核对"}); err != nil {
		t.Fatal(err)
	}
	for p, mt := range monthTimes(t, f.dir) {
		if was, ok := before[p]; ok && !was.Equal(mt) {
			if err := os.Chtimes(p, was, was); err != nil {
				t.Fatal(err)
			}
		}
	}
	n := archive.StateReuses()
	if _, err := a.ReviewDoneFor(x, classify.Quarter{}, archive.ReviewRecord{Note: "核对"}); err != nil {
		t.Fatal(err)
	}
	if archive.StateReuses() != n {
		t.Fatal("a step after another writer's, in the same tick of the folder's time, was taken on the state from before it")
	}
	j := f.cold("li").State.Journal
	last, prev := j.Events[len(j.Events)-1], j.Events[len(j.Events)-2]
	if last.Dossier != x || prev.Dossier != y || !slices.Contains(last.Prev, prev.Hash) {
		t.Fatalf("the step does not follow the other writer's: %s %v, %s %s", last.Dossier, last.Prev, prev.Dossier, prev.Hash)
	}
	f.verifyClean()
}

// monthTimes is the time of each month folder of the journal in dir.
func monthTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(dir, "journal", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, m := range ms {
		fi, err := os.Stat(m)
		if err != nil {
			t.Fatal(err)
		}
		out[m] = fi.ModTime()
	}
	return out
}
