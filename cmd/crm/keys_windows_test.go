package main

import (
	"os"
	"path/filepath"
	"testing"
)

// On Windows a passphrase file's mode says nothing of who may read it
// (every file not read-only is 0666): it is read, not refused with a
// chmod 600 that Windows has not (keys.go, readPassphraseFile).
func TestPassphraseFileModeOnWindows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(p, []byte("secret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readPassphraseFile(p)
	if err != nil || got != "secret" {
		t.Fatalf("readPassphraseFile: %q, %v", got, err)
	}
}
