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
// approval is written at other seconds until it falls after the removal.
func TestLoanApproveConcurrentWithRemovalStands(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	for i := 0; ; i++ {
		if i == 40 {
			t.Fatal("the approval never fell after the removal")
		}
		a, g, base := f.clone(), f.clone(), f.clone()
		// Both steps are written at other seconds each time, so that
		// their order (by hash, as concurrent) is a coin toss each
		// time; with one side the same every time, a hash near either
		// end left one order out of reach of 40 tries.
		a.now = a.now.Add(time.Duration(2*i) * time.Second)
		if err := a.as("zhang").RemoveMemberBecause(ctx, "zhao", "离职"); err != nil {
			t.Fatal(err)
		}
		g.now = g.now.Add(time.Duration(i+1) * time.Second)
		if _, _, err := g.as("zhang").BorrowApprove(l.ID); err != nil {
			t.Fatal(err)
		}
		if d := g.as("zhang").State.Dossiers[id]; !slices.Contains(d.Recipients, "zhao") {
			t.Fatalf("the approval did not encrypt to the borrower: %v", d.Recipients)
		}
		a.pull(g, base.dir)
		s := a.as("zhang").State
		var remove, approve int
		for j, e := range s.Journal.Events {
			switch e.Kind {
			case archive.KindMemberRemove:
				remove = j
			case archive.KindLoanApprove:
				approve = j
			}
		}
		if approve < remove {
			continue // the approval came first: no question
		}
		if len(s.Problems) > 0 || len(s.Superseded) > 0 {
			t.Fatalf("after the merge: problems %v, superseded %v", s.Problems, s.Superseded)
		}
		if st := s.Loans[l.ID].Status(); st != archive.LoanVoid {
			t.Fatalf("loan is %s, want void", st)
		}
		if m := s.Members["zhao"]; !m.Removed {
			t.Fatal("zhao is not removed")
		}
		d := s.Dossiers[id]
		if !slices.Contains(d.Recipients, "zhao") || slices.Contains(s.ExpectedRecipients(d), "zhao") {
			t.Fatalf("dossier %s: encrypted to %v, expected %v", id, d.Recipients, s.ExpectedRecipients(d))
		}
		a.verifyClean() // the file is pending (a note), not a problem
		if _, err := a.as("zhang").Rekey(ctx); err != nil {
			t.Fatal(err)
		}
		if d := a.as("zhang").State.Dossiers[id]; slices.Contains(d.Recipients, "zhao") {
			t.Fatalf("still encrypted to zhao after rekey: %v", d.Recipients)
		}
		a.verifyClean()
		return
	}
}
