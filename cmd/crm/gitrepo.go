package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// gitRepo is the git repository an archive lives in. crm uses git through
// its command line, as a person would; archive/ never runs it.
type gitRepo struct {
	top    string // the work tree's top folder
	prefix string // the archive's folder relative to top, slash form, "" or ending in /
	env    []string
	dir    string // the git folder, once known
	// configs is git's configuration as git config --list gave it, once
	// a value was asked for (config); nil after crm sets one (setConfig).
	configs map[string]string
}

// errNoGit says that the archive is not in a git repository (or git is
// not installed).
var errNoGit = errors.New("not a git repository")

// openRepo returns the repository holding dir, or errNoGit. The common
// case, a work tree whose top holds a .git folder, needs no git process
// (each write commits itself: every process spared counts).
func openRepo(dir string) (*gitRepo, error) {
	// git is looked for on PATH (a stat of each PATH entry) only once there is
	// a repository to use it on: an archive outside git (every show of
	// one asks inConflict) is told without.
	noGit := func() bool {
		_, err := exec.LookPath("git")
		return err != nil
	}
	abs, _ := filepath.Abs(dir)
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	for d := abs; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			if st.IsDir() && os.Getenv("GIT_DIR") == "" && os.Getenv("GIT_WORK_TREE") == "" {
				if noGit() {
					return nil, errNoGit
				}
				return repoAt(d, abs)
			}
			break
		}
		if filepath.Dir(d) == d {
			if os.Getenv("GIT_DIR") == "" && os.Getenv("GIT_WORK_TREE") == "" {
				// No .git up to the root, and none named: git would
				// find none either (a process spared on every show).
				return nil, errNoGit
			}
			break
		}
	}
	if noGit() {
		return nil, errNoGit
	}
	cmd := exec.Command("git", "rev-parse", "--show-toplevel")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, errNoGit
	}
	top := strings.TrimSpace(string(out))
	if r, err := filepath.EvalSymlinks(top); err == nil {
		top = r
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return nil, errNoGit
	}
	prefix := ""
	if rel != "." {
		prefix = filepath.ToSlash(rel) + "/"
	}
	return &gitRepo{top: top, prefix: prefix}, nil
}

// run runs git with args in the top folder and returns its standard
// output; an error carries git's own message.
func (g *gitRepo) run(args ...string) (string, error) {
	return g.runIn(nil, args...)
}

func (g *gitRepo) runIn(stdin io.Reader, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = g.top
	cmd.Env = append(os.Environ(), g.env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return out.String(), &gitError{args: args, msg: msg, err: err}
	}
	return out.String(), nil
}

type gitError struct {
	args []string
	msg  string
	err  error
}

func (e *gitError) Error() string {
	return "git " + strings.Join(e.args, " ") + ": " + firstLine(e.msg)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// midMerge reports, without running git, whether the repository holding
// dir is in the middle of a merge (MERGE_HEAD exists). The journal then
// holds the other side's events, which an aborted merge takes away again:
// they must not be remembered as seen (the pin would call the abort a
// rollback).
func midMerge(dir string) bool {
	dot := gitDirOf(dir)
	if dot == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dot, "MERGE_HEAD"))
	return err == nil
}

// midRebase reports, without running git, whether the repository holding
// dir is in the middle of a rebase (git pull --rebase stopped on a
// conflict): its journal lacks the events of the commits still to be
// replayed, which come back as the rebase goes on. As in a merge, they
// are not a rollback, and what the journal holds meanwhile is not
// remembered as seen.
func midRebase(dir string) bool {
	dot := gitDirOf(dir)
	if dot == "" {
		return false
	}
	for _, m := range []string{"rebase-merge", "rebase-apply"} {
		if _, err := os.Stat(filepath.Join(dot, m)); err == nil {
			return true
		}
	}
	return false
}

// gitDirOf is the git folder of the repository holding dir, found
// without running git (a .git folder, or a .git file naming one), or "".
func gitDirOf(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		dot := filepath.Join(d, ".git")
		if st, err := os.Stat(dot); err == nil {
			if !st.IsDir() {
				b, err := os.ReadFile(dot)
				gd, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
				if err != nil || !ok {
					return ""
				}
				if !filepath.IsAbs(gd) {
					gd = filepath.Join(d, gd)
				}
				dot = gd
			}
			return dot
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// detachedHead returns the commit checked out in the repository holding
// dir when it is not a branch (git checkout of an older commit, or a
// rebase under way), or "".
func detachedHead(dir string) string {
	dot := gitDirOf(dir)
	if dot == "" {
		return ""
	}
	b, err := sharedfile.ReadFile(filepath.Join(dot, "HEAD"))
	head := strings.TrimSpace(string(b))
	if err != nil || strings.HasPrefix(head, "ref: ") || !journal.IsHash(head) && len(head) != 40 {
		return ""
	}
	return head
}

// config returns a git config value, "" when unset: the last one set,
// as git config --get gives it. Every value is read at once, by one git
// process, the first time one is asked for: crm sync asked five, each a
// process.
func (g *gitRepo) config(key string) string {
	if g.configs == nil {
		g.configs = map[string]string{}
		out, _ := g.run("config", "-z", "--list")
		for _, kv := range strings.Split(out, "\x00") {
			k, v, valued := strings.Cut(kv, "\n")
			if !valued {
				v = "true" // a name with no value is a boolean true
			}
			if k != "" {
				g.configs[k] = v // a later value of the same key wins
			}
		}
	}
	return strings.TrimSpace(g.configs[configKey(key)])
}

// configBool is a boolean git config value as git config --type=bool
// reads it (true, yes, on or a number other than 0), or def when unset.
func (g *gitRepo) configBool(key string, def bool) bool {
	v := strings.ToLower(g.config(key))
	switch v {
	case "":
		return def
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	n, err := strconv.Atoi(v)
	return err != nil || n != 0
}

// configKey is key as git config --list names it: its section and its
// variable name in lower case, a subsection (between them) as it is.
func configKey(key string) string {
	first, last := strings.Index(key, "."), strings.LastIndex(key, ".")
	if first < 0 {
		return strings.ToLower(key)
	}
	return strings.ToLower(key[:first]) + key[first:last] + strings.ToLower(key[last:])
}

// setConfig runs git config with args (a value set or unset), and
// forgets the values config read.
func (g *gitRepo) setConfig(args ...string) error {
	g.configs = nil
	_, err := g.run(append([]string{"config"}, args...)...)
	return err
}

// path turns an archive-relative path into a top-relative one.
func (g *gitRepo) path(rel string) string { return g.prefix + rel }

// rel turns a top-relative path into an archive-relative one, or false.
func (g *gitRepo) rel(top string) (string, bool) {
	return strings.CutPrefix(top, g.prefix)
}

// gitDir is the repository's private folder (.git), read from the work
// tree when it can be (a merge driver runs once per file: every git
// process it spares counts).
func (g *gitRepo) gitDir() string {
	if g.dir != "" {
		return g.dir
	}
	dot := filepath.Join(g.top, ".git")
	if st, err := os.Stat(dot); err == nil && st.IsDir() {
		g.dir = dot
		return g.dir
	}
	out, err := g.run("rev-parse", "--absolute-git-dir")
	if err != nil {
		return dot
	}
	g.dir = strings.TrimSpace(out)
	return g.dir
}

// repoAt is the repository whose work tree's top is top (a merge driver
// runs there), holding the archive in dir, without asking git.
func repoAt(top, dir string) (*gitRepo, error) {
	rel, err := filepath.Rel(top, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, errNoGit
	}
	g := &gitRepo{top: top}
	if rel != "." {
		g.prefix = filepath.ToSlash(rel) + "/"
	}
	if _, err := os.Stat(filepath.Join(top, ".git")); err != nil {
		return openRepo(dir)
	}
	return g, nil
}

// merging reports whether a merge is in progress (MERGE_HEAD, as
// midMerge sees it without running git).
func (g *gitRepo) merging() bool {
	_, err := os.Stat(filepath.Join(g.gitDir(), "MERGE_HEAD"))
	return err == nil
}

// conflictMarks are what git leaves in its folder while a merge, rebase,
// cherry-pick or revert has stopped on conflicts; AUTO_MERGE also after
// a stash apply that conflicted.
var conflictMarks = []string{"MERGE_HEAD", "AUTO_MERGE", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply"}

// mayHaveConflicts reports whether git may have left unmerged paths,
// without reading the index (git reads all of it, which at a
// department's history is most of what a show costs).
func (g *gitRepo) mayHaveConflicts() bool {
	for _, m := range conflictMarks {
		if _, err := os.Lstat(filepath.Join(g.gitDir(), m)); err == nil {
			return true
		}
	}
	return false
}

// listed is the paths a git command lists with -z (none if it fails).
func (g *gitRepo) listed(args ...string) []string {
	out, err := g.run(args...)
	if err != nil {
		return nil
	}
	var ps []string
	for _, p := range strings.Split(out, "\x00") {
		if p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// unmerged returns the top-relative paths git left unmerged (among
// paths, when given).
func (g *gitRepo) unmerged(paths ...string) []string {
	// The index's entries at a stage above 0, without comparing the work
	// tree to it (git diff would stat every file of the archive).
	out, _ := g.run(append([]string{"ls-files", "--unmerged", "-z", "--"}, paths...)...)
	var ps []string
	for _, e := range strings.Split(out, "\x00") {
		_, p, ok := strings.Cut(e, "\t")
		if ok && p != "" && !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// deletedOneSide reports whether unmerged path p (top-relative) was
// deleted on one side of the merge and changed on the other: its index
// entries lack stage 2 (ours) or stage 3 (theirs).
func (g *gitRepo) deletedOneSide(p string) bool {
	out, _ := g.run("ls-files", "--unmerged", "-z", "--", p)
	stages := map[string]bool{}
	for _, e := range strings.Split(out, "\x00") {
		if meta, _, ok := strings.Cut(e, "\t"); ok {
			if f := strings.Fields(meta); len(f) == 3 {
				stages[f[2]] = true
			}
		}
	}
	return len(stages) > 0 && (!stages["2"] || !stages["3"])
}

// deletedByMerge are the top-relative paths the merge in progress
// removes (staged deletions against HEAD), under dir.
func (g *gitRepo) deletedByMerge(dir string) []string {
	out, _ := g.run("diff", "--cached", "--name-only", "-z", "--diff-filter=D", "HEAD", "--", dir)
	var ps []string
	for _, p := range strings.Split(out, "\x00") {
		if p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// change is one entry of git status: a top-relative path, whether it is
// tracked (or staged) and whether it exists in the work tree.
type change struct {
	path    string
	tracked bool
	exists  bool
}

// status lists the changes under the archive's folder.
func (g *gitRepo) status() ([]change, error) {
	args := []string{"status", "--porcelain=v1", "-z", "--untracked-files=all"}
	if g.prefix != "" {
		args = append(args, "--", g.prefix)
	}
	out, err := g.run(args...)
	if err != nil {
		return nil, err
	}
	var cs []change
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue
		}
		xy, p := f[:2], f[3:]
		if xy[0] == 'R' || xy[0] == 'C' {
			i++ // the source path follows
		}
		_, err := os.Lstat(filepath.Join(g.top, filepath.FromSlash(p)))
		cs = append(cs, change{path: p, tracked: xy != "??", exists: err == nil})
	}
	return cs, nil
}

// maxArgPaths is how many paths crm passes to git as arguments at most.
const maxArgPaths = 1000

// commitPaths commits exactly the given top-relative paths (added,
// changed or removed) with message msg as author: nothing else the index
// holds is included. It reports whether there was anything to commit.
func (g *gitRepo) commitPaths(paths []string, msg string, author *archive.Member) (bool, error) {
	// Another git process may hold the index's lock or a ref's: most
	// often another crm in this clone committing its own change at the
	// same moment (a cron job's crm maintain beside a clerk's step, a
	// script's commands run in parallel), whose autocommit runs after it
	// let go of the archive's lock. git does not wait for a lock; crm
	// does, for a while, as it waits for the archive's: the commit left
	// undone used to wait in the work tree for the next crm sync.
	// A commit that found HEAD moved by another meanwhile ("cannot lock
	// ref 'HEAD': is at … but expected …", in the user's language) is
	// tried again too.
	deadline := time.Now().Add(gitLockWait)
	wait := 20 * time.Millisecond
	for {
		head := g.headNow()
		done, err := g.commitPathsOnce(paths, msg, author)
		if err == nil || !lockBusy(err) && g.headNow() == head || time.Now().Add(wait).After(deadline) {
			return done, err
		}
		time.Sleep(wait)
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// headNow is what HEAD holds and, when it names a branch, what that
// branch's file in the git folder holds: it changes when a commit moves
// HEAD (git writes the branch's own file then). Read from the files, not
// by running git.
func (g *gitRepo) headNow() string {
	dot := g.gitDir()
	b, _ := sharedfile.ReadFile(filepath.Join(dot, "HEAD"))
	head := strings.TrimSpace(string(b))
	if ref, ok := strings.CutPrefix(head, "ref: "); ok && !strings.Contains(ref, "..") {
		r, err := sharedfile.ReadFile(filepath.Join(dot, filepath.FromSlash(ref)))
		if err != nil {
			// A linked worktree keeps its HEAD, and the branches in the
			// folder its commondir names.
			if cd, cerr := sharedfile.ReadFile(filepath.Join(dot, "commondir")); cerr == nil {
				common := strings.TrimSpace(string(cd))
				if !filepath.IsAbs(common) {
					common = filepath.Join(dot, common)
				}
				r, _ = sharedfile.ReadFile(filepath.Join(common, filepath.FromSlash(ref)))
			}
		}
		head += " " + strings.TrimSpace(string(r))
	}
	return head
}

// gitLockWait is how long commitPaths waits for another git process's
// lock on the index or a ref.
const gitLockWait = 10 * time.Second

// lockBusy reports whether git refused err's command because a lock file
// was there (git's message names the file, NAME.lock, in every language).
func lockBusy(err error) bool {
	var ge *gitError
	return errors.As(err, &ge) && strings.Contains(ge.msg, ".lock")
}

// commitPathsOnce is commitPaths' one try.
func (g *gitRepo) commitPathsOnce(paths []string, msg string, author *archive.Member) (bool, error) {
	if paths = g.matchable(paths); len(paths) == 0 {
		return false, nil
	}
	// A batch of thousands of steps would not fit on a command line: its
	// paths go on standard input (git 2.25 or later); a step's few go as
	// arguments, which any git takes.
	run := func(args ...string) (string, error) {
		if len(paths) <= maxArgPaths {
			return g.run(append(append(args, "--"), paths...)...)
		}
		list := strings.NewReader(strings.Join(paths, "\x00"))
		return g.runIn(list, append(args, "--pathspec-from-file=-", "--pathspec-file-nul")...)
	}
	if err := g.stage(paths); err != nil {
		return false, err
	}
	g.setAuthor(author)
	head := g.headNow()
	if done, ok := g.commitIndex(paths, msg); ok {
		return done, nil
	}
	if g.headNow() != head {
		// Another commit moved HEAD between this one's reading it and
		// moving it (update-ref refused): made again on the new HEAD
		// (commitPaths), not by git commit -- paths, which may drop
		// what another crm staged meanwhile (commitIndex).
		return false, l10n.Errorf("another commit moved HEAD while this one was made; crm sync commits it")
	}
	if _, err := run("commit", "-q", "--no-verify", "-m", msg); err != nil {
		if len(paths) <= maxArgPaths {
			if _, derr := g.run(append([]string{"diff", "--cached", "--quiet", "--"}, paths...)...); derr == nil {
				return false, nil // nothing changed
			}
		}
		return false, err
	}
	return true, nil
}

// stage puts the given top-relative paths in the index as git add -A
// would: added, changed or removed. Past maxArgPaths the files go to git
// update-index on standard input. git add matches each path of the index
// against every pathspec it is given: a member added at 100,000 dossiers
// re-encrypts 63,451 files, and git add -A --pathspec-from-file took 139
// to 150 s where update-index took 0.9 s for the same tree. A folder
// (a month whose events went into a bundle, or removed whole) still goes
// to git add -A.
func (g *gitRepo) stage(paths []string) error {
	if len(paths) <= maxArgPaths {
		_, err := g.run(append([]string{"add", "-A", "--"}, paths...)...)
		return err
	}
	var files, dirs, gone []string
	for _, p := range paths {
		switch fi, err := os.Lstat(filepath.Join(g.top, filepath.FromSlash(p))); {
		case err != nil:
			gone = append(gone, p)
		case fi.IsDir():
			dirs = append(dirs, p)
		default:
			files = append(files, p)
		}
	}
	if len(gone) > 0 {
		// A path gone from the work tree is a file removed (--remove),
		// unless the index holds it as a folder: what it held there is
		// removed by git add.
		out, err := g.run("ls-files", "-z", "--full-name")
		if err != nil {
			return err
		}
		tracked, folders := map[string]bool{}, map[string]bool{}
		for _, f := range strings.Split(out, "\x00") {
			tracked[f] = true
			for d := path.Dir(f); d != "." && !folders[d]; d = path.Dir(d) {
				folders[d] = true
			}
		}
		for _, p := range gone {
			switch {
			case tracked[p]:
				files = append(files, p)
			case folders[p]:
				dirs = append(dirs, p)
			} // else git knows nothing of it: nothing to commit
		}
	}
	list := strings.NewReader(strings.Join(files, "\x00") + "\x00")
	if _, err := g.runIn(list, "update-index", "--add", "--remove", "-z", "--stdin"); err != nil {
		return err
	}
	if len(dirs) == 0 {
		return nil
	}
	_, err := g.runIn(strings.NewReader(strings.Join(dirs, "\x00")), "add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul")
	return err
}

// matchable is paths without those git add -A would stop at, committing
// nothing: a path gone from the work tree that git does not track either
// (a hand-in's file handed in before crm committed hand-ins, removed when
// the hand-in was folded). Such a removal has nothing to commit.
func (g *gitRepo) matchable(paths []string) []string {
	var gone []string
	isGone := map[string]bool{}
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(g.top, filepath.FromSlash(p))); err != nil {
			gone, isGone[p] = append(gone, p), true
		}
	}
	if len(gone) == 0 || len(gone) > maxArgPaths {
		return paths
	}
	out, err := g.run(append([]string{"ls-files", "-z", "--"}, gone...)...)
	if err != nil {
		return paths // git add says what is wrong
	}
	tracked := map[string]bool{} // the files listed and their folders
	for _, f := range strings.Split(out, "\x00") {
		for ; f != "" && f != "." && !tracked[f]; f = path.Dir(f) {
			tracked[f] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return isGone[p] && !tracked[strings.TrimSuffix(p, "/")] })
}

// commitIndex commits the index as it is onto HEAD, with git's plumbing,
// when it differs from HEAD in paths only (crm's files or folders, just
// added): what `git commit -- paths` would commit. git commit refreshes
// the stat of every tracked file first, twice for a commit of some paths:
// 0.25 s of every step at 100,000 dossiers, where the small commands here
// take ~20 ms. ok is false, and nothing was changed, when git commit is
// needed instead: another change is staged (only paths are to be
// committed), HEAD has no commit yet, a merge, cherry-pick, revert or
// rebase is under way (git commit refuses a commit of some paths then,
// or clears its state after one), commits are to be signed, a hook git
// commit runs despite --no-verify is there (prepare-commit-msg,
// post-commit), the message is empty, or a command failed. done is false
// when nothing changed.
func (g *gitRepo) commitIndex(paths []string, msg string) (done, ok bool) {
	if msg = stripSpace(msg); msg == "" || g.mayHaveConflicts() {
		return false, false
	}
	for _, f := range []string{"MERGE_MSG", "SQUASH_MSG"} { // git commit uses and clears them
		if _, err := os.Lstat(filepath.Join(g.gitDir(), f)); err == nil {
			return false, false
		}
	}
	if g.configBool("commit.gpgsign", false) {
		return false, false
	}
	maintain := g.configBool("maintenance.auto", true)
	// The hooks' paths and HEAD's commit in one process: a line each (a
	// path may hold spaces: core.hooksPath under "C:\Users\Zhang San").
	// An unborn HEAD fails it, and git commit makes the first commit.
	out, err := g.run("rev-parse", "--git-path", "hooks/prepare-commit-msg", "--git-path", "hooks/post-commit", "HEAD^{commit}")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if err != nil || len(lines) != 3 || !isObjectName(lines[2]) {
		return false, false
	}
	for _, h := range lines[:2] {
		if !filepath.IsAbs(h) {
			h = filepath.Join(g.top, h)
		}
		if fi, err := os.Stat(h); err == nil && fi.Mode()&0o111 != 0 {
			return false, false
		}
	}
	head := lines[2]
	tree, err := g.run("write-tree")
	if err != nil {
		return false, false
	}
	tree = strings.TrimSpace(tree)
	changed, err := g.changedFiles(head, tree)
	if err != nil {
		return false, false
	}
	mine := map[string]bool{}
	for _, p := range paths {
		mine[strings.TrimSuffix(p, "/")] = true
	}
	n := len(changed)
	foreign := slices.ContainsFunc(changed, func(p string) bool { return !underAny(mine, p) })
	if foreign {
		// Another change is staged: most often another crm's in this
		// clone, between its git add and its commit. git commit -- paths
		// would read the index before it takes the index's lock and
		// write it back after, dropping what the other crm staged in
		// between (it was then left uncommitted, unknown to git, without
		// a word). The tree is made in an index of this commit's own
		// instead: HEAD's tree and these paths; the shared index is not
		// written, and holds these paths as HEAD will.
		if tree, n, err = g.treeOfPaths(head, paths); err != nil {
			return false, false
		}
	}
	if n == 0 {
		return false, true
	}
	commit, err := g.runIn(strings.NewReader(msg), "commit-tree", tree, "-p", head)
	if err != nil {
		return false, false
	}
	commit = strings.TrimSpace(commit)
	// As git commit writes it: the reflog line, and HEAD moved only from
	// the commit this one follows.
	subject, _, _ := strings.Cut(msg, "\n")
	if _, err := g.run("update-ref", "-m", "commit: "+subject, "HEAD", commit, head); err != nil {
		return false, false
	}
	if maintain {
		g.run("maintenance", "run", "--auto", "--quiet") // as git commit does after a commit
	}
	return true, true
}

// treeOfPaths is the tree of commit head with paths as the work tree has
// them (added, changed or removed, as git add -A), made in an index file
// of its own, and how many files it changes.
func (g *gitRepo) treeOfPaths(head string, paths []string) (string, int, error) {
	f, err := os.CreateTemp(g.gitDir(), "crm-index-*")
	if err != nil {
		return "", 0, err
	}
	idx := f.Name()
	f.Close()
	os.Remove(idx) // git makes it: an empty file is not an index
	defer os.Remove(idx)
	env := g.env
	g.env = append(slices.Clip(env), "GIT_INDEX_FILE="+idx)
	defer func() { g.env = env }()
	if _, err := g.run("read-tree", head); err != nil {
		return "", 0, err
	}
	if err := g.stage(paths); err != nil {
		return "", 0, err
	}
	tree, err := g.run("write-tree")
	if err != nil {
		return "", 0, err
	}
	tree = strings.TrimSpace(tree)
	changed, err := g.changedFiles(head, tree)
	return tree, len(changed), err
}

// changedFiles are the files (top-relative) tree has otherwise than
// commit head's tree: added, changed or removed.
//
// Two trees need no index, but git diff-tree reads it all the same: at
// 100,000 dossiers 55 ms of each commit's 80. It is pointed at an index
// that does not exist (an empty one), which git then does not read.
func (g *gitRepo) changedFiles(head, tree string) ([]string, error) {
	var nonce [8]byte
	rand.Read(nonce[:])
	env := g.env
	g.env = append(slices.Clip(env), "GIT_INDEX_FILE="+filepath.Join(g.gitDir(), "crm-no-index-"+hex.EncodeToString(nonce[:])))
	out, err := g.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", head, tree)
	g.env = env
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(strings.Split(out, "\x00"), func(p string) bool { return p == "" }), nil
}

// isObjectName reports whether s is a git object name: 40 hexadecimal
// digits (SHA-1), or 64 (SHA-256), in lower case as git prints them.
func isObjectName(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// underAny reports whether path p is one of paths or inside one of them
// (a folder, as a pathspec names everything in it).
func underAny(paths map[string]bool, p string) bool {
	for {
		if paths[p] {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// stripSpace is msg as git commit -m keeps it (its "whitespace" cleanup):
// each line without trailing white space, no blank lines at the start or
// the end nor two in a row, and a final newline; "" if nothing is left.
func stripSpace(msg string) string {
	var b strings.Builder
	blank := false
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimRight(l, " \t\r\v\f")
		if l == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// setAuthor makes the member the author and committer of the next
// commits (crm commits on their behalf); a committer named in the
// environment is kept.
func (g *gitRepo) setAuthor(m *archive.Member) {
	if m == nil {
		return
	}
	name, email := m.Name, m.ID+"@crm.invalid"
	g.env = []string{"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email}
	if os.Getenv("GIT_COMMITTER_NAME") == "" && os.Getenv("GIT_COMMITTER_EMAIL") == "" {
		g.env = append(g.env, "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email)
	}
}

// findBlob returns the content of a blob of path (top-relative) anywhere
// in this clone's history (every ref and the reflog, which keeps what a
// git reset took away), or in the index's merge stages,
// whose SHA-256 is sum; nil if there is none.
func (g *gitRepo) findBlob(path, sum string) []byte {
	var ids []string
	add := func(id string) {
		if len(id) >= 40 && strings.Trim(id, "0") != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if out, err := g.run("ls-files", "-s", "--", path); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 2 {
				add(f[1])
			}
		}
	}
	if out, err := g.run("log", "--all", "--reflog", "--full-history", "--format=", "--raw", "--no-abbrev", "--", path); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 5 && strings.HasPrefix(f[0], ":") {
				add(f[2])
				add(f[3])
			}
		}
	}
	for _, id := range ids {
		b, err := g.run("cat-file", "blob", id)
		if err != nil {
			continue
		}
		if archive.SHA256Hex([]byte(b)) == sum {
			return []byte(b)
		}
	}
	return nil
}

// pinnedBlob is the version of dossier id's file with SHA-256 sum (the
// one the journal pinned) from this clone's history: under its own path,
// else under any path of the dossier folder (findByHash); nil if none.
func (g *gitRepo) pinnedBlob(id, sum string) []byte {
	if ct := g.findBlob(g.path(archive.DossierPath(id)), sum); ct != nil {
		return ct
	}
	ct, _ := g.findByHash(sum)
	return ct
}

// findByHash looks for the ciphertext with SHA-256 sum under the dossier
// folder in every commit of this clone (a dossier created under an id
// that was taken: its file was under that id in the other clone).
func (g *gitRepo) findByHash(sum string) ([]byte, error) {
	out, _ := g.run("log", "--all", "--reflog", "--full-history", "--format=", "--raw", "--no-abbrev", "--", g.path(archive.DossiersDir))
	var paths []string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.IndexByte(l, '\t'); i > 0 && strings.HasPrefix(l, ":") {
			if p := l[i+1:]; !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	for _, p := range paths {
		if b := g.findBlob(p, sum); b != nil {
			return b, nil
		}
	}
	return nil, l10n.Errorf("no commit of this clone holds the file with sha256 %s: fetch the other clones' work first", journal.ShortHash(sum))
}

// findEvent looks in git history (every ref, the reflog, the index) for
// the file of the journal event (or bundle) whose hash starts with prefix
// as it was written: a version of a file named for it whose SHA-256 is
// the hash its name holds. It returns the archive-relative path and the bytes, or "".
// The reflog keeps commits a reset took away; a merge's own files (a
// conflict settled in it) are looked for in it too (-m).
func (g *gitRepo) findEvent(prefix string) (string, []byte) {
	spec := ":(glob)" + g.path(journal.Dir+"/*/*/*-"+prefix+"*.yaml")
	type cand struct{ path, blob string }
	var cs []cand
	add := func(p, id string) {
		if len(id) >= 40 && strings.Trim(id, "0") != "" && !slices.Contains(cs, cand{p, id}) {
			cs = append(cs, cand{p, id})
		}
	}
	if out, err := g.run("ls-files", "-s", "--", spec); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 4 {
				add(f[3], f[1])
			}
		}
	}
	if out, err := g.run("log", "--all", "--reflog", "--full-history", "-m", "--no-renames", "--format=", "--raw", "--no-abbrev", "--", spec); err == nil {
		for _, l := range strings.Split(out, "\n") {
			i := strings.IndexByte(l, '\t')
			if f := strings.Fields(l); i > 0 && len(f) >= 5 && strings.HasPrefix(f[0], ":") {
				add(l[i+1:], f[2])
				add(l[i+1:], f[3])
			}
		}
	}
	for _, c := range cs {
		rel, ok := g.rel(c.path)
		h, isEvent := journal.HashOfPath(rel)
		if bh, isBundle := journal.HashOfBundlePath(rel); isBundle {
			h, isEvent = bh, true // named for the SHA-256 of its bytes too
		}
		if !ok || !isEvent || !strings.HasPrefix(h, prefix) {
			continue
		}
		b, err := g.run("cat-file", "blob", c.blob)
		if err == nil && archive.SHA256Hex([]byte(b)) == h {
			return rel, []byte(b)
		}
	}
	return "", nil
}

// takenEvent is a journal event file a commit deleted that the journal
// no longer holds.
type takenEvent struct {
	rel, hash, commit, author string
}

// takenOut returns the journal event files that the commits of rng (a
// git log range) deleted and that are not in the archive at dir any more,
// neither in their own file nor in a bundle of their month: events taken
// out of the journal (a git revert or reset of crm's commit, a file
// deleted by hand). Bundling, the only way crm moves an event, keeps it
// in a bundle, and is not among them.
func (g *gitRepo) takenOut(dir, rng string) []takenEvent {
	out, err := g.run("log", "--no-renames", "--diff-filter=D", "--name-only", "--format=%x01%h%x02%an", rng, "--", g.path(journal.Dir))
	if err != nil {
		return nil
	}
	var ts []takenEvent
	var commit, author string
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if c, ok := strings.CutPrefix(l, "\x01"); ok {
			commit, author, _ = strings.Cut(c, "\x02")
			continue
		}
		rel, ok := g.rel(strings.TrimSpace(l))
		if !ok || seen[rel] {
			continue
		}
		h, ok := journal.HashOfPath(rel)
		if !ok || journal.Has(dir, rel) {
			continue
		}
		seen[rel] = true
		ts = append(ts, takenEvent{rel: rel, hash: h, commit: commit, author: author})
	}
	return ts
}

// eventsIn reads the journal events of the archive in the tree of ref
// (a commit) that are not in the work tree: the other side of a merge
// whose files git has not put in place yet. Only the events ref has and
// HEAD has not are looked at (a diff of the two trees, which git does in
// the time of what differs); without a HEAD, every event of ref.
func (g *gitRepo) eventsIn(ref string) []*journal.Event {
	var req bytes.Buffer
	want := func(path, blob string) {
		if _, err := os.Stat(filepath.Join(g.top, filepath.FromSlash(path))); err != nil {
			req.WriteString(blob + "\n")
		}
	}
	if out, err := g.run("diff", "--raw", "--no-renames", "--no-abbrev", "-z", "--diff-filter=AM", "HEAD", ref, "--", g.path(journal.Dir)); err == nil {
		// -z --raw: ":mode mode src dst status" NUL path NUL
		f := strings.Split(out, "\x00")
		for i := 0; i+1 < len(f); i += 2 {
			if m := strings.Fields(f[i]); len(m) == 5 {
				want(f[i+1], m[3])
			}
		}
	} else if out, err := g.run("ls-tree", "-r", "--full-tree", ref, "--", g.path(journal.Dir)); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 4 && f[1] == "blob" {
				want(f[3], f[2])
			}
		}
	} else {
		return nil
	}
	if req.Len() == 0 {
		return nil
	}
	raw, err := g.runIn(&req, "cat-file", "--batch")
	if err != nil {
		return nil
	}
	var es []*journal.Event
	r := bufio.NewReader(strings.NewReader(raw))
	for {
		hdr, err := r.ReadString('\n')
		if err != nil {
			break
		}
		f := strings.Fields(hdr)
		if len(f) != 3 {
			continue
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < 0 {
			break
		}
		b := make([]byte, n+1)
		if _, err := io.ReadFull(r, b); err != nil {
			break
		}
		files := [][]byte{b[:n]}
		if bytes.HasPrefix(b, []byte("---\n")) {
			files, _ = journal.SplitBundle(b[:n]) // a bundle of events (journal/FORMAT.md)
		}
		for _, file := range files {
			if e, err := journal.Parse(file); err == nil {
				es = append(es, e)
			}
		}
	}
	return es
}
