package archive_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crm/archive"
)

// A hand-in about a dossier that another clone raised to 机密 meanwhile
// (R6.1: a hand-in goes to the readers of the level it is kept at): where
// the merged order puts the raise first, the hand-in is superseded. Its
// file, encrypted to the readers of the old level, is nobody's to fold:
// verify notes it (no problem, which no push may spread: its author's
// clone could push nothing), and RemoveVoidHandIns removes it as
// crm's own change, for git to carry. The order depends on the hashes:
// forks are tried until one supersedes the hand-in.
func TestSupersededHandIn(t *testing.T) {
	for try := 0; ; try++ {
		f, g, base, ids, _ := forkedWithHandIns(t)
		sub := f.handIn(ids[3])
		if _, err := g.as("zhang").SetLevel(ids[3], "机密", "", "升级"); err != nil {
			t.Fatal(err)
		}
		f.pull(g, base)
		f.settle()
		a := f.as("li")
		sha, ok := a.VoidHandIns()[sub]
		if !ok {
			if a.State.Submissions[sub] == nil {
				t.Fatalf("hand-in %s neither waits nor was superseded", sub)
			}
			if try == 15 {
				t.Fatal("sixteen forks put the hand-in first")
			}
			continue
		}
		rel := archive.SubmissionPath(sub)
		if _, err := os.ReadFile(filepath.Join(f.dir, rel)); err != nil || len(sha) != 64 {
			t.Fatalf("the superseded hand-in's file: %v %q", err, sha)
		}
		ps, err := a.Verify(ctx)
		if err != nil || len(ps) > 0 {
			t.Fatalf("verify with the superseded hand-in's file: %v %v", ps, err)
		}
		if !slices.ContainsFunc(a.VerifyNotes(), func(p archive.Problem) bool {
			return p.Path == rel && strings.Contains(p.Msg, "took no effect for good") && p.Next == int(archive.NextSyncRemoves)
		}) {
			t.Fatalf("no note of %s: %v", rel, a.VerifyNotes())
		}
		if a.OwnFile(rel, true) || !a.OwnFile(rel, false) {
			t.Fatal("the superseded hand-in's file is crm's own, or its absence is not")
		}
		removed, err := a.RemoveVoidHandIns()
		if err != nil || !slices.Equal(removed, []string{sub}) {
			t.Fatalf("removed %v %v", removed, err)
		}
		if _, err := os.Stat(filepath.Join(f.dir, rel)); !os.IsNotExist(err) || !slices.Contains(a.Touched(), rel) {
			t.Fatalf("after the removal: %v, touched %v", err, a.Touched())
		}
		f.verifyClean()
		// Again: nothing left to remove.
		if removed, err := f.as("li").RemoveVoidHandIns(); err != nil || len(removed) > 0 {
			t.Fatalf("removed again %v %v", removed, err)
		}
		return
	}
}

// A hand-in that is a problem (here: counted for another month) keeps its
// file while it is one: a manager's decision may accept it. Once a
// decision rejects it (its author may withdraw it), it took no effect for
// good: its file is noted, not a problem, and removed as the superseded
// hand-in's is.
func TestRejectedHandIn(t *testing.T) {
	f := newFixture(t)
	f.addSales("qian2")
	id := f.create("秘密")
	sub := archive.NewID("S-", f.now)
	rel := archive.SubmissionPath(sub)
	ct := []byte("age-encryption.org/v1\n-> X25519 x\n--- x\nnot a real ciphertext")
	if err := os.MkdirAll(filepath.Join(f.dir, archive.SubmissionsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, rel), ct, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(ct)
	if err := f.as("qian2").ForgeEvent(archive.KindSubmissionAdd, "", &archive.SubmissionAdd{Submission: sub, About: id,
		Month: "2026-10", SHA256: hex.EncodeToString(sum[:]), Recipients: []string{"li", "zhang"}}); err != nil {
		t.Fatal(err)
	}
	a := f.as("li")
	if _, void := a.VoidHandIns()[sub]; void {
		t.Fatal("a hand-in that is a problem counts as void before a decision")
	}
	if removed, err := a.RemoveVoidHandIns(); err != nil || len(removed) > 0 {
		t.Fatalf("removed before a decision: %v %v", removed, err)
	}
	ps, err := a.Verify(ctx)
	if err != nil || !slices.ContainsFunc(ps, func(p archive.Problem) bool { return strings.Contains(p.Path, "journal/") }) {
		t.Fatalf("verify before the decision: %v %v", ps, err)
	}
	// The event is the problem; its file is noted with it, not a second
	// problem.
	if slices.ContainsFunc(ps, func(p archive.Problem) bool { return p.Path == rel }) ||
		!slices.ContainsFunc(a.VerifyNotes(), func(p archive.Problem) bool { return p.Path == rel && strings.Contains(p.Msg, "decision") }) {
		t.Fatalf("before the decision, the file is a problem or not noted: %v; notes %v", ps, a.VerifyNotes())
	}
	var event string
	for _, p := range ps {
		if strings.HasPrefix(p.Path, "journal/") {
			event = p.Path
		}
	}
	if _, err := f.as("qian2").Decide(archive.DecideOptions{Event: event, Decision: archive.DecisionReject, Reason: "月份填错"}); err != nil {
		t.Fatal(err)
	}
	b := f.as("li")
	if _, void := b.VoidHandIns()[sub]; !void {
		t.Fatal("a rejected hand-in is not void")
	}
	ps, err = b.Verify(ctx)
	if err != nil || len(ps) > 0 {
		t.Fatalf("verify after the rejection, the file still there: %v %v", ps, err)
	}
	if !b.OwnFile(rel, false) || b.OwnFile(rel, true) {
		t.Fatal("the rejected hand-in's file is crm's own, or its absence is not")
	}
	if removed, err := b.RemoveVoidHandIns(); err != nil || !slices.Equal(removed, []string{sub}) {
		t.Fatalf("removed %v %v", removed, err)
	}
	f.verifyClean()
}
