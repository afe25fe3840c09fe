package archive

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"crm/archive/sharedfile"
	"crm/l10n"
)

// Fix is one thing repair did to the archive's files.
type Fix struct {
	Path string `json:"path"`
	Did  string `json:"did"`
}

func (f Fix) String() string { return f.Path + ": " + f.Did }

// Crash recovery (FORMAT.md, "Writes and crashes"). Every write crm makes
// goes through a temporary file named for what it holds (write.go), in an
// order that lets the next process tell a finished step from an unfinished
// one:
//
//   - a journal event: written to journal/…/.tmp-PID-N, then renamed to its
//     name. A temporary event was never part of the journal: removed.
//   - a dossier's new file: written to dossiers/.tmp-ID.PID-N, then the
//     event pinning its hash is journaled, then the file is renamed into
//     place. A temporary file the journal pins is renamed into place (the
//     step was recorded); any other is removed (it was not).
//   - a destruction: the file is set aside as dossiers/.tmp-destroy-ID, the
//     event is journaled, the aside file is removed. If the journal records
//     the destruction the aside file is removed, otherwise it is put back.
//   - members/<id>.yaml are views of the journal, written after the member
//     event: a missing one, or one that says what the journal said of that
//     member before its last event, is written again.
//   - at the archive's root, temporary files of processes that are gone are
//     removed.
//
// repairCrash does exactly this, and nothing that could hide a change made
// outside crm; it runs at the start of every locked step and of verify.
// Repair (the repair command) does it too, and then what needs no person
// but is not a crash's doing: member files edited by hand are written again
// from the journal, files of destroyed dossiers are removed, and files
// whose recipients are stale are re-encrypted if the working key may.
// Neither ever deletes the only copy of a dossier.

// repairCrash finishes or undoes what interrupted processes left. The
// caller holds the lock and has just reloaded the state.
func (a *Archive) repairCrash() []Fix {
	var fixes []Fix
	fixes = append(fixes, a.repairJournalTemps()...)
	fixes = append(fixes, a.repairDossierTemps()...)
	fixes = append(fixes, a.repairMembers(false)...)
	fixes = append(fixes, a.repairRootTemps()...)
	a.repaired = append(a.repaired, fixes...)
	return fixes
}

// Repaired returns what the repairs this process ran did, in order.
func (a *Archive) Repaired() []Fix { return slices.Clone(a.repaired) }

func (a *Archive) rel(path string) string {
	r, err := filepath.Rel(a.Dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// repairJournalTemps removes temporary event files (the journal's reader
// lists them): an event is part of the journal only once renamed to its
// name.
func (a *Archive) repairJournalTemps() []Fix {
	var fixes []Fix
	var kept []string
	for _, rel := range a.State.Journal.Temps {
		p := filepath.Join(a.Dir, filepath.FromSlash(rel))
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil || !fi.Mode().IsRegular() {
			kept = append(kept, rel)
			continue
		}
		if t, _ := parseTemp(filepath.Base(p)); t.pid != 0 && t.pid != os.Getpid() && !processGone(t.pid) {
			kept = append(kept, rel) // a live process that does not hold the lock: not ours to judge
			continue
		}
		if removeFile(p) == nil {
			fixes = append(fixes, Fix{rel, l10n.T("removed: an event an interrupted process had not finished writing (it was never part of the journal)")})
		} else {
			kept = append(kept, rel)
		}
	}
	a.State.Journal.Temps = kept
	return fixes
}

// repairDossierTemps finishes or undoes interrupted dossier writes and
// destructions.
func (a *Archive) repairDossierTemps() []Fix {
	dir := filepath.Join(a.Dir, DossiersDir)
	ents, err := readDirUnsorted(dir)
	if err != nil {
		return nil
	}
	var fixes []Fix
	for _, e := range ents {
		t, ok := parseTemp(e.Name())
		if !ok || !e.Type().IsRegular() || (t.pid != 0 && t.pid != os.Getpid() && !processGone(t.pid)) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		d := a.State.Dossiers[t.tag]
		if t.destroy {
			if f, ok := a.repairDestroyAside(p, d); ok {
				fixes = append(fixes, f)
			}
			continue
		}
		final := ""
		if d != nil {
			final = a.dossierFile(d.ID)
		}
		if d != nil && d.Status == StatusActive && fileSHA256(p) == d.SHA256 && fileSHA256(final) != d.SHA256 {
			if renameSynced(p, final) == nil {
				fixes = append(fixes, Fix{DossierPath(d.ID), l10n.Sprintf("put in place from %s: the journal records it (%s), the process that wrote it was interrupted before the rename, or the rename failed (a file held open on Windows)", a.rel(p), d.WrittenBy.Path)})
			}
			continue
		}
		if removeFile(p) == nil {
			fixes = append(fixes, Fix{a.rel(p), l10n.T("removed: a new dossier file an interrupted process wrote but never journaled (the step did not happen)")})
		}
	}
	return fixes
}

// readDirUnsorted lists a folder without sorting it (dossiers/ may hold
// tens of thousands of files, and every locked step looks in it).
func readDirUnsorted(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// repairDestroyAside settles a dossier set aside by a destruction that was
// interrupted: put back unless the journal records the destruction. A file
// whose content the journal does not pin is left alone: it may be the only
// copy of something.
func (a *Archive) repairDestroyAside(p string, d *DossierState) (Fix, bool) {
	if d == nil {
		return Fix{}, false
	}
	if d.Status == StatusDestroyed {
		if removeFile(p) == nil {
			return Fix{a.rel(p), l10n.Sprintf("removed: the journal records the destruction of dossier %s", d.ID)}, true
		}
		return Fix{}, false
	}
	sum, final := fileSHA256(p), a.dossierFile(d.ID)
	if sum != d.SHA256 {
		return Fix{}, false
	}
	if fileSHA256(final) == d.SHA256 {
		if removeFile(p) == nil {
			return Fix{a.rel(p), l10n.Sprintf("removed: a second copy of %s", DossierPath(d.ID))}, true
		}
		return Fix{}, false
	}
	if _, err := os.Lstat(final); err == nil {
		return Fix{}, false // something else is in the way: a person decides
	}
	if renameSynced(p, final) == nil {
		return Fix{DossierPath(d.ID), l10n.Sprintf("put back from %s: its destruction was interrupted before it was journaled", a.rel(p))}, true
	}
	return Fix{}, false
}

// repairMembers writes members/<id>.yaml again where it is missing, or
// where it says what the journal said of that member before (what a crash
// between a member event and its file leaves); with all, also where it was
// edited by hand. Temporary files are removed.
func (a *Archive) repairMembers(all bool) []Fix {
	dir := filepath.Join(a.Dir, MembersDir)
	var fixes []Fix
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if t, ok := parseTemp(e.Name()); ok && e.Type().IsRegular() && (t.pid == 0 || t.pid == os.Getpid() || processGone(t.pid)) {
			if removeFile(filepath.Join(dir, e.Name())) == nil {
				fixes = append(fixes, Fix{MembersDir + "/" + e.Name(), l10n.T("removed: a member file an interrupted process had not finished writing")})
			}
		}
	}
	var versions map[string][][]byte
	for _, m := range a.State.SortedMembers() {
		rel := MembersDir + "/" + m.ID + ".yaml"
		want, err := memberFileBytes(m)
		if err != nil {
			continue
		}
		fi, lerr := os.Lstat(filepath.Join(a.Dir, filepath.FromSlash(rel)))
		if lerr == nil && !fi.Mode().IsRegular() {
			continue // a symbolic link or a folder: a person decides
		}
		have, err := sharedfile.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
		var did string
		switch {
		case errors.Is(err, fs.ErrNotExist):
			did = l10n.Sprintf("written from the journal: the file of member %s was missing", m.ID)
		case err != nil || bytes.Equal(have, want):
			continue
		default:
			if versions == nil {
				versions = a.State.memberVersions()
			}
			if slices.ContainsFunc(versions[m.ID], func(b []byte) bool { return bytes.Equal(b, have) }) {
				did = l10n.Sprintf("written from the journal: it said what the journal said of member %s before its last member event", m.ID)
			} else if all {
				did = l10n.Sprintf("written from the journal: it differed from what the journal says of member %s (edited by hand)", m.ID)
			} else {
				continue
			}
		}
		if a.writeMemberFile(m) == nil {
			fixes = append(fixes, Fix{rel, did})
		}
	}
	return fixes
}

// memberVersions returns, per member, the member file of every record the
// journal's good events gave them, in order.
func (s *State) memberVersions() map[string][][]byte {
	bad := s.badPaths()
	cur := map[string]Member{}
	out := map[string][][]byte{}
	keep := func(m Member) {
		cur[m.ID] = m
		if b, err := memberFileBytes(&m); err == nil {
			out[m.ID] = append(out[m.ID], b)
		}
	}
	for _, e := range s.Journal.Events {
		switch e.Kind {
		case KindInit, KindMemberAdd, KindMemberRoles, KindMemberRemove:
		default:
			continue // not decoded: after a whole replay each would be read back (LetGoData)
		}
		if bad[e.Path] {
			continue
		}
		data, err := DataOf(e)
		if err != nil {
			continue
		}
		switch x := data.(type) {
		case *InitData:
			keep(x.Member)
		case *MemberAdd:
			keep(x.Member)
		case *MemberRoles:
			if m, ok := cur[x.Member]; ok {
				m.Roles = slices.Clone(x.Roles)
				keep(m)
			}
		case *MemberRemove:
			if m, ok := cur[x.Member]; ok {
				m.Removed = true
				keep(m)
			}
		}
	}
	return out
}

// badPaths are the journal paths of events that have no effect (problems).
func (s *State) badPaths() map[string]bool {
	bad := map[string]bool{}
	for _, p := range append(slices.Clone(s.Journal.Problems), s.Problems...) {
		bad[p.Path] = true
	}
	return bad
}

// staleTempAge is how old a temporary file at the archive's root must be
// to be removed when its name does not say which process wrote it.
const staleTempAge = time.Hour

// repairRootTemps removes temporary files at the archive's root whose
// process is gone (a report written into the archive folder, say).
func (a *Archive) repairRootTemps() []Fix {
	ents, err := os.ReadDir(a.Dir)
	if err != nil {
		return nil
	}
	var fixes []Fix
	for _, e := range ents {
		t, ok := parseTemp(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		gone := t.pid != 0 && t.pid != os.Getpid() && processGone(t.pid)
		if t.pid == 0 {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTempAge {
				gone = true
			}
		}
		if gone && removeFile(filepath.Join(a.Dir, e.Name())) == nil {
			fixes = append(fixes, Fix{e.Name(), l10n.T("removed: a temporary file of a process that is gone")})
		}
	}
	return fixes
}

// RepairReport is what Repair did, and what it could not.
type RepairReport struct {
	Fixed []Fix `json:"fixed"`
	// Errors are repairs that were tried and failed (a re-encryption the
	// working key may not make, say).
	Errors []string `json:"errors"`
}

// Repair brings the archive's files back to what its journal says,
// wherever that needs no person's decision: everything repairCrash does,
// then member files edited by hand are written again from the journal,
// files of destroyed dossiers are removed, and dossiers whose recipients
// are stale (a return or approval recorded without a file, a member change
// that was interrupted) are re-encrypted if the working key is a writer who
// can open them. It never deletes a dossier file the journal pins, nor any
// file it does not know; what is left needs a person (Verify names it).
func (a *Archive) Repair(ctx context.Context) (*RepairReport, error) {
	if err := a.fullState(); err != nil {
		return nil, err
	}
	rep := &RepairReport{}
	n := len(a.repaired)
	err := a.lockOnly(func() error {
		rep.Fixed = append(rep.Fixed, a.repaired[n:]...)
		rep.Fixed = append(rep.Fixed, a.repairMembers(true)...)
		rep.Fixed = append(rep.Fixed, a.removeDestroyedFiles()...)
		if a.me == nil {
			return nil
		}
		fixed, err := a.rekeyStale(ctx)
		for _, d := range fixed {
			rep.Fixed = append(rep.Fixed, Fix{DossierPath(d), l10n.T("re-encrypted to the recipients the journal gives it now")})
		}
		if err != nil {
			for _, e := range unjoin(err) {
				rep.Errors = append(rep.Errors, e.Error())
			}
		}
		for _, d := range a.State.SortedDossiers() {
			if f, err := a.rekeyHidden(d); err != nil {
				rep.Errors = append(rep.Errors, err.Error())
			} else if f != nil {
				rep.Fixed = append(rep.Fixed, *f)
			}
		}
		return nil
	})
	a.repaired = append(a.repaired[:n], rep.Fixed...)
	return rep, err
}

// rekeyHidden re-encrypts d's file when it is the pinned ciphertext but its
// age header has another number or kind of stanzas than the recipients the
// journal pinned (a reader added outside crm): the content is the
// journaled one, only the readers are wrong. Whoever the hidden stanza was
// for keeps that version; later ones are closed to them. It returns the
// fix, nil if there was nothing to do.
func (a *Archive) rekeyHidden(d *DossierState) (*Fix, error) {
	if d.Status != StatusActive {
		return nil, nil
	}
	ct, err := sharedfile.ReadFile(a.dossierFile(d.ID))
	if err != nil || sha256Hex(ct) != d.SHA256 {
		return nil, nil
	}
	if msg, _ := stanzaProblem(a.Policy, d.Recipients, "", ct); msg == "" {
		return nil, nil
	}
	want := a.State.ExpectedRecipients(d)
	nct, err := a.reencrypt(d, want)
	if err != nil {
		return nil, err
	}
	if _, err := a.writeCiphertext(d.ID, nct, want, KindDossierRekey, &DossierRekey{}); err != nil {
		return nil, err
	}
	return &Fix{DossierPath(d.ID), l10n.T("re-encrypted to the recipients the journal pins (its age header had a reader nobody journaled)")}, nil
}

// removeDestroyedFiles removes the files of dossiers the journal records
// as destroyed (a copy restored from git, or a merge that brought one back).
func (a *Archive) removeDestroyedFiles() []Fix {
	var fixes []Fix
	s := a.State
	for _, d := range s.SortedDossiers() {
		if d.Status != StatusDestroyed {
			continue
		}
		p := a.dossierFile(d.ID)
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if removeFile(p) == nil {
			a.touch(DossierPath(d.ID))
			fixes = append(fixes, Fix{DossierPath(d.ID), l10n.Sprintf("removed: the journal records the destruction of dossier %s", d.ID)})
		}
	}
	// A dossier whose only creation a manager's decision rejected (its
	// writer removed concurrently, say) has no state: its file goes too.
	for _, x := range s.Decided {
		if x.Decision != DecisionReject || x.Event == nil || x.Event.Kind != KindDossierCreate {
			continue
		}
		id := x.Event.Dossier
		if CheckID(id) != nil || s.Dossiers[id] != nil {
			continue
		}
		p := a.dossierFile(id)
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if removeFile(p) == nil {
			a.touch(DossierPath(id))
			fixes = append(fixes, Fix{DossierPath(id), l10n.Sprintf("removed: the creation of dossier %s was rejected by a decision of %s (%s); git history keeps the file", id, x.By, x.Reason)})
		}
	}
	return fixes
}

// unjoin lists the errors joined in err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// fileSHA256 is the SHA-256 of the file at path, "" if it cannot be read.
func fileSHA256(path string) string {
	if path == "" {
		return ""
	}
	b, err := sharedfile.ReadFile(path)
	if err != nil {
		return ""
	}
	return sha256Hex(b)
}
