package archive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"crm/l10n"
)

// Create validates a new dossier's text, gives it the next id, encrypts it
// to the readers of its level (and the recovery key), writes it and journals
// dossier.create with the ciphertext's SHA-256. It returns the new id.
func (a *Archive) Create(text []byte, level string) (string, error) {
	if level == "" {
		level = a.Policy.DefaultLevel
	}
	if err := a.Policy.CheckLevel(level); err != nil {
		return "", err
	}
	if _, err := a.require(l10n.T("creating a dossier"), a.Policy.Permissions.Write); err != nil {
		return "", err
	}
	if _, err := ParseDossier(text); err != nil {
		return "", err
	}
	var id string
	err := a.locked(func() error {
		id = a.Policy.FormatID(a.State.MaxID + 1)
		if _, err := os.Stat(a.dossierFile(id)); err == nil {
			return Integrity(l10n.Errorf("%s exists but the journal has no dossier %s: run `crm verify`", DossierPath(id), id))
		}
		readers := a.State.Readers(a.Policy, level)
		_, err := a.writeDossier(id, text, readers, KindDossierCreate, fileData{Level: level}, a.levelDates(level, a.Policy.LevelPeriod(level)))
		return err
	})
	return id, err
}

// writeDossier encrypts text to readers, writes the file and journals an
// event of kind with data; extra is merged into the event's data. If the
// event cannot be written, the old file is put back.
func (a *Archive) writeDossier(id string, text []byte, readers []string, kind string, fd fileData, extra map[string]any) (*Event, error) {
	rs, err := a.recipients(readers)
	if err != nil {
		return nil, err
	}
	ct, err := Encrypt(text, rs...)
	if err != nil {
		return nil, err
	}
	return a.writeCiphertext(id, ct, readers, kind, fd, extra)
}

// writeCiphertext replaces dossier id's file with ct and journals it: the
// new file is written and synced under a temporary name, the event pinning
// its hash is journaled, and only then is the file renamed into place. If
// the event cannot be written nothing has changed; if the process dies
// before the rename, the next locked step finishes it (rollForward).
func (a *Archive) writeCiphertext(id string, ct []byte, readers []string, kind string, fd fileData, extra map[string]any) (*Event, error) {
	tmp, err := writeTemp(filepath.Join(a.Dir, DossiersDir), ".tmp-"+id+"-*", ct, 0o644)
	if err != nil {
		return nil, l10n.Errorf("writing %s: %v", DossierPath(id), err)
	}
	fd.SHA256, fd.Recipients = sha256Hex(ct), readers
	data := map[string]any{}
	if fd.Level != "" {
		data["level"] = fd.Level
	}
	data["sha256"], data["recipients"] = fd.SHA256, fd.Recipients
	for k, v := range extra {
		data[k] = v
	}
	e, err := a.appendEvent(kind, id, data)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := renameSynced(tmp, a.dossierFile(id)); err != nil {
		return e, l10n.Errorf("the journal records the new %s, but it could not be put in place (%v): the next crm command that writes will retry", DossierPath(id), err)
	}
	return e, nil
}

// ErrConflict is returned when a dossier changed between reading and writing.
var ErrConflict = errors.New("dossier changed since it was opened")

// Update replaces dossier id's text with newText. baseSHA is the SHA-256 of
// the ciphertext the user started from (Opened.SHA256): if the file changed
// since, nothing is written. Identical text writes nothing and returns
// (nil, false, nil). The event lists the changed field paths, never values.
func (a *Archive) Update(id, baseSHA string, oldText, newText []byte) (fields []string, changed bool, err error) {
	if _, err := a.require(l10n.T("editing a dossier"), a.Policy.Permissions.Write); err != nil {
		return nil, false, err
	}
	if _, err := ParseDossier(newText); err != nil {
		return nil, false, err
	}
	if bytes.Equal(oldText, newText) {
		return nil, false, nil
	}
	fields, err = ChangedFields(oldText, newText)
	if err != nil {
		return nil, false, err
	}
	if fields == nil {
		fields = []string{}
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if d.SHA256 != baseSHA {
			last := d.Events[len(d.Events)-1]
			return l10n.Errorf("dossier %s was changed by %s at %s (%s) after you opened it; nothing was saved: run the edit again on the new version", id, last.Actor, fmtTime(last.Time), last.Kind)
		}
		_, err = a.writeDossier(id, newText, d.Recipients, KindDossierUpdate, fileData{}, map[string]any{"fields": fields})
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return fields, true, nil
}

// AddMember adds a member (manager only, by default policy) and re-encrypts
// the dossiers the new member may read.
func (a *Archive) AddMember(m Member) error {
	if _, err := a.require(l10n.T("adding a member"), a.Policy.Permissions.Members); err != nil {
		return err
	}
	if err := CheckMemberID(m.ID); err != nil {
		return err
	}
	if m.Name == "" {
		return Usage(l10n.Errorf("--name is needed: the member's full name"))
	}
	if err := a.Policy.CheckRoles(m.Roles); err != nil {
		return err
	}
	if _, err := ParseRecipient(m.Recipient); err != nil {
		return Usage(l10n.Errorf("--recipient: %v", err))
	}
	if (a.Policy.KeyKind == "pq") != (len(m.Recipient) > 7 && m.Recipient[:7] == "age1pq1") {
		return Usage(l10n.Errorf("--recipient: this archive uses %s keys; age cannot mix post-quantum and X25519 recipients in one file", a.Policy.KeyKind))
	}
	if _, err := ParseSigningKey(m.SigningKey); err != nil {
		return Usage(l10n.Errorf("--signing-key: %v", err))
	}
	if m.Department == "" {
		m.Department = a.Policy.HomeDepartment
	}
	return a.locked(func() error {
		if a.State.Members[m.ID] != nil {
			return Usage(l10n.Errorf("member %s already exists: use `crm member roles %s` to change roles", m.ID, m.ID))
		}
		if o := a.State.MemberByRecipient(m.Recipient); o != nil {
			return Usage(l10n.Errorf("that public key already belongs to member %s", o.ID))
		}
		if _, err := a.appendEvent(KindMemberAdd, "", memberAddData{Member: m}); err != nil {
			return err
		}
		if err := a.writeMemberFile(&m); err != nil {
			return err
		}
		_, err := a.rekeyStale()
		return err
	})
}

// SetRoles replaces a member's roles and re-encrypts what they may now read
// (or no longer read).
func (a *Archive) SetRoles(id string, roles []string) error {
	if _, err := a.require(l10n.T("changing roles"), a.Policy.Permissions.Members); err != nil {
		return err
	}
	if err := CheckMemberID(id); err != nil {
		return err
	}
	if err := a.Policy.CheckRoles(roles); err != nil {
		return err
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	return a.locked(func() error {
		m := a.State.Members[id]
		if m == nil || m.Removed {
			return Usage(l10n.Errorf("no member %s: `crm member list` shows them", id))
		}
		if slices.Equal(m.Roles, roles) {
			return nil
		}
		if _, err := a.appendEvent(KindMemberRoles, "", memberRolesData{Member: id, Roles: roles}); err != nil {
			return err
		}
		if err := a.writeMemberFile(a.State.Members[id]); err != nil {
			return err
		}
		_, err := a.rekeyStale()
		return err
	})
}

// ExpectedRecipients is whom dossier d must be encrypted to now: the
// readers of the level the journal recorded (d.Level), not of its effective
// level. A dossier whose secrecy period has run out is treated as 内部 by
// list, show and reports from that day on (EffectiveLevel), but its file stays
// encrypted to the marked level's readers until `crm classify
// declassify-expired` (run by `crm maintain`) re-encrypts it and journals
// dossier.declassify; so verify and rekey never depend on the clock, and an
// expiry alone never makes verify report a problem.
// Open, unexpired loans add their borrowers.
func (a *Archive) ExpectedRecipients(d *DossierState) []string {
	return a.recipientsFor(d, "", "")
}

// recipientsFor is ExpectedRecipients leaving out the borrower of loan
// except and adding member plus (a step about to be journaled).
func (a *Archive) recipientsFor(d *DossierState, except, plus string) []string {
	return a.recipientsAt(d, d.Level, except, plus)
}

// recipientsAt is recipientsFor with d at the given level (a level change
// about to be journaled): the level's readers plus the open loans' borrowers.
func (a *Archive) recipientsAt(d *DossierState, level, except, plus string) []string {
	readers := a.State.Readers(a.Policy, level)
	var extra []string
	for _, l := range d.Loans {
		if l.HasAccess() && l.ID != except {
			extra = append(extra, l.Borrower)
		}
	}
	if plus != "" {
		extra = append(extra, plus)
	}
	if len(extra) == 0 {
		return readers
	}
	var ids []string
	for _, id := range readers {
		if id != Recovery {
			ids = append(ids, id)
		}
	}
	for _, id := range extra {
		if m := a.State.Members[id]; m != nil && !m.Removed {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if a.Policy.Recovery != "" {
		ids = append(ids, Recovery)
	}
	return ids
}

// rekeyStale re-encrypts every active dossier whose recipients are not the
// expected ones, journaling dossier.rekey for each. The caller holds the
// lock. Decryption and encryption run on every core; files whose recipients
// did not change are not touched.
func (a *Archive) rekeyStale() (int, error) {
	type job struct {
		d    *DossierState
		want []string
	}
	var todo []job
	for _, d := range a.State.SortedDossiers() {
		if want := a.ExpectedRecipients(d); d.Status == StatusActive && !slices.Equal(d.Recipients, want) {
			todo = append(todo, job{d, want})
		}
	}
	type result struct {
		ct  []byte
		err error
	}
	res := make([]result, len(todo))
	parallel(len(todo), func(i int) {
		ct, err := a.reencrypt(todo[i].d, todo[i].want)
		res[i] = result{ct, err}
	})
	// A file that cannot be re-encrypted must not stop the others: after a
	// role is taken away, every file that can be closed to its holder is.
	n := 0
	var errs []error
	for i, t := range todo {
		if res[i].err != nil {
			errs = append(errs, res[i].err)
			continue
		}
		if _, err := a.writeCiphertext(t.d.ID, res[i].ct, t.want, KindDossierRekey, fileData{}, nil); err != nil {
			return n, errors.Join(append(errs, err)...)
		}
		n++
	}
	if len(errs) > 0 {
		return n, errors.Join(errs...)
	}
	return n, nil
}

// Rekey re-encrypts every dossier whose recipients are stale (`crm rekey`).
func (a *Archive) Rekey() (int, error) {
	if _, err := a.Me(); err != nil {
		return 0, err
	}
	var n int
	err := a.locked(func() (err error) {
		n, err = a.rekeyStale()
		return err
	})
	return n, err
}

// ListEntry is one line of `crm list`.
type ListEntry struct {
	ID       string    `json:"id"`
	Level    string    `json:"level"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Readable bool      `json:"readable"`
	Name     string    `json:"name,omitempty"`
	Owner    string    `json:"owner,omitempty"`
	Dossier  *Dossier  `json:"-"`

	// Level above is the effective level (R7.2.4); MarkedLevel is the level
	// the journal recorded when it differs (expired, not yet declassified).
	MarkedLevel string `json:"marked_level,omitempty"`
	Expires     string `json:"expires,omitempty"` // YYYY-MM-DD the secrecy period runs out
	// Credit and Tier are filled for readable dossiers (Assess).
	Credit    string `json:"credit,omitempty"`
	Dangerous bool   `json:"dangerous,omitempty"`
	Tier      string `json:"tier,omitempty"`
}

// List returns the active dossiers by id. With decrypt, the ones the
// working identity can read are decrypted in parallel for name and owner.
func (a *Archive) List(decrypt bool) ([]ListEntry, error) {
	var out []ListEntry
	for _, d := range a.State.SortedDossiers() {
		if d.Status != StatusActive {
			continue
		}
		en := ListEntry{ID: d.ID, Level: a.EffectiveLevel(d), Status: d.Status, Created: d.Created, Updated: d.Updated}
		if en.Level != d.Level {
			en.MarkedLevel = d.Level
		}
		if !d.Expires.IsZero() {
			en.Expires = fmtDate(d.Expires)
		}
		out = append(out, en)
	}
	if !decrypt || a.id == nil {
		return out, nil
	}
	errs := make([]error, len(out))
	parallel(len(out), func(i int) {
		d := a.State.Dossiers[out[i].ID]
		if !a.CanRead(d) {
			return
		}
		o, err := a.Read(d.ID)
		if err != nil {
			errs[i] = err
			return
		}
		dd, err := ParseDossier(o.Text)
		if err != nil {
			errs[i] = l10n.Errorf("dossier %s: %v", d.ID, err)
			return
		}
		out[i].Readable, out[i].Name, out[i].Owner, out[i].Dossier = true, dd.Customer.Name, dd.Owner, dd
	})
	for i, x := range a.Assess(out) {
		if out[i].Readable {
			out[i].Credit, out[i].Dangerous, out[i].Tier = x.Credit, x.Dangerous, x.Tier
		}
	}
	return out, errors.Join(errs...)
}

// RemoveMember removes a member (a leaver): they sign nothing more, and
// every dossier they could read is re-encrypted without them. The last
// member who may change members cannot be removed.
func (a *Archive) RemoveMember(id string) error {
	if _, err := a.require(l10n.T("removing a member"), a.Policy.Permissions.Members); err != nil {
		return err
	}
	if err := CheckMemberID(id); err != nil {
		return err
	}
	return a.locked(func() error {
		m := a.State.Members[id]
		if m == nil || m.Removed {
			return Usage(l10n.Errorf("no member %s: `crm member list` shows them", id))
		}
		admins := 0
		for _, o := range a.State.Members {
			if o.ID != id && o.HasRole(a.Policy.Permissions.Members...) {
				admins++
			}
		}
		if admins == 0 {
			return l10n.Errorf("%s is the last member who may manage members: give someone else the role first", id)
		}
		if _, err := a.appendEvent(KindMemberRemove, "", memberRemoveData{Member: id}); err != nil {
			return err
		}
		if err := a.writeMemberFile(a.State.Members[id]); err != nil {
			return err
		}
		_, err := a.rekeyStale()
		return err
	})
}
