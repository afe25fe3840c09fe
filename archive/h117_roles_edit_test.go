package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

// A clerk edits a dossier in a clone that has not heard that the manager
// moved them to sales (who may not write dossiers). The loss of the right
// wins over the edit that uses it, as a removal does, whichever order the
// hashes give the two: the edit is a problem (a manager decides), not a
// step that counts when ordered first, nor one superseded (whose content
// a merge following it could carry) when ordered after. Before, the edit
// counted in one order and was superseded in the other (review h117).
func TestEditConcurrentWithRoleCutIsRefused(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	raceCutAndEdit(t, f, id, func(a *fixture, cutFirst bool) {
		s := a.as("zhang").State
		if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "written by li concurrently with a change of their roles") || len(s.Superseded) != 0 {
			t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
		}
		d := s.Dossiers[id]
		if w := d.WrittenBy; w == nil || w.Actor != "zhang" {
			t.Fatalf("role change first %v: the file is pinned by %v, not by the manager's re-encryption", cutFirst, w)
		}
		for _, u := range d.Updates {
			if u.By == "li" {
				t.Fatalf("role change first %v: li's edit counted: %v", cutFirst, d.Updates)
			}
		}
	})
}

// A clerk's edits that all come before their move to sales, through
// links: one pass, and the state the two passes give (every department
// moves people: the second pass would double a first command's replay).
func TestReplayRoleCutOnePass(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	f.edit("li", id)
	if err := f.as("zhang").SetRoles(ctx, "li", []string{"sales"}); err != nil {
		t.Fatal(err)
	}
	f.createAs("zhang", "customer:\n  name: 之后\nowner: 张三\n", "内部")
	s, both, passes := replayBoth(t, f)
	if passes != 1 {
		t.Fatalf("%d passes, want 1", passes)
	}
	sameState(t, s, both)
	if len(s.Problems) != 0 {
		t.Fatalf("problems %v", s.Problems)
	}
}

// An edit written apart from the cut: ordered before it, the second pass
// refuses it (the first took it); ordered after, the first pass does, and
// there is no second. Either way the state is the one the two passes give.
func TestReplayRoleCutConcurrentPasses(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	raceCutAndEdit(t, f, id, func(a *fixture, cutFirst bool) {
		s, both, passes := replayBoth(t, a)
		if want := map[bool]int64{true: 1, false: 2}[cutFirst]; passes != want {
			t.Fatalf("role change first %v: %d passes, want %d", cutFirst, passes, want)
		}
		sameState(t, s, both)
		if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "concurrently with a change of their roles") {
			t.Fatalf("role change first %v: problems %v", cutFirst, s.Problems)
		}
	})
}

// raceCutAndEdit races, in both orders of their hashes, the manager
// moving clerk li to sales in one clone and li editing dossier id in
// another, then calls check on the merged archive.
func raceCutAndEdit(t *testing.T, f *fixture, id string, check func(a *fixture, cutFirst bool)) {
	t.Helper()
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "li", []string{"sales"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindDossierUpdate, func(g *fixture) {
			g.edit("li", id)
		},
		check)
}
