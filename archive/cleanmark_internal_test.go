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
	// Where the file system keeps nanoseconds, a clean process gets a mark.
	if _, ns := folderStamp(filepath.Join(dir, DossiersDir)); ns && a.cleanMark() == "" {
		t.Fatal("no clean mark for a process that left nothing")
	}
	defer leftBehind.Store(false)
	// A folder with a file in it cannot be removed, whoever asks.
	stuck := filepath.Join(dir, DossiersDir, ".tmp-C-1.1-1")
	os.MkdirAll(filepath.Join(stuck, "x"), 0o755)
	removeTemp(stuck)
	if !leftBehind.Load() {
		t.Fatal("a failed removal was not noted")
	}
	if mark := a.cleanMark(); mark != "" {
		t.Fatalf("a clean mark after a failed removal: %q", mark)
	}
}
