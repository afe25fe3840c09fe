package main

import (
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"crm/testdata/reportfx"
)

// Testscript commands of the report scripts.
var reportCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// reportfixture DIR: build the report fixture archive (testdata/reportfx)
	// in DIR and write its members' identities to $WORK/<member>.key.
	"reportfixture": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: reportfixture DIR")
		}
		fx, err := reportfx.Build(ts.MkAbs(args[0]))
		ts.Check(err)
		for m, text := range fx.Texts {
			ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), m+".key"), text, 0o600))
		}
	},
}
