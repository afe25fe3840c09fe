package archive_test

import (
	"testing"
)

// A state of some parts (crm new's) advanced over a loan step holds every
// loan, but only the dossiers of the steps: a step on a loan of another
// dossier, taken on it, still finds that dossier, and does not panic.
func TestLoanStepOnAStateOfSomeParts(t *testing.T) {
	f := newFixture(t)
	x := f.createAs("zhang", "customer:\n  name: 甲公司\nowner: 张三\n", "机密")
	y := f.createAs("zhang", "customer:\n  name: 乙公司\nowner: 张三\n", "机密")
	l := f.lendTo("zhao", y)
	f.settle()
	f.reader("zhao", f.clock) // the snapshot, with the loan
	f.lendTo("zhou", x)       // steps on x's part, after it
	f.settle()
	a := f.creator("zhao")
	if !a.Partial() {
		t.Fatal("the state is not partial: the test tests nothing")
	}
	if _, err := a.BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.cold("zhang").State.Loans[l.ID]; got == nil || got.Returned.IsZero() {
		t.Fatalf("the loan after its return: %+v", got)
	}
	f.verifyClean()
}
