package archive_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"crm/archive"
)

// Loans (借阅, R7.1) taken in two clones that work apart, each on
// dossiers the other does not touch, advance the snapshot at the pull
// (commutes: a loan's rules read of the other dossiers only whether a
// loan id is in use). This clone lends a dossier; the other lends,
// approves and takes back another, records a 核定 and edits a third.
// Both ways the state, every dossier read alone, the reports and the
// snapshot saved are a cold replay's, and a step on a merged loan
// follows both sides.
func TestMergeOfLoans(t *testing.T) {
	f, g, base, ids := forkedStyle(t, archive.IDRandom)
	mine := f.lendTo("zhou", ids[3])
	f.edit("li", ids[2])
	theirs := g.lendTo("zhao", ids[4])
	if _, err := g.as("zhao").BorrowReturn(theirs.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := g.as("li").ReviewDone(ids[5], "另一克隆"); err != nil {
		t.Fatal(err)
	}
	g.edit("zhang", ids[1])
	gBase := g.holdSide()

	f.pullsBothWays(g, base, gBase, "loans on both sides")

	a := f.as("zhou")
	if l := a.State.Loans[theirs.ID]; l == nil || l.Status() != archive.LoanReturned {
		t.Fatalf("the other clone's loan after the merge: %+v", l)
	}
	if _, err := a.BorrowReturn(mine.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	f.settle()
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("the return after the merge was not advanced from the snapshot")
	}
}

// pullsBothWays pulls g's work into f (base: their common past), then f's
// into g (gBase: g's side held): each pull advances the snapshot, and the
// state, every dossier read alone, the reports, the snapshot saved and
// the order's tail are a cold replay's.
func (f *fixture) pullsBothWays(g *fixture, base, gBase, what string) {
	f.t.Helper()
	f.advanced(true, func() { f.pull(g, base) })
	f.sameReportsAsCold(what, true, false)
	f.fromSaved(what)
	f.tailIsTheOrder(what)
	g.advanced(true, func() { g.pull(f, gBase) })
	g.sameReportsAsCold(what+", the other way", true, false)
}

// holdSide keeps a copy of the clone's archive as it is (what the other
// clone's pull of it starts from) and saves its snapshot with its own
// steps: the side a merge with the other clone's steps finds.
func (f *fixture) holdSide() (base string) {
	f.t.Helper()
	base = f.t.TempDir()
	copyTree(f.t, f.dir, base)
	f.settle()
	f.reader("li", f.clock)
	return base
}

// lendTo lends dossier id to m (a department manager) for three days,
// approved by zhang.
func (f *fixture) lendTo(m, id string) *archive.Loan {
	f.t.Helper()
	l, err := f.as(m).BorrowRequest(id, "谈判", 3)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		f.t.Fatal(err)
	}
	return l
}

// Loans in two clones that a pull cannot put on top of the snapshot: the
// journal is replayed and the state is the cold one.
//
//   - The same loan id requested on both sides (sequential ids): a whole
//     replay refuses whichever its order puts second.
//
// A loan request of this side that was refused, with the id the other
// side's request takes: TestMergeAfterRefusedStepOfThisSide.
func TestMergeOfLoansNotAdvanced(t *testing.T) {
	for _, c := range []struct {
		name string
		mine func(f *fixture, ids []string)
	}{
		{"one loan id on both sides", func(f *fixture, ids []string) { f.lendTo("zhou", ids[3]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, g, base, ids := forked(t)
			c.mine(f, ids)
			if l := g.lendTo("zhao", ids[4]); l.ID != "L-000002" {
				t.Fatalf("the other side's loan is %s, want L-000002", l.ID)
			}
			f.advanced(false, func() { f.pull(g, base) })
			if s := f.cold("li").State; len(s.Problems)+len(s.Superseded) == 0 {
				t.Fatal("no step refused after the merge")
			} else {
				t.Logf("problems %v superseded %v", s.Problems, s.Superseded)
			}
		})
	}
}

// A destruction (销毁, R6.10) asked for, approved three times and
// executed in one clone while the other lends, records a 核定 and edits
// other dossiers: the pull advances the snapshot both ways (commutes),
// the state, the reports and the snapshot saved are a cold replay's.
func TestMergeOfDestructions(t *testing.T) {
	f, g, base, ids := forked(t)
	f.destroy(ids[3])
	g.edit("li", ids[4])
	if _, err := g.as("li").ReviewDone(ids[5], "另一克隆"); err != nil {
		t.Fatal(err)
	}
	g.lendTo("zhou", ids[2])
	gBase := g.holdSide()

	f.advanced(true, func() {
		f.pull(g, base)
		// git keeps the deletion the other side did not touch; the
		// fixture's pull copies back a file this side no longer has.
		os.Remove(filepath.Join(f.dir, archive.DossierPath(ids[3])))
	})
	f.sameReportsAsCold("a destruction on this side", true, false)
	f.fromSaved("a destruction on this side")
	f.verifyClean()
	g.advanced(true, func() { g.pull(f, gBase) })
	g.sameReportsAsCold("a destruction on the other side", true, false)
	if d := g.as("li").State.Dossiers[ids[3]]; d.Status != archive.StatusDestroyed {
		t.Fatalf("the other clone's destruction after the pull: %s", d.Status)
	}
}

// destroy asks for, approves (su, zhang, wang) and executes the
// destruction of dossier id.
func (f *fixture) destroy(id string) {
	f.t.Helper()
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, who := range []string{"su", "zhang", "wang"} {
		if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
			f.t.Fatalf("%s: %v", who, err)
		}
	}
	if _, err := f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		f.t.Fatal(err)
	}
}

// Destructions that a pull cannot put on top of the snapshot: one
// request id on both sides (sequential ids), and a destruction of a
// dossier the other side lends.
func TestMergeOfDestructionsNotAdvanced(t *testing.T) {
	for _, c := range []struct {
		name  string
		their func(g *fixture, ids []string)
	}{
		{"one request id on both sides", func(g *fixture, ids []string) {
			if _, err := g.as("li").DestroyRequest(ids[4], "过期"); err != nil {
				t.Fatal(err)
			}
		}},
		{"a loan of the dossier", func(g *fixture, ids []string) { g.lendTo("zhou", ids[3]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, g, base, ids := forked(t)
			if _, err := f.as("li").DestroyRequest(ids[3], "过期"); err != nil {
				t.Fatal(err)
			}
			c.their(g, ids)
			f.advanced(false, func() { f.pull(g, base) })
		})
	}
}

// One loan id (sequential ids) requested on both sides, for dossiers of
// two parts, each clone's request saved in its snapshot. The clone whose
// request a whole replay refuses (the larger hash comes second) pulls
// and opens about its own dossier alone: the pulled request is of
// another part, yet it decides that this dossier's request took no
// effect, so the open is not of that part alone (onePart) and says what
// a whole replay says. From the review of the first version, which kept
// the refused loan.
func TestMergeOfOneLoanIDReadAlone(t *testing.T) {
	f, g, base, ids := forked(t)
	if archive.SnapBucketOf(ids[3]) == archive.SnapBucketOf(ids[4]) {
		t.Fatal("the two dossiers share a part")
	}
	lf, err := f.as("zhou").BorrowRequest(ids[3], "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	lg, err := g.as("zhao").BorrowRequest(ids[4], "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	if lf.ID != lg.ID {
		t.Fatalf("loan ids %s and %s, want one", lf.ID, lg.ID)
	}
	for _, x := range []*fixture{f, g} {
		x.settle()
		x.reader("li", x.clock) // each snapshot holds its side
	}
	hf := f.cold("li").State.Dossiers[ids[3]].Events
	hg := g.cold("li").State.Dossiers[ids[4]].Events
	x, o, id := f, g, ids[3]
	if hf[len(hf)-1].Hash < hg[len(hg)-1].Hash {
		x, o, id = g, f, ids[4]
	}
	x.pull(o, base)
	x.settle()
	cold := x.cold("li").State
	if len(cold.Superseded) == 0 {
		t.Fatal("a whole replay refused neither request")
	}
	a := x.readerOf("li", id)
	strip := func(d *archive.DossierState) []byte {
		c := *d
		c.Events, c.WrittenBy = nil, nil
		b, _ := json.Marshal(c)
		return b
	}
	if got, want := a.State.Dossiers[id], cold.Dossiers[id]; got == nil || !bytes.Equal(strip(got), strip(want)) {
		t.Fatalf("dossier %s read alone after the pull (partial %v):\n got %s\nwant %s", id, a.Partial(), strip(got), strip(want))
	}
}
