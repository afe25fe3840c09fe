package archive_test

import (
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
// clone could push nothing), and RemoveSupersededHandIns removes it as
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
		sha, ok := a.SupersededHandIns()[sub]
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
			return p.Path == rel && strings.Contains(p.Msg, "crm sync removes it")
		}) {
			t.Fatalf("no note of %s: %v", rel, a.VerifyNotes())
		}
		if a.OwnFile(rel, true) || !a.OwnFile(rel, false) {
			t.Fatal("the superseded hand-in's file is crm's own, or its absence is not")
		}
		removed, err := a.RemoveSupersededHandIns()
		if err != nil || !slices.Equal(removed, []string{sub}) {
			t.Fatalf("removed %v %v", removed, err)
		}
		if _, err := os.Stat(filepath.Join(f.dir, rel)); !os.IsNotExist(err) || !slices.Contains(a.Touched(), rel) {
			t.Fatalf("after the removal: %v, touched %v", err, a.Touched())
		}
		f.verifyClean()
		// Again: nothing left to remove.
		if removed, err := f.as("li").RemoveSupersededHandIns(); err != nil || len(removed) > 0 {
			t.Fatalf("removed again %v %v", removed, err)
		}
		return
	}
}
