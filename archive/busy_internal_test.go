package archive

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var errFakeBusy = errors.New("open in another process (fake)")

// fakeBusy makes busyFile recognise errFakeBusy, and busyWait short, for
// the test.
func fakeBusy(t *testing.T, wait time.Duration) {
	oldBusy, oldWait := busyFile, busyWait
	busyFile = func(err error) bool { return errors.Is(err, errFakeBusy) }
	busyWait = wait
	t.Cleanup(func() { busyFile, busyWait = oldBusy, oldWait })
}

// An operation refused while another process has the file open (Windows)
// is tried again until it goes through; any other error is returned at once.
func TestRetryBusy(t *testing.T) {
	fakeBusy(t, 2*time.Second)
	calls := 0
	err := retryBusy(func() error {
		if calls++; calls < 4 {
			return errFakeBusy
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Fatalf("busy three times, then free: err %v after %d calls, want nil after 4", err, calls)
	}
	calls = 0
	other := errors.New("disk full")
	if err := retryBusy(func() error { calls++; return other }); err != other || calls != 1 {
		t.Fatalf("another error: %v after %d calls, want it after 1", err, calls)
	}
}

// Busy for longer than busyWait: the last error is returned, after about
// busyWait.
func TestRetryBusyGivesUp(t *testing.T) {
	fakeBusy(t, 50*time.Millisecond)
	calls := 0
	start := time.Now()
	err := retryBusy(func() error { calls++; return errFakeBusy })
	if !errors.Is(err, errFakeBusy) || calls < 3 {
		t.Fatalf("always busy: %v after %d calls, want errFakeBusy after several", err, calls)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("gave up after %v, want about %v", took, busyWait)
	}
}

// The write path's renames and removals go through retryBusy; a cache's
// rename (the snapshot, which a reader on Windows holds open for its whole
// command) does not wait.
func TestWritePathWaitsForBusyFiles(t *testing.T) {
	dir := t.TempDir()
	missing, path := filepath.Join(dir, "gone"), filepath.Join(dir, "dossier")
	fakeBusy(t, 100*time.Millisecond)
	// The failed moves and removals below note a file left behind: not
	// this process's (TestNoCleanMarkAfterAFailedRemoval).
	defer leftBehind.Store(leftBehind.Load())
	asked := 0
	held := filepath.Join(dir, "held")
	// "Busy": a rename of missing and a removal of held, refused each time.
	busyFile = func(err error) bool {
		asked++
		var le *os.LinkError
		var pe *fs.PathError
		return errors.As(err, &le) && le.Old == missing || errors.As(err, &pe) && pe.Path == held
	}
	for _, c := range []struct {
		name string
		op   func() error
		wait bool
	}{
		{"renameSync", func() error { return renameSync(missing, path, true) }, true},
		{"moveFile", func() error { return moveFile(missing, path) }, true},
		{"removeFile", func() error { return removeFile(held) }, true},
		{"renameCache", func() error { return renameCache(missing, path, true) }, false},
	} {
		asked = 0
		c.op()
		if got := asked > 2; got != c.wait {
			t.Errorf("%s asked busyFile %d times: waits for a busy file %v, want %v", c.name, asked, got, c.wait)
		}
	}
}
