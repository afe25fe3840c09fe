package archive_test

import (
	"testing"

	"crm/archive"
)

// A dossier created by a supervisor in a clone that had not heard that a
// clerk was moved to sales (no reader of 秘密) is encrypted to the clerk
// too, a reader where it was written. Whatever order the hashes give the
// two steps, the create stands after the clones meet: the file is pending
// (not a problem), and the manager's rekey writes it without the former
// clerk. Before, a create ordered after the change was superseded and its
// file a problem no step could settle (bug bashes h85, h86). The hashes
// decide the order: the race is run until the create falls after the
// change.
func TestCreateConcurrentWithRoleChangeStands(t *testing.T) {
	f := newFixture(t)
	var id string
	f.race(t, secondAfter,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "li", []string{"sales"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindDossierCreate, func(g *fixture) {
			id = g.createAs("su", "customer:\n  name: 并发\nowner: 苏\n", "秘密")
		},
		func(a *fixture, _ bool) {
			s := a.as("zhang").State
			if len(s.Problems) > 0 {
				t.Fatalf("problems after the merge: %v", s.Problems)
			}
			if s.Dossiers[id] == nil {
				t.Fatalf("dossier %s was lost (superseded %v)", id, s.Superseded)
			}
			a.pendingUntilRekey(id, "li")
		})
}
