package archive

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"crm/archive/sharedfile"
)

// On Windows a file open in another handle (a colleague's crm reading the
// dossier) cannot be renamed over; rename waits until it is closed.
func TestRenameOverOpenFileWindows(t *testing.T) {
	dir := t.TempDir()
	tmp, path := filepath.Join(dir, "tmp"), filepath.Join(dir, "dossier")
	for _, p := range []string{tmp, path} {
		if err := os.WriteFile(p, []byte(p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err == nil || !busyFile(err) {
		f.Close()
		t.Fatalf("os.Rename over an open file: %v, want an error busyFile knows", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		f.Close()
	}()
	if err := rename(tmp, path); err != nil {
		t.Fatalf("rename over a file closed 100 ms later: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != tmp {
		t.Fatalf("%s holds %q, want the renamed file", path, b)
	}
}

// The state snapshot is open for the whole command that read it
// (sharedfile.Open), and the same command saves the snapshot it advanced over
// it (renameCache): with FILE_SHARE_DELETE and a POSIX-semantics rename
// the save goes through at once, and the handle goes on reading the old
// file. With os.Open and os.Rename it failed every time, so the snapshot
// was never advanced on Windows (replace.go).
func TestSnapshotSavedOverItselfWindows(t *testing.T) {
	if !replacesOpenFiles() {
		t.Skip("Wine has no POSIX-semantics rename (FileRenameInformationEx): run on Windows 10 or later, on NTFS")
	}
	dir := t.TempDir()
	tmp, path := filepath.Join(dir, ".tmp-snap"), filepath.Join(dir, "state.snap")
	for _, p := range []string{tmp, path} {
		if err := os.WriteFile(p, []byte(filepath.Base(p)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := sharedfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := renameCache(tmp, path, true); err != nil {
		t.Fatalf("renameCache over the snapshot this process holds open: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != ".tmp-snap" {
		t.Fatalf("%s holds %q, want the new snapshot", path, b)
	}
	b := make([]byte, len("state.snap"))
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != "state.snap" {
		t.Fatalf("the open snapshot reads %q (%v), want the old file", b, err)
	}
}

// replacesOpenFiles reports whether a rename through an os.Root replaces
// a file open through one: not under Wine (ntdll exports
// wine_get_version), whose file system has no POSIX semantics.
func replacesOpenFiles() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil
}
