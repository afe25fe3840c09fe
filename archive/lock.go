package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"crm/l10n"
)

// DefaultLockTimeout is how long a step waits for another process's lock
// on the archive before giving up (Archive.LockTimeout overrides it).
const DefaultLockTimeout = 2 * time.Minute

// lock takes the archive's lock file (one writer at a time on a machine)
// and returns the function that releases it.
//
// The lock file (.crm.lock, git-ignored) is created group-readable and
// -writable, so that the members of a department who share an archive
// folder through a Unix group can all take it. While held it says who
// holds it (pid, user, host, command, since), which is what a process that
// waits longer than the timeout reports. The lock is flock(2) on Unix and
// LockFileEx on Windows (tryLockFile): the system releases it when its
// holder dies, so a crash never leaves it held.
func (a *Archive) lock() (func(), error) {
	path := filepath.Join(a.Dir, lockFile)
	crashPoint("lock", lockFile)
	lf, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o660)
	writable := err == nil
	if errors.Is(err, fs.ErrPermission) {
		// Someone else's lock file without group write: a read-only
		// descriptor can still be locked, only the holder is not written.
		lf, err = os.Open(path)
	}
	if err != nil {
		return nil, &Error{Code: Failed, Path: lockFile, Err: l10n.Errorf("locking the archive: %w", err)}
	}
	if st, err := lf.Stat(); err == nil && writable && st.Mode().Perm() != 0o660 && ownedByMe(st) {
		lf.Chmod(0o660) // the umask must not keep the group out
	}
	timeout := a.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	deadline := time.Now().Add(timeout)
	wait := 5 * time.Millisecond
	for {
		busy, err := tryLockFile(lf)
		if err != nil {
			lf.Close()
			return nil, &Error{Code: Failed, Path: lockFile, Err: l10n.Errorf("locking the archive: %w", err)}
		}
		if !busy {
			break
		}
		if a.ctx != nil && a.ctx.Err() != nil {
			lf.Close()
			return nil, a.ctx.Err()
		}
		if time.Now().After(deadline) {
			holder := lockHolder(path)
			lf.Close()
			return nil, failErr(l10n.Errorf("the archive is busy: %s has held its lock (%s) for more than %s; nothing was written", holder, lockFile, timeout), NextRetry, "")
		}
		time.Sleep(wait)
		wait = min(2*wait, 200*time.Millisecond)
	}
	a.cleanAt = nil
	if writable {
		var was [256]byte
		n, _ := lf.ReadAt(was[:], 0)
		a.cleanAt = parseCleanMark(string(was[:n]))
		lf.Truncate(0)
		lf.WriteAt([]byte(holderText(time.Now())), 0)
	}
	return func() {
		if writable {
			lf.Truncate(0)
			if mark := a.cleanMark(); mark != "" {
				lf.WriteAt([]byte(mark), 0)
			}
		}
		unlockFile(lf)
		lf.Close()
	}, nil
}

// flockPath takes an exclusive lock on the file at path (created 0600),
// waiting for it, and returns the function that releases it.
func flockPath(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFileWait(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

// ProcessGone reports whether no process pid exists on this machine (a
// process of another user counts as existing; pid 0 or less never is
// gone): lock_unix.go and lock_windows.go say how each system tells.
func ProcessGone(pid int) bool { return processGone(pid) }

// holderText is what the lock file says while held.
func holderText(now time.Time) string {
	name := strconv.Itoa(os.Getuid())
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("pid: %d\nuser: %s\nhost: %s\ncommand: %s\nsince: %s\n", os.Getpid(), name, host, commandLine(), now.UTC().Format(time.RFC3339))
}

// commandLine is the program and its first words up to the first flag:
// enough to name the step (crm edit C-000001), never a flag's value.
func commandLine() string {
	var words []string
	for i, w := range os.Args {
		if i > 0 && (strings.HasPrefix(w, "-") || len(words) >= 4) {
			break
		}
		if i == 0 {
			w = filepath.Base(w)
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// lockHolder describes the process the lock file names, for a message.
func lockHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return l10n.T("another process")
	}
	f := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			f[k] = v
		}
	}
	if f["pid"] == "" {
		return l10n.T("another process") // a clean mark: the holder did not say
	}
	return l10n.Sprintf("process %s (%s) of %s on %s, since %s", f["pid"], f["command"], f["user"], f["host"], f["since"])
}

// A process that releases the lock normally has left no temporary file
// in dossiers/ or members/ when none of its removals and renames failed
// (leftBehind): it renamed or removed each it made, and only the lock's
// holder writes there. It leaves the lock file saying so, with
// the folders' identities and modification times (the clean mark). The
// next holder finds a crashed step's leftovers (crashLeftovers) without
// listing the 100,000 names of dossiers/ while both folders are as the
// mark says: creating, renaming or removing a file changes a folder's
// time. A holder that crashed leaves its holder text instead, and then
// the folders are listed. A file system that keeps times to the second
// (the mark's times have no nanoseconds) gets no mark.

// cleanDirs are the folders the clean mark speaks for.
var cleanDirs = []string{DossiersDir, MembersDir}

// cleanMark is the lock file's text when released: "clean: " and, for
// each of cleanDirs, the folder's device, inode and modification time
// (ns); "" when it cannot be trusted.
func (a *Archive) cleanMark() string {
	if leftBehind.Load() {
		return ""
	}
	var b strings.Builder
	b.WriteString("clean:")
	for _, d := range cleanDirs {
		st, ok := folderStamp(filepath.Join(a.Dir, d))
		if !ok {
			return ""
		}
		b.WriteString(" " + st)
	}
	return b.String() + "\n"
}

// folderStamp identifies a folder's entries as they are: device, inode and
// modification time in ns. ok is false if it cannot be had, or if the
// time has no nanoseconds (a file system that may not change it within
// a second).
func folderStamp(dir string) (string, bool) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", false
	}
	id, ok := fileIdentity(fi)
	if !ok || fi.ModTime().Nanosecond() == 0 {
		return "", false
	}
	return fmt.Sprintf("%s:%d", id, fi.ModTime().UnixNano()), true
}

// parseCleanMark reads a clean mark: the stamps of cleanDirs, or nil.
func parseCleanMark(text string) []string {
	rest, ok := strings.CutPrefix(text, "clean: ")
	if !ok {
		return nil
	}
	f := strings.Fields(rest)
	if len(f) != len(cleanDirs) {
		return nil
	}
	return f
}

// cleanSince reports whether folder i of cleanDirs is as the clean mark
// the lock file held when taken says: no file was made in it since.
func (a *Archive) cleanSince(i int) bool {
	if i >= len(a.cleanAt) {
		return false
	}
	st, ok := folderStamp(filepath.Join(a.Dir, cleanDirs[i]))
	return ok && st == a.cleanAt[i]
}
