package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive"
)

// A manager moves a borrower to sales (R7.1: the change lists the loan it
// ends) in a clone that has not heard that the borrower returned the
// loan. The role change stands after the clones meet, whichever order the
// hashes give them: before, a return ordered first made the listed loan
// "not an open loan of theirs", and the whole role change was superseded,
// so the former dept_manager kept the role that may borrow. The return is
// written at other seconds until it falls before the change.
func TestRoleChangeConcurrentWithReturnStands(t *testing.T) {
	f := newFixture(t)
	_, l := lentOut(t, f)
	for i := 0; ; i++ {
		if i == 40 {
			t.Fatal("the return never fell before the role change")
		}
		a, g, base := f.clone(), f.clone(), f.clone()
		// Both steps are written at other seconds each time, so that
		// their order (by hash, as concurrent) is a coin toss each
		// time; with one side the same every time, a hash near either
		// end left one order out of reach of 40 tries.
		a.now = a.now.Add(time.Duration(2*i) * time.Second)
		if err := a.as("zhang").SetRoles(ctx, "zhao", []string{"sales"}); err != nil {
			t.Fatal(err)
		}
		g.now = g.now.Add(time.Duration(i+1) * time.Second)
		if _, err := g.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		a.pull(g, base.dir)
		s := a.as("zhang").State
		var roles, ret int
		for j, e := range s.Journal.Events {
			switch e.Kind {
			case archive.KindMemberRoles:
				roles = j
			case archive.KindLoanReturn:
				ret = j
			}
		}
		if ret > roles {
			continue // the change came first: no question
		}
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
		return
	}
}
