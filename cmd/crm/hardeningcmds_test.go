package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/archive/journal"
)

// Testscript commands of the hardening scripts: what someone with a real
// key and their own tools (stock age, a text editor) can do outside crm.
var hardeningCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// hiddenupdate ACTOR KEYFILE ID PUBFILE: as ACTOR (a writer who can
	// read dossier ID), re-encrypt it to the recipients the journal pins
	// plus the age recipient in PUBFILE (crm keygen -y output), and sign a
	// dossier.update pinning the new file with the journal's recipients
	// only: a hidden reader.
	"hiddenupdate": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 4 {
			ts.Fatalf("usage: hiddenupdate ACTOR KEYFILE ID PUBFILE")
		}
		id, a, t, d, path, plain := dossierAs(ts, args[1], args[2])
		extra := pubRecipient(ts, args[3])
		ct, err := archive.Encrypt(append(plain, "notes: 已外发\n"...), append(recipientsOf(ts, a, d), extra)...)
		ts.Check(err)
		ts.Check(os.WriteFile(path, ct, 0o644))
		journalUpdate(ts, a, id, args[0], d, t, "notes", ct)
	},
	// swapupdate ACTOR KEYFILE ID PUBFILE: as ACTOR (a writer who can read
	// dossier ID), re-encrypt it to the recipients the journal pins with
	// the first one other than ACTOR replaced by the age recipient in
	// PUBFILE, and sign a dossier.update pinning the new file with the
	// journal's recipients: as many stanzas as it pins, to other keys.
	"swapupdate": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 4 {
			ts.Fatalf("usage: swapupdate ACTOR KEYFILE ID PUBFILE")
		}
		id, a, t, d, path, plain := dossierAs(ts, args[1], args[2])
		other := pubRecipient(ts, args[3])
		var rs []age.Recipient
		swapped := false
		for _, m := range d.Recipients {
			if m != args[0] && m != archive.Recovery && !swapped {
				rs, swapped = append(rs, other), true
				continue
			}
			r := a.Policy.Recovery
			if m != archive.Recovery {
				r = a.State.Members[m].Recipient
			}
			x, err := archive.ParseRecipient(r)
			ts.Check(err)
			rs = append(rs, x)
		}
		ct, err := archive.Encrypt(append(plain, "notes: 已外发\n"...), rs...)
		ts.Check(err)
		ts.Check(os.WriteFile(path, ct, 0o644))
		journalUpdate(ts, a, id, args[0], d, t, "notes", ct)
	},
	// olddossier ACTOR KEYFILE ID FILE: as ACTOR (a writer who can read
	// dossier ID), replace its text with FILE's as a crm older than a
	// write-only check wrote it (a head count of -5): encrypted to the
	// recipients the journal pins, and a signed dossier.update pinning it.
	"olddossier": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 4 {
			ts.Fatalf("usage: olddossier ACTOR KEYFILE ID FILE")
		}
		id, a, t := openAs(ts, args[1])
		d := a.State.Dossiers[args[2]]
		if d == nil {
			ts.Fatalf("no dossier %s", args[2])
		}
		plain, err := os.ReadFile(ts.MkAbs(args[3]))
		ts.Check(err)
		ct, err := archive.Encrypt(plain, recipientsOf(ts, a, d)...)
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(archive.DossierPath(args[2])), ct, 0o644))
		journalUpdate(ts, a, id, args[0], d, t, "characteristics", ct)
	},
	// agedecrypt KEYFILE FILE: decrypt an age file with an identity file,
	// as stock `age -d -i KEYFILE FILE` does (the same library), printing
	// the plaintext to stdout.
	"agedecrypt": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: agedecrypt KEYFILE FILE")
		}
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		ids, err := age.ParseIdentities(bytes.NewReader(b))
		ts.Check(err)
		ct, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		plain, err := archive.Decrypt(ct, ids[0])
		if neg {
			if err == nil {
				ts.Fatalf("%s opens with %s", args[1], args[0])
			}
			return
		}
		ts.Check(err)
		ts.Stdout().Write(plain)
	},
}

// openAs loads the identity in keyfile and opens the archive in the
// script's folder with its clock at CRM_NOW.
// dossierAs is openAs, with dossier id's state, the path of its file and
// its text decrypted with the key.
func dossierAs(ts *testscript.TestScript, keyfile, dossier string) (*archive.Identity, *archive.Archive, time.Time, *archive.DossierState, string, []byte) {
	id, a, t := openAs(ts, keyfile)
	path := ts.MkAbs(archive.DossierPath(dossier))
	ct, err := os.ReadFile(path)
	ts.Check(err)
	plain, err := archive.Decrypt(ct, id.Age)
	ts.Check(err)
	return id, a, t, a.State.Dossiers[dossier], path, plain
}

// pubRecipient is the age recipient in file (crm keygen -y output).
func pubRecipient(ts *testscript.TestScript, file string) age.Recipient {
	var pub struct {
		Recipient string `yaml:"recipient"`
	}
	b, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	ts.Check(yaml.Unmarshal(b, &pub))
	r, err := archive.ParseRecipient(pub.Recipient)
	ts.Check(err)
	return r
}

func openAs(ts *testscript.TestScript, keyfile string) (*archive.Identity, *archive.Archive, time.Time) {
	id, err := archive.LoadIdentity(ts.MkAbs(keyfile), nil)
	ts.Check(err)
	t, err := time.Parse(time.RFC3339, ts.Getenv("CRM_NOW"))
	ts.Check(err)
	a, err := archive.Open(context.Background(), ts.MkAbs("."), func() time.Time { return t })
	ts.Check(err)
	return id, a, t
}

// recipientsOf are the age recipients of the members the journal pins
// dossier d's file to.
func recipientsOf(ts *testscript.TestScript, a *archive.Archive, d *archive.DossierState) []age.Recipient {
	var rs []age.Recipient
	for _, m := range d.Recipients {
		r, err := archive.ParseRecipient(a.State.Members[m].Recipient)
		ts.Check(err)
		rs = append(rs, r)
	}
	return rs
}

// journalUpdate writes a dossier.update of dossier d signed by actor with
// id at t, pinning ct as its file with the journal's recipients, field
// the one it names.
func journalUpdate(ts *testscript.TestScript, a *archive.Archive, id *archive.Identity, actor string, d *archive.DossierState, t time.Time, field string, ct []byte) {
	data := &archive.DossierUpdate{Fields: []string{field}, File: archive.File{SHA256: sha256Text(ct), Recipients: d.Recipients}}
	ev, err := journal.Sign(journal.Header{Kind: archive.KindDossierUpdate, Time: t, Actor: actor, Dossier: d.ID, Prev: a.State.Journal.Heads}, data, id.Signer())
	ts.Check(err)
	e, err := journal.Parse(ev)
	ts.Check(err)
	p := ts.MkAbs(journal.PathOf(e.Time, e.Hash))
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
	ts.Check(os.WriteFile(p, ev, 0o644))
}

func sha256Text(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
