package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive"
)

// A dossier created by a supervisor in a clone that had not heard that a
// clerk was moved to sales (no reader of 秘密) is encrypted to the clerk
// too, a reader where it was written. Whatever order the hashes give the
// two steps, the create stands after the clones meet: the file is pending
// (not a problem), and the manager's rekey writes it without the former
// clerk. Before, a create ordered after the change was superseded and its
// file a problem no step could settle (bug bashes h85, h86). The hashes decide
// the order: the create is written at other seconds until it falls after
// the change.
func TestCreateConcurrentWithRoleChangeStands(t *testing.T) {
	f := newFixture(t)
	for i := 0; ; i++ {
		if i == 40 {
			t.Fatal("the create never fell after the role change")
		}
		a, g, base := f.clone(), f.clone(), f.clone()
		// Both steps are written at other seconds each time, so that
		// their order (by hash, as concurrent) is a coin toss each
		// time; with one side the same every time, a hash near either
		// end left one order out of reach of 40 tries.
		a.now = a.now.Add(time.Duration(2*i) * time.Second)
		if err := a.as("zhang").SetRoles(ctx, "li", []string{"sales"}); err != nil {
			t.Fatal(err)
		}
		g.now = g.now.Add(time.Duration(i+1) * time.Second)
		id := g.createAs("su", "customer:\n  name: 并发\nowner: 苏\n", "秘密")
		a.pull(g, base.dir)
		s := a.as("zhang").State
		var roles, create int
		for j, e := range s.Journal.Events {
			switch {
			case e.Kind == archive.KindMemberRoles:
				roles = j
			case e.Kind == archive.KindDossierCreate && e.Dossier == id:
				create = j
			}
		}
		if create < roles {
			continue // the create came first: no question
		}
		if len(s.Problems) > 0 {
			t.Fatalf("problems after the merge: %v", s.Problems)
		}
		d := s.Dossiers[id]
		if d == nil {
			t.Fatalf("dossier %s was lost (superseded %v)", id, s.Superseded)
		}
		if !slices.Contains(d.Recipients, "li") || slices.Contains(s.ExpectedRecipients(d), "li") {
			t.Fatalf("dossier %s: encrypted to %v, expected %v", id, d.Recipients, s.ExpectedRecipients(d))
		}
		if _, err := a.as("zhang").Rekey(ctx); err != nil {
			t.Fatal(err)
		}
		if d := a.as("zhang").State.Dossiers[id]; slices.Contains(d.Recipients, "li") {
			t.Fatalf("still encrypted to li after rekey: %v", d.Recipients)
		}
		a.verifyClean()
		return
	}
}
