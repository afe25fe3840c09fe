package archive

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"crm/l10n"
)

// The archive's lock on Windows (lock_windows.go): LockFileEx is exclusive
// between two handles, and, taken past the holder text, leaves that text
// readable by a waiting process (Windows byte-range locks are mandatory).
func TestLockFileExExclusiveAndHolderReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), lockFile)
	a, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o660)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if busy, err := tryLockFile(a); busy || err != nil {
		t.Fatalf("first lock: busy %v, %v", busy, err)
	}
	a.WriteAt([]byte(holderText(time.Now())), 0)
	if busy, err := tryLockFile(b); !busy || err != nil {
		t.Fatalf("second handle while held: busy %v, %v (want busy)", busy, err)
	}
	if who := lockHolder(path); who == "" || who == l10n.T("another process") {
		t.Fatalf("the holder text could not be read while locked: %q", who)
	}
	unlockFile(a)
	if busy, err := tryLockFile(b); busy || err != nil {
		t.Fatalf("after release: busy %v, %v", busy, err)
	}
	unlockFile(b)
}

// processGone tells a running process from one that has ended.
func TestProcessGoneWindows(t *testing.T) {
	if processGone(os.Getpid()) {
		t.Fatal("this process is gone?")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !processGone(cmd.Process.Pid) {
		t.Fatalf("process %d ended but is not gone", cmd.Process.Pid)
	}
}
