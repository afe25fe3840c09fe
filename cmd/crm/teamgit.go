package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// Team use through git (DESIGN.md, "Many writers"): each write commits
// itself, `crm git setup` configures the drivers and the pre-push check,
// `crm sync` commits, pulls, merges, journals the merge, verifies and
// pushes.

// noAutocommit marks commands that commit (or must not commit) by
// themselves.
const noAutocommit = "crm:no-autocommit"

// driverKeys are the git config settings crm's drivers need (git runs
// commands only from its config, never from tracked files).
var driverKeys = []string{"diff.crm.textconv", "merge.crm.name", "merge.crm.driver"}

// driverSettings are the values of driverKeys, with crm named as prog
// (crmProgram).
func driverSettings(prog string) [][2]string {
	return [][2]string{
		{"diff.crm.textconv", prog + " textconv"},
		{"merge.crm.name", "crm: merge dossiers field by field"},
		{"merge.crm.driver", prog + " merge-driver %O %A %B %L %P"},
	}
}

// prePushHook is the pre-push hook that runs prog's check.
func prePushHook(prog string) string {
	return "#!/bin/sh\n# crm: refuse to push what fails crm verify (installed by crm git setup).\nexec " + prog + " git pre-push \"$@\"\n"
}

// crmProgram is how git's config and the hook name crm: "crm" when a crm
// is on PATH, else this binary by its absolute path, quoted for the shell
// (as gh names itself in git's credential helper). A user who runs crm by
// its path, never installed, so gets drivers and a hook git can run; were
// they "crm", every dossier both clones changed would be a conflict and a
// plain git push would fail with "crm: not found".
func crmProgram() string {
	if _, err := exec.LookPath("crm"); err == nil {
		return "crm"
	}
	p, err := os.Executable()
	if err != nil || !filepath.IsAbs(p) {
		return "crm"
	}
	return shellQuote(p)
}

// shellQuote is s as one word of sh: as it is when it holds only
// characters sh leaves alone (letters and digits beyond ASCII too: 绝密,
// /home/张三, whose bytes are none of sh's), else in single quotes. A
// letter that shows as nothing or as a space (the Hangul fillers U+115F,
// U+1160, U+3164, U+FFA0: default-ignorable code points) is quoted too:
// sh would run it bare, but a user could neither see nor copy it right.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._+-,:@%", r) ||
			r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) &&
				unicode.IsGraphic(r) && !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// firstShellWord is the first word of a command line as sh reads it, for
// the quoting a user or shellQuote writes: single and double quotes and
// backslashes (no expansions).
func firstShellWord(s string) string {
	var w strings.Builder
	s = strings.TrimLeft(s, " \t")
	var quote rune
	esc := false
	for _, r := range s {
		switch {
		case esc:
			w.WriteRune(r)
			esc = false
		case quote != 0 && r == quote:
			quote = 0
		case quote == '\'': // a backslash too is itself there
			w.WriteRune(r)
		case r == '\\':
			esc = true
		case quote == '"':
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote = r
		case r == ' ' || r == '\t':
			return w.String()
		default:
			w.WriteRune(r)
		}
	}
	return w.String()
}

// autocommit commits what a successful command wrote, when the archive is
// a git repository and the policy's git.autocommit is on: the events and
// the files they pin, nothing else.
func (e *env) autocommit(cmd *cobra.Command) {
	a := e.a
	if a == nil || cmd == nil || cmd.Annotations[noAutocommit] != "" || len(a.Touched()) == 0 || !a.Policy.AutoCommit() {
		return
	}
	if midMerge(a.Dir) {
		return
	}
	g, err := openRepo(a.Dir)
	if err != nil {
		return
	}
	paths := touchedPaths(a, g)
	paths = append(paths, pinnedLeftovers(a, g, paths)...)
	me, _ := a.Me()
	if _, err := g.commitPaths(paths, commitMessage(cmd, a.Written()), me); err != nil {
		e.errorf("crm: %s\n", l10n.Sprintf("warning: the change is saved but was not committed to git: %v", err))
	}
}

// pinnedLeftovers are crm's own uncommitted files beside paths when paths
// name a folder (a month of the journal bundled, a batch's events put in
// a bundle): git adds every event in it, those an interrupted command or
// a failed commit left too, and the files those events pin must go with
// them, or the commit holds events whose files it lacks (verify fails in
// every clone of it). So all of crm's own pending changes go, events and
// files, as crm sync commits them (commitOwn); whose a file is, the
// journal says (OwnFile).
//
// Only changes beside paths can be such leftovers: the command's own files
// and everything inside its folders go anyway. The journal's whole state
// (which OwnFile reads) is made only when there is one: a batch that
// re-encrypted a member's 63,000 files in a git clone at 100,000 dossiers
// (member add, remove, rotate) replayed the whole journal after its work
// to look at its own files, 30 s more and 1.4 GB more at its peak.
func pinnedLeftovers(a *archive.Archive, g *gitRepo, paths []string) []string {
	var folders []string // each with its trailing slash
	for _, p := range paths {
		if fi, err := os.Stat(filepath.Join(g.top, filepath.FromSlash(p))); err == nil && fi.IsDir() {
			folders = append(folders, strings.TrimSuffix(p, "/")+"/")
		}
	}
	if len(folders) == 0 {
		return nil
	}
	cs, err := g.status()
	if err != nil {
		return nil
	}
	have := map[string]bool{}
	for _, p := range paths {
		have[p] = true
	}
	beside := cs[:0]
	for _, c := range cs {
		if !have[c.path] && !slices.ContainsFunc(folders, func(f string) bool { return strings.HasPrefix(c.path, f) }) {
			beside = append(beside, c)
		}
	}
	if len(beside) == 0 || a.WholeState() != nil {
		return nil
	}
	var out []string
	for _, c := range beside {
		if rel, ok := g.rel(c.path); ok && a.OwnFile(rel, c.exists) {
			out = append(out, c.path)
		}
	}
	return out
}

// touchedPaths are the files this process wrote, as git names them.
func touchedPaths(a *archive.Archive, g *gitRepo) []string {
	var paths []string
	for _, rel := range a.Touched() {
		paths = append(paths, g.path(rel))
	}
	return paths
}

// commitMessage says what a command wrote: its first event, and how many
// more.
// maxMessageEvents is how many events a commit message lists at most.
const maxMessageEvents = 200

func commitMessage(cmd *cobra.Command, es []*journal.Event) string {
	var b strings.Builder
	b.WriteString(cmd.CommandPath())
	if len(es) > 0 {
		b.WriteString(": " + string(es[0].Kind))
		if es[0].Dossier != "" {
			b.WriteString(" " + es[0].Dossier)
		}
		if len(es) > 1 {
			fmt.Fprintf(&b, " (+%d)", len(es)-1)
		}
		b.WriteString("\n")
		for i, ev := range es {
			if i == maxMessageEvents {
				// A batch's thousands of steps: git takes the message as
				// one argument, which the kernel limits (128 KiB).
				fmt.Fprintf(&b, "\n… (+%d: crm log)", len(es)-i)
				break
			}
			fmt.Fprintf(&b, "\n%s %s %s %s", journal.ShortHash(ev.Hash), ev.Kind, ev.Actor, ev.Dossier)
		}
	}
	return strings.TrimSpace(b.String()) + "\n"
}

// openGit opens the archive (with the working member's key when needKey)
// and the git repository it lives in.
func (e *env) openGit(needKey bool) (*archive.Archive, *gitRepo, error) {
	a, err := e.open(needKey)
	if err != nil {
		return nil, nil, err
	}
	g, err := repoOf(a)
	return a, g, err
}

// repoOf returns the archive's git repository, or a clear error.
func repoOf(a *archive.Archive) (*gitRepo, error) {
	g, err := openRepo(a.Dir)
	if err != nil {
		return nil, l10n.Errorf("%s is not in a git repository: create one with crm init --git, or git init and crm git setup", a.Dir)
	}
	return g, nil
}

// inConflict reports whether git left dossier id's file unmerged.
func inConflict(a *archive.Archive, id string) bool {
	g, err := openRepo(a.Dir)
	return err == nil && g.mayHaveConflicts() && len(g.unmerged(g.path(archive.DossierPath(id)))) > 0
}

// driverNotOnPath returns crm's merge driver setting and, when git could
// not run the program it names, why not ("" when it can). git runs the
// driver through the shell with the PATH crm was given; without it, every
// dossier both clones changed would be left to settle by hand (a crm run
// by its path after the clone was set up with one on PATH, or moved).
func driverNotOnPath(g *gitRepo) (driver, why string) {
	driver = g.config("merge.crm.driver")
	prog := firstShellWord(driver)
	if prog == "" {
		return driver, ""
	}
	if _, err := exec.LookPath(prog); err != nil {
		if strings.Contains(prog, "/") {
			return driver, l10n.Sprintf("%s cannot be run", prog)
		}
		return driver, l10n.Sprintf("%s is not on PATH", prog)
	}
	return driver, ""
}

// driversMissing returns the driver settings this clone lacks.
func driversMissing(g *gitRepo) []string {
	var out []string
	for _, k := range driverKeys {
		if g.config(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

func newGitCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "git",
		Short: l10n.Pick("Set up this clone for team use through git", "为团队经 git 协作配置本克隆"),
	}
	setup := &cobra.Command{
		Use:         "setup",
		Short:       l10n.Pick("Configure git's diff and merge drivers for dossiers and a pre-push check (crm verify)", "配置档案的 git diff 与合并驱动，以及推送前核查（crm verify）"),
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, g, err := e.openGit(false)
			if err != nil {
				return err
			}
			return e.gitSetup(a, g)
		},
	}
	prePush := &cobra.Command{
		Use:         "pre-push [REMOTE [URL]]",
		Short:       l10n.Pick("git pre-push hook: refuse to push problems the remote does not have yet", "git pre-push 钩子：拒绝推送远端尚没有的问题"),
		Hidden:      true,
		Annotations: map[string]string{noAutocommit: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryRows // VerifyPush checks from the snapshot
			a, g, err := e.openGit(false)
			if err != nil {
				return err
			}
			remote := "origin"
			if len(args) > 0 {
				remote = args[0]
			}
			ref := remote + "/" + currentBranch(g)
			if _, rerr := g.run("rev-parse", "-q", "--verify", ref+"^{commit}"); rerr == nil {
				e.warnTakenOut(g.takenOut(a.Dir, ref+"..HEAD"))
			}
			_, err = e.checkPush(a, g, ref, "", "")
			return err
		},
	}
	c.AddCommand(setup, prePush)
	return c
}

// gitSetup configures the drivers and the hook, and brings .gitattributes
// up to date (committing it).
func (e *env) gitSetup(a *archive.Archive, g *gitRepo) error {
	prog := crmProgram()
	for _, kv := range driverSettings(prog) {
		if err := g.setConfig(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if g.config("diff.crm.cachetextconv") != "" {
		g.setConfig("--unset", "diff.crm.cachetextconv")
		e.printf("%s\n", l10n.T("Unset diff.crm.cachetextconv: it keeps decrypted plaintext in git's database."))
	}
	attr := filepath.Join(a.Dir, ".gitattributes")
	if b, err := sharedfile.ReadFile(attr); err != nil || !strings.Contains(string(b), "merge=crm") {
		text := archive.GitAttributes()
		if err == nil && !a.OwnFile(".gitattributes", true) {
			text = string(b) + "\n*.age -text diff=crm merge=crm\n"
		}
		if err := os.WriteFile(attr, []byte(text), 0o644); err != nil {
			return err
		}
		me, _ := a.Me()
		if _, err := g.commitPaths([]string{g.path(".gitattributes")}, "crm git setup: dossiers merge through crm's merge driver\n", me); err != nil {
			return err
		}
	}
	hook := filepath.Join(g.gitDir(), "hooks", "pre-push")
	if b, err := os.ReadFile(hook); err == nil && !strings.Contains(string(b), "crm git pre-push") {
		e.errorf("crm: %s\n", l10n.Sprintf("%s exists and is not crm's: add the line `crm git pre-push \"$@\" || exit 1` to it yourself", hook))
	} else {
		os.MkdirAll(filepath.Dir(hook), 0o755)
		if err := os.WriteFile(hook, []byte(prePushHook(prog)), 0o755); err != nil {
			return err
		}
	}
	if prog != "crm" {
		e.printf("%s\n", l10n.Sprintf("crm is not on PATH: git will run it as %s (run crm git setup again if you move it, or once crm is on PATH).", prog))
	}
	e.printf("%s\n", l10n.T("This clone is set up: git diff shows dossiers decrypted, dossiers merge field by field, and a push that fails crm verify is refused."))
	return nil
}

// currentBranch is the checked-out branch, or "main".
func currentBranch(g *gitRepo) string {
	out, err := g.run("symbolic-ref", "--short", "-q", "HEAD")
	if b := strings.TrimSpace(out); err == nil && b != "" {
		return b
	}
	return "main"
}

// checkPush verifies the archive and refuses (exit 4) if it finds a
// problem the remote-tracking ref does not already have: pushing never
// spreads a new problem, and a problem that came from the remote does not
// stop anybody (a manager settles it with a decision). It returns the
// problems inherited from the remote.
//
// What is checked is what a push can spread: the archive as this user's
// crm verified it before (archive.VerifyPush), with every event file the
// push carries read again. A first push (no remote-tracking ref yet)
// reads the whole journal afresh. head and at are HEAD's commit and
// remoteRef's, as the caller just found them (headAt), or "" when not
// known: when they are the same, the push carries nothing.
func (e *env) checkPush(a *archive.Archive, g *gitRepo, remoteRef, head, at string) ([]archive.Problem, error) {
	var ps []archive.Problem
	var err error
	// The dossiers the pushed events write or step on: a problem with
	// one of their files is the push's, even when the file is the
	// remote's (an event pinning a version the push does not carry, as
	// after a git reset took the commit of the file away), so it is not
	// inherited.
	named := map[string]bool{}
	var carried []string
	atRemote := head != "" && head == at
	ok := atRemote
	if !atRemote {
		carried, ok = g.carried(remoteRef, at != "")
	}
	if ok {
		if !atRemote { // else the push carries no commit
			if err := e.purgedBack(a, g, remoteRef); err != nil {
				return nil, err
			}
		}
		for _, rel := range carried {
			if ev, err := journal.ReadFile(a.Dir, rel); err == nil && ev.Dossier != "" {
				named[archive.DossierPath(ev.Dossier)] = true
			}
		}
		ps, err = a.VerifyPush(e.ctx(), carried)
	} else {
		ps, err = a.Verify(e.ctx())
	}
	if err != nil {
		return nil, err
	}
	var fresh, inherited []archive.Problem
	var own map[string]bool
	for _, p := range ps {
		if !named[p.Path] && g.sameAsRemote(remoteRef, p.Path) {
			inherited = append(inherited, p)
			continue
		}
		if own == nil {
			own = a.OwnLostRight()
			if own == nil {
				own = map[string]bool{}
			}
		}
		if own[p.Path] {
			// A step of the user's own, good where written, that a
			// change of their roles on the remote makes a problem:
			// pushed first, it would be the same problem there. Held
			// back, it kept this clone from ever pushing again.
			e.errorf("%s\n", l10n.Sprintf("note: a step of yours that does not count where the clones meet, pushed for a manager to decide: %s", p))
			continue
		}
		fresh = append(fresh, p)
	}
	if len(fresh) > 0 {
		// A dossier git's driver merged in a plain git pull is not the
		// pinned file until crm sync journals the merge: that is the
		// way on, not a restore, which would drop one side's changes.
		merged := map[string]string{}
		for _, r := range pendingMerges(g) {
			merged[r.Path] = r.Dossier
		}
		var ids []string
		for i, p := range fresh {
			if id, ok := merged[g.path(p.Path)]; ok {
				fresh[i].Msg = l10n.T("not the file the journal pinned")
				fresh[i].Next, fresh[i].Arg = int(archive.NextSyncMerge), id
				ids = append(ids, id)
			}
		}
		err := &archive.Error{Code: archive.Integrity, Err: l10n.Errorf("verify found %d problem(s) the remote does not have: nothing was pushed", len(fresh)), Next: archive.NextVerify}
		allMerged := len(ids) == len(fresh)
		if allMerged {
			err.Next, err.Arg = archive.NextSyncMerge, l10n.List(ids)
		}
		for _, p := range fresh {
			if allMerged {
				// The error says it of them all, naming each: said
				// here too, "run crm sync" came twice.
				e.errorf("%s\n", p.String())
				continue
			}
			e.errorf("%s\n", noteText(p))
		}
		return inherited, err
	}
	return inherited, nil
}

// purgedBack refuses a push that would bring back the old ciphertexts of
// a destroyed dossier (R6.10) which crm purge took out of the remote's
// history: the remote knows the dossier (an event of it is there) but
// no commit of its history holds a version of the file, while commits
// the push carries do. A clone made before the purge holds them, and a
// crm sync from it merged them back, then pushed them with the merge.
func (e *env) purgedBack(a *archive.Archive, g *gitRepo, remoteRef string) error {
	out, err := g.run("log", "--format=", "--name-only", "--no-renames", "-z", remoteRef+"..HEAD", "--", g.path(archive.DossiersDir))
	if err != nil {
		return nil // nothing to tell: the verify that follows reads the rest
	}
	var ids []string
	seen := map[string]bool{} // git log names a file once for each commit that touched it
	for _, p := range strings.Split(out, "\x00") {
		rel, ok := g.rel(strings.TrimSpace(p))
		id, isAge := strings.CutSuffix(path.Base(rel), ".age")
		if !ok || !isAge || rel != archive.DossierPath(id) || seen[id] {
			continue
		}
		seen[id] = true
		d := a.State.Dossiers[id]
		if d == nil || d.Status != archive.StatusDestroyed {
			continue
		}
		events, err := a.DossierLog(id)
		if err != nil || !slices.ContainsFunc(events, func(ev *journal.Event) bool {
			_, err := g.run("cat-file", "-e", remoteRef+":"+g.path(ev.Path))
			return err == nil
		}) {
			continue // new to the remote: nothing was purged there
		}
		if held, err := g.run("rev-list", "-1", remoteRef, "--", g.path(rel)); err != nil || strings.TrimSpace(held) != "" {
			continue // the remote's history still holds it: not purged
		}
		e.errorf("%s\n", l10n.Sprintf("%s: the remote's history holds no version of destroyed dossier %s (crm purge took them out), but commits this push carries do", rel, id))
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil
	}
	return &archive.Error{Code: archive.Integrity, Err: l10n.Errorf("the push would bring back the old ciphertexts of %d destroyed dossier(s) purged from the remote's history: nothing was pushed; run `crm purge %s --yes` in this clone too (or clone the archive again), then `crm sync`", len(ids), strings.Join(ids, " "))}
}

// carried returns the archive files (archive-relative) that differ between
// remoteRef and HEAD: what a push of HEAD carries. False if remoteRef does
// not name a commit (known: the caller found it does).
func (g *gitRepo) carried(remoteRef string, known bool) ([]string, bool) {
	if !known {
		if _, err := g.run("rev-parse", "-q", "--verify", remoteRef+"^{commit}"); err != nil {
			return nil, false
		}
	}
	out, err := g.run("diff", "--name-only", "--no-renames", "-z", remoteRef, "HEAD", "--")
	if err != nil {
		return nil, false
	}
	var rels []string
	for _, p := range strings.Split(out, "\x00") {
		if rel, ok := g.rel(p); ok && p != "" {
			rels = append(rels, rel)
		}
	}
	return rels, true
}

// sameAsRemote reports whether the archive file rel is the same in the
// work tree and in remoteRef (both absent counts as the same).
func (g *gitRepo) sameAsRemote(remoteRef, rel string) bool {
	p := g.path(rel)
	remote, rerr := g.run("rev-parse", "-q", "--verify", remoteRef+":"+p)
	local, lerr := g.run("hash-object", "--", p)
	if _, serr := os.Stat(filepath.Join(g.top, filepath.FromSlash(p))); serr != nil {
		return rerr != nil
	}
	return rerr == nil && lerr == nil && strings.TrimSpace(remote) == strings.TrimSpace(local)
}

// commitOwn commits crm's own uncommitted changes (events, the files they
// pin, member files): a file crm did not make is never committed, and a
// tracked one it did not make stops the sync before anything is done.
func (e *env) commitOwn(a *archive.Archive, g *gitRepo, msg string) (int, error) {
	cs, err := g.status()
	if err != nil {
		return 0, err
	}
	if len(cs) > 0 {
		// Whose a file is, only the journal's events and pins say.
		if err := a.WholeState(); err != nil {
			return 0, err
		}
	}
	var own, foreign []string
	for _, c := range cs {
		rel, ok := g.rel(c.path)
		if ok && a.OwnFile(rel, c.exists) {
			own = append(own, c.path)
		} else if c.tracked {
			foreign = append(foreign, c.path)
		}
	}
	if len(foreign) > 0 {
		more := ""
		if len(foreign) > 3 {
			more = l10n.Sprintf(" and %d more", len(foreign)-3)
			foreign = foreign[:3]
		}
		return 0, l10n.Errorf("the work tree has changes crm did not make (%s%s): commit or undo them yourself, then sync again; nothing was committed", l10n.List(foreign), more)
	}
	me, _ := a.Me()
	if _, err := g.commitPaths(byFolder(own, cs), msg, me); err != nil {
		return 0, err
	}
	return len(own), nil
}

// byFolder is the paths own of the changes cs, with those of a folder
// whose every change is in own given as the folder when they are many (a
// month of the journal bundled: ~8,000 files removed): git matches every
// path of the tree against every path it is given, an hour for a
// department's ten years bundled at once. Adding the folder adds exactly
// those changes.
func byFolder(own []string, cs []change) []string {
	const many = 64
	all := map[string]int{}
	for _, c := range cs {
		all[path.Dir(c.path)]++
	}
	mine := map[string]int{}
	for _, p := range own {
		mine[path.Dir(p)]++
	}
	var out []string
	done := map[string]bool{}
	for _, p := range own {
		dir := path.Dir(p)
		if n := mine[dir]; n < many || n != all[dir] || dir == "." {
			out = append(out, p)
		} else if !done[dir] {
			done[dir] = true
			out = append(out, dir)
		}
	}
	return out
}

// mergeRecord is what the merge driver leaves in <git dir>/crm/merge/ID.yaml
// for crm sync and crm resolve: never content, only hashes and field paths.
type mergeRecord struct {
	Dossier    string   `yaml:"dossier"`
	Path       string   `yaml:"path"`
	Merged     string   `yaml:"merged,omitempty"`
	Recipients []string `yaml:"recipients,omitempty,flow"`
	Keys       []string `yaml:"keys,omitempty,flow"` // the recipients' public keys the driver encrypted to
	Parents    []string `yaml:"parents,flow"`
	Fields     []string `yaml:"fields,omitempty,flow"`
	Conflict   string   `yaml:"conflict,omitempty"` // fields, unreadable, role, created
	Conflicts  []string `yaml:"conflicts,omitempty,flow"`
	Version    string   `yaml:"version,omitempty"` // the version the key did not open
	Readers    []string `yaml:"readers,omitempty,flow"`
}

func recordDir(g *gitRepo) string { return filepath.Join(g.gitDir(), "crm", "merge") }

func writeRecord(g *gitRepo, r *mergeRecord) error {
	b, err := yaml.Marshal(r)
	if err != nil {
		return err
	}
	os.MkdirAll(recordDir(g), 0o700)
	return archive.WriteAtomic(filepath.Join(recordDir(g), r.Dossier+".yaml"), 0o600, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

func readRecords(g *gitRepo) []*mergeRecord {
	ents, _ := os.ReadDir(recordDir(g))
	var out []*mergeRecord
	for _, en := range ents {
		b, err := sharedfile.ReadFile(filepath.Join(recordDir(g), en.Name()))
		var r mergeRecord
		if err == nil && yaml.Unmarshal(b, &r) == nil && r.Dossier != "" {
			out = append(out, &r)
		}
	}
	return out
}

func removeRecord(g *gitRepo, id string) { os.Remove(filepath.Join(recordDir(g), id+".yaml")) }

// pendingMerges are the merge records whose merged version is the file in
// the work tree: git's driver merged both clones' changes (a plain git
// pull, or a crm sync cut short) and crm has not journaled the merge yet,
// so the file is not the one the journal pinned. crm sync journals them;
// restoring the pinned version instead would drop one side's changes.
func pendingMerges(g *gitRepo) []*mergeRecord {
	var out []*mergeRecord
	for _, r := range readRecords(g) {
		if r.Conflict != "" || r.Merged == "" {
			continue
		}
		if ct, err := sharedfile.ReadFile(filepath.Join(g.top, filepath.FromSlash(r.Path))); err == nil && archive.SHA256Hex(ct) == r.Merged {
			out = append(out, r)
		}
	}
	return out
}

// mergeNotRestore turns err's advice to restore a dossier's pinned file
// into the advice to run crm sync when that file is git's merge of both
// clones' changes that crm has not journaled yet (pendingMerges), which
// crm restore refuses to drop.
func mergeNotRestore(a *archive.Archive, err error) {
	var ae *archive.Error
	if errors.As(err, &ae) && ae.Next == archive.NextRestoreID && mergePending(a, ae.Arg) {
		ae.Next = archive.NextSyncMerge
	}
}

// mergePending reports whether dossier id's file is git's merge of both
// clones' changes that crm has not journaled yet (pendingMerges).
func mergePending(a *archive.Archive, id string) bool {
	g, err := openRepo(a.Dir)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(pendingMerges(g), func(r *mergeRecord) bool { return r.Dossier == id })
}

// worktreePolicy is the policy crm.yaml has in the work tree, for a
// message written where the archive is not opened (work handed on that
// the user's key cannot settle); nil when it does not read, and roles
// are then named by their ids.
func (e *env) worktreePolicy() *archive.Policy {
	b, err := sharedfile.ReadFile(filepath.Join(e.archiveDir(), archive.PolicyFile))
	if err != nil {
		return nil
	}
	p, err := archive.ParsePolicy(b)
	if err != nil {
		return nil
	}
	return p
}

// conflictLine says what a conflict record needs, naming who can settle it
// and, for a role, the role as every message names one (roleNames: its
// id in English, the title pol gives it in Chinese; ids without pol).
func conflictLine(r *mergeRecord, pol *archive.Policy) string {
	switch r.Conflict {
	case "unreadable":
		who := l10n.List(slices.DeleteFunc(slices.Clone(r.Readers), func(s string) bool { return s == archive.Recovery }))
		if who == "" {
			who = l10n.T("a member who can read it")
		}
		version := map[string]string{
			"base": l10n.Pick("the common", "共同祖先的"), "ours": l10n.Pick("this clone's", "本克隆的"),
			"theirs": l10n.Pick("the other clone's", "另一克隆的"), "any": l10n.Pick("any", "任何"),
		}[r.Version]
		return l10n.Sprintf("dossier %s was changed in both clones and your key cannot open %s version: %s can merge it (nothing was encrypted to anyone new)", r.Dossier, version, who)
	case "role":
		who := l10n.List(r.Readers)
		if who == "" {
			who = l10n.T("a member who can read it")
		}
		return l10n.Sprintf("dossier %s was changed in both clones, and merging it needs one of the roles %s: %s can merge it", r.Dossier, roleNames(r.Conflicts, pol), who)
	case "rewritten":
		return l10n.Sprintf("dossier %s: the two clones' histories hold no common version of its file (one history was rewritten, as crm purge does): the merge keeps yours; if crm verify then finds it is not the version the journal pins, crm restore %s puts that one back from git", r.Dossier, r.Dossier)
	case "created":
		return l10n.Sprintf("dossier %s was created in both clones under one id: the merge keeps yours; the creation the journal orders second is given a new id by its author's next crm sync", r.Dossier)
	}
	return l10n.Sprintf("dossier %s: both clones changed %s: run crm resolve %s", r.Dossier, l10n.List(r.Conflicts), r.Dossier)
}

// olderCheckout turns err's advice to put back an event this user saw
// (the pin) into the advice to go back to the branch when the clone has
// a commit checked out instead of a branch (git checkout of an older
// commit): the journal there is older than what was seen, and nothing
// is to be restored into it.
func (e *env) olderCheckout(err error) {
	var ae *archive.Error
	if !errors.As(err, &ae) || ae.Next != archive.NextRestoreEvent {
		return
	}
	dir, aerr := filepath.Abs(e.archiveDir())
	if aerr != nil {
		return
	}
	if head := detachedHead(dir); head != "" {
		ae.Err = l10n.Errorf("event %s, which you saw in this archive before, is not in the journal of commit %s, which this clone has checked out instead of a branch (git checkout of an older commit): crm works on the latest state only; go back with git switch - (or git checkout BRANCH); older versions are in crm log and git log", journal.ShortHash(ae.Arg), head[:12])
		ae.Next, ae.Arg = archive.NoNext, ""
	}
}
