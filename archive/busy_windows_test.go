package archive

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
