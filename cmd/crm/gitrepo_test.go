package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/journal"
	"crm/testdata/needs"
)

// newGitDir is a new git repository in a temporary folder, and a way to
// run git in it that fails the test when git fails.
func newGitDir(t *testing.T) (dir string, git func(args ...string) string) {
	t.Helper()
	needs.Tool(t, "git", "apt-get install git")
	dir = t.TempDir()
	git = func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	return dir, git
}

// A batch step (review done --all-readable, import) touches thousands of
// files: they are committed through standard input, not as arguments
// (which the kernel limits to 2 MiB, one of them to 128 KiB), and the
// commit message lists the first events only.
func TestCommitManyPaths(t *testing.T) {
	dir, git := newGitDir(t)
	const n = 20000
	var paths []string
	os.MkdirAll(filepath.Join(dir, "journal"), 0o755)
	for i := range n {
		p := fmt.Sprintf("journal/20261202T010000Z-%064x.yaml", i)
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	os.WriteFile(filepath.Join(dir, "other.txt"), []byte("not crm's\n"), 0o644)
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var es []*journal.Event
	for i := range n {
		es = append(es, &journal.Event{Header: journal.Header{Kind: archive.KindReview, Actor: "li", Dossier: fmt.Sprintf("C-%06d", i)}, Hash: fmt.Sprintf("%064x", i)})
	}
	msg := commitMessage(&cobra.Command{Use: "done"}, es)
	if len(msg) > 64<<10 || !strings.Contains(msg, "(+19800: crm log)") {
		t.Fatalf("a commit message of %d bytes:\n%.300s", len(msg), msg)
	}
	done, err := g.commitPaths(paths, msg, &archive.Member{ID: "li", Name: "李四"})
	if err != nil || !done {
		t.Fatalf("commit of %d paths: %v %v", n, done, err)
	}
	if got := strings.Count(git("ls-files"), "\n"); got != n {
		t.Fatalf("%d files committed, want %d", got, n)
	}
	if !strings.Contains(git("status", "--porcelain"), "?? other.txt") {
		t.Fatal("a file crm did not write was committed")
	}
	if done, err := g.commitPaths(paths[:3], "again", nil); err != nil || done {
		t.Fatalf("nothing to commit: %v %v", done, err)
	}
	// The commits after the first are made by plumbing (commitIndex), as
	// git commit would make them: the member as author and committer, the
	// message, the reflog, nothing left staged.
	os.WriteFile(filepath.Join(dir, paths[1]), []byte("changed\n"), 0o644)
	git("add", "--", paths[1])
	g.setAuthor(&archive.Member{ID: "wang", Name: "王五"})
	if done, ok := g.commitIndex(paths[1:2], "crm edit: one\n\nmore lines"); !done || !ok {
		t.Fatalf("commitIndex: done %v, ok %v", done, ok)
	}
	if got := git("log", "-1", "--format=%an <%ae>|%cn|%B"); got != "王五 <wang@crm.invalid>|王五|crm edit: one\n\nmore lines\n\n" {
		t.Fatalf("last commit: %q", got)
	}
	if got := git("reflog", "-1", "--format=%gs"); got != "commit: crm edit: one\n" {
		t.Fatalf("reflog: %q", got)
	}
	if got := git("status", "--porcelain"); got != "?? other.txt\n" {
		t.Fatalf("status %q", got)
	}
	// Another change staged: commitIndex commits only crm's paths, made
	// in an index of its own (git commit -- paths could drop what
	// another crm staged meanwhile); the other change stays staged.
	git("add", "other.txt")
	os.WriteFile(filepath.Join(dir, paths[0]), []byte("changed\n"), 0o644)
	git("add", "--", paths[0])
	if done, ok := g.commitIndex(paths[:1], "one more"); !done || !ok {
		t.Fatalf("commitIndex beside a staged change: done %v, ok %v", done, ok)
	}
	if done, err := g.commitPaths(paths[:1], "one more", nil); err != nil || done {
		t.Fatalf("nothing left to commit beside a staged change: %v %v", done, err)
	}
	if got := git("show", "--name-only", "--format=%s", "HEAD"); got != "one more\n\n"+paths[0]+"\n" {
		t.Fatalf("commit beside a staged change holds %q", got)
	}
	if got := git("status", "--porcelain"); got != "A  other.txt\n" {
		t.Fatalf("after it, status %q", got)
	}
}

// In a repository with no commit yet, the first is git commit's
// (commitIndex needs a HEAD to follow).
func TestCommitIndexFirstCommit(t *testing.T) {
	dir, _ := newGitDir(t)
	os.WriteFile(filepath.Join(dir, "crm.yaml"), []byte("x\n"), 0o644)
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := g.commitPaths([]string{"crm.yaml"}, "first", &archive.Member{ID: "li", Name: "李四"}); err != nil || !done {
		t.Fatalf("first commit: %v %v", done, err)
	}
	if out, err := g.run("log", "--format=%s"); err != nil || out != "first\n" {
		t.Fatalf("log %q %v", out, err)
	}
}

// config reads git's whole configuration once and answers as git config
// --get would: sections and variable names in any case, a subsection as
// it is, the last of several values; a value crm sets is seen after.
func TestConfigReadOnce(t *testing.T) {
	dir, git := newGitDir(t)
	git("config", "Branch.Main.Remote", "up")
	git("config", "merge.crm.driver", "first")
	git("config", "--add", "merge.crm.driver", " last ")
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"branch.Main.remote": "up",
		"BRANCH.Main.REMOTE": "up",
		"branch.main.remote": "", // a subsection's case counts
		"merge.crm.driver":   "last",
		"merge.crm.name":     "",
		"nosuchkey":          "",
	} {
		if got := g.config(key); got != want {
			t.Errorf("config(%q) = %q, want %q", key, got, want)
		}
	}
	for key, want := range map[string]bool{"commit.gpgsign": false, "maintenance.auto": true} {
		if got := g.configBool(key, want); got != want {
			t.Errorf("configBool(%q) unset = %v, want the default %v", key, got, want)
		}
	}
	git("config", "merge.crm.name", "set behind crm's back")
	if got := g.config("merge.crm.name"); got != "" {
		t.Errorf("config read again for each key: %q", got)
	}
	if err := g.setConfig("merge.crm.name", "crm"); err != nil {
		t.Fatal(err)
	}
	if got := g.config("merge.crm.name"); got != "crm" {
		t.Errorf("after setConfig: %q", got)
	}
	// Booleans as git config --type=bool reads them, a name alone true.
	for v, want := range map[string]bool{"yes": true, "On": true, "1": true, "2": true, "false": false, "off": false, "0": false} {
		g.setConfig("commit.gpgsign", v)
		if got := g.configBool("commit.gpgsign", !want); got != want {
			t.Errorf("commit.gpgsign = %s: %v, want %v", v, got, want)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("[maintenance]\n\tauto\n")
	f.Close()
	g.configs = nil
	if !g.configBool("maintenance.auto", false) {
		t.Error("a name with no value is not read as true")
	}
}

// headNow sees a commit move HEAD, in a clone and in a linked worktree
// (whose branches are kept in the folder its commondir names): a commit
// that found HEAD moved under it is tried again (commitPaths).
func TestHeadNowSeesCommits(t *testing.T) {
	dir, git := newGitDir(t)
	id := []string{"-c", "user.name=t", "-c", "user.email=t@x"}
	git(append(id, "commit", "-q", "--allow-empty", "-m", "one")...)
	wt := filepath.Join(t.TempDir(), "wt")
	git("worktree", "add", "-q", "-b", "side", wt)
	for _, top := range []string{dir, wt} {
		g, err := openRepo(top)
		if err != nil {
			t.Fatal(err)
		}
		before := g.headNow()
		cmd := exec.Command("git", append(id, "commit", "-q", "--allow-empty", "-m", "two")...)
		cmd.Dir = top
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git commit in %s: %v\n%s", top, err, out)
		}
		if after := g.headNow(); after == before || !strings.Contains(after, " ") || strings.HasSuffix(after, " ") {
			t.Errorf("%s: HEAD %q before a commit, %q after", top, before, after)
		}
	}
}

// TestShellQuoteRoundTrip: the program crm git setup writes into git's
// config and hook reads back as the path it was, whatever that path holds
// (driverNotOnPath reads it with firstShellWord).
func TestShellQuoteRoundTrip(t *testing.T) {
	for _, p := range []string{
		"/usr/local/bin/crm",
		"/home/张三/go/bin/crm",
		"/tmp/my tools/crm",
		"/tmp/it's/crm",
		`/tmp/a"b\c/$HOME/crm`,
	} {
		q := shellQuote(p)
		if got := firstShellWord(q + " merge-driver %O %A %B %L %P"); got != p {
			t.Errorf("shellQuote(%q) = %q, read back as %q", p, q, got)
		}
		out, err := exec.Command("sh", "-c", "printf %s "+q).Output()
		if err != nil || string(out) != p {
			t.Errorf("sh reads shellQuote(%q) = %q as %q (%v)", p, q, out, err)
		}
	}
	if got := firstShellWord(`  "/opt/my crm/crm" textconv`); got != "/opt/my crm/crm" {
		t.Errorf("double-quoted word read as %q", got)
	}
	for _, p := range []string{"/usr/bin/crm", "/home/张三/go/bin/crm", "绝密"} {
		if shellQuote(p) != p {
			t.Errorf("a plain word is quoted: %q", shellQuote(p))
		}
	}
	// a space beyond ASCII is no letter: quoted, not to be read as two words
	if q := shellQuote("张\u3000三"); q != "'张\u3000三'" {
		t.Errorf("shellQuote(%q) = %q, want it quoted", "张\u3000三", q)
	}
}

// A word holding a letter that shows as nothing or as a space (a Hangul
// filler, default-ignorable) is quoted, so the user sees where it is;
// it still reads back as itself. 王五 and 绝密 stay bare.
func TestShellQuoteInvisibleLetters(t *testing.T) {
	for _, r := range []rune{0x115f, 0x1160, 0x3164, 0xffa0} {
		if !unicode.IsLetter(r) {
			t.Fatalf("%U is no letter: the test tests nothing", r)
		}
		for _, s := range []string{string(r), "王" + string(r) + "五", "--who=" + string(r)} {
			q := shellQuote(s)
			if q != "'"+s+"'" {
				t.Errorf("shellQuote(%q) = %q, want it quoted", s, q)
			}
			if got := firstShellWord(q); got != s {
				t.Errorf("shellQuote(%q) = %q, read back as %q", s, q, got)
			}
		}
	}
	for _, s := range []string{"王五", "绝密", "Ωmega", "٣"} {
		if q := shellQuote(s); q != s {
			t.Errorf("shellQuote(%q) = %q, want it bare", s, q)
		}
	}
}

// A folder whose every change is crm's own, and many, is committed as the
// folder; a folder with a change that is not, or with few, path by path.
func TestByFolder(t *testing.T) {
	var cs []change
	var own []string
	for i := range 100 {
		p := fmt.Sprintf("a/journal/2017/01/e%03d.yaml", i)
		cs, own = append(cs, change{path: p, tracked: true}), append(own, p)
		p = fmt.Sprintf("a/journal/2017/02/e%03d.yaml", i)
		cs = append(cs, change{path: p, tracked: true})
		if i > 0 { // the first is not crm's
			own = append(own, p)
		}
	}
	cs, own = append(cs, change{path: "a/journal/2017/03/e.yaml"}), append(own, "a/journal/2017/03/e.yaml")
	got := byFolder(own, cs)
	if len(got) != 1+99+1 || got[0] != "a/journal/2017/01" || got[1] != "a/journal/2017/02/e001.yaml" || got[len(got)-1] != "a/journal/2017/03/e.yaml" {
		t.Fatalf("byFolder: %d paths, %v…", len(got), got[:3])
	}
}

// The merge driver reads the other side's events from git: those in
// bundles too (another clone bundled a month and wrote in it).
func TestEventsInReadsBundles(t *testing.T) {
	needs.Tool(t, "git", "apt-get install git")
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@x"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "crm.yaml"), []byte("x: 1\n"), 0o644)
	git("add", "-A")
	git("commit", "-qm", "base")
	git("checkout", "-qb", "other")
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	var files [][]byte
	var want []string
	for i := range 3 {
		at := time.Date(2026, 9, 1+i, 1, 0, 0, 0, time.UTC)
		b, err := journal.Sign(journal.Header{Kind: archive.KindReview, Time: at, Actor: "li", Dossier: "C-1"}, map[string]any{"quarter": "2026Q3", "sha256": fmt.Sprint(i)}, key)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := journal.Parse(b)
		want = append(want, e.Hash)
		files = append(files, b)
	}
	month := filepath.Join(dir, "journal", "2026", "09")
	os.MkdirAll(month, 0o755)
	bundle := journal.MakeBundle(files[:2])
	os.WriteFile(filepath.Join(month, journal.BundleName(bundle)), bundle, 0o644)
	e, _ := journal.Parse(files[2])
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash))), files[2], 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-qm", "bundled")
	git("checkout", "-q", "main")
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range g.eventsIn("other") {
		got = append(got, e.Hash)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("events in the other side: %v, want %v", got, want)
	}
}

// commitIndex leaves to git commit what it would not do the same way: a
// cherry-pick under way, a hook git commit runs despite --no-verify. It
// commits a folder given as a path (byFolder), and keeps the message as
// git commit -m does.
func TestCommitIndexLeavesToGitCommit(t *testing.T) {
	dir, git := newGitDir(t)
	os.MkdirAll(filepath.Join(dir, "journal/2026/12"), 0o755)
	write := func(p, s string) {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("crm.yaml", "x\n")
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := g.commitPaths([]string{"crm.yaml"}, "first", nil); err != nil || !done {
		t.Fatalf("first: %v %v", done, err)
	}
	write("journal/2026/12/a.yaml", "a\n")
	write("journal/2026/12/b.yaml", "b\n")
	git("add", "journal")
	if done, ok := g.commitIndex([]string{"journal/2026/12"}, "crm sync: bundle  \n\n\n a b \t\n\n"); !done || !ok {
		t.Fatalf("a folder: done %v, ok %v", done, ok)
	}
	if got := git("cat-file", "commit", "HEAD"); !strings.HasSuffix(got, "\n\ncrm sync: bundle\n\n a b\n") {
		t.Fatalf("message as kept: %q", got)
	}
	write("crm.yaml", "y\n")
	git("add", "crm.yaml")
	git("update-ref", "CHERRY_PICK_HEAD", "HEAD")
	if done, ok := g.commitIndex([]string{"crm.yaml"}, "during a cherry-pick"); done || ok {
		t.Fatalf("during a cherry-pick: done %v, ok %v", done, ok)
	}
	git("update-ref", "-d", "CHERRY_PICK_HEAD")
	hook := filepath.Join(dir, ".git/hooks/prepare-commit-msg")
	os.MkdirAll(filepath.Dir(hook), 0o755)
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'Trailer: x' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if done, ok := g.commitIndex([]string{"crm.yaml"}, "with a hook"); done || ok {
		t.Fatalf("with a prepare-commit-msg hook: done %v, ok %v", done, ok)
	}
	if done, err := g.commitPaths([]string{"crm.yaml"}, "with a hook", nil); err != nil || !done {
		t.Fatalf("git commit with a hook: %v %v", done, err)
	}
	if got := git("log", "-1", "--format=%B"); !strings.Contains(got, "Trailer: x") {
		t.Fatalf("the hook did not run: %q", got)
	}
}

func TestStripSpace(t *testing.T) {
	for in, want := range map[string]string{
		"a":                  "a\n",
		"a \n":               "a\n",
		"\n\n a\t\r\n\n\nb ": " a\n\nb\n",
		" \n\t\n":            "",
		"a\nb\n\n":           "a\nb\n",
	} {
		if got := stripSpace(in); got != want {
			t.Errorf("stripSpace(%q) = %q, want %q", in, got, want)
		}
	}
}

// Past maxArgPaths the paths are staged by git update-index (stage): a
// change, a removal and a new file each, and a folder given by its path
// (a month bundled) through git add, with nothing else of the work tree.
func TestCommitManyPathsStaged(t *testing.T) {
	dir, git := newGitDir(t)
	n := maxArgPaths + 200
	g, paths := committedDossiers(t, dir, n, nil)
	for i, p := range paths {
		switch {
		case i%10 == 0:
			os.Remove(filepath.Join(dir, p))
		default:
			os.WriteFile(filepath.Join(dir, p), []byte("v2\n"), 0o644)
		}
	}
	os.MkdirAll(filepath.Join(dir, "journal/2026/12"), 0o755)
	os.WriteFile(filepath.Join(dir, "journal/2026/12/bundle-x.yaml"), []byte("b\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "other.txt"), []byte("not crm's\n"), 0o644)
	if done, err := g.commitPaths(append(slices.Clone(paths), "journal/2026/12", "dossiers/C-gone.age"), "second", nil); err != nil || !done {
		t.Fatalf("second commit: %v %v", done, err)
	}
	files := strings.Split(strings.TrimSpace(git("ls-files")), "\n")
	if want := n - (n+9)/10 + 1; len(files) != want || !slices.Contains(files, "journal/2026/12/bundle-x.yaml") {
		t.Fatalf("%d files tracked, want %d with the bundle", len(files), want)
	}
	if st := git("status", "--porcelain"); st != "?? other.txt\n" {
		t.Fatalf("after the commit, git status says:\n%s", st)
	}
	if got := git("show", "HEAD:dossiers/C-000001.age"); got != "v2\n" {
		t.Fatalf("a changed file committed as %q", got)
	}
}

// committedDossiers writes n dossier files (dossiers/C-000000.age …) and
// the extra paths into the git folder dir, commits them all with
// commitPaths, and returns the repository and the dossiers' paths.
func committedDossiers(t *testing.T, dir string, n int, extra []string) (*gitRepo, []string) {
	t.Helper()
	var paths []string
	for i := range n {
		paths = append(paths, fmt.Sprintf("dossiers/C-%06d.age", i))
	}
	for _, p := range append(slices.Clone(paths), extra...) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte("v1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := g.commitPaths(append(slices.Clone(paths), extra...), "first", nil); err != nil || !done {
		t.Fatalf("first commit: %v %v", done, err)
	}
	return g, paths
}

// A hook under a folder whose name holds a space (core.hooksPath under
// "C:\Users\Zhang San") is seen: the commit is left to git commit, which
// runs it. The hooks' paths were split at spaces, and the hook missed.
func TestCommitIndexSeesHooksInPathsWithSpaces(t *testing.T) {
	dir, git := newGitDir(t)
	if err := os.WriteFile(filepath.Join(dir, "crm.yaml"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := g.commitPaths([]string{"crm.yaml"}, "first", nil); err != nil || !done {
		t.Fatalf("first: %v %v", done, err)
	}
	hooks := filepath.Join(t.TempDir(), "Zhang San", "hooks")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hooks, "post-commit"), []byte("#!/bin/sh\ntouch \"$GIT_DIR/../hook-ran\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("config", "core.hooksPath", hooks)
	g, err = openRepo(dir) // the configuration is read once a repo
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "crm.yaml"), []byte("y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "crm.yaml")
	if done, ok := g.commitIndex([]string{"crm.yaml"}, "with a hook"); done || ok {
		t.Fatalf("with a post-commit hook in %s: done %v, ok %v, want it left to git commit", hooks, done, ok)
	}
	git("config", "--unset", "core.hooksPath")
	g, err = openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, ok := g.commitIndex([]string{"crm.yaml"}, "no hook"); !done || !ok {
		t.Fatalf("without the hook: done %v, ok %v", done, ok)
	}
	if got := git("log", "-1", "--format=%s"); strings.TrimSpace(got) != "no hook" {
		t.Fatalf("HEAD's subject %q", got)
	}
}
