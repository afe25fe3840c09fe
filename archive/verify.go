package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"filippo.io/age"

	"crm/archive/agefile"
	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/l10n"
)

// Problem is something wrong with the archive, with the path it concerns.
type Problem = journal.Problem

// Verify recomputes everything the journal claims (DESIGN.md principle 5)
// and checks every file of the archive's tree against FORMAT.md:
//
//   - each event's name matches its content and its signature verifies with
//     its actor's key as of its place in the chain; each step was taken by a
//     member holding the role for it, at a time within the bounds;
//   - members/*.yaml and crm.yaml say what the journal says;
//   - each dossier file is the ciphertext the last event pinned, and its age
//     header has exactly one stanza, of the archive's key kind, per
//     recipient the journal pinned (a hidden extra recipient is found);
//   - no destroyed dossier remains; no file is a symbolic link, executable
//     or writable by everyone; dossiers/, journal/ and members/ hold nothing
//     crm did not write; every file under templates/ is pinned by a
//     templates.update; .gitattributes keeps ciphertext binary and
//     .gitignore keeps nothing of the archive out of git.
//
// It needs no key. First it finishes or undoes what interrupted processes
// left (repairCrash), which never hides a change made outside crm; an
// archive this user may not write is checked as it is. The problems are
// sorted by path; VerifyNotes returns what it noted that is not a problem.
func (a *Archive) Verify(ctx context.Context) ([]Problem, error) { return a.verify(ctx, false) }

// VerifyFast is Verify trusting the user's verified-journal cache for the
// events it holds (their content and signatures as checked before; every
// rule is still replayed). An event file rewritten in place under its old
// name is found only by Verify.
//
// Opened from the user's state snapshot with its rows (OpenOptions.Summary
// with SummaryRows), it checks the files against the snapshot and reads no
// event at all when it finds nothing; what it finds is named after the
// journal is read, as here.
func (a *Archive) VerifyFast(ctx context.Context) ([]Problem, error) {
	if ok, err := a.quickVerify(ctx); err != nil || ok {
		return nil, err
	}
	return a.verify(ctx, true)
}

func (a *Archive) verify(ctx context.Context, fast bool) ([]Problem, error) {
	// Checking every file makes garbage (each dossier's file read and
	// hashed) on top of a whole state: paced at GOGC's default the heap
	// doubled past that state at the end (pace.go).
	defer paceGC()()
	if err := a.fullState(); err != nil {
		return nil, err
	}
	if err := a.lockOnly(func() error { return nil }); err != nil && !readOnly(err) {
		return nil, err
	}
	// Every load replays with signature and role checks, so the state just
	// reloaded is what verify needs, unless this process wrote events since
	// (those are applied unchecked), or the state was built from the
	// verified-journal cache and a full check is asked for: then read the
	// journal afresh.
	s, j := a.State, a.State.Journal
	if a.wrote || j == nil || (a.fromCache && !fast) {
		var err error
		journalReads.Add(1)
		if j, err = journal.ReadHinted(ctx, a.Dir, nil, memberKeyHints(a.Dir)); err != nil {
			return nil, err
		}
		replays.Add(1)
		s = Replay(ctx, j, a.Policy, a.now, true)
	}
	c := &checker{a: a, s: s, ps: append(restorable(j, j.Problems), s.Problems...)}
	if sha256Hex(a.PolicyRaw) != s.PolicySHA256 {
		c.ps = append(c.ps, Problem{Path: PolicyFile, Msg: l10n.T("differs from the policy the journal recorded (edited without a signed policy.update)"), Next: int(NextRestoreID), Arg: PolicyFile})
	}
	c.tree()
	c.members()
	a.rewrite = nil
	c.recipients(c.dossierFiles())
	c.submissionFiles() // submissions.go
	c.templates()
	if err := ctx.Err(); err != nil {
		// Work cut short (opensForMe's files on every core) found
		// nothing in what it did not do: no verdict rather than ok.
		return nil, err
	}
	ps := c.ps
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	sort.SliceStable(c.notes, func(i, j int) bool { return c.notes[i].Path < c.notes[j].Path })
	a.notes = c.notes
	a.quick = false
	a.verified = VerifyCounts{Events: len(j.Events), Members: len(s.Members), Dossiers: len(s.Dossiers)}
	return ps, nil
}

// VerifyNotes returns what the last Verify noted that is no problem: files
// that wait for a writer to re-encrypt them to the recipients the journal
// gives them now (their Next says how).
func (a *Archive) VerifyNotes() []Problem { return slices.Clone(a.notes) }

// readOnly reports whether err is a lock that could not be taken because
// the archive may not be written by this user (a read-only checkout).
func readOnly(err error) bool {
	return errors.Is(err, fs.ErrPermission) || readOnlyFS(err)
}

// checker collects what Verify finds, against a state replayed with every
// check.
type checker struct {
	a     *Archive
	s     *State
	ps    []Problem
	notes []Problem
	// What journalTree found: how many event files, and whether the
	// journal holds nothing else.
	events     int
	onlyEvents bool
	// expect, if set, gives the event hashes (packHashes) the state
	// stands for in a month folder; differs is set when a folder holds
	// other events than those.
	expect  func(month string) ([]byte, bool)
	differs bool
	// stamps, with expect, is what the last quick check that found nothing
	// read (quickStamps): a month holding bundles is taken from it while
	// it is as that check found it.
	stamps *quickStamps
}

func (c *checker) add(path, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Msg: l10n.Sprintf(format, args...)})
}

func (c *checker) note(path, format string, args ...any) {
	c.notes = append(c.notes, Problem{Path: path, Msg: l10n.Sprintf(format, args...)})
}

// addNext is add with the next step n (Arg arg) for the command to say.
func (c *checker) addNext(path string, n Next, arg, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Msg: l10n.Sprintf(format, args...), Next: int(n), Arg: arg})
}

// noteNext is note with the next step n (Arg arg) for the command to say.
func (c *checker) noteNext(path string, n Next, arg, format string, args ...any) {
	c.notes = append(c.notes, Problem{Path: path, Msg: l10n.Sprintf(format, args...), Next: int(n), Arg: arg})
}

func (c *checker) abs(rel string) string { return filepath.Join(c.a.Dir, filepath.FromSlash(rel)) }

// tree checks the archive's own paths: the top-level files and folders,
// and everything under journal/ (dossiers/, members/ and templates/ are
// walked by their own checks).
func (c *checker) tree() {
	for _, rel := range []string{PolicyFile, ".gitattributes", ".gitignore", MembersDir, DossiersDir, journal.Dir, TemplatesDir} {
		fi, err := os.Lstat(c.abs(rel))
		if err != nil {
			if rel == ".gitattributes" {
				c.add(rel, l10n.N("missing: without it git may convert the ciphertext's line endings and merge it as text"))
			}
			continue
		}
		c.entry(rel, fi)
	}
	c.gitattributes()
	c.gitignore()
	c.journalTree()
}

// journalTree checks everything under journal/: the year and month
// folders, then the files of each month folder on every core (a
// department's ten years are a million of them). It counts the event
// files, and notes whether the journal holds nothing else (c.onlyEvents).
func (c *checker) journalTree() {
	c.onlyEvents = true
	if fi, err := os.Lstat(c.abs(journal.Dir)); err != nil || !fi.IsDir() {
		c.onlyEvents = false // named by tree: a link is not followed
		return
	}
	var months []string
	var walk func(rel string, depth int)
	walk = func(rel string, depth int) {
		entries, _ := os.ReadDir(c.abs(rel))
		for _, d := range entries {
			r := rel + "/" + d.Name()
			fi, err := d.Info()
			if err != nil {
				continue
			}
			if !c.entry(r, fi) {
				c.onlyEvents = false
				continue
			}
			switch {
			case d.IsDir() && depth == 1:
				months = append(months, r)
				c.onlyEvents = c.onlyEvents && isDigits(d.Name(), 2)
			case d.IsDir():
				walk(r, depth+1)
				c.onlyEvents = c.onlyEvents && isDigits(d.Name(), 4)
			default:
				c.onlyEvents = false
				if strings.HasPrefix(d.Name(), tmpPrefix) {
					c.add(r, l10n.N("a temporary file of a write in progress or interrupted (the repair removes it once its process is gone)"))
				}
			}
		}
	}
	walk(journal.Dir, 0)
	found := make([]*checker, len(months))
	counts := make([]int, len(months))
	only := make([]bool, len(months))
	differs := make([]bool, len(months))
	err := work.Each(c.a.ctx, "", len(months), func(i int) {
		m := &checker{a: c.a, s: c.s}
		found[i], only[i] = m, true
		entries, _ := os.ReadDir(m.abs(months[i]))
		var loose, bundles []string // event files' hashes, bundles' names
		defer func() {
			if c.expect == nil {
				return
			}
			want, known := c.expect(months[i])
			// Checked against the snapshot, a bundle is read for the
			// events it holds (a full check reads it with the journal),
			// unless the month is as the last clean check found it.
			if known && len(bundles) > 0 && c.stamps != nil && c.stamps.monthSame(months[i], want, loose, bundles, m.abs) {
				counts[i] = len(want) / sha256.Size
				return
			}
			hashes := slices.Clone(loose)
			var stamps []bundleStamp
			for _, name := range bundles {
				rel := months[i] + "/" + name
				st, _ := statStamp(m.abs(rel)) // before reading: a change after is seen next time
				stamps = append(stamps, bundleStamp{name: name, stamp: st})
				if c.stamps != nil {
					c.stamps.read.Add(1)
				}
				b, err := sharedfile.ReadFile(m.abs(rel))
				hs, ok := journal.BundleHashes(b, name)
				if err != nil || !ok {
					differs[i] = true
				}
				hashes = append(hashes, hs...)
			}
			got, ok := packHashes(hashes)
			differs[i] = differs[i] || !ok || !known || !bytes.Equal(got, want)
			counts[i] = len(got) / sha256.Size // an event in a bundle and in a file is one
			if !differs[i] && len(bundles) > 0 && c.stamps != nil {
				c.stamps.keepMonth(months[i], want, loose, stamps)
			}
		}()
		for _, d := range entries {
			rel := months[i] + "/" + d.Name()
			fi, err := d.Info()
			if err != nil {
				continue
			}
			h, isEvent := journal.HashOfPath(rel)
			if isEvent {
				loose = append(loose, h)
			}
			bundle := journal.IsBundlePath(rel) && fi.Mode().IsRegular()
			if bundle && c.expect != nil {
				bundles = append(bundles, d.Name())
			}
			if !m.entry(rel, fi) {
				only[i] = false
				continue
			}
			switch {
			case d.IsDir():
				m.add(rel, l10n.N("a folder the journal does not have (journal/YYYY/MM/ holds the events)"))
				only[i] = false
			case strings.HasPrefix(d.Name(), tmpPrefix):
				m.add(rel, l10n.N("a temporary file of a write in progress or interrupted (the repair removes it once its process is gone)"))
				only[i] = false
			case isEvent:
				counts[i]++
			case bundle:
			default:
				only[i] = false
			}
		}
	})
	if err != nil { // cancelled: not every folder was looked at
		c.onlyEvents, c.differs = false, true
	}
	for i, m := range found {
		if m == nil {
			continue
		}
		c.ps = append(c.ps, m.ps...)
		c.events += counts[i]
		c.onlyEvents = c.onlyEvents && only[i]
		c.differs = c.differs || differs[i]
	}
}

// modeSaysWho is whether a file's mode bits say who may write it. On
// Windows they do not: access is the file's ACL, and Go reports every
// folder as 0777 and every file not read-only as 0666, so verify checks
// no "every user may write" bits there (nor the executable bit, which no
// Windows file has).
const modeSaysWho = runtime.GOOS != "windows"

// entry checks one path's type and mode, and reports whether it is a
// plain file or folder worth looking into.
func (c *checker) entry(rel string, fi fs.FileInfo) bool {
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		c.add(rel, l10n.N("is a symbolic link: crm writes only plain files and folders (git stores the link, not the file, and a link may point outside the archive)"))
		return false
	case m.IsDir():
		if modeSaysWho && m.Perm()&0o002 != 0 && m&fs.ModeSticky == 0 {
			c.add(rel, l10n.N("mode %s: a folder every user of this machine may write to"), m)
		}
		return true
	case !m.IsRegular():
		c.add(rel, l10n.N("is not a regular file (%s)"), m.Type())
		return false
	}
	switch {
	case !modeSaysWho:
	case m.Perm()&0o111 != 0 || m&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0:
		c.add(rel, l10n.N("mode %s: crm's files are never executable (git records the bit)"), m)
	case m.Perm()&0o002 != 0:
		c.add(rel, l10n.N("mode %s: every user of this machine may write it"), m.Perm())
	}
	return true
}

// members checks that members/*.yaml say what the journal says.
func (c *checker) members() {
	seen := map[string]bool{}
	entries, _ := os.ReadDir(c.abs(MembersDir))
	for _, e := range entries {
		rel := MembersDir + "/" + e.Name()
		fi, err := e.Info()
		if err != nil || !c.entry(rel, fi) {
			continue
		}
		if e.IsDir() {
			c.add(rel, l10n.N("a folder in %s/: member records are files <id>.yaml"), MembersDir)
			continue
		}
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			c.add(rel, l10n.N("a temporary file of a write in progress or interrupted (the repair removes it once its process is gone)"))
			continue
		}
		id, ok := strings.CutSuffix(e.Name(), ".yaml")
		m := c.s.Members[id]
		if !ok || m == nil {
			c.add(rel, l10n.N("no member event in the journal adds this member"))
			continue
		}
		seen[id] = true
		b, err := sharedfile.ReadFile(c.abs(rel))
		want, _ := memberFileBytes(m)
		if err != nil || !bytes.Equal(b, want) {
			c.add(rel, l10n.N("differs from what the journal says of member %s (edited by hand? the repair writes it again)"), id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.s.Members)) {
		if !seen[id] {
			c.add(MembersDir+"/"+id+".yaml", l10n.N("missing: the journal has member %s (the repair writes it)"), id)
		}
	}
}

// dossierFiles checks every file of dossiers/ against the journal, and
// returns the ids of the dossiers that have one.
func (c *checker) dossierFiles() map[string]bool {
	files := map[string]bool{}
	// Every file is read into the same buffer in turn: nothing of it is
	// kept (the header's stanzas are copies), and 100,000 files read each
	// into its own were ~0.5 GB of garbage on top of the whole state.
	var buf bytes.Buffer
	id, me := c.myKey()
	var mine []pinned // the files to try the checker's key on (opensForMe)
	entries, _ := os.ReadDir(c.abs(DossiersDir))
	for _, e := range entries {
		rel := DossiersDir + "/" + e.Name()
		fi, err := e.Info()
		if err != nil {
			continue
		}
		id, isAge := strings.CutSuffix(e.Name(), ".age")
		if !c.entry(rel, fi) {
			if d := c.s.Dossiers[id]; isAge && d != nil {
				files[id] = true // named once: a link, not a missing file
			}
			continue
		}
		if e.IsDir() {
			c.add(rel, l10n.N("a folder in %s/: dossiers are files <id>.age"), DossiersDir)
			continue
		}
		if t, ok := parseTemp(e.Name()); ok {
			if t.destroy {
				c.add(rel, l10n.N("set aside by an interrupted destruction: keep it, it may be the only copy of dossier %s (the repair puts it back or removes it as the journal says)"), t.tag)
			} else {
				c.add(rel, l10n.N("a temporary file of a write in progress or interrupted (the repair puts it in place or removes it, as the journal says)"))
			}
			continue
		}
		d := c.s.Dossiers[id]
		if r := c.s.rejectedCreate(id); isAge && d == nil && r != nil {
			c.add(rel, l10n.N("the creation of dossier %s (%s) was rejected by a decision of %s (%s): the repair removes this file (git history keeps it)"), id, kindWord(KindDossierCreate), r.By, r.Reason)
			continue
		}
		if !isAge || d == nil {
			c.add(rel, l10n.N("no dossier event in the journal creates this file"))
			continue
		}
		files[id] = true
		if d.Status == StatusDestroyed {
			c.add(rel, l10n.N("dossier %s was destroyed, but its file is still here (the repair removes it)"), id)
			continue
		}
		b, err := readReusing(&buf, c.abs(rel))
		if err != nil {
			c.add(rel, l10n.N("unreadable: %v"), err)
			continue
		}
		if got := sha256Hex(b); got != d.SHA256 && d.WrittenBy != nil {
			c.add(rel, l10n.N("sha256 %s is not %s, pinned by %s (changed, replaced or rolled back outside crm: restore it from git)"), journal.ShortHash(got), journal.ShortHash(d.SHA256), d.WrittenBy.Path)
			continue
		}
		if c.stanzas(rel, d, b) && me != nil && c.pinsMe(d, me) {
			mine = append(mine, pinned{rel, d})
		}
	}
	c.opensForMe(id, me, mine)
	return files
}

// pinned is a dossier's file the journal pins the checker's key for.
type pinned struct {
	rel string
	d   *DossierState
}

// Rewrite is the dossiers the last verify found encrypted to other keys
// than the journal pins (their files do not open with the working key,
// a pinned recipient's): a writer who can open them writes them again.
func (a *Archive) Rewrite() []string { return slices.Clone(a.rewrite) }

// CheckWithKey lets verify, opened without a key, try id (the user's own,
// if it needs no passphrase) on the dossier files the journal pins its
// member as a recipient of (opensForMe). It opens nothing else.
func (a *Archive) CheckWithKey(id *Identity) { a.checkKey = id }

// myKey is the key verify may try on the files the journal pins its
// member as a recipient of, and that member (nil, nil: none).
func (c *checker) myKey() (*Identity, *Member) {
	id := c.a.checkKey
	if id == nil {
		id = c.a.id
	}
	if id == nil || id.Age == nil {
		return nil, nil
	}
	me := c.s.MemberByRecipient(id.Recipient)
	if me == nil || me.Removed {
		return nil, nil
	}
	return id, me
}

// pinsMe reports whether the journal pins member me among the recipients
// of dossier d's file, with the key they hold now (a key rotated after
// the file was written is the rotation's to report, above).
func (c *checker) pinsMe(d *DossierState, me *Member) bool {
	return slices.Contains(d.Recipients, me.ID) && !slices.Contains(c.s.StaleKeys(d), me.ID)
}

// opensForMe checks that the key id of member me opens each of the files
// the journal pins them among the recipients of. X25519 stanzas do not
// say whose they are: a writer who encrypts a file to as many other keys
// as the journal pins passes every count, and only a pinned recipient
// can tell. The files are read again and opened on every core (at
// 100,000 dossiers a manager's key opens most of them: 30 s of CPU one
// after another); only the header and the last chunk are decrypted, no
// plaintext is kept. A file changed since the loop above hashed it is
// left to that check.
func (c *checker) opensForMe(id *Identity, me *Member, files []pinned) {
	if len(files) == 0 {
		return
	}
	const (
		opens = iota
		unreadable
		notMine
	)
	verdicts := make([]int, len(files))
	errs := make([]error, len(files))
	const chunk = 256
	_ = work.Each(c.a.ctx, "", (len(files)+chunk-1)/chunk, func(k int) {
		var buf bytes.Buffer
		for n := k * chunk; n < min(len(files), (k+1)*chunk); n++ {
			f := files[n]
			b, err := readReusing(&buf, c.abs(f.rel))
			if err != nil || sha256Hex(b) != f.d.SHA256 {
				continue
			}
			var key age.Identity = id.Age
			if i := slices.Index(f.d.Recipients, me.ID); i > 0 {
				key = ownStanzaFirst{id.Age, i}
			}
			if _, _, err := age.DecryptReaderAt(bytes.NewReader(b), int64(len(b)), key); err != nil {
				var nm *age.NoIdentityMatchError
				if errors.As(err, &nm) {
					verdicts[n] = notMine
				} else {
					verdicts[n], errs[n] = unreadable, err
				}
			}
		}
	})
	for n, f := range files {
		switch verdicts[n] {
		case unreadable:
			c.add(f.rel, l10n.N("unreadable: %v"), errs[n])
		case notMine:
			msg, args := notForMe(f.d, me.ID)
			c.add(f.rel, msg, args...)
			c.a.rewrite = append(c.a.rewrite, f.d.ID)
		}
	}
}

// notForMe says that dossier d's file does not open with the key of
// member me, whom the journal pinned among its recipients (a format and
// its arguments).
func notForMe(d *DossierState, me string) (string, []any) {
	if d.WrittenBy == nil {
		return l10n.N("does not open with your key (%s), though the journal pins you among its recipients: it was encrypted to other keys than the journal says, and a writer who can open it must write it again to its readers"), []any{me}
	}
	return l10n.N("does not open with your key (%s), though %s by %s pinned you among its recipients: it was encrypted to other keys than the journal says, and %s (or another writer who can open it) must write it again to its readers"), []any{me, d.WrittenBy.Path, d.WrittenBy.Actor, d.WrittenBy.Actor}
}

// readReusing reads the file at p into buf, emptied first: the bytes are
// buf's until its next use.
func readReusing(buf *bytes.Buffer, p string) ([]byte, error) {
	buf.Reset()
	f, err := sharedfile.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// stanzas counts the recipient stanzas of a dossier file's age header
// against the recipients the journal pinned: X25519 stanzas do not say
// whose they are, but there must be exactly one per pinned recipient, all
// of the archive's key kind. An extra one is a reader nobody journaled.
func (c *checker) stanzas(rel string, d *DossierState, b []byte) bool {
	by := ""
	if d.WrittenBy != nil {
		by = d.WrittenBy.Path
	}
	if msg, args := stanzaProblem(c.a.Policy, d.Recipients, by, b); msg != "" {
		c.add(rel, msg, args...)
		return false
	}
	return true
}

// stanzaProblem says what is wrong with the recipient stanzas of a
// dossier's file b, pinned by the event at path by to recipients (a
// format and its arguments), or "".
func stanzaProblem(p *Policy, recipients []string, by string, b []byte) (string, []any) {
	types, err := stanzaTypes(b)
	if err != nil {
		return l10n.N("not an age file crm could have written: %v"), []any{err}
	}
	return stanzaTypesProblem(p, recipients, by, types)
}

// stanzaTypes are the types of the recipient stanzas of the age file b.
func stanzaTypes(b []byte) ([]string, error) {
	ss, err := agefile.Header(b)
	if err != nil {
		return nil, err
	}
	types := make([]string, len(ss))
	for i, s := range ss {
		types[i] = s.Type
	}
	return types, nil
}

// stanzaTypesProblem is stanzaProblem for a file whose recipient stanzas
// have these types.
func stanzaTypesProblem(p *Policy, recipients []string, by string, types []string) (string, []any) {
	want := "X25519"
	if p.KeyKind == "pq" {
		want = "mlkem768x25519"
	}
	for _, t := range types {
		if t != want {
			return l10n.N("has a %s recipient stanza: crm encrypts to %s keys only (a passphrase, ssh key or plugin reader nobody journaled)"), []any{t, want}
		}
	}
	if len(types) != len(recipients) {
		return l10n.N("is encrypted to %d recipients, but %s pinned %d (%s): a reader was added or removed outside crm"), []any{len(types), by, len(recipients), l10n.List(recipients)}
	}
	return "", nil
}

// recipients checks that every active dossier has a file, and notes those
// whose recipients are not the ones the journal gives now: a step recorded
// without a file (a borrower's own return, a loan approved by a role that
// only reads) or an interrupted member change, which a writer's next step
// re-encrypts. That is pending work, not a problem: the file was pinned
// with recipients allowed when it was written (replay checks it), and crm
// opens it only for whom the journal allows now.
func (c *checker) recipients(files map[string]bool) {
	for _, d := range c.s.SortedDossiers() {
		if d.Status != StatusActive {
			continue
		}
		if !files[d.ID] {
			c.add(DossierPath(d.ID), l10n.N("missing: the journal says dossier %s exists (restore it from git)"), d.ID)
		}
		if want := c.s.ExpectedRecipients(d); !slices.Equal(d.Recipients, want) {
			c.noteNext(DossierPath(d.ID), NextReencrypt, d.ID, l10n.N("encrypted to %v, the journal now gives %v: a writer of level %s re-encrypts it at their next step"), idsText(d.Recipients), idsText(want), d.Level)
		}
		if elsewhere := c.s.AddedElsewhere(d); len(elsewhere) > 0 {
			c.noteNext(DossierPath(d.ID), NextRekey, d.ID, l10n.N("written in a clone where %v named another key (a %s of the same id, made apart and superseded by the one that counts): it opens with that key, not theirs, until a writer of level %s re-encrypts it"), idsText(elsewhere), kindWord(KindMemberAdd), d.Level)
		}
		if old := c.s.StaleKeys(d); len(old) > 0 {
			after, concurrent := c.s.staleKeysByOrder(d, old)
			if len(after) > 0 {
				c.addNext(DossierPath(d.ID), NextRewrite, d.ID, l10n.N("still opens with the old keys of %v (changed by %s since it was written)"), idsText(after), kindWord(KindMemberRotate))
			}
			if len(concurrent) > 0 {
				c.noteNext(DossierPath(d.ID), NextRekey, d.ID, l10n.N("written in a clone that had not heard of the change of keys of %v (%s): it opens with their old keys until a writer of level %s re-encrypts it"), idsText(concurrent), kindWord(KindMemberRotate), d.Level)
			}
		}
	}
}

// templates checks that every file under templates/ is an override the
// journal pins with its present content.
func (c *checker) templates() {
	for _, t := range c.a.templatesOf(c.s) {
		rel := TemplatesDir + "/" + t.Path
		switch t.Status {
		case TemplateUnpinned:
			if fi, err := os.Lstat(c.abs(rel)); err == nil && !c.entry(rel, fi) {
				continue
			}
			c.add(rel, l10n.N("an override no templates.update pins: it is not used (a manager pins it, or remove it)"))
		case TemplateChanged:
			c.add(rel, l10n.N("changed since a templates.update pinned it: it is not used (a manager pins the new version, or restore it from git)"))
		case TemplateMissing:
			c.add(rel, l10n.N("pinned by the journal (templates.update) but missing: restore it from git, or pin the overrides again"))
		default:
			if fi, err := os.Lstat(c.abs(rel)); err == nil {
				c.entry(rel, fi)
			}
		}
	}
}

// restorable returns the journal's problems (ps, read from j) with the
// step that mends those an event's own bytes mend (NextRestoreEvent, Arg:
// its hash): an event file that is not the bytes its name says (edited,
// cut short, or rewritten after it was written) and an event that follows
// one missing from the journal (deleted, or reverted with git). No
// decision can settle either: a decision names an event the journal
// holds. Git history, or a backup, holds the bytes, which the name's hash
// proves. Problems with a next step of their own keep it.
func restorable(j *journal.Journal, ps []Problem) []Problem {
	out := slices.Clone(ps)
	for i, p := range out {
		if p.Next != int(NoNext) || journal.IsBundlePath(p.Path) {
			continue
		}
		h, ok := journal.HashOfPath(p.Path)
		if !ok {
			continue
		}
		e := j.ByHash[h]
		if e == nil {
			out[i].Next, out[i].Arg = int(NextRestoreEvent), h
			continue
		}
		for _, prev := range e.Prev {
			if j.ByHash[prev] == nil {
				out[i].Next, out[i].Arg = int(NextRestoreEvent), prev
				break
			}
		}
	}
	return out
}
