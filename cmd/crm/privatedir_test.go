package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivateDirSaysWhy: where memory-backed storage is found but no
// folder can be made in it, the refusal says so and why, not that none was
// found; the places tried are listed without empty ones. The storage is
// a temporary folder taken for memory-backed (memoryBacked), so that the
// test runs on any machine.
func TestPrivateDirSaysWhy(t *testing.T) {
	shm := t.TempDir()
	defer func(m func(string) bool) { memoryBacked = m }(memoryBacked)
	memoryBacked = func(dir string) bool { return strings.HasPrefix(dir, shm) }
	// A file where the folder would go: MkdirTemp in it fails.
	file := filepath.Join(shm, "not-a-folder")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{io: &IO{}, getenv: func(k string) string {
		if k == "CRM_SHM_DIR" {
			return file
		}
		return ""
	}}
	_, err := e.privateDir(false, "crm-test-*")
	if err == nil || !strings.Contains(err.Error(), "no private folder could be made in memory-backed storage") || !strings.Contains(err.Error(), "not-a-folder") {
		t.Fatalf("privateDir in a file on memory-backed storage: %v", err)
	}
	// A folder there: made, private.
	e.getenv = func(k string) string {
		if k == "CRM_SHM_DIR" {
			return shm
		}
		return ""
	}
	dir, err := e.privateDir(false, "crm-test-*")
	if err != nil || !strings.HasPrefix(dir, shm) {
		t.Fatalf("privateDir in memory-backed storage: %q, %v", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private folder %s: %v, %v", dir, fi.Mode(), err)
	}
	// Nothing memory-backed: the places tried, none empty.
	memoryBacked = func(string) bool { return false }
	e.getenv = func(string) string { return "" }
	if _, err = e.privateDir(false, "crm-test-*"); err == nil || !strings.Contains(err.Error(), "(tried /dev/shm)") {
		t.Fatalf("privateDir with no memory-backed storage: %v", err)
	}
}
