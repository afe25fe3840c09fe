package main

import (
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"
)

// Testscript commands for the scenarios of ids made without a counter
// (hand-ins S-…, statistics requests R-…): they are random, so a script
// reads them from a command's output.
var rulebookCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// setmatch NAME REGEXP: set the environment variable NAME to the first
	// match of REGEXP in the last command's standard output.
	"setmatch": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: setmatch NAME REGEXP")
		}
		m := regexp.MustCompile(args[1]).FindString(ts.ReadFile("stdout"))
		if m == "" {
			ts.Fatalf("setmatch: no match for %s in stdout", args[1])
		}
		ts.Setenv(args[0], m)
	},
}
