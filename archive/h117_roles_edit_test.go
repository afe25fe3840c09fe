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
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "li", []string{"sales"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindDossierUpdate, func(g *fixture) {
			g.edit("li", id)
		},
		func(a *fixture, cutFirst bool) {
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
