package archive_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"crm/archive"
)

// A step looks for what a crashed step left in dossiers/ and members/
// without listing them while they are as the last holder of the lock left
// them, cleanly: the lock file's clean mark. A temporary file made since,
// or a holder that died with the lock, has them listed, and the leftover
// is settled as before.
func TestCleanMarkSparesTheListing(t *testing.T) {
	f := newFixture(t)
	if !archive.CleanMarks(f.dir) {
		if runtime.GOOS == "windows" {
			t.Skip("skipped: no clean mark on Windows (lock_windows.go, fileIdentity), so every step lists the folders")
		}
		t.Fatal("no clean mark: a Unix system gives every folder a device and inode (lock_unix.go, fileIdentity)")
	}
	id := f.create("秘密")
	f.settle()
	f.reader("li", f.clock)
	listings := func() string { return strings.Fields(archive.ProcessStats())[3] }
	// hold sets or lifts the hold, on the snapshot's state if clean.
	hold := func(on, clean bool) {
		t.Helper()
		a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: id})
		if err := a.SetHold(id, on, "诉讼"); err != nil {
			t.Fatal(err)
		}
		if a.FromSnapshot() != clean {
			t.Fatalf("the step worked on the snapshot: %v, want %v", a.FromSnapshot(), clean)
		}
	}
	hold(true, true)
	before := listings()
	hold(false, true)
	if got := listings(); got != before {
		t.Fatalf("a step after a clean one listed the folders: %s, before %s", got, before)
	}
	lock, _ := os.ReadFile(filepath.Join(f.dir, ".crm.lock"))
	if !strings.HasPrefix(string(lock), "clean: ") {
		t.Fatalf("lock file after a step: %q", lock)
	}

	// A crashed step's temporary file (its process is gone).
	tmp := filepath.Join(f.dir, archive.DossiersDir, ".tmp-"+id+".999999999-1")
	if err := os.WriteFile(tmp, []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	before = listings()
	hold(true, false) // the leftover is settled from the journal
	if listings() == before {
		t.Fatal("a temporary file made since the mark was not looked for")
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Fatal("the crashed step's temporary file was left")
	}

	// A holder that died with the lock leaves its own text, no mark.
	if err := os.WriteFile(filepath.Join(f.dir, ".crm.lock"), []byte("pid: 999999999\nuser: li\nhost: pc\ncommand: crm edit\nsince: 2026-11-22T01:00:00Z\n"), 0o660); err != nil {
		t.Fatal(err)
	}
	before = listings()
	hold(false, true)
	if listings() == before {
		t.Fatal("the folders were not listed after a holder died")
	}
	f.verifyClean()
}
