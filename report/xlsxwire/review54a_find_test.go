package xlsxwire

import (
	"os"
	"path/filepath"
	"testing"
)

// The helper beside a crm whose name has a dot but is no Windows .exe
// (crm-1.2, crm.bin) is crm-xlsx, not crm-xlsx.2: Find looked for the
// latter, missed the helper and said it is "neither beside" crm nor on
// PATH (review 54a).
func TestReview54aFindBesideDottedName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"crm-1.2", Helper, "crm.exe", Helper + ".exe"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ self, goos, want string }{
		{"crm-1.2", "linux", Helper},
		{"crm-1.2", "darwin", Helper},
		{"crm.exe", "windows", Helper + ".exe"},
	} {
		if got := beside(filepath.Join(dir, c.self), c.goos); got != filepath.Join(dir, c.want) {
			t.Errorf("beside(%s, %s) = %q, want %s", c.self, c.goos, got, c.want)
		}
	}
	if got := beside(filepath.Join(t.TempDir(), "crm"), "linux"); got != "" {
		t.Errorf("beside a crm alone = %q, want nothing", got)
	}
}
