package sharedfile_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive/sharedfile"
)

// Open and ReadFile read what os.Open and os.ReadFile read, from a short
// path, a relative one and one longer than MAX_PATH (which Windows opens
// another way), and their errors are os.Open's: a *fs.PathError naming
// the whole path, not found.
func TestReadsAsOSDoes(t *testing.T) {
	dir := t.TempDir()
	long := longFolder(t, dir)
	for _, size := range []int{0, 1, 511, 512, 513, 64 << 10} {
		b := bytes.Repeat([]byte{'x'}, size)
		for _, p := range []string{filepath.Join(dir, "C-000001.age"), filepath.Join(long, "C-000001.age")} {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := sharedfile.ReadFile(p); err != nil || !bytes.Equal(got, b) {
				t.Fatalf("ReadFile(%s) of %d bytes: %d bytes, %v", p, size, len(got), err)
			}
			f, err := sharedfile.Open(p)
			if err != nil {
				t.Fatalf("Open(%s): %v", p, err)
			}
			got, err := io.ReadAll(f)
			f.Close()
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("Open(%s) of %d bytes reads %d bytes, %v", p, size, len(got), err)
			}
		}
	}
	if len(filepath.Join(long, "C-000001.age")) < 260 {
		t.Fatal("the long path is not longer than MAX_PATH")
	}
	t.Chdir(dir)
	if got, err := sharedfile.ReadFile("C-000001.age"); err != nil || len(got) != 64<<10 {
		t.Fatalf("ReadFile of a relative path: %d bytes, %v", len(got), err)
	}
	for _, missing := range []string{filepath.Join(dir, "gone"), filepath.Join(dir, "no-folder", "gone"), "gone"} {
		var pe *fs.PathError
		if _, err := sharedfile.Open(missing); !errors.As(err, &pe) || pe.Path != missing || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open of a missing file: %#v, want a PathError naming %s, not found", err, missing)
		}
		if _, err := sharedfile.ReadFile(missing); !errors.As(err, &pe) || pe.Path != missing || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("ReadFile of a missing file: %#v, want a PathError naming %s, not found", err, missing)
		}
	}
}

// longFolder makes a folder in dir whose files' paths are longer than
// MAX_PATH (260), which Windows opens another way.
func longFolder(t *testing.T, dir string) string {
	t.Helper()
	long := filepath.Join(dir, strings.Repeat("d", 150), strings.Repeat("e", 150))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	return long
}
