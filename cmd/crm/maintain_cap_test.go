package main

import (
	"fmt"
	"strings"
	"testing"
)

// maintain prints the first maintainShown lines of a kind and how many
// more, unless --all: at 100,000 dossiers a run printed ~195,000 lines,
// which cron mails every hour.
func TestCapLines(t *testing.T) {
	for _, c := range []struct {
		n     int
		all   bool
		lines int
		more  string
	}{
		{0, false, 0, ""},
		{maintainShown, false, maintainShown, ""},
		{maintainShown + 1, false, maintainShown + 1, "… and 1 more like the line above"},
		{99010, false, maintainShown + 1, "… and 98990 more like the line above"},
		{99010, true, 99010, ""},
	} {
		var out strings.Builder
		e := &env{io: &IO{Out: &out}}
		e.capLines(c.n, c.all, func(i int) { e.linef("line %d", i) })
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			got = nil
		}
		if len(got) != c.lines {
			t.Errorf("n=%d all=%v: %d lines, want %d", c.n, c.all, len(got), c.lines)
			continue
		}
		if c.more != "" && !strings.HasPrefix(got[len(got)-1], c.more) {
			t.Errorf("n=%d: last line %q, want %q…", c.n, got[len(got)-1], c.more)
		}
		if c.n > 0 && got[0] != fmt.Sprintf("line %d", 0) {
			t.Errorf("n=%d: first line %q", c.n, got[0])
		}
	}
}
