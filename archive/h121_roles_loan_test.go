package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

// A general manager approves a loan of a 绝密 dossier (approvers: manager
// and gm) in a clone that has not heard that their roles were changed to
// manager, a role among the loan's approvers too. The approval used the
// gm's right, which the change took away: it is a problem whichever order
// the hashes give. Before, it counted either way, as the gm's approval
// when ordered first and as the manager's when ordered after.
func TestLoanApprovalConcurrentWithApproverRoleCut(t *testing.T) {
	f := newFixture(t)
	id := f.create("绝密")
	l, err := f.as("zhou").BorrowRequest(id, "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	raceApproverCut(t, f, l.ID, []string{"manager"}, wantLostApproval)
}

// raceApproverCut races the general manager wang's approval of loan with
// a change of wang's roles to roles, in both orders, and checks the state
// each order gives with check.
func raceApproverCut(t *testing.T, f *fixture, loan string, roles []string, check func(t *testing.T, s *archive.State, loan string, cutFirst bool)) {
	t.Helper()
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "wang", roles); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindLoanApprove, func(g *fixture) {
			if _, _, err := g.as("wang").BorrowApprove(loan); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, cutFirst bool) { check(t, a.as("zhang").State, loan, cutFirst) })
}

// wantLostApproval checks that wang's approval of loan is a problem, a
// step using a right a concurrent change of roles took away, and counts
// for nothing.
func wantLostApproval(t *testing.T, s *archive.State, loan string, cutFirst bool) {
	t.Helper()
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "written by wang concurrently with a change of their roles") || len(s.Superseded) != 0 {
		t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
	}
	if ap := s.Loans[loan].Approvals; len(ap) != 0 {
		t.Fatalf("role change first %v: approvals %+v", cutFirst, ap)
	}
}
