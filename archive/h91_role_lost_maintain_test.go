package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive"
)

// A loan approved in a clone that had not heard that its requester was
// moved to sales (R7.1) stands (rolesWhereWritten), and the role change,
// written where the loan was not out, lists nothing to end. After the
// clones meet, whichever order the hashes give the two, maintain ends
// the loan's access as it ends a lapsed one: loan.expire, the file
// re-encrypted without the borrower. Before, the loan kept its access
// until its due time. The race is run until both orders were seen.
func TestMaintainEndsLoanOfBorrowerWhoLostRole(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "zhao", []string{"sales"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanApprove, func(g *fixture) {
			if _, _, err := g.as("zhang").BorrowApprove(l.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, rolesFirst bool) {
			first := !rolesFirst // the approval ordered first
			a.now = a.now.Add(time.Hour)
			s := a.as("zhang").State
			if len(s.Problems) > 0 || len(s.Superseded) > 0 {
				t.Fatalf("approval first %v: after the merge: problems %v, superseded %v", first, s.Problems, s.Superseded)
			}
			if st := s.Loans[l.ID].Status(); st != archive.LoanOut {
				t.Fatalf("approval first %v: loan is %s after the merge, want out", first, st)
			}
			rep, _ := a.maintainBoth()
			if len(rep.RoleLost) != 1 || rep.RoleLost[0].ID != l.ID || len(rep.Expired) != 0 {
				t.Fatalf("approval first %v: maintain ended %v (past due %v), want [%s]", first, rep.RoleLost, rep.Expired, l.ID)
			}
			s = a.as("zhang").State
			if st := s.Loans[l.ID].Status(); st != archive.LoanExpired {
				t.Fatalf("approval first %v: loan is %s after maintain, want expired", first, st)
			}
			if rs := s.Dossiers[id].Recipients; slices.Contains(rs, "zhao") {
				t.Fatalf("approval first %v: %s is still encrypted to the borrower: %v", first, id, rs)
			}
			if rep, _ := a.maintainBoth(); len(rep.RoleLost)+len(rep.Expired)+len(rep.Rekeyed) != 0 {
				t.Fatalf("approval first %v: a second maintain ended %v %v, rekeyed %v", first, rep.RoleLost, rep.Expired, rep.Rekeyed)
			}
			a.verifyClean()
		})
}

// An expiry of a loan whose borrower may still borrow, before its due
// time, is refused on replay.
func TestReplayRefusesEarlyExpiry(t *testing.T) {
	f := newFixture(t)
	_, l := lentOut(t, f)
	f.writeEvent("zhang", archive.KindLoanExpire, l.Dossier, &archive.LoanExpire{Loan: l.ID})
	s := f.as("zhang").State
	if len(s.Problems) == 0 || s.Loans[l.ID].Status() != archive.LoanOut {
		t.Fatalf("a forged early expiry: problems %v, loan %s", s.Problems, s.Loans[l.ID].Status())
	}
}
