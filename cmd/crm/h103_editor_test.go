package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The editor setting is split as sh would split it: a path with a space
// can be quoted, and an unquoted one that names a file is taken whole.
func TestEditorArgv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My Editor")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ed := filepath.Join(dir, "ed")
	if err := os.WriteFile(ed, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"vim", []string{"vim"}},
		{"vim -u NONE", []string{"vim", "-u", "NONE"}},
		{"  code   --wait ", []string{"code", "--wait"}},
		{ed, []string{ed}},
		{`"` + ed + `" -w`, []string{ed, "-w"}},
		{`'` + ed + `' -w`, []string{ed, "-w"}},
		{`/opt/My\ Editor/ed -w`, []string{"/opt/My Editor/ed", "-w"}},
		{`ed "a\b" "c\"d"`, []string{"ed", `a\b`, `c"d`}},
		{`ed ''`, []string{"ed", ""}},
	} {
		if got := editorArgv(c.in); !slices.Equal(got, c.want) {
			t.Errorf("editorArgv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
