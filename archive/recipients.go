package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"filippo.io/age"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/l10n"
)

// This file is the one place where recipients are turned into age keys and
// dossiers are (re-)encrypted: create and update, rekey, member changes,
// classification, declassification and loans all come through here.

// recipients turns recipient names (member ids and Recovery) into age recipients.
func (a *Archive) recipients(names []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for _, n := range names {
		s, ok := a.recipientKey(n)
		if !ok {
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

// RecipientKeys are the public keys the named recipients have in this
// state ("" for a name that is neither a member nor the recovery key):
// what encrypt would encrypt to.
func (a *Archive) RecipientKeys(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i], _ = a.recipientKey(n)
	}
	return keys
}

// recipientKey is the public key recipient name n (a member id or
// Recovery) has in this state; false if n is neither.
func (a *Archive) recipientKey(n string) (string, bool) {
	if n == Recovery {
		return a.Policy.Recovery, true
	}
	if m := a.State.Members[n]; m != nil {
		return m.Recipient, true
	}
	return "", false
}

// encrypt encrypts plaintext to the named recipients, their file keys
// wrapped side by side (wrapAll).
func (a *Archive) encrypt(plain []byte, names []string) ([]byte, error) {
	rs, err := a.recipients(names)
	if err != nil {
		return nil, err
	}
	if len(rs) > 1 {
		return Encrypt(plain, wrapAll(rs))
	}
	return Encrypt(plain, rs...)
}

// wrapAll is several recipients as one, whose file key it wraps for each
// of them on every core: an X25519 wrap is two scalar multiplications
// (~0.1 ms), a dossier has four to eight readers, and a write waits for
// them under the archive's lock (the generator's history of 100,000
// dossiers spent 40% of its time there, on one core). The file is the one
// age.Encrypt makes of the recipients given one by one: the same stanzas
// in the same order, and the same refusal to mix recipients whose labels
// differ (a passphrase with a key).
type wrapAll []age.Recipient

func (w wrapAll) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := w.WrapWithLabels(fileKey)
	return s, err
}

func (w wrapAll) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	type wrapped struct {
		stanzas []*age.Stanza
		labels  []string
		err     error
	}
	out := make([]wrapped, len(w))
	var wg sync.WaitGroup
	for i, r := range w {
		wg.Go(func() {
			o := &out[i]
			if rl, ok := r.(age.RecipientWithLabels); ok {
				o.stanzas, o.labels, o.err = rl.WrapWithLabels(fileKey)
			} else {
				o.stanzas, o.err = r.Wrap(fileKey)
			}
			slices.Sort(o.labels)
		})
	}
	wg.Wait()
	var all []*age.Stanza
	for i, o := range out {
		if o.err != nil {
			return nil, nil, fmt.Errorf("failed to wrap key for recipient #%d: %w", i, o.err)
		}
		if !slices.Equal(o.labels, out[0].labels) {
			return nil, nil, fmt.Errorf("incompatible recipients: %q and %q can't be mixed", out[0].labels, o.labels)
		}
		all = append(all, o.stanzas...)
	}
	return all, out[0].labels, nil
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
	// age.DecryptReaderAt rather than age.Decrypt: it knows the plaintext's
	// size (one buffer for it, not a growing one) and opens a dossier's
	// one chunk where it is, where age.Decrypt's reader allocates two
	// chunk buffers of 64 KiB. A decryption made 163 KB of garbage, which
	// decrypting 100,000 dossiers under a memory budget paid for in
	// collections. Every chunk is authenticated all the same.
	r, size, err := age.DecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), id)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, size)
	if _, err := r.ReadAt(plain, 0); err != nil && err != io.EOF {
		return nil, err
	}
	return plain, nil
}

// decryptAs decrypts ct, a file the journal pinned with recipients, with
// the working identity, trying first the stanza the working member's key
// should open (ownStanzaFirst).
func (a *Archive) decryptAs(ct []byte, recipients []string) ([]byte, error) {
	var id age.Identity = a.id.Age
	if a.me != nil {
		if i := slices.Index(recipients, a.me.ID); i > 0 {
			id = ownStanzaFirst{id, i}
		}
	}
	return Decrypt(ct, id)
}

// decryptRemembered is decryptAs of ct, whose sha256 is sum, looked up
// first in the process's memo of what decryptAs opened (testDecrypted),
// which only the package's tests set: they decrypt the same files
// hundreds of times, at a key agreement or two each (every cold report
// they compare with), which had come to a third of their time. What a
// file decrypts to is a function of its bytes and the key alone; the key
// is the working identity itself, not its recipient, which an identity
// that also opens files for older keys (a change of keys under way:
// opening) shares with the new key alone.
func (a *Archive) decryptRemembered(ct []byte, recipients []string, sum string) ([]byte, error) {
	m := testDecrypted
	if m == nil || a.id == nil || a.id.Age == nil {
		return a.decryptAs(ct, recipients)
	}
	k := decryptKey{a.id, sum}
	if plain, ok := m.get(k); ok {
		return plain, nil
	}
	plain, err := a.decryptAs(ct, recipients)
	if err == nil {
		m.put(k, plain)
	}
	return plain, err
}

// testDecrypted is the memo decryptRemembered uses, nil outside tests.
var testDecrypted *decryptMemo

// decryptKey is a file's hash and the identity that opened it: held by
// the memo, so that its address is no other identity's while it is.
type decryptKey struct {
	id  *Identity
	sum string
}

// decryptMemo holds plaintexts by identity and file hash, forgetting
// them all past a bound (a test process makes hundreds of archives).
type decryptMemo struct {
	mu sync.Mutex
	m  map[decryptKey][]byte
}

func (m *decryptMemo) get(k decryptKey) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.m[k]
	return bytes.Clone(p), ok
}

func (m *decryptMemo) put(k decryptKey, plain []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) >= 50_000 {
		clear(m.m)
	}
	m.m[k] = bytes.Clone(plain)
}

// ownStanzaFirst is an age identity that tries the recipient stanza at
// index i before the others. crm encrypts a dossier to the recipients the
// journal pins, in their order, and age writes one stanza per X25519 or
// hybrid recipient in the order it is given them; but age's identities
// try the stanzas in turn, at one key agreement each, so the last of nine
// readers paid nine. Trying one's own first costs one. Should the hint be
// wrong (a file written by other means), every stanza is tried as age
// would: what opens the file is unchanged, only the order of trying.
type ownStanzaFirst struct {
	id age.Identity
	i  int
}

// Unwrap tries stanza i, then, if it does not open with the key, all of
// them in age's order.
func (o ownStanzaFirst) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if o.i < len(stanzas) {
		if key, err := o.id.Unwrap(stanzas[o.i : o.i+1]); err == nil {
			return key, nil
		}
	}
	return o.id.Unwrap(stanzas)
}

// CanRead reports whether the working member may read the dossier and
// its file opens with their key: they are among the recipients the journal
// gives it now (a borrower whose loan was returned is not, though the file
// may still be encrypted to them until a writer's next step) and among the
// recipients it was last encrypted to.
func (a *Archive) CanRead(d *DossierState) bool {
	return a.canDecrypt(d) && slices.Contains(a.State.ExpectedRecipients(d), a.me.ID)
}

// CanReadID is CanRead of dossier id, from the whole state or, in a
// summary state (maintain, review due), from its row, with the level its
// readers follow: the journal's, which a secrecy period run out changes
// only once the declassification is journaled (R7.2.4). known is false
// when the state has neither.
func (a *Archive) CanReadID(id string) (can bool, level string, known bool) {
	if d := a.State.Dossiers[id]; d != nil {
		return a.CanRead(d), d.Level, true
	}
	if r := a.State.rowByID(id); r != nil {
		return a.rowReadable()(r), r.Level, true
	}
	return false, "", false
}

// canDecrypt reports whether the working member is among the recipients
// the dossier's file was last encrypted to.
func (a *Archive) canDecrypt(d *DossierState) bool {
	return a.me != nil && slices.Contains(d.Recipients, a.me.ID)
}

// isWriter reports whether the working member may write d's file: a
// writer of its level (Policy.Writers).
func (a *Archive) isWriter(d *DossierState) bool {
	return a.me != nil && a.me.HasRole(a.Policy.Writers(d.Level)...)
}

// notWriterErr says why the working member may not write d's file.
func (a *Archive) notWriterErr(d *DossierState) *Error {
	w := a.Policy.Writers(d.Level)
	e := &Error{Code: Denied, Need: w, Next: NextRekey, Arg: d.ID,
		Err: l10n.Errorf("re-encrypting dossier %s needs a writer of level %s (roles %v): a role that only reads never writes a file", d.ID, d.Level, a.Policy.rolesText(w))}
	if a.me != nil {
		e.Actor, e.Held = a.me.ID, a.me.Roles
	}
	return e
}

// reencrypt decrypts d's file with the working identity (checking that it
// is the file the journal pinned; the plaintext cache spares the
// decryption) and encrypts it to readers.
func (a *Archive) reencrypt(d *DossierState, readers []string) ([]byte, error) {
	ct, err := a.reencryptable(d)
	if err != nil {
		return nil, err
	}
	plain, ok := a.cache.held(d.SHA256) // not every bucket loaded and held: plainCache.held
	if !ok {
		if plain, err = a.decryptAs(ct, d.Recipients); err != nil {
			return nil, a.cannotDecrypt(d)
		}
	}
	return a.encrypt(plain, readers)
}

// reencryptable reads dossier d's file and checks what re-encrypting it
// needs, short of decrypting it: the file the journal pinned, a key among
// its recipients, a writer of its level. A batch checks it for every
// dossier before it changes any.
func (a *Archive) reencryptable(d *DossierState) ([]byte, error) {
	ct, err := sharedfile.ReadFile(a.dossierFile(d.ID))
	if err != nil {
		return nil, integrityErr(DossierPath(d.ID), err).then(NextRestore, DossierPath(d.ID))
	}
	if sha256Hex(ct) != d.SHA256 {
		return nil, integrityErr(DossierPath(d.ID), l10n.Errorf("%s is not the file the journal recorded", DossierPath(d.ID)))
	}
	if a.id == nil || !a.canDecrypt(d) {
		return nil, a.cannotDecrypt(d)
	}
	if !a.isWriter(d) {
		return nil, a.notWriterErr(d)
	}
	return ct, nil
}

func (a *Archive) cannotDecrypt(d *DossierState) *Error {
	return deniedErr(l10n.Errorf("re-encrypting dossier %s needs to decrypt it, and your key cannot: ask a member who can read level %s to do it", d.ID, d.Level))
}

// stepWithRecipients journals kind for dossier d with data. When readers
// differ from the file's recipients and the working member is a writer of
// its level, the file is first re-encrypted to them (their key must open
// it) and the event carries the new sha256 and recipients; otherwise no
// file is touched, and the file keeps its recipients until a writer's next
// step re-encrypts it (maintain, rekey, an edit): a borrower's own return,
// or the gm's last approval of a loan, is recorded without a file.
func (a *Archive) stepWithRecipients(d *DossierState, readers []string, kind journal.Kind, data filePayload) error {
	if slices.Equal(readers, d.Recipients) || !a.isWriter(d) {
		_, err := a.commit(kind, d.ID, data)
		return err
	}
	ct, err := a.reencrypt(d, readers)
	if err != nil {
		return err
	}
	_, err = a.writeCiphertext(d.ID, ct, readers, kind, data)
	return err
}

// filePayload is the data of an event that may write a dossier file.
type filePayload interface {
	payload
	filer
}

// rekeyStale re-encrypts every active dossier whose recipients are not the
// expected ones, journaling dossier.rekey for each, and returns the ids of
// those it re-encrypted. The caller holds the lock. Decryption and
// encryption run on every core; files whose recipients did not change are
// not touched. A file that cannot be re-encrypted (the working member is
// not a writer of its level, or their key does not open it) does not stop
// the others: after a role is taken away, every file that can be closed to
// its holder is.
func (a *Archive) rekeyStale(ctx context.Context) ([]string, error) {
	type job struct {
		d    *DossierState
		want []string
		ct   []byte
		err  error
	}
	var todo []*job
	for _, d := range a.State.SortedDossiers() {
		if want := a.State.ExpectedRecipients(d); d.Status == StatusActive && (!slices.Equal(d.Recipients, want) || len(a.State.StaleKeys(d)) > 0) {
			todo = append(todo, &job{d: d, want: want})
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	var done []string
	var errs []error
	p := work.ProgressOf(ctx)
	p.Start(l10n.T("re-encrypting dossiers"), len(todo))
	defer p.Done()
	// The steps are one batch (Bulk): their files are written on another
	// goroutine and synced once, and their events go into a bundle of
	// their month. A chunk is re-encrypted on every core, then written,
	// and its ciphertexts let go. A member added at 100,000 dossiers (a
	// step, a sync and a ciphertext held per file) took 662 s and 3.4 GB.
	err := a.Bulk(func() error {
		for lo := 0; lo < len(todo); lo += rekeyChunk {
			chunk := todo[lo:min(lo+rekeyChunk, len(todo))]
			if err := work.Each(ctx, "", len(chunk), func(i int) {
				chunk[i].ct, chunk[i].err = a.reencrypt(chunk[i].d, chunk[i].want)
			}); err != nil {
				return err
			}
			for _, t := range chunk {
				p.Add(1)
				if t.err != nil {
					errs = append(errs, t.err)
					continue
				}
				if _, err := a.writeCiphertext(t.d.ID, t.ct, t.want, KindDossierRekey, &DossierRekey{}); err != nil {
					if IsCode(err, Unfinished) {
						done = append(done, t.d.ID)
					}
					return err
				}
				t.ct = nil
				done = append(done, t.d.ID)
			}
		}
		return nil
	})
	return done, errors.Join(append(errs, err)...)
}

// rekeyChunk is how many files rekeyStale re-encrypts before it writes
// them: their ciphertexts are held until then.
const rekeyChunk = 1024

// Rekey re-encrypts every dossier whose recipients are stale, as one
// batch (rekeyBatch).
func (a *Archive) Rekey(ctx context.Context) (int, error) {
	if _, err := a.Me(); err != nil {
		return 0, err
	}
	done, err := a.rekeyBatch(ctx, a.rekeyTodo())
	return len(done), err
}

// RekeyAgain writes the files of dossiers ids again, each to the
// recipients the journal gives it, even those whose recipients the
// journal pins already: a file encrypted to other keys than the journal
// says (verify: it does not open with a pinned recipient's key) passes
// every count, and only a writer who can open it can mend it. Each is
// journaled as dossier.rekey, by a writer of its level who is among its
// recipients, as any re-encryption is.
func (a *Archive) RekeyAgain(ctx context.Context, ids []string) (int, error) {
	if _, err := a.Me(); err != nil {
		return 0, err
	}
	again := map[string]bool{}
	var todo []string
	for _, id := range ids {
		d, err := a.Lookup(id)
		if err != nil {
			return 0, err
		}
		if !again[d.ID] {
			again[d.ID] = true
			todo = append(todo, d.ID)
		}
	}
	done, err := a.rekeyBatchOf(ctx, todo, again)
	return len(done), err
}

// EncryptedTo is how many active dossiers' files are encrypted to member
// id, from the rows (of a summary state, or of the whole state).
func (a *Archive) EncryptedTo(id string) int {
	n := 0
	rows := a.State.sortedRows()
	for i := range rows {
		if r := &rows[i]; r.Status == StatusActive && slices.Contains(r.Recipients, id) {
			n++
		}
	}
	return n
}

// rekeyTodo lists the active dossiers whose files are not encrypted to
// the recipients they should be, or are to a rotated key: from the rows
// of a summary state (rowStale), else from the state (as rekeyStale).
// The step finds out again for each (rekeyBatch).
func (a *Archive) rekeyTodo() []string {
	var ids []string
	if !a.State.summary {
		for _, d := range a.State.SortedDossiers() {
			if d.Status == StatusActive && (!slices.Equal(d.Recipients, a.State.ExpectedRecipients(d)) || len(a.State.StaleKeys(d)) > 0) {
				ids = append(ids, d.ID)
			}
		}
		return ids
	}
	readers := map[string][]string{}
	rows := a.State.sortedRows()
	for i := range rows {
		if r := &rows[i]; r.Status == StatusActive && a.State.rowStale(r, readers) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// rowStale reports whether row r's file is not encrypted to the
// recipients it should be, or is to a rotated key: rekeyStale's test on
// the row's facts. readers keeps each level's readers, made once.
func (s *State) rowStale(r *dossierRow, readers map[string][]string) bool {
	if len(r.Stale) > 0 {
		return true
	}
	want, ok := readers[r.Level]
	if len(r.Borrowers) > 0 {
		want = s.recipientsWith(r.Level, r.Borrowers)
	} else if !ok {
		want = s.Readers(r.Level)
		readers[r.Level] = want
	}
	return !slices.Equal(r.Recipients, want)
}

// rekeyBatch re-encrypts dossiers ids (rekeyTodo) whose files are stale
// when their step comes, as one batch (batchAhead): under one lock, each
// chunk re-encrypted on every core and then written (Bulk), on the state
// batch takes (runs of the snapshot's parts when the events since it
// allow, as a member added, given other roles or new keys, or removed
// does: every run replays it; after a removal that closes loans, the
// snapshot's whole state). A dossier found current is skipped. Like
// rekeyStale, a file the working key cannot re-encrypt does not stop the
// others; it returns the ids of those re-encrypted.
func (a *Archive) rekeyBatch(ctx context.Context, ids []string) ([]string, error) {
	return a.rekeyBatchOf(ctx, ids, nil)
}

// rekeyBatchOf is rekeyBatch that also writes again the files of the
// dossiers in again, whose recipients the journal pins already.
func (a *Archive) rekeyBatchOf(ctx context.Context, ids []string, again map[string]bool) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	type rekeyed struct {
		want []string
		ct   []byte
		err  error
	}
	ready := map[string]*rekeyed{}
	var done []string
	var errs []error
	var stopped error // the work of a chunk was cancelled: its steps are not taken
	p := work.ProgressOf(ctx)
	p.Start(l10n.T("re-encrypting dossiers"), len(ids))
	defer p.Done()
	_, err := a.batchAhead(ids, func(*DossierState) error { return nil }, func(chunk []string) {
		var ds []*DossierState
		for _, id := range chunk {
			if d := a.State.Dossiers[id]; d != nil && d.Status == StatusActive {
				if want := a.State.ExpectedRecipients(d); again[id] || !slices.Equal(d.Recipients, want) || len(a.State.StaleKeys(d)) > 0 {
					ds = append(ds, d)
					ready[id] = &rekeyed{want: want}
				}
			}
		}
		if err := work.Each(ctx, "", len(ds), func(i int) {
			r := ready[ds[i].ID] // the map is not written meanwhile
			r.ct, r.err = a.reencrypt(ds[i], r.want)
		}); err != nil {
			stopped = err // some were never made: none of the chunk is written
		}
	}, func(id string) error {
		if stopped != nil {
			return stopped
		}
		p.Add(1)
		r := ready[id]
		delete(ready, id)
		switch {
		case r == nil:
			return nil // current
		case r.err != nil:
			errs = append(errs, r.err)
			return nil
		}
		if _, err := a.writeCiphertext(id, r.ct, r.want, KindDossierRekey, &DossierRekey{}); err != nil {
			if IsCode(err, Unfinished) {
				done = append(done, id)
			}
			return err
		}
		done = append(done, id)
		return nil
	})
	return done, errors.Join(append(errs, err)...)
}
