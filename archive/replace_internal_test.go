package archive

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"crm/archive/sharedfile"
)

// rootRename (what Windows renames with: replace.go) does what os.Rename
// does on every system, over a file open through sharedfile.Open too,
// and its errors name the whole paths as os.Rename's do: the write path's
// messages and retryBusy's tests look at them.
func TestRootFileOperations(t *testing.T) {
	dir := t.TempDir()
	tmp, path := filepath.Join(dir, ".tmp-1"), filepath.Join(dir, "C-000001.age")
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "old")
	write(tmp, "new")
	f, err := sharedfile.Open(path)
	if err != nil {
		t.Fatalf("sharedfile.Open: %v", err)
	}
	defer f.Close()
	if !replacesOpenFiles() {
		b, err := io.ReadAll(f)
		if err != nil || string(b) != "old" {
			t.Fatalf("sharedfile.Open's handle reads %q (%v), want %q", b, err, "old")
		}
		f.Close() // Wine: no rename over an open file
	}
	if err := rootRename(tmp, path); err != nil {
		t.Fatalf("rootRename over a file open through sharedfile.Open: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("%s holds %q after the rename, want %q", path, b, "new")
	}
	if replacesOpenFiles() {
		if b, err := io.ReadAll(f); err != nil || string(b) != "old" {
			t.Fatalf("the handle opened before the rename reads %q (%v), want the old file's %q", b, err, "old")
		}
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s is still there after the rename (%v)", tmp, err)
	}

	// Errors name both paths, whole, and say why.
	err = rootRename(tmp, path)
	var le *os.LinkError
	if !errors.As(err, &le) || le.Old != tmp || le.New != path || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rootRename of a missing file: %#v, want a LinkError naming %s and %s, not found", err, tmp, path)
	}

	// Across folders it is os.Rename's work.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	write(tmp, "moved")
	moved := filepath.Join(sub, "moved")
	if err := rootRename(tmp, moved); err != nil {
		t.Fatalf("rootRename into another folder: %v", err)
	}
	if b, _ := os.ReadFile(moved); string(b) != "moved" {
		t.Fatalf("%s holds %q, want %q", moved, b, "moved")
	}
}
