package main

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"crm/archive"
	"crm/archive/journal"
)

// Extra testscript commands that tamper with an archive the way someone
// working outside crm would, for the verify scenarios.
var tamperCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// replace GLOB OLD NEW: replace OLD by NEW in every file matching GLOB
	// that contains OLD; fails if none does.
	"replace": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: replace GLOB OLD NEW")
		}
		files, _ := filepath.Glob(ts.MkAbs(args[0]))
		n := 0
		for _, f := range files {
			b, err := os.ReadFile(f)
			ts.Check(err)
			if strings.Contains(string(b), args[1]) {
				ts.Check(os.WriteFile(f, []byte(strings.ReplaceAll(string(b), args[1], args[2])), 0o644))
				n++
			}
		}
		if n == 0 {
			ts.Fatalf("replace: no file matching %s contains %q", args[0], args[1])
		}
	},
	// cptree SRC DST: copy a directory tree.
	"cptree": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: cptree SRC DST")
		}
		src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
		ts.Check(filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if info.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
		}))
	},
	// rmevent KIND: remove the earliest journal event of that kind.
	"rmevent": func(ts *testscript.TestScript, neg bool, args []string) {
		j, err := journal.Read(context.Background(), ts.MkAbs("."))
		ts.Check(err)
		for _, e := range j.Events {
			if string(e.Kind) == args[0] {
				ts.Check(os.Remove(ts.MkAbs(e.Path)))
				return
			}
		}
		ts.Fatalf("rmevent: no %s event", args[0])
	},
	// signevent ACTOR KEYFILE KIND DOSSIER KEY=VALUE...: write an event by
	// hand, as someone editing the journal outside crm would: signed with
	// the real key in KEYFILE, following the current heads, correctly named,
	// at the time CRM_NOW says. Numeric values are written as numbers,
	// [a,b] as a list of strings ([] an empty one).
	"signevent": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 4 {
			ts.Fatalf("usage: signevent ACTOR KEYFILE KIND DOSSIER KEY=VALUE...")
		}
		id, err := archive.LoadIdentity(ts.MkAbs(args[1]), nil)
		ts.Check(err)
		data := map[string]any{}
		for _, kv := range args[4:] {
			k, v, _ := strings.Cut(kv, "=")
			if l, ok := strings.CutPrefix(v, "["); ok && strings.HasSuffix(l, "]") {
				list := []string{}
				if l = strings.TrimSuffix(l, "]"); l != "" {
					list = strings.Split(l, ",")
				}
				data[k] = list
			} else if n, err := strconv.Atoi(v); err == nil {
				data[k] = n
			} else {
				data[k] = v
			}
		}
		j, err := journal.Read(context.Background(), ts.MkAbs("."))
		ts.Check(err)
		t, err := time.Parse(time.RFC3339, ts.Getenv("CRM_NOW"))
		ts.Check(err)
		b, err := journal.Sign(journal.Header{Kind: journal.Kind(args[2]), Time: t, Actor: args[0], Dossier: args[3], Prev: j.Heads}, data, id.Signer())
		ts.Check(err)
		e, err := journal.Parse(b)
		ts.Check(err)
		t = t.UTC()
		p := ts.MkAbs(filepath.Join("journal", t.Format("2006"), t.Format("01"), t.Format("20060102T150405Z")+"-"+e.Hash+".yaml"))
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		ts.Check(os.WriteFile(p, b, 0o644))
	},
	// forge MEMBER KEYFILE|random: write a member.roles event making MEMBER
	// a manager, following the current heads, signed with the key in
	// KEYFILE (a real identity) or a random key, and named correctly.
	"forge": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: forge MEMBER KEYFILE|random")
		}
		var signer ed25519.PrivateKey
		if args[1] == "random" {
			_, signer, _ = ed25519.GenerateKey(nil)
		} else {
			id, err := archive.LoadIdentity(ts.MkAbs(args[1]), nil)
			ts.Check(err)
			signer = id.Signer()
		}
		j, err := journal.Read(context.Background(), ts.MkAbs("."))
		ts.Check(err)
		t, err := time.Parse(time.RFC3339, ts.Getenv("CRM_NOW"))
		ts.Check(err)
		t = t.UTC()
		b, err := journal.Sign(journal.Header{Kind: archive.KindMemberRoles, Time: t, Actor: args[0], Prev: j.Heads},
			&archive.MemberRoles{Member: args[0], Roles: []string{"manager"}}, signer)
		ts.Check(err)
		e, err := journal.Parse(b)
		ts.Check(err)
		p := ts.MkAbs(filepath.Join("journal", t.Format("2006"), t.Format("01"), t.Format("20060102T150405Z")+"-"+e.Hash+".yaml"))
		ts.Check(os.WriteFile(p, b, 0o644))
	},
}
