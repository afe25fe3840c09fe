package main

import (
	"os"
	"path/filepath"
	"testing"
)

// On a terminal, control characters data carries are shown as U+FFFD:
// C0 (escape, carriage return, …), DEL and C1 (U+0080–U+009F, two bytes
// in UTF-8), bidirectional overrides and zero-width characters; line
// breaks, tabs, a BOM and other text pass as they are.
func TestTermWriter(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain 核定\n", "plain 核定\n"},
		{"a\tb\n", "a\tb\n"},
		{"\x1b[31mRED\x1b[0m", "\uFFFD[31mRED\uFFFD[0m"},
		{"safe\rEVIL", "safe\uFFFDEVIL"},
		{"del\x7f", "del\uFFFD"},
		{"csi\u009b2J", "csi\uFFFD2J"},
		{"é ñ ÿ", "é ñ ÿ"}, // U+00E9 … are 0xC3 xx: not C1
		{"end\xc2", "end\xc2"},
		// bidirectional overrides and invisible characters (helper-102)
		{"gpj\u202eexe.txt", "gpj\uFFFDexe.txt"},
		{"a\u200bb\u2066c\u061c", "a\uFFFDb\uFFFDc\uFFFD"},
		{"\uFEFF客户 — “引号” …", "\uFEFF客户 — “引号” …"}, // a BOM and punctuation pass
	} {
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := termWriter{f}.Write([]byte(c.in))
		if err != nil || n != len(c.in) {
			t.Fatalf("%q: wrote %d, %v", c.in, n, err)
		}
		f.Close()
		got, _ := os.ReadFile(f.Name())
		if string(got) != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
