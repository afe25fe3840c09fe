package main

import (
	"slices"
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
