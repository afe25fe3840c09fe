package archive_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

func TestEndorsementFromAnotherDepartment(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("qian").BorrowRequest(id, "审计", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !l.NeedsSign || l.EndorsedBy != "" || l.Days != 3 {
		t.Fatalf("loan %+v: want a request waiting for 总经办's sign-off, 3 days", l)
	}
	_, _, err = f.as("zhang").BorrowApprove(l.ID)
	wantCode(t, err, archive.Failed, "first needs the sign-off of a dept_manager of 总经办")
	_, err = f.as("zhao").BorrowEndorse(l.ID)
	wantCode(t, err, archive.Denied, "must be signed by a dept_manager of 总经办")
	if _, err := f.as("zhou").BorrowEndorse(l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhou").BorrowEndorse(l.ID)
	wantCode(t, err, archive.Failed, "needs no (further)")
	l, last, err := f.as("zhang").BorrowApprove(l.ID)
	if err != nil || !last {
		t.Fatalf("approve: %v, last %v", err, last)
	}
	if c := l.Card; c.EndorsedBy != "zhou" || c.Department != "总经办" || c.Title != "总经理" || !slices.Equal(c.Approvers, []string{"zhang"}) {
		t.Fatalf("card %+v", c)
	}
	// qian (gm) reads 秘密 by role already: no re-encryption was needed.
	a := f.as("qian")
	if !slices.Contains(a.State.Dossiers[id].Recipients, "qian") {
		t.Fatal("gm is not a recipient")
	}
	f.verifyClean()
}

func TestLoanRecipientsFollowTheLoan(t *testing.T) {
	f := newFixture(t)
	id := f.create("机密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	if l.EndorsedBy != "zhao" {
		t.Fatalf("a dept_manager's own request carries their sign-off, got %q", l.EndorsedBy)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	a := f.as("zhao")
	if _, err := a.Read(id); err != nil {
		t.Fatalf("borrower cannot read: %v", err)
	}
	want := []string{"qian", "su", "wang", "zhang", "zhao"}
	if got := a.State.ExpectedRecipients(a.State.Dossiers[id]); !slices.Equal(got, want) {
		t.Fatalf("recipients %v, want %v", got, want)
	}
	f.verifyClean()

	// Past due: maintain revokes; a second run writes nothing.
	f.now = f.now.Add(49 * time.Hour)
	rep, err := f.as("su").Maintain(ctx, classify.Period{Days: 14})
	if err != nil || len(rep.Expired) != 1 || len(rep.Overdue) != 1 || !rep.NeedsPerson() {
		t.Fatalf("maintain: %v %+v", err, rep)
	}
	_, err = f.as("zhao").Read(id)
	wantCode(t, err, archive.Denied, "may not read")
	n := len(f.as("su").State.Journal.Events)
	if rep, err := f.as("su").Maintain(ctx, classify.Period{}); err != nil || len(rep.Expired) != 0 {
		t.Fatalf("second maintain: %v %+v", err, rep)
	}
	if m := len(f.as("su").State.Journal.Events); m != n {
		t.Fatalf("second maintain wrote %d events", m-n)
	}
	f.verifyClean()
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.as("zhang").Loans(true); len(got) != 0 {
		t.Fatalf("returned loan still overdue: %v", got)
	}
	f.verifyClean()
}

// A loan.approve hand-written by someone who is not an approver is reported
// by replay, and does not open the loan.
func TestReplayFlagsForgedLoanApproval(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "x", 1)
	if err != nil {
		t.Fatal(err)
	}
	a := f.as("li")
	if err := a.ForgeEvent(archive.KindLoanApprove, id, &archive.LoanApprove{Loan: l.ID}); err != nil {
		t.Fatal(err)
	}
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "loan.approve by li refused") {
		t.Fatalf("problems %v", ps)
	}
	if st := f.as("zhang").State.Loans[l.ID].Status(); st != archive.LoanPending {
		t.Fatalf("forged approval opened the loan: %s", st)
	}
}

func TestDestroyExecuteRemovesFileKeepsJournal(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, "")
	wantCode(t, err, archive.Denied, "has 0 of 3 approvals")
	for _, who := range []string{"su", "zhang", "wang"} {
		if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	if _, err := f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, archive.DossierPath(id))); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
	a := f.as("zhang")
	d := a.State.Dossiers[id]
	if d.Status != archive.StatusDestroyed || d.Events[0].Kind != archive.KindDossierCreate {
		t.Fatalf("dossier state %+v", d)
	}
	got := a.State.Destructions[r.ID]
	if got.Status() != archive.DestroyExecuted || len(got.Approvals) != 3 || got.Approvals[2].Role != "gm" || got.Level != "秘密" {
		t.Fatalf("destruction %+v", got)
	}
	f.verifyClean()
}

func TestReviewsDueDaysLeft(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	due := f.as("li").ReviewsDue(f.as("li").Quarter())
	if len(due) != 1 || due[0].ID != id || due[0].DaysLeft != 40 || due[0].Owner != "li" || due[0].Overdue {
		t.Fatalf("due %+v", due)
	}
	if _, err := f.as("zhao").ReviewDone(id, ""); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("dept_manager review: %v", err)
	}
	if q, err := f.as("li").ReviewDone(id, "ok"); err != nil || q.String() != "2026Q4" {
		t.Fatal(q, err)
	}
	if due := f.as("li").ReviewsDue(classify.Quarter{Year: 2026, Q: 4}); len(due) != 0 {
		t.Fatalf("still due: %+v", due)
	}
	f.now = time.Date(2027, 1, 1, 0, 0, 0, 0, f.now.Location())
	if due := f.as("li").ReviewsDue(classify.Quarter{Year: 2026, Q: 4}); len(due) != 0 {
		t.Fatalf("past quarter: %+v", due)
	}
	if due := f.as("li").ReviewsDue(classify.Quarter{Year: 2027, Q: 1}); len(due) != 1 || due[0].LastReview != "2026Q4" || due[0].DaysLeft != 90 {
		t.Fatalf("new quarter: %+v", due)
	}
}
