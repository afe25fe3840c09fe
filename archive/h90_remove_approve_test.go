package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive"
)

// A manager approves a loan request in a clone that has not heard that
// its requester was removed (the removal closes the request: void). After
// the clones meet, whichever order the hashes give the two steps, nothing
// is a problem and nothing is superseded: the loan stays closed (the
// approval ordered after the removal has no effect), the file the
// approval encrypted to the leaver is pending, not a problem, and the
// next writer's rekey writes it without them. Before, the approval was
// refused on replay, its file no longer matched the journal, verify
// failed in every clone and the approver's sync could never push. The
// race is run until the approval falls after the removal.
func TestLoanApproveConcurrentWithRemovalStands(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	f.race(t, secondAfter,
		archive.KindMemberRemove, func(a *fixture) {
			if err := a.as("zhang").RemoveMemberBecause(ctx, "zhao", "离职"); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanApprove, func(g *fixture) {
			if _, _, err := g.as("zhang").BorrowApprove(l.ID); err != nil {
				t.Fatal(err)
			}
			if d := g.as("zhang").State.Dossiers[id]; !slices.Contains(d.Recipients, "zhao") {
				t.Fatalf("the approval did not encrypt to the borrower: %v", d.Recipients)
			}
		},
		func(a *fixture, _ bool) {
			s := a.as("zhang").State
			if len(s.Problems) > 0 || len(s.Superseded) > 0 {
				t.Fatalf("after the merge: problems %v, superseded %v", s.Problems, s.Superseded)
			}
			if st := s.Loans[l.ID].Status(); st != archive.LoanVoid {
				t.Fatalf("loan is %s, want void", st)
			}
			if m := s.Members["zhao"]; !m.Removed {
				t.Fatal("zhao is not removed")
			}
			a.pendingUntilRekey(id, "zhao")
		})
}
