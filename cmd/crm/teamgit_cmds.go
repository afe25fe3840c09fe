package main

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// newMergeDriverCmd is git's merge driver for *.age (merge.crm.driver):
// it decrypts the three versions in memory with the user's key, merges the
// YAML field by field and writes the result, encrypted only to those who
// could read both sides, into OURS. On a conflict it exits 1 and leaves
// OURS as it was (ciphertext, no markers), recording what is needed in the
// git folder for crm sync and crm resolve.
func newMergeDriverCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:         "merge-driver BASE OURS THEIRS [MARKER-SIZE PATH]",
		Short:       l10n.Pick("git merge driver: merge dossier files field by field", "git 合并驱动：按字段合并档案文件"),
		Args:        cobra.RangeArgs(3, 5),
		Hidden:      true,
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 5 {
				path = filepath.ToSlash(args[4])
			}
			return e.mergeDriver(args[0], args[1], args[2], path)
		},
	}
}

func (e *env) mergeDriver(basePath, oursPath, theirsPath, path string) error {
	wd, _ := os.Getwd()
	id, ok := strings.CutSuffix(filepath.Base(path), ".age")
	if !ok || filepath.Base(filepath.Dir(path)) != archive.DossiersDir {
		return l10n.Errorf("crm merges only dossier files (%s/ID.age), not %q", archive.DossiersDir, path)
	}
	base, _ := os.ReadFile(basePath)
	ours, err := os.ReadFile(oursPath)
	if err != nil {
		return err
	}
	theirs, err := os.ReadFile(theirsPath)
	if err != nil {
		return err
	}
	now, err := e.now()
	if err != nil {
		return err
	}
	// git runs the driver once per merged dossier: the journal is read
	// through the user's verified-journal cache, like any command.
	idt, idErr := e.identity(false)
	o := archive.OpenOptions{Clock: now}
	if idErr == nil {
		o.Identity = idt
	}
	if !e.v.GetBool("no_cache") {
		// That dossier's part of the state snapshot, when one stands for
		// the journal as the merge has it so far; else a replay.
		o.CacheDir, o.Snapshot, o.Only = e.v.GetString("cache_dir"), true, id
	}
	a, err := archive.OpenWith(e.ctx(), filepath.Join(wd, filepath.Dir(filepath.Dir(path))), o)
	if err != nil {
		return err
	}
	// git runs merge drivers at the top of the work tree
	g, err := repoAt(wd, a.Dir)
	if err != nil {
		return err
	}
	rec := &mergeRecord{Dossier: id, Path: path}
	err = idErr
	if err == nil {
		err = a.SetIdentity(idt)
	}
	if err != nil {
		rec.Conflict, rec.Version = "unreadable", "any"
		writeRecord(g, rec)
		return denied(l10n.Errorf("dossier %s: no identity of a member here to merge it with: %v", id, err))
	}
	pins := pinFinder(a, g, id)
	if need, ok := a.MayWrite(archive.KindDossierMerge); !ok {
		// a reader who may not write dossiers (a gm) hands the merge on
		rec.Conflict, rec.Conflicts = "role", need
		if rs, ok := pins(archive.SHA256Hex(ours)); ok {
			for _, m := range rs {
				if mm := a.State.Members[m]; mm != nil && mm.HasRole(need...) {
					rec.Readers = append(rec.Readers, m)
				}
			}
		}
		writeRecord(g, rec)
		return denied(errors.New(conflictLine(rec, a.Policy)))
	}
	oneCreation := false
	if len(base) == 0 {
		// git holds no common version: two creations under one id, or
		// one creation in histories that no longer meet (crm purge
		// rewrote one of them).
		base, oneCreation = sharedBase(a, g, id)
	}
	r, err := a.MergeDossier(id, base, ours, theirs, pins)
	if err != nil {
		return err
	}
	rec.Parents = r.Parents
	switch {
	case r.Clean():
		rec.Merged, rec.Recipients, rec.Keys, rec.Fields = archive.SHA256Hex(r.Merged), r.Recipients, r.Keys, r.Fields
		if err := writeRecord(g, rec); err != nil {
			return err
		}
		return archive.WriteAtomic(oursPath, 0o644, func(w io.Writer) error {
			_, err := w.Write(r.Merged)
			return err
		})
	case r.Created && oneCreation:
		rec.Conflict = "rewritten"
	case r.Created:
		rec.Conflict = "created"
	case r.Unreadable != "":
		rec.Conflict, rec.Version, rec.Readers = "unreadable", r.Unreadable, r.Readers
	default:
		rec.Conflict, rec.Conflicts = "fields", r.Conflicts
	}
	writeRecord(g, rec)
	return errors.New(conflictLine(rec, a.Policy))
}

// sharedBase is the common version of dossier id's file when git found
// none (both sides added it), and whether both sides' journals hold one
// and the same creation of it. They do when the histories were rewritten
// apart (crm purge in one clone): then the base is the newest version this
// clone's journal pinned in an event the other side's journal holds too
// (holdsEvent; nil when there is none, or git has lost that version).
// They do not when the other side's journal creates id in
// an event of its own: two creations under one id, never merged; nor when
// no ref names the other side (git pull run by hand).
func sharedBase(a *archive.Archive, g *gitRepo, id string) ([]byte, bool) {
	events, err := a.DossierLog(id)
	if err != nil {
		return nil, false
	}
	i := slices.IndexFunc(events, func(e *journal.Event) bool { return e.Kind == archive.KindDossierCreate && e.Dossier == id })
	if i < 0 {
		return nil, false
	}
	ref := cmp.Or(os.Getenv("CRM_MERGE_THEIRS"), "MERGE_HEAD") // the other side, as pinFinder looks first
	// The same creation: its event is in the other side's tree, as a file
	// or in a bundle. Without a ref to look in (a plain git pull names
	// none), two creations are assumed, as before.
	created := events[i]
	same := g.holdsEvent(ref, a.Dir, created)
	for _, ev := range g.eventsIn(ref) {
		if ev.Kind == archive.KindDossierCreate && ev.Dossier == id {
			if ev.Hash != created.Hash {
				return nil, false
			}
			same = true
		}
	}
	if !same {
		return nil, false
	}
	for j := len(events) - 1; j >= 0; j-- {
		ev := events[j]
		var f archive.File
		if ev.Dossier != id || ev.DecodeLoose(&f) != nil || f.SHA256 == "" {
			continue
		}
		if !g.holdsEvent(ref, a.Dir, ev) {
			continue
		}
		return g.pinnedBlob(id, f.SHA256), true
	}
	return nil, true
}

// holdsEvent reports whether the tree of ref holds event ev as the
// archive at dir has it: its own file, or the bundle of its month that
// holds it here (a bundle is named for its bytes, so the same name holds
// the same events). One that ref holds in a bundle of another name is
// among eventsIn(ref).
func (g *gitRepo) holdsEvent(ref, dir string, ev *journal.Event) bool {
	if _, err := g.run("cat-file", "-e", ref+":"+g.path(ev.Path)); err == nil {
		return true
	}
	b := ev.Bundle()
	if b == "" {
		b = journal.BundleHolding(dir, ev.Path)
	}
	if b == "" {
		return false
	}
	_, err := g.run("cat-file", "-e", ref+":"+g.path(path.Join(path.Dir(ev.Path), b)))
	return err == nil
}

// pinFinder returns the recipients the journal pinned for a ciphertext
// hash of dossier id's file: this clone's events of that dossier, else the
// events of the other side of the merge (CRM_MERGE_THEIRS, MERGE_HEAD, then
// every ref), which git may not have put in the work tree yet.
func pinFinder(a *archive.Archive, g *gitRepo, id string) func(string) ([]string, bool) {
	var other []*journal.Event
	loaded := false
	cached := readPins(g)
	return func(sum string) ([]string, bool) {
		if rs, ok := a.PinnedRecipientsOf(id, sum); ok {
			return rs, true
		}
		if rs, ok := cached[sum]; ok {
			return rs, true
		}
		if !loaded {
			loaded = true
			refs := []string{os.Getenv("CRM_MERGE_THEIRS"), "MERGE_HEAD"}
			if out, err := g.run("for-each-ref", "--format=%(objectname)"); err == nil {
				refs = append(refs, strings.Fields(out)...)
			}
			seen := map[string]bool{}
			for _, ref := range refs {
				if ref == "" || seen[ref] {
					continue
				}
				seen[ref] = true
				other = append(other, g.eventsIn(ref)...)
			}
		}
		for _, ev := range other {
			var f archive.File
			if ev.Dossier != "" && ev.DecodeLoose(&f) == nil && f.SHA256 == sum {
				return f.Recipients, true
			}
		}
		return nil, false
	}
}

// pinsFile caches, for the merge driver's runs (one per file), the
// recipients the other side's events pinned: crm sync writes it before it
// merges, so each run need not read the other side's journal from git.
func pinsFile(g *gitRepo) string { return filepath.Join(g.gitDir(), "crm", "pins.yaml") }

func writePins(g *gitRepo, ref string) {
	pins := map[string][]string{}
	for _, ev := range g.eventsIn(ref) {
		var f archive.File
		if ev.Dossier != "" && ev.DecodeLoose(&f) == nil && f.SHA256 != "" {
			pins[f.SHA256] = f.Recipients
		}
	}
	if b, err := yaml.Marshal(pins); err == nil {
		os.MkdirAll(filepath.Dir(pinsFile(g)), 0o700)
		os.WriteFile(pinsFile(g), b, 0o600)
	}
}

func readPins(g *gitRepo) map[string][]string {
	pins := map[string][]string{}
	if b, err := sharedfile.ReadFile(pinsFile(g)); err == nil {
		yaml.Unmarshal(b, &pins)
	}
	return pins
}

// pushed reports whether the remote's branch as just fetched is HEAD
// (atRemote: headAt of its remote-tracking ref), and the branch tracks it
// (what push -u sets): then a push has nothing to send, and is not made.
// A sync with nothing to do connected to the remote twice (an ssh login
// each), once to be told so.
func pushed(g *gitRepo, remote, branch string, atRemote bool) bool {
	return atRemote && g.config("branch."+branch+".remote") == remote && g.config("branch."+branch+".merge") == "refs/heads/"+branch
}

// headAt gives the commits HEAD and ref name ("" for one that names
// none: no commit yet, a remote branch not fetched yet), in one git
// process when both do.
func (g *gitRepo) headAt(ref string) (head, at string) {
	out, err := g.run("rev-parse", "HEAD", ref)
	if ids := strings.Fields(out); err == nil && len(ids) == 2 && isObjectName(ids[0]) && isObjectName(ids[1]) {
		return ids[0], ids[1]
	}
	head, _ = g.run("rev-parse", "-q", "--verify", "HEAD")
	at, _ = g.run("rev-parse", "-q", "--verify", ref)
	return strings.TrimSpace(head), strings.TrimSpace(at)
}

func newSyncCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:         "sync",
		Short:       l10n.Pick("Commit crm's changes, pull and merge the others' work, journal the merge, verify and push", "提交 crm 的改动，拉取并合并他人的工作，记录合并，核查后推送"),
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE:        func(cmd *cobra.Command, args []string) error { return e.sync() },
	}
}

func (e *env) sync() error {
	// Every open of a sync takes the state from the user's snapshot when
	// it stands (no replay of the journal): the first needs only the
	// members and the policy; a step that needs more (files to commit,
	// merges to journal) reads the journal then (WholeState).
	e.snapshot, e.summary = true, archive.SummaryNone
	a, g, err := e.openGit(true)
	if err != nil {
		if moved, say := e.catchUp(err); moved {
			a, g, err = e.openGit(true)
		} else if say != nil {
			err = say
		}
	}
	if err != nil {
		return err
	}
	// Steps the merge makes moot (a concurrent step ordered first) are
	// said, not left for verify to note: an approval that stops
	// counting sends the request back a step.
	mootBefore := map[string]bool{}
	for _, p := range a.State.Superseded {
		mootBefore[p.Path] = true
	}
	if miss := driversMissing(g); len(miss) > 0 {
		return &archive.Error{Code: archive.Failed, Err: l10n.Errorf("this clone has no crm git drivers configured (%s): without them git would merge ciphertext as text", l10n.List(miss)), Next: archive.NextGitSetup}
	}
	if driver, why := driverNotOnPath(g); why != "" {
		e.errorf("crm: %s\n", l10n.Sprintf("warning: git runs crm's merge driver as %q (git config merge.crm.driver), but %s: a dossier both clones changed would be left in conflict; put crm on PATH (go install ./cmd/crm, or add its folder to PATH), or run crm git setup with the crm you run", driver, why))
	}
	// The branch, as its merges and commits below leave it checked out.
	branch := currentBranch(g)
	remote := g.config("branch." + branch + ".remote")
	if remote == "" {
		remote = strings.TrimSpace(firstLine(mustRun(g, "remote")))
	}
	if remote == "" {
		return l10n.Errorf("this clone has no git remote to sync with: add one with git remote add origin URL")
	}
	if midRebase(a.Dir) {
		// Its branch is not checked out: a merge into what is, and a
		// push of it, would leave out the commits still to replay.
		return l10n.Errorf("a git rebase is under way in this clone (git pull --rebase): settle its dossier conflicts with crm resolve ID and go on with git rebase --continue, or undo it with git rebase --abort; then run crm sync again, which merges instead")
	}
	merging := g.merging()
	if merging && cannotSettle(g) {
		// A plain git pull left a dossier this key cannot open every
		// version of: no crm resolve of this user's can settle it, and
		// finishing the merge would wait for it forever. Undone, the
		// sync merges as it does any (below): the user's work waits on
		// a side branch for a member who can.
		e.undoMerge(g, untracked(g))
		merging = false
		e.printf("%s\n", l10n.T("Undid git's merge in progress: it holds a dossier your key cannot settle; your work is handed on instead."))
	}
	if merging {
		if err := e.finishMerge(g); err != nil {
			return err
		}
	} else if err := e.journalMerges(a, g); err != nil {
		// a git pull of its own merged dossiers git's driver merged
		return err
	} else if n, err := e.commitOwn(a, g, "crm sync: crm's uncommitted changes\n"); err != nil {
		return err
	} else if n > 0 {
		e.printf("%s\n", l10n.Sprintf("Committed %d file(s) crm had written.", n))
	}
	if _, err := g.run("fetch", "-q", "--prune", remote); err != nil {
		return l10n.Errorf("fetching from %s: %v", remote, err)
	}
	tracking := remote + "/" + branch
	// git merge wants a committer even with --no-commit: the member, as
	// for crm's own commits, so that a clone without user.name merges.
	me, _ := a.Me()
	g.setAuthor(me)
	// A sync with nothing new (HEAD is the remote's branch as fetched)
	// merges nothing, and starts no git process to be told so.
	before, at := g.headAt("refs/remotes/" + tracking)
	merged := false
	if at != "" && at != before {
		if err := e.mergeRef(g, tracking, false); err != nil {
			return err
		}
		merged = true
	}
	// Work a clerk could not merge (a version their key does not open)
	// waits on side branches for someone who can.
	handed, err := e.mergeHandoffs(g, remote)
	if err != nil {
		return err
	}
	if before != "" && (merged || len(handed) > 0) {
		e.warnTakenOut(g.takenOut(a.Dir, before+"..HEAD"))
	}
	// The push check reads the snapshot's rows when it can (VerifyPush).
	e.snapshot, e.summary = true, archive.SummaryRows
	a, err = e.open(true)
	if err != nil {
		return err
	}
	if err := e.renumberOwn(a, g); err != nil {
		return err
	}
	if err := e.dropVoidHandIns(a, g); err != nil {
		return err
	}
	if merged || len(handed) > 0 {
		// Others' work left the customers index behind: made again
		// here, where the rows are read already, not by the next
		// crm new (R5: one dossier per customer).
		a.KeepCustomersIndex(a.Context())
	}
	// Asked again: renumbering and dropping hand-ins commit.
	head, at := g.headAt("refs/remotes/" + tracking)
	inherited, err := e.checkPush(a, g, tracking, head, at)
	if err != nil {
		return err
	}
	if !pushed(g, remote, branch, head != "" && head == at) {
		if out, err := g.run("push", "-q", "--no-verify", "-u", remote, "HEAD:refs/heads/"+branch); err != nil {
			return l10n.Errorf("the push to %s was refused (%s): your commits are kept here; run crm sync again", remote, firstLine(pushReason(err, out)))
		}
	}
	for _, b := range handed {
		g.run("push", "-q", "--no-verify", remote, "--delete", b)
	}
	ahead := map[string]bool{}
	for _, ev := range a.AheadEvents() {
		ahead[ev.Path] = true
	}
	for _, p := range inherited {
		if p.Next == int(archive.NextRestoreEvent) {
			// No decision mends it: the event's own bytes do.
			e.errorf("%s\n", l10n.Sprintf("note: a problem that came from the remote: %s", noteText(p)))
			continue
		}
		if strings.HasPrefix(p.Path, journal.Dir+"/") && !ahead[p.Path] {
			e.errorf("%s\n", l10n.Sprintf("note: a problem that came from the remote: %s (a manager settles it with crm verify --accept or --reject)", p))
			continue
		}
		// A file (restore it) or an event dated ahead (no decision can
		// settle it before its date): the problem says what to do.
		e.errorf("%s\n", l10n.Sprintf("note: a problem that came from the remote: %s", p))
	}
	for _, p := range a.State.Superseded {
		if !mootBefore[p.Path] {
			e.printf("%s\n", l10n.Sprintf("note: %s", p))
		}
	}
	n := a.Verified()
	e.printf("%s\n", l10n.Sprintf("Synced with %s: %d event(s), %d dossier(s) verified.", remote, n.Events, n.Dossiers))
	return nil
}

// catchUp brings this clone up to its remote's branch when the key in
// use is no member here (err) but may be there: keys changed, or a
// member added, in another clone. It only fast-forwards, which needs no
// key and merges nothing; it reports whether it moved, for the caller
// to open the archive again. When it cannot move because this clone has
// commits the remote lacks, and the remote's member files give the key,
// it returns what to say instead of err: err's advice, to have a manager
// add the key, would be wrong, and the merge needs the keys this clone's
// commits were made with (member files are only read for this advice;
// nothing is trusted from them).
func (e *env) catchUp(err error) (bool, error) {
	var ae *archive.Error
	if !errors.As(err, &ae) || ae.Code != archive.Denied || ae.Next != archive.NextMemberAdd && ae.Next != archive.NextIdentity {
		return false, nil
	}
	a, oerr := e.openJournal()
	if oerr != nil {
		return false, nil
	}
	g, gerr := repoOf(a)
	if gerr != nil || g.merging() {
		return false, nil
	}
	remote := strings.TrimSpace(firstLine(mustRun(g, "remote")))
	branch := currentBranch(g)
	if up := g.config("branch." + branch + ".remote"); up != "" {
		remote = up
	}
	if remote == "" {
		return false, nil
	}
	if _, err := g.run("fetch", "-q", remote); err != nil {
		return false, nil
	}
	ref := remote + "/" + branch
	head, _ := g.run("rev-parse", "HEAD")
	if _, err := g.run("merge", "--ff-only", "-q", ref); err != nil {
		// HEAD has commits ref lacks (else the fast-forward failed for
		// another reason, e.g. changes in the work tree, which git said).
		_, notInRef := g.run("merge-base", "--is-ancestor", "HEAD", ref)
		if id := memberOnRef(g, ref, ae.Arg); ae.Next == archive.NextMemberAdd && id != "" && notInRef != nil {
			return false, &archive.Error{Code: archive.Denied, Err: l10n.Errorf("your key %s is member %s's on %s (keys changed, or the member added, in another clone), but this clone has commits %s lacks, so crm cannot simply move it forward: run crm sync once with the identity file this clone's work was done with, to merge, then again with this one", ae.Arg, id, ref, ref)}
		}
		return false, nil
	}
	now, _ := g.run("rev-parse", "HEAD")
	return now != head, nil
}

// memberOnRef returns the id of the member whose member file
// (members/ID.yaml) on ref gives recipient, or "".
func memberOnRef(g *gitRepo, ref, recipient string) string {
	if !strings.HasPrefix(recipient, "age1") {
		return ""
	}
	out, err := g.run("grep", "-l", "-F", "-e", "recipient: "+recipient, ref, "--", ":(top)")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		_, p, _ := strings.Cut(strings.TrimSpace(l), ":") // REF:PATH
		dir, file := path.Split(p)
		if id, ok := strings.CutSuffix(file, ".yaml"); ok && path.Base(dir) == archive.MembersDir {
			return id
		}
	}
	return ""
}

// dropVoidHandIns removes and commits the files of the hand-ins that took
// no effect for good (archive.VoidHandIns): superseded by a step taken
// concurrently in another clone (a dossier raised above the level a
// hand-in was encrypted for, or destroyed, first in the merged order), or
// rejected by a decision. Nobody can fold them, and left in place they
// were a problem verify found, which no push may spread, so that their
// author's clone could push nothing. Each is said, for its author to hand
// in again.
func (e *env) dropVoidHandIns(a *archive.Archive, g *gitRepo) error {
	ids, err := a.RemoveVoidHandIns()
	if len(ids) > 0 {
		if _, cerr := e.commitOwn(a, g, "crm sync: the files of hand-ins that took no effect\n"); cerr != nil {
			return errors.Join(err, cerr)
		}
		for _, id := range ids {
			e.printf("%s\n", l10n.Sprintf("Hand-in %s took no effect: a step taken meanwhile in another clone superseded it, or a decision rejected it (crm verify says which). Its file is removed; hand it in again if it is still wanted.", id))
		}
	}
	return err
}

// renumberOwn settles the user's own dossiers whose id another clone took
// first (clones numbering sequentially): each is created again under a
// new id, with the same ciphertext, and the collision withdrawn.
func (e *env) renumberOwn(a *archive.Archive, g *gitRepo) error {
	evs := a.OwnCollisions()
	for _, ev := range evs {
		newID, withdrawn, err := a.Renumber(ev, g.findByHash)
		if err != nil {
			return l10n.Errorf("dossier %s was also created in another clone, and yours could not be renumbered: %v", ev.Dossier, err)
		}
		e.printf("%s\n", l10n.Sprintf("Dossier %s was also created in another clone: yours is now %s.", ev.Dossier, newID))
		if len(withdrawn) > 0 {
			kinds := make([]string, len(withdrawn))
			for i, k := range withdrawn {
				kinds[i] = archive.KindText(k)
			}
			e.printf("%s\n", l10n.Sprintf("Your steps on it that %s does not carry were withdrawn (%s): take them again on %s if they still apply.", newID, l10n.List(kinds), newID))
		}
	}
	if len(evs) == 0 {
		return nil
	}
	paths := touchedPaths(a, g)
	me, _ := a.Me()
	_, err := g.commitPaths(paths, "crm sync: renumber dossiers whose id another clone took\n", me)
	return err
}

func pushReason(err error, out string) string {
	if ge, ok := err.(*gitError); ok {
		for _, l := range strings.Split(ge.msg, "\n") {
			if strings.Contains(l, "[rejected]") || strings.Contains(l, "[remote rejected]") || strings.HasPrefix(l, "remote:") {
				return strings.TrimSpace(l)
			}
		}
		return ge.msg
	}
	return out
}

func mustRun(g *gitRepo, args ...string) string {
	out, _ := g.run(args...)
	return out
}

// mergeRef merges ref into the current branch with crm's driver, journals
// the dossier merges, rewrites member files and concludes the merge
// commit. A conflict a person must settle stops with one line per dossier;
// one the user's key cannot settle undoes the merge (nothing changed) and
// hands their work to a member who can (handOffBranch), unless ref is
// itself work handed on (handOff): the user's own work is not held up by
// it, and is not handed on.
func (e *env) mergeRef(g *gitRepo, ref string, handOff bool) error {
	if _, err := g.run("merge-base", "--is-ancestor", ref, "HEAD"); err == nil {
		return nil // nothing new
	}
	var before map[string]bool
	if handOff {
		before = untracked(g)
	}
	os.RemoveAll(recordDir(g))
	writePins(g, ref)
	defer os.Remove(pinsFile(g))
	author := g.env
	g.env = append(append(slices.Clip(author), "CRM_MERGE_THEIRS="+ref), e.driverEnv()...)
	_, mergeErr := g.run("merge", "--no-commit", "--no-edit", "-q", ref)
	g.env = author
	if !g.merging() {
		if mergeErr != nil {
			return l10n.Errorf("merging %s: %v", ref, mergeErr)
		}
		return nil // a fast-forward: nothing to journal
	}
	var unreadable []*mergeRecord
	for _, r := range readRecords(g) {
		if r.Conflict == "unreadable" || r.Conflict == "role" {
			unreadable = append(unreadable, r)
		}
	}
	if len(unreadable) > 0 && !handOff {
		var kept []string
		if unreadable, kept = e.keepLostRight(g, unreadable); len(unreadable) == 0 {
			// Said only when the merge goes on (an abort undoes them).
			for _, id := range kept {
				e.printf("%s\n", l10n.Sprintf("Dossier %s: your change does not count, as a change of your roles in the other clone took away the right it used (crm verify names it): the journal's version is kept; your change stays in git history until a manager decides.", id))
			}
		}
	}
	if len(unreadable) > 0 {
		g.run("merge", "--abort")
		if handOff {
			lines := []string{l10n.Sprintf("your key cannot settle what it brings; a member who can read these dossiers merges it:")}
			pol := e.worktreePolicy() // the archive is not opened here
			for _, r := range unreadable {
				lines = append(lines, conflictLine(r, pol))
			}
			return failWith(lines)
		}
		e.summary = archive.SummaryRows // for the push check (VerifyPush)
		a, err := e.open(true)
		if err != nil {
			return err
		}
		me, _ := a.Me()
		if removedOn(g, ref, me.ID) {
			// Their key opens nothing the others wrote since: the
			// remote removed them. Handed on, their work would only
			// bring steps that cannot count to whoever merged it.
			return &archive.Error{Code: archive.Denied, Err: l10n.Errorf("%s removes you (%s) from this archive: steps you took since cannot count, and nothing was pushed (your work stays in this clone); ask a manager", ref, me.ID)}
		}
		branch := handOffBranch(g, me.ID)
		remote := strings.SplitN(ref, "/", 2)[0]
		var lines []string
		rotated := false
		for _, r := range unreadable {
			if slices.Contains(r.Readers, me.ID) {
				// Encrypted to this member but not to this key: their
				// keys were changed (member.rotate) in the other clone.
				// No key of theirs opens both versions; the others can.
				r2 := *r
				r2.Readers = slices.DeleteFunc(slices.Clone(r.Readers), func(s string) bool { return s == me.ID })
				r, rotated = &r2, true
			}
			lines = append(lines, conflictLine(r, a.Policy))
		}
		if rotated {
			lines = append(lines, l10n.Sprintf("your key is not the one member %s has on %s (keys changed with crm member rotate): once your work is merged, use the identity file of the new keys", me.ID, ref))
		}
		if _, err := e.checkPush(a, g, ref, "", ""); err != nil {
			return failWith(append(lines, err.Error()))
		}
		if _, err := g.run("push", "-q", "--no-verify", "-f", remote, "HEAD:refs/heads/"+branch); err == nil {
			lines = append(lines, l10n.Sprintf("your work waits on branch %s of %s: their next crm sync merges it; then sync again", branch, remote))
		}
		return failWith(lines)
	}
	e.handOffMerge = handOff
	err := e.finishMerge(g)
	e.handOffMerge = false
	if err != nil {
		var settle personConflicts
		if handOff && g.merging() && !errors.As(err, &settle) {
			// Work handed on that cannot be concluded (its steps
			// refused): the clone is put back as it was, the branch
			// left for another member. A conflict for a person stays,
			// for crm resolve, as in any merge.
			e.undoMerge(g, before)
		}
		return err
	}
	return nil
}

// keepLostRight settles, in a merge in progress, the dossiers of recs
// (versions this user's key cannot open) whose version on this side was
// written by a step of the user's own that the merged journal refuses
// because a change of their roles on the other side took away a right it
// uses (archive.OwnLostRight: a clerk's edit, the clerk moved to sales
// meanwhile): the version the journal pins is kept, as a clone that
// merged the edit keeps it (journalMerges), and the user's stays in git
// history. It returns the records it did not settle, and the dossiers it
// did.
func (e *env) keepLostRight(g *gitRepo, recs []*mergeRecord) (rest []*mergeRecord, kept []string) {
	a, err := e.open(true)
	if err != nil {
		return recs, nil
	}
	mine := lostRightDossiers(a)
	if len(mine) == 0 {
		return recs, nil
	}
	for _, r := range recs {
		d := a.State.Dossiers[r.Dossier]
		if !mine[r.Dossier] || d == nil || d.Status != archive.StatusActive || a.MergeablePins(r.Dossier, r.Parents) || !putBackPinned(a, g, d, r.Path) {
			rest = append(rest, r)
			continue
		}
		removeRecord(g, r.Dossier)
		kept = append(kept, r.Dossier)
	}
	return rest, kept
}

// keepLostRightFiles is keepLostRight for the dossiers git merged
// without a record: changed on this side only, by a step of the user's
// own that the merged journal refuses because a change of their roles on
// the other side took away a right it uses, while their key still opens
// the file (a manager made general manager, who reads every level but
// writes none; a manager's raise to 绝密, the manager cut to supervisor).
// The merge took this side's file, which the journal does not pin: the
// pinned version is put back, as keepLostRight does, and the user's stays
// in git history. Without it the push check found the file changed and
// the clone could never push. It returns the dossiers it put back.
func (e *env) keepLostRightFiles(a *archive.Archive, g *gitRepo) (kept []string) {
	mine := lostRightDossiers(a)
	if len(mine) == 0 {
		return nil
	}
	for _, r := range readRecords(g) {
		delete(mine, r.Dossier)
	}
	for id := range mine {
		d := a.State.Dossiers[id]
		if d == nil || d.Status != archive.StatusActive || a.FileMatches(d) || !putBackPinned(a, g, d, g.path(archive.DossierPath(id))) {
			continue
		}
		kept = append(kept, id)
	}
	slices.Sort(kept)
	return kept
}

// lostRightDossiers is the dossiers of the user's own steps that a change
// of their roles in another clone made problems (archive.OwnLostRight).
func lostRightDossiers(a *archive.Archive) map[string]bool {
	var mine map[string]bool
	for p := range a.OwnLostRight() {
		if h, ok := journal.HashOfPath(p); ok {
			if ev := a.State.Journal.ByHash[h]; ev != nil && ev.Dossier != "" {
				if mine == nil {
					mine = map[string]bool{}
				}
				mine[ev.Dossier] = true
			}
		}
	}
	return mine
}

// putBackPinned puts dossier d's file, at path in the merge, back to the
// version the journal pins (from git's history) and stages it; false if
// it could not.
func putBackPinned(a *archive.Archive, g *gitRepo, d *archive.DossierState, path string) bool {
	pinned := g.pinnedBlob(d.ID, d.SHA256)
	if pinned == nil || a.Restore(d.ID, pinned) != nil {
		return false
	}
	_, err := g.run("add", "--", path)
	return err == nil
}

// personConflicts is finishMerge's answer when the merge waits on a
// person: conflicts to settle (crm resolve, or by hand), one per line.
type personConflicts struct{ lines []string }

func (p personConflicts) Error() string { return strings.Join(p.lines, "\n") }

// handOffBranch is the side branch a member's work waits on when their
// key cannot merge: crm/merge/<member>@<commit>, named by the commit
// handed on. Two clones of one member (a laptop and a desktop, or the
// old and new keys of a change of keys) never write over each other's,
// and the same work handed on twice is one branch. ("@" is in no member
// id: CheckMemberID.)
func handOffBranch(g *gitRepo, member string) string {
	head := strings.TrimSpace(mustRun(g, "rev-parse", "HEAD"))
	if len(head) > 12 {
		head = head[:12]
	}
	return "crm/merge/" + member + "@" + head
}

// handOffMember is the member whose work waits on side branch ref
// (remote/crm/merge/<member>[@<commit>]).
func handOffMember(ref string) string {
	id, _, _ := strings.Cut(path.Base(ref), "@")
	return id
}

// untracked lists the files git does not track under the archive's
// journal and dossiers, to tell the ones a merge attempt wrote.
func untracked(g *gitRepo) map[string]bool {
	m := map[string]bool{}
	for _, f := range g.listed(append([]string{"ls-files", "-z", "--others", "--exclude-standard", "--"}, archiveDirs(g)...)...) {
		m[f] = true
	}
	return m
}

// archiveDirs is where crm writes in the repository: the journal,
// dossiers/ and members/.
func archiveDirs(g *gitRepo) []string {
	return []string{g.path(journal.Dir), g.path(archive.DossiersDir), g.path(archive.MembersDir)}
}

// undoMerge aborts the merge in progress and removes the files crm wrote
// while trying to conclude it (events journaled for it) that were not
// there before (before: untracked then).
func (e *env) undoMerge(g *gitRepo, before map[string]bool) {
	// Files the merge staged that crm rewrote since (member files written
	// from the merged journal, a dossier re-encrypted for its merge): git
	// merge --abort refuses to reset them ("not uptodate"), and the clone
	// would stay mid-merge. Their rewrites are dropped first.
	if paths := g.listed(append([]string{"diff", "--name-only", "-z", "--diff-filter=M", "--"}, archiveDirs(g)...)...); len(paths) > 0 {
		g.run(append([]string{"checkout", "-q", "--"}, paths...)...)
	}
	g.run("merge", "--abort")
	for f := range untracked(g) {
		if !before[f] {
			os.Remove(filepath.Join(g.top, filepath.FromSlash(f)))
		}
	}
}

// finishMerge concludes a merge in progress: the dossiers git's driver
// merged are journaled (dossier.merge, following both clones' heads),
// member files are rewritten from the journal, and the merge is committed.
// Conflicts left for a person stop it.
func (e *env) finishMerge(g *gitRepo) error {
	a, err := e.open(true)
	if err != nil {
		return err
	}
	if _, err := a.WriteMemberFiles(); err != nil {
		return err
	}
	if !e.handOffMerge {
		for _, id := range e.keepLostRightFiles(a, g) {
			e.printf("%s\n", l10n.Sprintf("Dossier %s: your change does not count, as a change of your roles in the other clone took away the right it used (crm verify names it): the journal's version is kept; your change stays in git history until a manager decides.", id))
		}
	}
	var lines []string
	_, noDriver := driverNotOnPath(g)
	records := readRecords(g)
	unmerged := g.unmerged()
	if len(unmerged) > 0 {
		// What the journal says of each dossier in conflict: a state
		// from the snapshot (saved by any command run since git's
		// merge) need not hold them.
		if err := a.WholeState(); err != nil {
			return err
		}
	}
	for _, p := range unmerged {
		rel, _ := g.rel(p)
		if strings.HasPrefix(rel, archive.MembersDir+"/") && a.OwnFile(rel, true) {
			g.run("add", "--", p)
			continue
		}
		id, isDossier := archive.DossierOfPath(rel)
		line := l10n.Sprintf("%s is in conflict: settle it by hand, then crm sync", p)
		if isDossier && noDriver != "" {
			// The driver never ran: git merged nothing of it.
			line = l10n.Sprintf("%s is in conflict: git could not run crm's merge driver (%s): run git merge --abort, put crm on PATH or run crm git setup, then crm sync", p, noDriver)
		}
		if d := a.State.Dossiers[id]; isDossier && d != nil && d.Status == archive.StatusDestroyed {
			// Changed in one clone, destroyed in the other (git cannot
			// merge a change with a removal): the destruction stands and
			// the step is superseded (FORMAT.md, "Concurrent steps"), so
			// the file goes, as on the destroying side.
			if _, err := g.run("rm", "-q", "--", p); err == nil {
				e.printf("%s\n", l10n.Sprintf("Dossier %s was changed in one clone and destroyed in the other: the destruction stands (the change is superseded; the journal keeps it), and its file is removed.", id))
				continue
			}
		}
		if d := a.State.Dossiers[id]; isDossier && d != nil && d.Status == archive.StatusActive && g.deletedOneSide(p) {
			// Destroyed in one clone, changed in the other, and the
			// journal says the dossier stands (the destruction does not
			// count): its file follows the journal.
			if e.keepPinned(a, g, d) {
				g.run("add", "--", p)
				continue
			}
		}
		created := false
		for _, r := range records {
			if isDossier && r.Dossier == id {
				line, created = conflictLine(r, a.Policy), r.Conflict == "created" || r.Conflict == "rewritten"
			}
		}
		if created {
			// Two creations under one id are never merged: keep ours; the
			// one the journal orders second is renumbered by its author.
			// One creation in histories rewritten apart, with no version
			// both journals pin left in git: keep ours too.
			g.run("checkout", "--ours", "--", p)
			g.run("add", "--", p)
			e.errorf("crm: %s\n", line)
			continue
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		return personConflicts{lines}
	}
	if err := e.journalMerges(a, g); err != nil {
		return err
	}
	// Files the other side removed (a destruction executed there) while
	// the journal says the dossier stands: put back as crm restore would.
	for _, p := range g.deletedByMerge(g.path(archive.DossiersDir)) {
		rel, _ := g.rel(p)
		id, ok := archive.DossierOfPath(rel)
		if d := a.State.Dossiers[id]; ok && d != nil && d.Status == archive.StatusActive {
			e.keepPinned(a, g, d)
		}
	}
	paths := touchedPaths(a, g)
	if len(paths) > 0 {
		if _, err := g.run(append([]string{"add", "-A", "--"}, paths...)...); err != nil {
			return err
		}
	}
	me, _ := a.Me()
	g.setAuthor(me)
	if _, err := g.run("commit", "-q", "--no-verify", "--no-edit"); err != nil {
		return err
	}
	return nil
}

// keepPinned puts back the version of dossier d's file that the journal
// pinned, from git history, when a merge removed it although the journal
// says the dossier stands (a destruction that does not count: crm verify
// names why); it reports whether it did.
func (e *env) keepPinned(a *archive.Archive, g *gitRepo, d *archive.DossierState) bool {
	if a.AheadOn(d.ID) {
		// A step on it dated ahead of this clock (a destruction executed
		// where the clock is fast) counts once its date comes: the
		// removal may well be one that counts.
		return false
	}
	ct := g.pinnedBlob(d.ID, d.SHA256)
	if ct == nil || a.Restore(d.ID, ct) != nil {
		return false
	}
	e.printf("%s\n", l10n.Sprintf("Dossier %s: its file was removed in another clone, but the journal says the dossier stands (crm verify names a destruction that does not count, if that was it): the version it pinned is kept.", d.ID))
	return true
}

// journalMerges journals dossier.merge for every file git's merge driver
// merged that is still in place (a merge done by crm sync, or by a plain
// git pull with the driver configured), and forgets the records.
func (e *env) journalMerges(a *archive.Archive, g *gitRepo) error {
	recs := readRecords(g)
	var merged []string
	for _, r := range recs {
		if r.Conflict == "" && r.Merged != "" {
			merged = append(merged, r.Dossier)
		}
	}
	if len(merged) > 0 {
		// which dossiers the journal already has at the merged version:
		// their parts of the snapshot, where it stands
		if err := a.StepsOn(merged); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if r.Conflict != "" || r.Merged == "" {
			continue
		}
		ct, err := sharedfile.ReadFile(filepath.Join(g.top, filepath.FromSlash(r.Path)))
		if d := a.State.Dossiers[r.Dossier]; err == nil && archive.SHA256Hex(ct) == r.Merged && d != nil && d.SHA256 != r.Merged {
			if err := a.JournalMerge(r.Dossier, ct, r.Recipients, r.Keys, r.Parents, r.Fields); err != nil {
				if e.handOffMerge || a.MergeablePins(r.Dossier, r.Parents) {
					return l10n.Errorf("journaling the merge of dossier %s: %v", r.Dossier, err)
				}
				// One side's version was written by a step that does not
				// count (a problem): keep the journal's version, as crm
				// restore would; the other stays in git history.
				pinned := g.pinnedBlob(r.Dossier, d.SHA256)
				if pinned == nil {
					return l10n.Errorf("journaling the merge of dossier %s: %v", r.Dossier, err)
				}
				if rerr := a.Restore(r.Dossier, pinned); rerr != nil {
					return rerr
				}
				e.printf("%s\n", l10n.Sprintf("Dossier %s: the other clone's change was written by a step that does not count (crm verify names it): the journal's version is kept; the change stays in git history until a manager decides.", r.Dossier))
				removeRecord(g, r.Dossier)
				continue
			}
			if len(r.Fields) == 0 {
				// Both sides re-encrypted it (a member added, a level
				// changed): the text is the same.
				e.printf("%s\n", l10n.Sprintf("Merged dossier %s: no field changed (encrypted anew on both sides).", r.Dossier))
			} else {
				e.printf("%s\n", l10n.Sprintf("Merged dossier %s: %s.", r.Dossier, l10n.List(r.Fields)))
			}
		}
		removeRecord(g, r.Dossier)
	}
	return nil
}

// mergeHandoffs merges the side branches (crm/merge/*) of members whose
// key could not merge, where this user's key can; it returns the branches
// merged, to delete on the remote after the push.
// driverEnv passes the identity this command uses (--identity, config or
// CRM_IDENTITY) and its passphrase file to the merge driver git runs, so
// that it merges with the same key; absolute, as git runs drivers at the
// top of the work tree.
func (e *env) driverEnv() []string {
	var env []string
	for _, kv := range [][2]string{{"CRM_IDENTITY", "identity"}, {"CRM_PASSPHRASE_FILE", "passphrase_file"}} {
		if v := e.v.GetString(kv[1]); v != "" && (kv[1] != "identity" || e.identityConfigured()) {
			if abs, err := filepath.Abs(v); err == nil {
				env = append(env, kv[0]+"="+abs)
			}
		}
	}
	return env
}

func (e *env) mergeHandoffs(g *gitRepo, remote string) ([]string, error) {
	out, _ := g.run("for-each-ref", "--format=%(refname:short)", "refs/remotes/"+remote+"/crm/merge/")
	refs := strings.Fields(out)
	if len(refs) == 0 {
		return nil, nil
	}
	var members map[string]*archive.Member
	if a, err := e.open(true); err == nil {
		members = a.State.Members
	}
	var done []string
	for _, ref := range refs {
		// A removed member's work cannot count ("a member who left signs
		// nothing more"): merged, its steps were problems no push may
		// spread, and every member who synced was stuck with them.
		if id := handOffMember(ref); members != nil && (members[id] == nil || members[id].Removed) {
			e.errorf("crm: %s\n", l10n.Sprintf("branch %s holds work of %s, who is not a member of this archive: it is not merged, as their steps cannot count (to look at it: git log %s; to drop it: git push %s --delete %s)", ref, id, ref, remote, strings.TrimPrefix(ref, remote+"/")))
			continue
		}
		if err := e.mergeRef(g, ref, true); err != nil {
			var settle personConflicts
			if errors.As(err, &settle) && g.merging() {
				// Left for a person to settle, as a conflict of the
				// main branch is: the sync stops here, and the next one
				// concludes the merge and pushes.
				return nil, failWith(append([]string{l10n.Sprintf("merging the work on %s:", ref)}, settle.lines...))
			}
			e.errorf("crm: %s\n", l10n.Sprintf("the work on %s is not merged: %v", ref, err))
			continue
		}
		done = append(done, strings.TrimPrefix(ref, remote+"/"))
	}
	return done, nil
}

// removedOn reports whether the member file of member at ref says they
// were removed: a hint (the file is written from the journal, which the
// merge would check), enough to say why their key opens nothing there.
func removedOn(g *gitRepo, ref, member string) bool {
	out, err := g.run("show", ref+":"+archive.MembersDir+"/"+member+".yaml")
	if err != nil {
		return false
	}
	var m archive.Member
	return yaml.Unmarshal([]byte(out), &m) == nil && m.ID == member && m.Removed
}

// failWith is an error of several lines, one per thing to do.
func failWith(lines []string) error {
	return errors.New(strings.Join(lines, "\n"))
}

func newResolveCmd(e *env) *cobra.Command {
	var from string
	var allowDisk bool
	c := &cobra.Command{
		Use:         "resolve ID [--from FILE|-]",
		Short:       l10n.Pick("Settle a dossier both clones changed: edit the merged text (in memory) with both sides shown", "解决两个克隆都改过的档案冲突：在内存中编辑合并文本（标出双方内容）"),
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, g, err := e.openGit(true)
			if err != nil {
				return err
			}
			id, err := a.ResolveID(args[0])
			if err != nil {
				return err
			}
			path := g.path(archive.DossierPath(id))
			if !slices.Contains(g.unmerged(), path) {
				return l10n.Errorf("dossier %s has no merge conflict to settle", id)
			}
			stage := func(n string) []byte {
				out, err := g.run("cat-file", "blob", ":"+n+":"+path)
				if err != nil {
					return nil
				}
				return []byte(out)
			}
			base, ours, theirs := stage("1"), stage("2"), stage("3")
			var texts [3][]byte
			for i, ct := range [][]byte{base, ours, theirs} {
				if ct == nil && base != nil {
					// Changed in one clone, removed in the other (a
					// destruction): the journal says which stands.
					return l10n.Errorf("dossier %s was changed in one clone and its file removed in the other (a destruction): there is nothing to merge; crm sync settles it as the journal says", id)
				}
				if ct == nil {
					return l10n.Errorf("dossier %s was created in both clones: there is nothing to merge", id)
				}
				if texts[i], err = archive.Decrypt(ct, a.Identity().Age); err != nil {
					return denied(l10n.Errorf("your key cannot open every version of dossier %s: a member who can read it must settle the conflict", id))
				}
			}
			marked, _, err := archive.MergeText(texts[0], texts[1], texts[2], true)
			if err != nil {
				return err
			}
			validate := func(b []byte) error {
				if bytes.Contains(b, []byte(archive.ConflictMarker)) {
					return l10n.Errorf("conflict lines (%s) are left: keep one side or write both, and delete them", archive.ConflictMarker)
				}
				if bytes.Equal(b, texts[1]) || bytes.Equal(b, texts[2]) {
					// One side kept as it was written: even one an
					// older crm let a -5 head count into.
					_, err := archive.ParseDossier(b)
					return err
				}
				// A text written here: checked as crm edit checks
				// an edit of either side (the numbers only a write
				// refuses, where it changes them).
				err := archive.CheckUpdate(texts[1], b)
				if err != nil && archive.CheckUpdate(texts[2], b) == nil {
					return nil
				}
				return err
			}
			text, err := e.dossierInput(from, marked, allowDisk, false, validate)
			if err != nil {
				return err
			}
			if from != "" {
				if err := validate(text); err != nil {
					return dossierError(from, text, err)
				}
			}
			parents := []string{archive.SHA256Hex(ours), archive.SHA256Hex(theirs)}
			if err := a.ResolveMerge(id, texts[1], text, parents); err != nil {
				return err
			}
			removeRecord(g, id)
			paths := touchedPaths(a, g)
			if _, err := g.run(append([]string{"add", "-A", "--"}, paths...)...); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Settled dossier %s.", id))
			if len(g.unmerged()) == 0 {
				return e.finishMerge(g)
			}
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", l10n.Pick("take the settled dossier from FILE, or - for standard input", "从 FILE（- 为标准输入）读取解决后的档案"))
	c.Flags().BoolVar(&allowDisk, "allow-disk-tmp", false, l10n.Pick("allow the editor's plaintext temp file on disk when no memory-backed storage exists", "无内存文件系统时允许明文临时文件落盘"))
	return c
}

func newRestoreCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore ID|EVENT|crm.yaml",
		Short: l10n.Pick("Put back the dossier file or policy the journal pinned, or a journal event's file as written, from git history", "从 git 历史恢复日志所记录的档案文件或策略，或日志事件文件的原样"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rel, prefix, ok := eventArg(e.archiveDir(), args[0]); ok {
				err := e.restoreEvent(rel, prefix)
				if !errors.Is(err, errNoEvent) || rel != "" || !journal.IsDossierID(args[0]) {
					return err
				}
				// No event by that hash: a dossier whose id is hex
				// digits (its file gone, or the id was not hex).
			}
			a, err := e.open(false)
			if err != nil {
				return err
			}
			if args[0] == archive.PolicyFile {
				return e.restorePolicy(a)
			}
			d, err := a.Lookup(args[0])
			if err != nil {
				return err
			}
			if a.FileMatches(d) {
				e.printf("%s\n", l10n.Sprintf("%s is already the file the journal pinned: nothing to restore.", archive.DossierPath(d.ID)))
				return nil
			}
			g, err := repoOf(a)
			if err != nil {
				return err
			}
			for _, r := range pendingMerges(g) {
				if r.Dossier == d.ID {
					return l10n.Errorf("%s is git's merge of the changes both clones made to it (%s), which crm has not journaled yet: run crm sync, which journals it; restoring would drop one side's changes", archive.DossierPath(d.ID), l10n.List(r.Fields))
				}
			}
			ct := g.pinnedBlob(d.ID, d.SHA256)
			if ct == nil {
				return l10n.Errorf("no commit of this clone holds the version of %s that event %s pinned (sha256 %s): fetch the other clones' work (git fetch --all) and try again, or restore it from a backup", archive.DossierPath(d.ID), journal.ShortHash(d.WrittenBy.Hash), journal.ShortHash(d.SHA256))
			}
			if err := a.Restore(d.ID, ct); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Restored %s from git history (sha256 %s).", archive.DossierPath(d.ID), journal.ShortHash(d.SHA256)))
			return nil
		},
	}
}

func newPurgeCmd(e *env) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:         "purge ID... [--yes]",
		Short:       l10n.Pick("Rewrite git history to remove every old ciphertext of destroyed dossiers (git-filter-repo)", "改写 git 历史，删除已销毁档案的全部旧密文（git-filter-repo）"),
		Args:        cobra.MinimumNArgs(1),
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			// What cannot be an id (../x) is a usage error before the
			// archive or its git repository is looked at.
			for _, id := range args {
				if err := archive.CheckID(id); err != nil {
					return err
				}
			}
			a, g, err := e.openGit(false)
			if err != nil {
				return err
			}
			var paths []string
			for _, id := range args {
				if id, err = a.ResolveID(id); err != nil { // refuses what is not an id (../x)
					return err
				}
				d := a.State.Dossiers[id]
				if d == nil || d.Status != archive.StatusDestroyed {
					return usagef("dossier %s is not destroyed: only the history of a destroyed dossier is purged (destroy it first)", id)
				}
				paths = append(paths, archive.DossierPath(id))
			}
			if _, err := exec.LookPath("git-filter-repo"); err != nil {
				return l10n.Errorf("purging history needs git-filter-repo, which is not installed: apt-get install git-filter-repo (Debian, Ubuntu), or pip install git-filter-repo")
			}
			if g.merging() || len(g.unmerged()) > 0 {
				return l10n.Errorf("a merge is in progress: finish it (crm sync) before purging history")
			}
			// git-filter-repo resets the work tree: uncommitted work would
			// be lost.
			if cs, err := g.status(); err != nil {
				return err
			} else if i := slices.IndexFunc(cs, func(c change) bool { return c.tracked }); i >= 0 {
				return l10n.Errorf("the work tree has uncommitted changes (%s): commit them (crm sync) before purging history, which resets the work tree", cs[i].path)
			}
			if err := e.confirm(yes, l10n.Sprintf("Rewrite the whole git history to remove %s? Every clone must then be cloned again.", l10n.List(paths))); err != nil {
				return err
			}
			remotes := map[string]string{}
			for _, r := range strings.Fields(mustRun(g, "remote")) {
				remotes[r] = strings.TrimSpace(mustRun(g, "remote", "get-url", r))
			}
			fargs := []string{"filter-repo", "--force", "--quiet", "--invert-paths"}
			for _, p := range paths {
				fargs = append(fargs, "--path", g.path(p))
			}
			if _, err := g.run(fargs...); err != nil {
				return err
			}
			// git-filter-repo forgets the remotes, so that the rewritten
			// history is not pushed by mistake: they come back, and the
			// push is the user's deliberate step.
			for r, url := range remotes {
				if url != "" && strings.TrimSpace(mustRun(g, "remote", "get-url", r)) == "" {
					g.run("remote", "add", r, url)
				}
			}
			e.printf("%s\n", l10n.Sprintf("Purged %s from every commit of this clone.", l10n.List(paths)))
			e.printf("%s\n", l10n.T("Next: push the rewritten history with git push --force --all; the remote keeps old objects until it is garbage-collected (ask its admin). Every other clone must be cloned again: an old clone still holds the old ciphertexts, and pushing from it would bring them back."))
			return nil
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, yesFlag())
	return c
}

// eventArg reports whether arg names a journal event rather than a
// dossier: a path under journal/ (as verify prints it), or 8 to 64
// lower-case hex digits (the start of its hash) that are no dossier's
// id in the archive at dir. It returns the path given, if any, and the
// hash or its start.
func eventArg(dir, arg string) (rel, prefix string, ok bool) {
	if strings.HasPrefix(filepath.ToSlash(arg), journal.Dir+"/") {
		rel = filepath.ToSlash(arg)
		if h, ok := journal.HashOfBundlePath(rel); ok {
			return rel, h, true
		}
		h, ok := journal.HashOfPath(rel)
		return rel, h, ok
	}
	if len(arg) < 8 || len(arg) > 64 || strings.Trim(arg, "0123456789abcdef") != "" {
		return "", "", false
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(archive.DossierPath(arg)))); err == nil {
		return "", "", false
	}
	return "", arg, true
}

// errNoEvent is what restoreEvent's error is when git history holds no
// event by the hash given.
var errNoEvent = errors.New("no such event in git history")

type noEventError struct{ err error }

func (e *noEventError) Error() string        { return e.err.Error() }
func (e *noEventError) Is(target error) bool { return target == errNoEvent }

// restoreEvent puts back the file of the event whose hash starts with
// prefix (at rel, when given) as written, from git history. It opens no
// archive: the pin refuses a journal that lost an event its user saw,
// and this is how it gets the event back.
func (e *env) restoreEvent(rel, prefix string) error {
	dir, err := filepath.Abs(e.archiveDir())
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, archive.PolicyFile)); err != nil {
		return &archive.Error{Code: archive.Failed, Err: l10n.Errorf("no crm archive at %s (no %s)", dir, archive.PolicyFile), Next: archive.NextInit, Arg: dir}
	}
	g, err := openRepo(dir)
	if err != nil {
		return l10n.Errorf("%s is not in a git repository: put event %s back from a backup", dir, prefix)
	}
	found, b := g.findEvent(prefix)
	if found == "" || rel != "" && found != rel {
		return &noEventError{l10n.Errorf("no commit of this clone holds event %s as written: fetch the other clones' work (git fetch --all) and try again, or put it back from a backup", journal.ShortHash(prefix))}
	}
	done, err := archive.RestoreEvent(dir, found, b)
	if err != nil {
		return err
	}
	if !done {
		e.printf("%s\n", l10n.Sprintf("%s is already the event as written: nothing to restore.", found))
		return nil
	}
	e.printf("%s\n", l10n.Sprintf("Restored %s from git history; crm verify checks it, crm sync commits it.", found))
	return nil
}

// warnTakenOut says which events the commits a sync brought in took out
// of the journal. Nothing in the journal says such a step was undone, and
// a clone that never saw it cannot tell it from one never taken (the pin
// only guards what its user saw): a removal reverted so gives the member
// back their access. It is said, not refused: a problem event may be
// taken out on purpose, and only a person can tell.
func (e *env) warnTakenOut(ts []takenEvent) {
	for _, t := range ts {
		e.errorf("crm: %s\n", l10n.Sprintf("warning: commit %s by %s took event %s out of the journal (%s): nothing in the journal undoes a step, so unless it was a problem event taken out on purpose, put it back with crm restore %s, and crm sync shares it", t.commit, t.author, journal.ShortHash(t.hash), t.rel, journal.ShortHash(t.hash)))
	}
}

// cannotSettle reports whether the merge in progress holds a dossier in
// conflict that the user's key cannot settle: git's driver could not open
// every version of it, or merging it needs a role the user lacks.
func cannotSettle(g *gitRepo) bool {
	unmerged := map[string]bool{}
	for _, p := range g.unmerged() {
		unmerged[p] = true
	}
	for _, r := range readRecords(g) {
		if (r.Conflict == "unreadable" || r.Conflict == "role") && unmerged[r.Path] {
			return true
		}
	}
	return false
}

// restorePolicy puts back crm.yaml as the journal recorded it, from git
// history: a version whose SHA-256 is the one the last policy event (or
// the genesis) recorded.
func (e *env) restorePolicy(a *archive.Archive) error {
	if a.PolicyMatches() {
		e.printf("%s\n", l10n.Sprintf("%s is already the policy the journal recorded: nothing to restore.", archive.PolicyFile))
		return nil
	}
	g, err := repoOf(a)
	if err != nil {
		return err
	}
	b := g.findBlob(g.path(archive.PolicyFile), a.PolicySHA256())
	if b == nil {
		return l10n.Errorf("no commit of this clone holds the version of %s the journal recorded (sha256 %s): fetch the other clones' work (git fetch --all) and try again, or restore it from a backup", archive.PolicyFile, journal.ShortHash(a.PolicySHA256()))
	}
	if err := a.RestorePolicy(b); err != nil {
		return err
	}
	e.printf("%s\n", l10n.Sprintf("Restored %s from git history (sha256 %s).", archive.PolicyFile, journal.ShortHash(a.PolicySHA256())))
	return nil
}
