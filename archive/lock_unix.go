//go:build unix

package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// The Unix side of the archive's lock and of the checks that read a file's
// owner, identity or process (lock.go); lock_windows.go is Windows's.

// tryLockFile takes flock(2)'s exclusive lock on f without waiting: busy
// when another open file holds it (or the call was interrupted: the caller
// tries again).
func tryLockFile(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return false, nil
	}
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		return true, nil
	}
	return false, err
}

// lockFileWait takes flock(2)'s exclusive lock on f, waiting for it.
func lockFileWait(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// unlockFile releases the lock tryLockFile or lockFileWait took.
func unlockFile(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// ownedByMe reports whether the file belongs to this process's user.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// processGone reports whether no process pid exists on this machine (a
// process of another user counts as existing).
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// fileIdentity is the device and inode of a file ("DEV:INO"), which stay
// while it is renamed or written: the clean mark's folder identity.
func fileIdentity(fi fs.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino), true
}

// readOnlyFS reports whether err says the file system is mounted read-only.
func readOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }

// canSyncAll: sync(2) flushes every file this process wrote, so a Bulk
// writes its files unsynced and syncs once at the end (syncAll).
const canSyncAll = true

// syncAll is sync(2).
func syncAll() { syscall.Sync() }

// syncFolder syncs a folder's entries (fsync(2) of the folder): a rename
// or a removal in it lasts a power cut.
func syncFolder(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
