package archive

import (
	"bytes"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// touch records that this process wrote or removed the file at rel
// (slash path relative to the archive), or changed what the folder rel
// holds (a month of the journal bundled).
func (a *Archive) touch(rel string) {
	if a.touchedSet == nil {
		a.touchedSet = map[string]bool{}
	}
	if !a.touchedSet[rel] {
		a.touchedSet[rel] = true
		a.touched = append(a.touched, rel)
	}
}

// Touched lists the files this process wrote or removed, relative to the
// archive, sorted: its events, the dossier files they pin and the member
// files, and the month folders it bundled. A git commit of crm's own
// changes commits exactly these.
func (a *Archive) Touched() []string {
	out := slices.Clone(a.touched)
	if len(a.bundledAway) > 0 {
		// Their folder is among them: git given ~80,000 removed files
		// one by one that it never tracked stops at the first.
		out = slices.DeleteFunc(out, func(rel string) bool { return a.bundledAway[rel] })
	}
	slices.Sort(out)
	return out
}

// Written returns the events this process appended, in the order
// written: their hash, path, kind, actor, dossier and time (not their
// data: a batch of 100,000 steps does not hold them).
func (a *Archive) Written() []*journal.Event {
	return slices.Clone(a.written)
}

// OwnFile reports whether the file at rel (slash path relative to the
// archive) is as crm made it, so that a commit of crm's own changes may
// include it: an event of the journal at its place, a dossier file with
// the hash the journal pinned (or absent for a destroyed dossier), a
// waiting hand-in's file with its pinned hash (or absent once it is
// folded or turned down), a member file saying what the journal says, the policy the journal
// recorded, or crm's own .gitattributes and .gitignore. exists says
// whether the file is in the work tree.
func (a *Archive) OwnFile(rel string, exists bool) bool {
	switch {
	case strings.HasPrefix(rel, journal.Dir+"/"):
		return a.ownEvent(rel, exists)
	case strings.HasPrefix(rel, DossiersDir+"/") && strings.HasSuffix(rel, ".age"):
		return a.ownDossierFile(rel, exists)
	case strings.HasPrefix(rel, MembersDir+"/") && strings.HasSuffix(rel, ".yaml"):
		return exists && a.ownMemberFile(rel)
	case strings.HasPrefix(rel, SubmissionsDir+"/") && strings.HasSuffix(rel, ".age"):
		return a.ownSubmissionFile(rel, exists)
	}
	says, ok := topFiles[rel]
	return ok && exists && says(a.State, a.readRel(rel))
}

// topFiles are the archive's own top-level files, each with what it must
// say to be as crm made it.
var topFiles = map[string]func(s *State, b []byte) bool{
	PolicyFile:       func(s *State, b []byte) bool { return sha256Hex(b) == s.PolicySHA256 },
	".gitattributes": func(_ *State, b []byte) bool { return string(b) == gitattributes || string(b) == oldGitattributes },
	".gitignore":     func(_ *State, b []byte) bool { return string(b) == gitignore },
}

// readRel is the file at rel, or nil.
func (a *Archive) readRel(rel string) []byte {
	b, _ := sharedfile.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
	return b
}

// ownEvent: an event of the journal, at its place, or gone from there
// into a bundle of its month; or a bundle of the journal's events
// (bundle.go).
func (a *Archive) ownEvent(rel string, exists bool) bool {
	if journal.IsBundlePath(rel) {
		return exists && a.ownBundle(rel)
	}
	h, ok := journal.HashOfPath(rel)
	e := a.State.Journal.ByHash[h]
	return ok && e != nil && e.Path == rel && (exists || e.Bundle() != "")
}

// ownDossierFile: the file the journal pinned, or none for a destroyed
// dossier.
func (a *Archive) ownDossierFile(rel string, exists bool) bool {
	id, _ := DossierOfPath(rel)
	d := a.State.Dossiers[id]
	switch {
	case d == nil:
		return false
	case !exists:
		return d.Status == StatusDestroyed
	}
	return d.Status == StatusActive && sha256Hex(a.readRel(rel)) == d.SHA256
}

// ownSubmissionFile: a waiting hand-in's file, with the hash its
// submission.add pinned, or none for a hand-in folded or turned down.
func (a *Archive) ownSubmissionFile(rel string, exists bool) bool {
	id := strings.TrimSuffix(strings.TrimPrefix(rel, SubmissionsDir+"/"), ".age")
	sub := a.State.Submissions[id]
	switch {
	case sub == nil && !exists && SubmissionPath(id) == rel:
		// The file of a hand-in that took no effect for good goes
		// (RemoveVoidHandIns).
		_, void := a.VoidHandIns()[id]
		return void
	case sub == nil || SubmissionPath(sub.ID) != rel:
		return false
	case !exists:
		return sub.Status != SubmissionPending
	}
	return sub.Status == SubmissionPending && sha256Hex(a.readRel(rel)) == sub.SHA256
}

// ownMemberFile: a member file saying what the journal says.
func (a *Archive) ownMemberFile(rel string) bool {
	m := a.State.Members[strings.TrimSuffix(strings.TrimPrefix(rel, MembersDir+"/"), ".yaml")]
	want, err := memberFileBytes(m)
	return m != nil && err == nil && bytes.Equal(a.readRel(rel), want)
}

// WriteMemberFiles rewrites every members/<id>.yaml that does not say what
// the journal says (after a git merge, which may have left conflict
// markers in one), and returns how many it wrote.
func (a *Archive) WriteMemberFiles() (int, error) {
	n := 0
	for _, m := range a.State.SortedMembers() {
		want, err := memberFileBytes(m)
		if err != nil {
			return n, err
		}
		if b, err := sharedfile.ReadFile(filepath.Join(a.Dir, MembersDir, m.ID+".yaml")); err == nil && bytes.Equal(b, want) {
			continue
		}
		if err := a.writeMemberFile(m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// GitAttributes is the .gitattributes crm writes: dossier files are
// binary for git, shown through crm's diff driver and merged by crm's
// merge driver (both configured by the git setup command).
func GitAttributes() string { return gitattributes }

// Restore puts back the file of dossier id that the journal pinned: ct
// (found in git history by the caller) must have that hash. It is written
// atomically; a file whose hash already matches is left alone.
func (a *Archive) Restore(id string, ct []byte) error {
	return a.lockOnly(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if sha256Hex(ct) != d.SHA256 {
			return failErr(l10n.Errorf("that version of %s is not the one the journal pinned", DossierPath(d.ID)), NoNext, "")
		}
		a.touch(DossierPath(d.ID))
		return writeFileAtomic(a.dossierFile(d.ID), ct, 0o644)
	})
}

// RestoreEvent puts back at rel, under the archive folder dir, the journal
// event (or bundle of events) whose bytes are b (as git history or a
// backup holds them): a file deleted, or edited after it was written. The
// bytes must be what the name says (its hash, and for an event its time's
// folder), so nothing but what was
// written can come back this way, and the signature in them is checked
// as any other's when the journal is read. It reports false if the file
// is already those bytes.
//
// It opens no archive: a journal that lost an event a user saw is refused
// before it is read, and this is what mends it. No lock is taken either:
// an event's file is written whole under a temporary name and renamed
// (the bytes are fixed by the name, so two restores write the same file).
func RestoreEvent(dir, rel string, b []byte) (bool, error) {
	if h, ok := journal.HashOfBundlePath(rel); ok {
		// A bundle: its name is the SHA-256 of its bytes.
		if _, err := journal.SplitBundle(b); err != nil || journal.BundleName(b) != path.Base(rel) {
			return false, failErr(l10n.Errorf("those bytes are not bundle %s as written", journal.ShortHash(h)), NoNext, "")
		}
	} else if h, ok := journal.HashOfPath(rel); !ok {
		return false, usageErr("event", l10n.Errorf("%s is not the name of a journal event file", rel))
	} else if e, err := journal.Parse(b); err != nil || e.Hash != h || journal.PathOf(e.Time, e.Hash) != rel {
		return false, failErr(l10n.Errorf("those bytes are not event %s as written", journal.ShortHash(h)), NoNext, "")
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if old, err := sharedfile.ReadFile(p); err == nil && bytes.Equal(old, b) {
		return false, nil
	}
	if err := writeFileAtomic(p, b, 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// PolicyMatches reports whether crm.yaml is the policy the journal
// recorded.
func (a *Archive) PolicyMatches() bool { return sha256Hex(a.PolicyRaw) == a.State.PolicySHA256 }

// PolicySHA256 is the SHA-256 of the policy the journal recorded.
func (a *Archive) PolicySHA256() string { return a.State.PolicySHA256 }

// RestorePolicy puts back crm.yaml as the journal recorded it (b, from git
// history or a backup): an edit made without a signed policy.update,
// which stops every write until then.
func (a *Archive) RestorePolicy(b []byte) error {
	return a.lockOnly(func() error {
		if sha256Hex(b) != a.State.PolicySHA256 {
			return failErr(l10n.Errorf("that version of %s is not the one the journal recorded", PolicyFile), NoNext, "")
		}
		a.touch(PolicyFile)
		return writeFileAtomic(filepath.Join(a.Dir, PolicyFile), b, 0o644)
	})
}

// FileMatches reports whether dossier d's file is the one the journal
// pinned. A file that does not is read-only until restored.
func (a *Archive) FileMatches(d *DossierState) bool {
	b, err := sharedfile.ReadFile(a.dossierFile(d.ID))
	return err == nil && sha256Hex(b) == d.SHA256
}

// ReadAny is Read, except that a file which is not the one the journal
// pinned is still decrypted and returned, marked Stale (read-only until
// restored), together with Read's integrity error. A missing file or one
// the key does not open is only an error.
func (a *Archive) ReadAny(id string) (*Opened, error) {
	o, err := a.Read(id)
	if err == nil || !IsCode(err, Integrity) {
		return o, err
	}
	d, lerr := a.Lookup(id)
	if lerr != nil {
		return nil, lerr
	}
	ct, rerr := sharedfile.ReadFile(a.dossierFile(d.ID))
	if rerr != nil {
		return nil, err
	}
	plain, derr := a.decryptAs(ct, d.Recipients)
	if derr != nil {
		return nil, err
	}
	return &Opened{State: d, Text: plain, SHA256: sha256Hex(ct), Stale: true}, err
}

// MayWrite returns the roles that may write an event of kind k, and
// whether the working member holds one (false without an identity).
func (a *Archive) MayWrite(k journal.Kind) ([]string, bool) {
	spec := SpecOf(k)
	var need []string
	if spec != nil && spec.Roles != nil {
		need = spec.Roles(a.Policy)
	}
	return need, a.me != nil && (need == nil || a.me.HasRole(need...))
}

// SHA256Hex is the hex SHA-256 of b: how the journal names a dossier
// file's version.
func SHA256Hex(b []byte) string { return sha256Hex(b) }
