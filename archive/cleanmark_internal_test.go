package archive

import (
	"os"
	"path/filepath"
	"testing"
)

// A process that could not remove what it meant to (a temporary file, a
// dossier set aside) releases the lock with no clean mark: the next step
// looks for what is left.
func TestNoCleanMarkAfterAFailedRemoval(t *testing.T) {
	dir := t.TempDir()
	for _, d := range cleanDirs {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	a := &Archive{Dir: dir}
	if a.cleanMark() == "" {
		t.Skip("this file system keeps no nanoseconds: no mark at all")
	}
	defer leftBehind.Store(false)
	// A folder with a file in it cannot be removed, whoever asks.
	stuck := filepath.Join(dir, DossiersDir, ".tmp-C-1.1-1")
	os.MkdirAll(filepath.Join(stuck, "x"), 0o755)
	removeTemp(stuck)
	if mark := a.cleanMark(); mark != "" {
		t.Fatalf("a clean mark after a failed removal: %q", mark)
	}
}
