package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"crm/archive/journal"
	"crm/l10n"
)

// locked runs f holding the archive's lock, with the state freshly read so
// that changes by another process are seen, after finishing or undoing
// whatever an earlier process was interrupted in (repairCrash). It refuses
// to run f on an archive that does not check out (checkWritable).
func (a *Archive) locked(f func() error) error {
	return a.lockOnly(func() error {
		if err := a.checkWritable(); err != nil {
			return err
		}
		return f()
	})
}

// lockOnly takes the lock, reloads and repairs what a crash left, then
// runs f. Inside a step that already holds the lock (Bulk), it just runs f.
func (a *Archive) lockOnly(f func() error) error {
	if a.holding {
		if err := a.queueFailed(); err != nil {
			return err // a file of an earlier step in this Bulk
		}
		return f()
	}
	unlock, err := a.lock()
	if err != nil {
		return err
	}
	returned := false
	defer func() {
		if !returned {
			leftBehind.Store(true) // a panic: what it was writing may be left
		}
		unlock()
	}()
	a.holding = true
	defer func() { a.holding = false }()
	err = a.lockedRun(f)
	returned = true
	return err
}

// lockedRun is lockOnly's work under the lock.
func (a *Archive) lockedRun(f func() error) error {
	clean, err := a.refresh()
	if err != nil {
		return err
	}
	if clean {
		a.repairRootTemps() // what refresh did not look at
	} else {
		a.repairCrash()
	}
	return f()
}

// refresh brings the state up to the journal under the lock: from the
// user's snapshot, advanced by the events added since, when the command
// allows it (OpenOptions.SnapshotSteps) and nothing a crash left in the
// journal, dossiers/ or members/ needs the journal to settle (clean);
// else by reading and replaying the journal.
func (a *Archive) refresh() (clean bool, err error) {
	if a.snapSteps {
		if a.stillCurrent() && !a.crashLeftovers() {
			stateReuses.Add(1)
			return true, nil
		}
		if s, partial := a.stampedLoad(); s != nil {
			a.State, a.fromSnapshot, a.partial = s, true, partial
			if !a.crashLeftovers() {
				if a.id != nil {
					a.me = s.MemberByRecipient(a.id.Recipient)
				}
				return true, nil
			}
			a.endRuns()
		}
	}
	return false, a.reload()
}

// syncEach reports whether a file is synced as it is written: outside
// Bulk, and in a Bulk where nothing can sync them all at its end
// (canSyncAll: Windows).
func (a *Archive) syncEach() bool { return a.queue == nil || !canSyncAll }

// Bulk runs f holding the archive's lock once, for generators and imports
// of many records: the steps f takes (Create, Update, ReviewDone, …) do not
// take the lock, re-read the journal or repair again, and files are not
// synced one by one but all at once when f returns (on Windows, which has
// no sync(2), one by one all the same: syncEach). Every file is still
// written under a temporary name and renamed, so a crashed process leaves
// whole files; a power cut may lose the batch's last steps.
//
// The files of its steps are written on another goroutine in the order
// the steps wrote them (bulkWriter). If one cannot be written, the steps
// after it are refused, Bulk returns the failure, and the state is read
// again from what is on disk.
func (a *Archive) Bulk(f func() error) error {
	if a.queue != nil {
		return f() // inside a Bulk already
	}
	return a.locked(func() error {
		a.queue = newBulkWriter()
		defer func() {
			if a.queue != nil { // f panicked
				a.queue.stop()
				a.queue = nil
			}
		}()
		from := len(a.touched)
		err := f()
		qerr := a.queue.stop()
		a.queue = nil
		if qerr == nil {
			// A batch's thousands of event files go into a bundle of
			// their month (bundleWritten).
			a.bundleWritten(from)
		}
		if qerr != nil {
			switch {
			case err == nil || errors.Is(err, qerr):
				err = qerr
			default:
				// The cause first, with its code and hint: a later step
				// may have failed only because a file it read was not
				// written.
				w := &Error{Code: Failed, Err: errors.Join(qerr, err)}
				var qe *Error
				if errors.As(qerr, &qe) {
					w.Code, w.Next, w.Arg = qe.Code, qe.Next, qe.Arg
				}
				err = w
			}
			err = errors.Join(err, a.reload())
		}
		syncAll() // canSyncAll; else each file was synced (syncEach)
		return err
	})
}

// checkWritable refuses to write under a policy file that is not the one
// the journal recorded: recipients and rules come from it. A journal with
// problems does not stop anybody: a bad event has no effect, verify names
// it, and a manager's decision settles it (no lockouts).
func (a *Archive) checkWritable() error {
	if sha256Hex(a.PolicyRaw) != a.State.PolicySHA256 {
		e := integrityErr(PolicyFile, l10n.Errorf("%s: %s; nothing was written", PolicyFile, l10n.T("differs from the policy the journal recorded (edited without a signed policy.update)")))
		return e.then(NextRestoreID, PolicyFile)
	}
	return nil
}

// commit signs an event of kind about dossier (or none) with data, checks
// it with the very rules replay applies (the same payload's check), writes
// it, and applies it to the state. The caller holds the lock. Nothing is
// written when the check fails; its error says why.
func (a *Archive) commit(kind journal.Kind, dossier string, data payload) (*journal.Event, error) {
	return a.commitAfter(kind, dossier, data, nil)
}

// commitAfter is commit with events the new one follows besides the good
// heads (a decision follows the problem event it settles).
func (a *Archive) commitAfter(kind journal.Kind, dossier string, data payload, also []string) (*journal.Event, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if err := a.queueFailed(); err != nil {
		return nil, err
	}
	followed := a.stepCustomers(kind)
	prev := a.State.goodHeads()
	for _, h := range also {
		if !slices.Contains(prev, h) {
			prev = append(prev, h)
		}
	}
	slices.Sort(prev)
	h := journal.Header{Kind: kind, Time: a.now, Actor: me.ID, Dossier: dossier, Prev: prev}
	b, err := journal.Sign(h, data, a.id.Signer())
	if err != nil {
		return nil, err
	}
	e, err := journal.Parse(b)
	if err != nil {
		return nil, err
	}
	e.Path = journal.PathOf(e.Time, e.Hash)
	st, err := a.State.prepare(e, false)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(a.Dir, filepath.FromSlash(e.Path))
	if a.queue != nil {
		a.queue.do(func() error {
			if err := writeFileSync(path, b, 0o644, a.syncEach()); err != nil {
				return l10n.Errorf("writing journal event: %v", err)
			}
			return nil
		})
	} else if err := writeFileSync(path, b, 0o644, true); err != nil {
		return nil, l10n.Errorf("writing journal event: %v", err)
	}
	a.State.Journal.Add(e)
	st.commit()
	followed()
	a.wrote = true
	a.touch(e.Path)
	a.written = append(a.written, &journal.Event{Header: journal.Header{Kind: e.Kind, Time: e.Time, Actor: e.Actor, Dossier: e.Dossier}, Hash: e.Hash, Path: e.Path})
	return e, nil
}

// precheck runs the rule of an event the working member is about to
// write, so that a refusal comes before expensive work (re-encryption).
func (a *Archive) precheck(kind journal.Kind, dossier string, data payload) error {
	me, err := a.Me()
	if err != nil {
		return err
	}
	e := &journal.Event{Header: journal.Header{Kind: kind, Time: a.now, Actor: me.ID, Dossier: dossier, Prev: a.State.goodHeads()}}
	_, err = a.State.prepareData(e, SpecOf(kind), data, false)
	return err
}

// writeCiphertext replaces dossier id's file with ct, encrypted to
// recipients, and journals data (whose File it fills in): the new file is
// written and synced under a temporary name, the event pinning its hash is
// journaled, and only then is the file renamed into place. If the event
// cannot be written nothing has changed; if the process dies before the
// rename, or the rename fails (a file held open on Windows), the next
// locked step (or repair, or verify) finishes it.
func (a *Archive) writeCiphertext(id string, ct []byte, recipients []string, kind journal.Kind, data interface {
	payload
	filer
}) (*journal.Event, error) {
	syncNow := a.syncEach() // else Bulk syncs at the end
	var tmp string
	write := func() (err error) {
		tmp, err = writeTempSync(filepath.Join(a.Dir, DossiersDir), tempPattern(id), 0o644, bytesWriter(ct), syncNow)
		if err != nil {
			return l10n.Errorf("writing %s: %v", DossierPath(id), err)
		}
		return nil
	}
	put := func() error {
		// The journal pins tmp's content now: a failed rename keeps it
		// for the next locked step or repair (repairDossierTemps).
		if err := moveFileSync(tmp, a.dossierPath(id), syncNow); err != nil {
			return unfinishedErr(l10n.Errorf("the journal records the new %s, but it could not be put in place (%v)", DossierPath(id), err))
		}
		return nil
	}
	drop := func() error { removeFile(tmp); return nil }
	if a.queue != nil {
		// The same order on the queue (bulkWriter): the new file, its
		// event, then the rename; a failure stops what follows it.
		a.queue.do(write)
	} else if err := write(); err != nil {
		return nil, err
	}
	*data.fileData() = File{SHA256: sha256Hex(ct), Recipients: recipients}
	e, err := a.commit(kind, id, data)
	if err != nil {
		if a.queue != nil {
			a.queue.do(drop)
		} else {
			drop()
		}
		return nil, err
	}
	a.touch(DossierPath(id))
	if a.queue != nil {
		a.queue.do(put)
		return e, nil
	}
	return e, put()
}

// WriteAtomic writes the file at path with write, through a temporary
// file in the same folder that is synced and renamed over path only when
// write succeeded: a crash or an error leaves the old file (or none), never
// a partial one. It is the one way crm writes a whole file. The temporary
// file is named .tmp-PID-N after the writing process, so that one left by
// a process that died is known to be garbage (repair removes it).
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := writeTempWith(filepath.Dir(path), tempPattern(""), perm, write)
	if err != nil {
		return err
	}
	return renameSynced(tmp, path)
}

// writeFileAtomic is WriteAtomic of bytes.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFileSync(path, data, perm, true)
}

// writeFileSync is writeFileAtomic, syncing only when sync (Bulk syncs at
// the end).
func writeFileSync(path string, data []byte, perm os.FileMode, sync bool) error {
	tmp, err := writeTempSync(filepath.Dir(path), tempPattern(""), perm, bytesWriter(data), sync)
	if err != nil {
		return err
	}
	return renameSync(tmp, path, sync)
}

func bytesWriter(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

// Temporary files. Every file crm writes is first written under a name
// starting with tmpPrefix in the folder of its final name: .tmp-PID-N, or
// for a dossier's new ciphertext .tmp-ID.PID-N (ID is the dossier's id, PID
// the writing process, N random), and a dossier being destroyed is set
// aside as .tmp-destroy-ID. Nothing else starts with tmpPrefix, .gitignore
// keeps them out of git, and repair knows each by its name.
const tmpPrefix = ".tmp-"

// tempPattern is the os.CreateTemp pattern of a temporary file for tag
// (a dossier id, or "").
func tempPattern(tag string) string {
	if tag == "" {
		return tmpPrefix + strconv.Itoa(os.Getpid()) + "-*"
	}
	return tmpPrefix + tag + "." + strconv.Itoa(os.Getpid()) + "-*"
}

// tempName is what a temporary file's name says: the dossier id (tag) it
// holds a new file of, or the id it sets aside (destroy), and the pid of
// the process that wrote it (0 if the name does not say: names written by
// older versions of crm).
type tempName struct {
	tag     string
	destroy bool
	pid     int
}

func parseTemp(name string) (tempName, bool) {
	rest, ok := strings.CutPrefix(name, tmpPrefix)
	if !ok {
		return tempName{}, false
	}
	if id, ok := strings.CutPrefix(rest, "destroy-"); ok {
		return tempName{tag: id, destroy: true}, true
	}
	var t tempName
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		t.tag, rest = rest[:i], rest[i+1:] // .tmp-ID.PID-N
	}
	p, n, found := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(p)
	switch {
	case found && err == nil && allDigits(n):
		t.pid = pid // .tmp-PID-N or .tmp-ID.PID-N
	case t.tag == "" && found:
		// Written by older versions: .tmp-ID-N for a dossier.
		if i := strings.LastIndexByte(rest, '-'); i > 0 {
			t.tag = rest[:i]
		}
	}
	return t, true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// writeTemp writes data to a new, synced file in dir named after pattern
// (as os.CreateTemp) and returns its path.
func writeTemp(dir, pattern string, data []byte, perm os.FileMode) (string, error) {
	return writeTempWith(dir, pattern, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeTempWith writes a new, synced file in dir named after pattern with
// write, and returns its path; on any error it leaves nothing.
func writeTempWith(dir, pattern string, perm os.FileMode, write func(io.Writer) error) (string, error) {
	return writeTempSync(dir, pattern, perm, write, true)
}

// writeTempSync is writeTempWith, syncing the file only when sync.
func writeTempSync(dir, pattern string, perm os.FileMode, write func(io.Writer) error, sync bool) (string, error) {
	crashPoint("mkdir", dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	crashPoint("create", dir)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		crashPoint("write", tmp)
		err = write(f)
	}
	if err == nil && sync {
		crashPoint("fsync", tmp)
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeTemp(tmp)
		return "", err
	}
	return tmp, nil
}

// leftBehind is set when this process may have left a file it meant to
// remove or move (a temporary file, a dossier set aside): a removal or a
// rename failed. The lock is then released without a clean mark (lock.go),
// so that the next step looks for what is left.
var leftBehind atomic.Bool

// removeTemp removes a temporary file after a failure.
func removeTemp(tmp string) {
	if err := remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		leftBehind.Store(true)
	}
}

// renameSynced renames tmp over path and syncs the folder.
func renameSynced(tmp, path string) error { return renameSync(tmp, path, true) }

// renameSync renames tmp over path, syncing the folder when sync; on
// Windows it waits a while for another process to close path (retryBusy).
func renameSync(tmp, path string, sync bool) error { return renameWith(rename, tmp, path, sync) }

// renameCache is renameSync for a cache's file (the state snapshot, the
// quick stamps), which is written again by a later command if not now: it
// does not wait for a reader on Windows to close the old one.
func renameCache(tmp, path string, sync bool) error { return renameWith(renameOS, tmp, path, sync) }

// renameWith is renameSync and renameCache with the rename they use.
func renameWith(rename func(from, to string) error, tmp, path string, sync bool) error {
	crashPoint("rename", path)
	if err := rename(tmp, path); err != nil {
		removeTemp(tmp)
		return err
	}
	if sync {
		syncDir(filepath.Dir(path))
	}
	return nil
}

// moveFile renames from to to and syncs the folder; unlike renameSynced it
// leaves from alone when the rename fails (it is not a temporary file, or
// the journal already records its content).
func moveFile(from, to string) error { return moveFileSync(from, to, true) }

// moveFileSync is moveFile, syncing the folder only when sync (Bulk syncs
// at the end).
func moveFileSync(from, to string, sync bool) error {
	crashPoint("rename", to)
	if err := rename(from, to); err != nil {
		leftBehind.Store(true)
		return err
	}
	if sync {
		syncDir(filepath.Dir(to))
	}
	return nil
}

// removeFile removes path (a missing file is no error) and syncs the folder.
func removeFile(path string) error {
	crashPoint("remove", path)
	if err := remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		leftBehind.Store(true)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncDir(dir string) {
	crashPoint("dirsync", dir)
	syncFolder(dir)
}

// crashHook, when set, is called at every point of the write path where a
// crash can happen (before each mkdir, create, write, fsync, rename, remove
// and folder sync). Only the crash harness sets it (cmd/crm/crash_test.go):
// it kills the process at the Nth point to prove that every crash is
// recovered by crm itself or by repair.
var crashHook func(point string)

// SetCrashHook installs the crash harness's hook (nil removes it). Tests only.
func SetCrashHook(f func(point string)) { crashHook = f }

func crashPoint(op, path string) {
	if crashHook != nil {
		crashHook(op + " " + path)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
