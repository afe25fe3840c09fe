package archive_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

func TestNewIDs(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 50 {
		id := archive.NewID("S-", at)
		if len(id) != 12 || !strings.HasPrefix(id, "S-") || strings.Trim(id[2:], "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
			t.Fatalf("id %q", id)
		}
		if seen[id] {
			t.Fatalf("%s made twice in one day", id)
		}
		seen[id] = true
	}
	if a, b := archive.NewID("S-", at), archive.NewID("S-", at.Add(24*time.Hour)); a[:5] >= b[:5] {
		t.Errorf("ids do not sort by time: %s, %s", a, b)
	}
}

func TestParseSubmission(t *testing.T) {
	for _, c := range []struct{ text, about, want string }{
		{"trading:\n  problems: 涨价\n", "C-000001", ""},
		{"trading:\n  problems: 涨价\n", "", "customer.name: is required"},
		{"customer:\n  name: 新\n", "", ""},
		{"customer:\n  name: 新\ncontacts:\n  - {kind: 拜访}\n", "", "contacts[0].date: is required"},
		{"colour: red\n", "C-000001", `unknown field "colour"`},
		{"# 空\n", "C-000001", "the hand-in is empty"},
	} {
		err := archive.ParseSubmission([]byte(c.text), c.about)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q about %q: %v, want %q", c.text, c.about, err, c.want)
		}
	}
}

// A hand-in goes to the readers of its level, never to anyone else (the
// sales member included), at write and on replay; merging needs a reader
// of both the hand-in and the dossier.
func TestSubmissionRules(t *testing.T) {
	f := newFixture(t)
	f.addSales("qian2")
	secret, top := f.create("秘密"), f.create("机密")
	sub, err := f.as("qian2").Submit([]byte("notes: 涨价\n"), top)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sub.Recipients, ",") != "qian,su,wang,zhang" || sub.Month != "2026-11" {
		t.Fatalf("hand-in about a 机密 dossier: %+v", sub)
	}
	if _, _, err := f.as("qian2").ReadSubmission(sub.ID); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("the sales member reads his hand-in: %v", err)
	}
	// The clerk can read neither the hand-in nor the 机密 dossier.
	err = f.as("li").CheckMerge(sub.ID, top)
	wantCode(t, err, archive.Denied, "li cannot read hand-in "+sub.ID)
	// Forged: a hand-in encrypted to its author.
	ps := f.forge("qian2", archive.KindSubmissionAdd, "", &archive.SubmissionAdd{Submission: archive.NewID("S-", f.now), Month: "2026-11",
		SHA256: strings.Repeat("ab", 32), Recipients: []string{"li", "qian2", "zhang"}})
	wantProblem(t, ps, "is encrypted to qian2, who may not read level 秘密")
	// Forged: a month it was not handed in.
	ps = f.forge("qian2", archive.KindSubmissionAdd, "", &archive.SubmissionAdd{Submission: archive.NewID("S-", f.now), Month: "2026-10",
		SHA256: strings.Repeat("ab", 32), Recipients: []string{"zhang"}})
	wantProblem(t, ps, `counts for "2026-10", but it was handed in in 2026-11`)
	// Forged: a merge into a dossier the merger cannot read.
	ps = f.forge("li", archive.KindSubmissionMerge, secret, &archive.SubmissionMerge{Submission: sub.ID})
	wantProblem(t, ps, "submission.merge by li refused: li cannot read hand-in")
	// Forged: a file encrypted to its author too, pinned as if to the
	// manager alone: the header's stanzas give it away.
	zr, _ := archive.ParseRecipient(f.ids["zhang"].Recipient)
	sr, _ := archive.ParseRecipient(f.ids["qian2"].Recipient)
	ct, err := archive.Encrypt([]byte("notes: x\n"), zr, sr)
	if err != nil {
		t.Fatal(err)
	}
	fid := archive.NewID("S-", f.now)
	os.MkdirAll(filepath.Join(f.dir, archive.SubmissionsDir), 0o755)
	os.WriteFile(filepath.Join(f.dir, archive.SubmissionPath(fid)), ct, 0o644)
	sum := sha256.Sum256(ct)
	ps = f.forge("qian2", archive.KindSubmissionAdd, "", &archive.SubmissionAdd{Submission: fid, Month: "2026-11",
		SHA256: hex.EncodeToString(sum[:]), Recipients: []string{"zhang"}})
	wantProblem(t, ps, "has 2 recipient stanzas, but submission.add pinned 1 recipients")
	os.Remove(filepath.Join(f.dir, archive.SubmissionPath(fid)))
	if _, err := f.as("su").MergeSubmission(sub.ID, top); err != nil {
		t.Fatal(err)
	}
	if s := f.as("li").State.Submissions[sub.ID]; s.Status != archive.SubmissionMerged || s.MergedInto != top || s.DoneBy != "su" {
		t.Fatalf("after merge: %+v", s)
	}
	f.verifyClean()
}
