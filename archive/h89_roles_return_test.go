package archive_test

import (
	"slices"
	"testing"

	"crm/archive"
)

// A manager moves a borrower to sales (R7.1: the change lists the loan it
// ends) in a clone that has not heard that the borrower returned the
// loan. The role change stands after the clones meet, whichever order the
// hashes give them: before, a return ordered first made the listed loan
// "not an open loan of theirs", and the whole role change was superseded,
// so the former dept_manager kept the role that may borrow. The race is
// run until the return falls before the change.
func TestRoleChangeConcurrentWithReturnStands(t *testing.T) {
	f := newFixture(t)
	_, l := lentOut(t, f)
	f.race(t, secondBefore,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "zhao", []string{"sales"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanReturn, func(g *fixture) {
			if _, err := g.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, _ bool) {
			s := a.as("zhang").State
			if len(s.Problems) > 0 || len(s.Superseded) > 0 {
				t.Fatalf("after the merge: problems %v, superseded %v", s.Problems, s.Superseded)
			}
			if m := s.Members["zhao"]; !slices.Equal(m.Roles, []string{"sales"}) {
				t.Fatalf("zhao holds %v after the role change, want [sales]", m.Roles)
			}
			if st := s.Loans[l.ID].Status(); st != archive.LoanReturned {
				t.Fatalf("loan is %s, want returned", st)
			}
			a.verifyClean()
		})
}
