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
// the work tree must be staged as removed, as git add -A folder would
// (helper-61's finding).
func TestCommitManyPathsFolderGone(t *testing.T) {
	dir, git := newGitDir(t)
	n := maxArgPaths + 10
	var month []string
	for i := range 70 {
		month = append(month, fmt.Sprintf("journal/2026/11/e%03d.yaml", i))
	}
	g, paths := committedDossiers(t, dir, n, month)
	for _, p := range paths {
		os.WriteFile(filepath.Join(dir, p), []byte("v2\n"), 0o644)
	}
	os.RemoveAll(filepath.Join(dir, "journal/2026/11"))
	if done, err := g.commitPaths(append(slices.Clone(paths), "journal/2026/11"), "second", nil); err != nil || !done {
		t.Fatalf("second commit: %v %v", done, err)
	}
	if st := git("status", "--porcelain"); st != "" {
		t.Fatalf("after the commit, git status says:\n%s", strings.Join(strings.Split(st, "\n")[:3], "\n"))
	}
}
