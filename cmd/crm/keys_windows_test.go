package main

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/term"
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

// Windows has no /dev/tty: a passphrase is asked on the console (CONIN$,
// CONOUT$). Run from a console, crm finds it; elsewhere (a CI runner
// without one) there is nothing to check.
func TestTerminalIsTheConsoleOnWindows(t *testing.T) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		t.Skip("skipped: no console on standard input")
	}
	tty, err := openTerminal()
	if err != nil {
		t.Fatalf("openTerminal: %v", err)
	}
	defer tty.close()
	if !term.IsTerminal(int(tty.in.Fd())) {
		t.Fatal("CONIN$ is not a terminal")
	}
}
