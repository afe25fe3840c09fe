package archive

import (
	"os"
	"time"
)

// On Windows a file that another process holds open cannot be replaced
// or removed: Go opens files without FILE_SHARE_DELETE, so a rename over
// a dossier that a colleague's `crm show` or `crm list` is reading at that
// moment fails with "Access is denied" (or a sharing violation), and so
// do a virus scanner's and the search indexer's brief opens. The go
// command meets the same and tries again for a while
// (cmd/go/internal/robustio); so do the renames and removals of crm's
// write path, but not a cache's (renameCache: a reader may hold the state
// snapshot for its whole command). On Unix a rename replaces an open
// file, and every operation runs once.

// busyWait is how long an operation refused because the file is open
// elsewhere is tried again before its error is returned. A variable for
// the tests.
var busyWait = time.Second

// busyFile reports whether err says only that another process has the
// file open (busyFileOS; never on Unix). A variable for the tests.
var busyFile = busyFileOS

// retryBusy runs op, and again while it fails with busyFile's errors, for
// up to busyWait, waiting 1 ms, then twice as long each time (at most
// 100 ms).
func retryBusy(op func() error) error {
	err := op()
	if err == nil || !busyFile(err) {
		return err
	}
	deadline := time.Now().Add(busyWait)
	for d := time.Millisecond; time.Now().Add(d).Before(deadline); d = min(2*d, 100*time.Millisecond) {
		time.Sleep(d)
		if err = op(); err == nil || !busyFile(err) {
			return err
		}
	}
	return err
}

// rename is os.Rename, tried again while the target is open elsewhere
// (retryBusy).
func rename(from, to string) error {
	return retryBusy(func() error { return os.Rename(from, to) })
}

// remove is os.Remove, tried again while the file is open elsewhere
// (retryBusy).
func remove(path string) error {
	return retryBusy(func() error { return os.Remove(path) })
}
