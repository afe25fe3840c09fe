package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Past maxArgPaths, a folder given whole (byFolder) that is gone from
// the work tree must be staged as removed, as git add -A folder would.
func TestCommitManyPathsFolderGone(t *testing.T) {
	dir, git := newGitDir(t)
	n := maxArgPaths + 10
	os.MkdirAll(filepath.Join(dir, "dossiers"), 0o755)
	os.MkdirAll(filepath.Join(dir, "journal/2026/11"), 0o755)
	var paths []string
	for i := range n {
		p := fmt.Sprintf("dossiers/C-%06d.age", i)
		os.WriteFile(filepath.Join(dir, p), []byte("v1\n"), 0o644)
		paths = append(paths, p)
	}
	for i := range 70 {
		p := fmt.Sprintf("journal/2026/11/e%03d.yaml", i)
		os.WriteFile(filepath.Join(dir, p), []byte("e\n"), 0o644)
		paths = append(paths, p)
	}
	g, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := g.commitPaths(paths, "first", nil); err != nil || !done {
		t.Fatalf("first commit: %v %v", done, err)
	}
	for _, p := range paths[:n] {
		os.WriteFile(filepath.Join(dir, p), []byte("v2\n"), 0o644)
	}
	os.RemoveAll(filepath.Join(dir, "journal/2026/11"))
	if done, err := g.commitPaths(append(slices.Clone(paths[:n]), "journal/2026/11"), "second", nil); err != nil || !done {
		t.Fatalf("second commit: %v %v", done, err)
	}
	if st := git("status", "--porcelain"); st != "" {
		t.Fatalf("after the commit, git status says:\n%s", strings.Join(strings.Split(st, "\n")[:3], "\n"))
	}
}
