package archive

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"

	"filippo.io/age"

	"crm/l10n"
)

// DossierPath is the path of a dossier's ciphertext, relative to the archive.
func DossierPath(id string) string { return DossiersDir + "/" + id + ".age" }

func (a *Archive) dossierFile(id string) string {
	return filepath.Join(a.Dir, DossiersDir, id+".age")
}

// recipients turns recipient names (member ids and Recovery) into age recipients.
func (a *Archive) recipients(names []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for _, n := range names {
		var s string
		if n == Recovery {
			s = a.Policy.Recovery
		} else if m := a.State.Members[n]; m != nil {
			s = m.Recipient
		} else {
			return nil, l10n.Errorf("recipient %q is not a member", n)
		}
		r, err := ParseRecipient(s)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, l10n.Errorf("nobody may read this level: the policy gives it no reader who is a member")
	}
	return rs, nil
}

// Encrypt encrypts plaintext to recipients in the binary age format.
func Encrypt(plain []byte, rs ...age.Recipient) ([]byte, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, rs...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decrypt decrypts an age file with id, reading to the end so that a
// truncated or altered file is an error, never partial plaintext.
func Decrypt(ct []byte, id age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Opened is a decrypted dossier.
type Opened struct {
	State  *DossierState
	Text   []byte // the YAML plaintext
	SHA256 string // of the ciphertext it came from
}

// Lookup returns the journal's record of dossier id, or an error naming it.
func (a *Archive) Lookup(id string) (*DossierState, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	d := a.State.Dossiers[id]
	if d == nil {
		return nil, l10n.Errorf("no dossier %s in this archive: `crm list` shows the ids", id)
	}
	if d.Status == StatusDestroyed {
		return nil, l10n.Errorf("dossier %s was destroyed; its history is in `crm log %s`", id, id)
	}
	return d, nil
}

// Read decrypts dossier id with the working identity. It fails with exit 3
// when the identity is not a recipient, and with exit 4 when the file is not
// the one the journal pinned.
func (a *Archive) Read(id string) (*Opened, error) {
	d, err := a.Lookup(id)
	if err != nil {
		return nil, err
	}
	if a.id == nil {
		return nil, Denied(l10n.Errorf("no identity: pass --identity FILE, set CRM_IDENTITY, or set identity in the config file"))
	}
	ct, err := os.ReadFile(a.dossierFile(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, Integrity(l10n.Errorf("%s is missing, though the journal says dossier %s exists: restore it from git or a backup, then run `crm verify`", DossierPath(id), id))
		}
		return nil, err
	}
	sum := sha256Hex(ct)
	if sum != d.SHA256 && !a.holding {
		// Another process may have written it since this one loaded the
		// journal, or be between journaling and renaming: wait for its
		// lock, then compare with a fresh reading of the journal (kept
		// apart from a.State, which other goroutines may be reading).
		if fresh, err := a.freshDossier(id); err == nil && fresh != nil {
			if ct2, err := os.ReadFile(a.dossierFile(id)); err == nil && sha256Hex(ct2) == fresh.SHA256 {
				d, ct, sum = fresh, ct2, fresh.SHA256
			}
		}
	}
	if sum != d.SHA256 {
		return nil, Integrity(l10n.Errorf("%s is not the file the journal recorded (sha256 %s, want %s): it was changed outside crm; run `crm verify`", DossierPath(id), ShortHash(sum), ShortHash(d.SHA256)))
	}
	if plain, ok := a.cache.get(sum); ok {
		return &Opened{State: d, Text: plain, SHA256: sum}, nil
	}
	plain, err := Decrypt(ct, a.id.Age)
	if err == nil {
		a.cache.put(sum, plain)
	}
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			lp := a.Policy.Level(d.Level)
			var readers []string
			if lp != nil {
				readers = lp.Readers
			}
			return nil, Denied(l10n.Errorf("you (%s) may not read dossier %s: its level %s is readable by the roles %s, and it is not on loan to you", a.me.ID, id, d.Level, strings.Join(readers, ", ")))
		}
		return nil, l10n.Errorf("decrypting %s: %v", DossierPath(id), err)
	}
	return &Opened{State: d, Text: plain, SHA256: sum}, nil
}

// CanRead reports whether the working member is among the dossier's recipients.
func (a *Archive) CanRead(d *DossierState) bool {
	return a.me != nil && slices.Contains(d.Recipients, a.me.ID)
}

// parallel runs f(i) for i in [0, n) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// freshDossier waits for the archive's lock and returns what a fresh
// reading of the journal says of dossier id.
func (a *Archive) freshDossier(id string) (*DossierState, error) {
	lf, err := os.OpenFile(filepath.Join(a.Dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	j, err := ReadJournal(a.Dir)
	if err != nil {
		return nil, err
	}
	return Replay(j, a.Policy, true).Dossiers[id], nil
}
