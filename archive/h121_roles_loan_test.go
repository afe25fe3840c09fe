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
