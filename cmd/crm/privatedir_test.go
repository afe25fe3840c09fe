package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivateDirSaysWhy: where memory-backed storage is found but no
// folder can be made in it, the refusal says so and why, not that none was
// found; the places tried are listed without empty ones.
func TestPrivateDirSaysWhy(t *testing.T) {
	shm := t.TempDir()
	if !isMemoryFS(shm) {
		shm = "/dev/shm"
		if !isMemoryFS(shm) {
			t.Skip("no memory-backed storage on this machine")
		}
	}
	// A file where the folder would go: MkdirTemp in it fails.
	f, err := os.CreateTemp(shm, "crm-privatedir-test-*")
	if err != nil {
		t.Skipf("cannot write in %s: %v", shm, err)
	}
	f.Close()
	defer os.Remove(f.Name())
	e := &env{io: &IO{}, getenv: func(k string) string {
		if k == "CRM_SHM_DIR" {
			return f.Name()
		}
		return ""
	}}
	_, err = e.privateDir(false, "crm-test-*")
	if err == nil || !strings.Contains(err.Error(), "no private folder could be made in memory-backed storage") || !strings.Contains(err.Error(), filepath.Base(f.Name())) {
		t.Fatalf("privateDir in a file on memory-backed storage: %v", err)
	}
	// Nothing memory-backed: the places tried, none empty.
	disk := t.TempDir()
	if isMemoryFS(disk) {
		return
	}
	e.getenv = func(k string) string {
		if k == "CRM_SHM_DIR" {
			return disk
		}
		return ""
	}
	if _, err = e.privateDir(false, "crm-test-*"); err == nil || !strings.Contains(err.Error(), "(tried "+disk+")") {
		t.Fatalf("privateDir on disk: %v", err)
	}
}
