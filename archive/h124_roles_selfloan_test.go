package archive_test

import (
	"testing"

	"crm/archive"
)

// A manager borrows a 机密 dossier, whose loans the manager approves
// (R7.1): the borrower holds that role, so the approval is owed by a role
// of loan.approvers_when_self (default gm). The general manager gives it
// in a clone that has not heard that their roles were changed to manager.
// The approval used the gm's right, which the change took away: it is a
// problem whichever order the hashes give (FORMAT.md, "A loss of rights
// wins"). Before, the right it used was the approver roles the loan still
// needed that its author held (none: the gm is not the manager), so it
// counted either way, as the gm's stand-in approval when ordered first and
// as the manager's when ordered after the change (review h124).
func TestSelfLoanApprovalConcurrentWithApproverRoleCut(t *testing.T) {
	f, loan := managersOwnLoan(t)
	raceApproverCut(t, f, loan, []string{"manager"}, wantLostApproval)
}

// The same race with a change that keeps the gm's role (gm → gm and
// supervisor) refuses nothing: the stand-in approval counts, in both
// orders, for the manager's place.
func TestSelfLoanApprovalRoleKeptRefusesNothing(t *testing.T) {
	f, loan := managersOwnLoan(t)
	raceApproverCut(t, f, loan, []string{"gm", "supervisor"}, func(t *testing.T, s *archive.State, loan string, cutFirst bool) {
		if len(s.Problems) != 0 || len(s.Superseded) != 0 {
			t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
		}
		if ap := s.Loans[loan].Approvals; len(ap) != 1 || ap[0].Role != "manager" || ap[0].Member != "wang" {
			t.Fatalf("role change first %v: approvals %+v", cutFirst, ap)
		}
	})
}

// managersOwnLoan is a fixture with a second manager, ma, who has asked
// to borrow a 机密 dossier, and the loan's id.
func managersOwnLoan(t *testing.T) (*fixture, string) {
	f := newFixture(t)
	ma := newIdentity(t)
	f.ids["ma"] = ma
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, ma)); err != nil {
		t.Fatal(err)
	}
	l, err := f.as("ma").BorrowRequest(f.create("机密"), "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	return f, l.ID
}
