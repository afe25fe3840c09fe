package main

import (
	"bytes"
	"strings"
	"testing"
)

// On a terminal the question is asked on standard error and only a yes
// goes on; without one, --yes is needed (a usage error, exit 2).
func TestConfirm(t *testing.T) {
	cases := []struct {
		terminal, yes bool
		answer        string
		ok            bool
		code          int
	}{
		{terminal: true, answer: "y\n", ok: true},
		{terminal: true, answer: "是\n", ok: true},
		{terminal: true, answer: "YES\n", ok: true},
		{terminal: true, answer: "n\n", code: ExitError},
		{terminal: true, answer: "\n", code: ExitError},
		{terminal: true, answer: "", code: ExitError}, // end of input
		{terminal: true, yes: true, ok: true},
		{terminal: false, yes: true, ok: true},
		{terminal: false, answer: "y\n", code: ExitUsage},
	}
	for _, c := range cases {
		var errb bytes.Buffer
		e := &env{io: &IO{In: strings.NewReader(c.answer), Err: &errb, InTerminal: c.terminal}}
		err := e.confirm(c.yes, "Destroy it?")
		if c.ok != (err == nil) {
			t.Errorf("%+v: err = %v", c, err)
			continue
		}
		if err != nil && exitCode(err) != c.code {
			t.Errorf("%+v: exit %d, want %d", c, exitCode(err), c.code)
		}
		asked := strings.Contains(errb.String(), "Destroy it? [y/N]")
		if asked != (c.terminal && !c.yes) {
			t.Errorf("%+v: asked = %v (%q)", c, asked, errb.String())
		}
	}
}
