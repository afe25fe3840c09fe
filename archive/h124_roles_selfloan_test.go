package archive_test

import (
	"strings"
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
	f := newFixture(t)
	ma := newIdentity(t)
	f.ids["ma"] = ma
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, ma)); err != nil {
		t.Fatal(err)
	}
	id := f.create("机密")
	l, err := f.as("ma").BorrowRequest(id, "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "wang", []string{"manager"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanApprove, func(g *fixture) {
			if _, _, err := g.as("wang").BorrowApprove(l.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, cutFirst bool) {
			s := a.as("zhang").State
			if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "written by wang concurrently with a change of their roles") || len(s.Superseded) != 0 {
				t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
			}
			if ap := s.Loans[l.ID].Approvals; len(ap) != 0 {
				t.Fatalf("role change first %v: approvals %+v", cutFirst, ap)
			}
		})
}

// The same race with a change that keeps the gm's role (gm → gm and
// supervisor) refuses nothing: the stand-in approval counts, in both
// orders, for the manager's place.
func TestSelfLoanApprovalRoleKeptRefusesNothing(t *testing.T) {
	f := newFixture(t)
	ma := newIdentity(t)
	f.ids["ma"] = ma
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, ma)); err != nil {
		t.Fatal(err)
	}
	id := f.create("机密")
	l, err := f.as("ma").BorrowRequest(id, "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "wang", []string{"gm", "supervisor"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanApprove, func(g *fixture) {
			if _, _, err := g.as("wang").BorrowApprove(l.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, cutFirst bool) {
			s := a.as("zhang").State
			if len(s.Problems) != 0 || len(s.Superseded) != 0 {
				t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
			}
			if ap := s.Loans[l.ID].Approvals; len(ap) != 1 || ap[0].Role != "manager" || ap[0].Member != "wang" {
				t.Fatalf("role change first %v: approvals %+v", cutFirst, ap)
			}
		})
}
