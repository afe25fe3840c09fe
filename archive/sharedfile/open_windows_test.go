package sharedfile_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"crm/archive/sharedfile"
)

// A file crm holds open for reading (a dossier a colleague's crm is
// reading) can be removed meanwhile, as on Unix, and the handle goes on
// reading it: it was opened sharing deletion. One os.Open holds refuses
// the removal. (The rename over an open file that this allows needs POSIX
// semantics, which Wine lacks: archive's TestSnapshotSavedOverItselfWindows
// and TestRootFileOperations show it on Windows.)
func TestRemovedWhileOpenWindows(t *testing.T) {
	dir := t.TempDir()
	long := longFolder(t, dir)
	for _, p := range []string{filepath.Join(dir, "C-000001.age"), filepath.Join(long, "C-000001.age")} {
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		plain, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(p); err == nil {
			t.Fatalf("%s was removed while os.Open held it: the test cannot tell a shared open from another", p)
		}
		plain.Close()
		f, err := sharedfile.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(p); err != nil {
			f.Close()
			t.Fatalf("removing %s while sharedfile.Open holds it: %v", p, err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != "old" {
			t.Fatalf("the handle reads %q (%v) after the removal, want %q", b, err, "old")
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s is still there once closed (%v)", p, err)
		}
	}
}
