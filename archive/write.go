package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"crm/archive/journal"
	"crm/l10n"
)

// locked runs f holding the archive's lock, with the state freshly read so
// that changes by another process are seen, after finishing any write an
// earlier process was interrupted in (rollForward). It refuses to run f on
// an archive that does not check out (checkWritable).
func (a *Archive) locked(f func() error) error {
	return a.lockOnly(func() error {
		if err := a.checkWritable(); err != nil {
			return err
		}
		return f()
	})
}

// lockOnly takes the lock, reloads and rolls forward, then runs f.
func (a *Archive) lockOnly(f func() error) error {
	unlock, err := a.lock()
	if err != nil {
		return err
	}
	defer unlock()
	a.holding = true
	defer func() { a.holding = false }()
	if err := a.reload(); err != nil {
		return err
	}
	a.rollForward()
	return f()
}

// lock takes the archive's lock file (one writer at a time on a machine)
// and returns the function that releases it.
func (a *Archive) lock() (func(), error) {
	lf, err := os.OpenFile(filepath.Join(a.Dir, lockFile), os.O_CREATE|os.O_RDWR, 0o660)
	if err != nil {
		return nil, l10n.Errorf("locking the archive: %v", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		lf.Close()
		return nil, l10n.Errorf("locking the archive: %v", err)
	}
	return func() {
		syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
		lf.Close()
	}, nil
}

// rollForward finishes dossier writes that a process was interrupted in
// after journaling them: a dossier file is written to dossiers/.tmp-ID-N,
// the event pinning its hash is journaled, then the file is renamed into
// place. A crash between the last two steps leaves a pinned temp file,
// which is renamed now. The caller holds the lock.
func (a *Archive) rollForward() {
	dir := filepath.Join(a.Dir, DossiersDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), ".tmp-")
		i := strings.LastIndexByte(rest, '-')
		if !ok || i < 0 {
			continue
		}
		d := a.State.Dossiers[rest[:i]]
		if d == nil || d.Status != StatusActive {
			continue
		}
		final := a.dossierFile(d.ID)
		if cur, err := os.ReadFile(final); err == nil && sha256Hex(cur) == d.SHA256 {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && sha256Hex(b) == d.SHA256 {
			renameSynced(filepath.Join(dir, e.Name()), final)
		}
	}
}

// checkWritable refuses to write under a policy file that is not the one
// the journal recorded: recipients and rules come from it. A journal with
// problems does not stop anybody: a bad event has no effect, verify names
// it, and a manager's decision settles it (no lockouts).
func (a *Archive) checkWritable() error {
	if sha256Hex(a.PolicyRaw) != a.State.PolicySHA256 {
		return integrityErr(PolicyFile, l10n.Errorf("%s: %s; nothing was written", PolicyFile, l10n.T("differs from the policy the journal recorded (edited without a signed policy.update)")))
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
	prev := a.State.goodHeads()
	for _, h := range also {
		if !slices.Contains(prev, h) {
			prev = append(prev, h)
		}
	}
	slices.Sort(prev)
	h := journal.Header{Kind: kind, Time: a.now, Actor: me.ID, Dossier: dossier, Prev: prev}
	b, err := journal.Sign(h, data, a.id.Signer)
	if err != nil {
		return nil, err
	}
	e, err := journal.Parse(b)
	if err != nil {
		return nil, err
	}
	e.Path = journal.PathOf(e.Time, e.Hash)
	st, err := a.State.prepare(e, false, nil)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(a.Dir, filepath.FromSlash(e.Path)), b, 0o644); err != nil {
		return nil, l10n.Errorf("writing journal event: %v", err)
	}
	a.State.Journal.Add(e)
	st.commit()
	a.wrote = true
	a.touch(e.Path)
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
	_, err = a.State.prepareData(e, SpecOf(kind), data, false, nil)
	return err
}

// writeCiphertext replaces dossier id's file with ct, encrypted to
// recipients, and journals data (whose File it fills in): the new file is
// written and synced under a temporary name, the event pinning its hash is
// journaled, and only then is the file renamed into place. If the event
// cannot be written nothing has changed; if the process dies before the
// rename, the next locked step finishes it (rollForward).
func (a *Archive) writeCiphertext(id string, ct []byte, recipients []string, kind journal.Kind, data interface {
	payload
	filer
}) (*journal.Event, error) {
	tmp, err := writeTemp(filepath.Join(a.Dir, DossiersDir), ".tmp-"+id+"-*", ct, 0o644)
	if err != nil {
		return nil, l10n.Errorf("writing %s: %v", DossierPath(id), err)
	}
	*data.fileData() = File{SHA256: sha256Hex(ct), Recipients: recipients}
	e, err := a.commit(kind, id, data)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	a.touch(DossierPath(id))
	if err := renameSynced(tmp, a.dossierFile(id)); err != nil {
		return e, failErr(l10n.Errorf("the journal records the new %s, but it could not be put in place (%v)", DossierPath(id), err), NextRetry, "")
	}
	return e, nil
}

// WriteAtomic writes the file at path with write, through a temporary
// file in the same folder that is synced and renamed over path only when
// write succeeded: a crash or an error leaves the old file (or none), never
// a partial one. It is the one way crm writes a whole file.
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := writeTempWith(filepath.Dir(path), ".tmp-*", perm, write)
	if err != nil {
		return err
	}
	return renameSynced(tmp, path)
}

// writeFileAtomic is WriteAtomic of bytes.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// renameSynced renames tmp over path and syncs the folder.
func renameSynced(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
