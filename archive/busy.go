package archive

import "time"

// On Windows a file that another process holds open without
// FILE_SHARE_DELETE cannot be replaced or removed (replace.go): a rename
// over a dossier that git, an editor or a colleague's `crm show` is
// reading at that moment fails with "Access is denied" (or a sharing
// violation), and so do a virus scanner's and the search indexer's brief
// opens. The go command meets the same and tries again for a while
// (cmd/go/internal/robustio); so do the renames and removals of crm's
// write path, but not a cache's (renameCache: it is written again by a
// later command). On Unix a rename replaces an open file, and every
// operation runs once.

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

// rename is os.Rename (on Windows through an os.Root: replace.go), tried
// again while the target is open elsewhere (retryBusy).
func rename(from, to string) error {
	return retryBusy(func() error { return renameOS(from, to) })
}

// remove is os.Remove, tried again while the file is open elsewhere
// (retryBusy).
func remove(path string) error {
	return retryBusy(func() error { return removeOS(path) })
}
