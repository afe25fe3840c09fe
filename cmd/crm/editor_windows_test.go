package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/viper"
)

// With no editor set, Windows runs Notepad: it has no vi.
func TestDefaultEditorOnWindows(t *testing.T) {
	e := &env{io: &IO{}, v: viper.New(), getenv: func(string) string { return "" }}
	if got := e.editorCommand(); !slices.Equal(got, []string{"notepad"}) {
		t.Fatalf("editorCommand = %q, want [notepad]", got)
	}
}

// A backslash in an editor setting is a path separator on Windows, quoted
// or not: it never swallows itself as sh's escape would.
func TestEditorArgvWindowsPaths(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`C:\Tools\ed.exe -w`, []string{`C:\Tools\ed.exe`, `-w`}},
		{`"C:\Program Files\Notepad++\notepad++.exe" -multiInst -nosession`, []string{`C:\Program Files\Notepad++\notepad++.exe`, `-multiInst`, `-nosession`}},
		{`'C:\Program Files\ed\ed.exe'`, []string{`C:\Program Files\ed\ed.exe`}},
	} {
		if got := editorArgv(c.in); !slices.Equal(got, c.want) {
			t.Errorf("editorArgv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Windows has no memory-backed storage: the editor's refusal says so and
// what to do, without naming /dev/shm, which is no folder there; with
// --allow-disk-tmp the folder is made on disk.
func TestNoMemoryStorageOnWindows(t *testing.T) {
	e := &env{io: &IO{}, v: viper.New(), getenv: func(string) string { return "" }}
	_, err := e.plaintextDir(false)
	if err == nil || strings.Contains(err.Error(), "/dev/shm") || !strings.Contains(err.Error(), "this system has no memory-backed temp storage") || !strings.Contains(err.Error(), "--allow-disk-tmp") {
		t.Fatalf("plaintextDir without --allow-disk-tmp: %v", err)
	}
	dir, err := e.plaintextDir(true)
	if err != nil {
		t.Fatalf("plaintextDir with --allow-disk-tmp: %v", err)
	}
	os.Remove(dir)
}
