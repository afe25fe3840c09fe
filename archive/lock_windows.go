package archive

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// The Windows side of the archive's lock and of the checks that read a
// file's owner, identity or process (lock.go); lock_unix.go is Unix's.

// lockByte is where the lock is taken in the lock file: one byte at 1 GiB,
// far past the holder text (SQLite locks there for the same reason).
// Windows byte-range locks are mandatory: a lock over the text would stop
// a waiting process from reading who holds it (lockHolder).
const (
	lockByteLow  = 1 << 30
	lockByteHigh = 0
)

// lockRange locks lockByte of f with LockFileEx and flags.
func lockRange(f *os.File, flags uint32) error {
	ol := &windows.Overlapped{Offset: lockByteLow, OffsetHigh: lockByteHigh}
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol)
}

// tryLockFile takes LockFileEx's exclusive lock on f without waiting: busy
// when another handle holds it. Like flock(2) on Unix, the system releases
// it when the holder's handle is closed or its process ends, by a crash
// too (Windows says the release of a dead process's lock may take a
// moment: the waiter tries again meanwhile).
func tryLockFile(f *os.File) (busy bool, err error) {
	err = lockRange(f, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY)
	if err == nil {
		return false, nil
	}
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	return false, err
}

// lockFileWait takes LockFileEx's exclusive lock on f, waiting for it.
func lockFileWait(f *os.File) error {
	return lockRange(f, windows.LOCKFILE_EXCLUSIVE_LOCK)
}

// unlockFile releases the lock tryLockFile or lockFileWait took.
func unlockFile(f *os.File) {
	ol := &windows.Overlapped{Offset: lockByteLow, OffsetHigh: lockByteHigh}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}

// ownedByMe is always false on Windows: a file's access there is its ACL,
// not an owner's mode bits, and the FileInfo has no owner. So lock leaves
// the lock file's mode alone (its Chmod to 0660, which lets a Unix group
// in, would only set or clear the read-only attribute here); who may take
// the lock is whoever the folder's ACL lets write the file.
func ownedByMe(fi fs.FileInfo) bool { return false }

// stillActive is GetExitCodeProcess's code of a process still running.
const stillActive = 259

// processGone reports whether no process pid exists on this machine (a
// process of another user counts as existing): OpenProcess fails with
// ERROR_INVALID_PARAMETER for an id no process has; a process that has
// exited but whose handle another process keeps open has an exit code.
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code != stillActive
}

// fileIdentity is never had on Windows, so a lock is released without a
// clean mark there and the next holder lists dossiers/ and members/ for a
// crashed step's leftovers (crashLeftovers), as after a crash on Unix:
// slower with many dossiers, never wrong. Whether creating, renaming or
// removing a file changes its folder's time is up to the file system
// (NTFS, FAT, a network share each differ), and the mark trusts it.
func fileIdentity(fi fs.FileInfo) (string, bool) { return "", false }

// readOnlyFS reports whether err says the medium is write-protected.
func readOnlyFS(err error) bool { return errors.Is(err, windows.ERROR_WRITE_PROTECT) }

// canSyncAll is false: Windows has no sync(2) (flushing a whole volume
// needs an administrator), so a Bulk syncs each file as it writes it,
// like a single step (syncEach): an import is slower here, and as safe.
const canSyncAll = false

// syncAll does nothing on Windows (canSyncAll).
func syncAll() {}

// syncFolder does nothing on Windows: there is no fsync of a folder
// (FlushFileBuffers needs a handle open for writing, which a folder's is
// not), and NTFS keeps its folder entries in its own log. A rename made
// just before a power cut may be lost there; the temporary file it leaves
// is found and finished or removed by the next step (repair), as after a
// crash.
func syncFolder(dir string) {}
