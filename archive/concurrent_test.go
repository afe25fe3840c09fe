package archive_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// Two clones that work apart and merge (FORMAT.md, "Concurrent steps"):
// every pair of concurrent steps has one outcome, whatever order the hashes
// give them, and never a problem or a lockout.

// merged makes f and a clone g, runs the two sides, pulls g into f and
// returns f's state as replay builds it.
func merged(t *testing.T, f *fixture, ours, theirs func(g *fixture)) *archive.State {
	t.Helper()
	base := f.clone()
	g := f.clone()
	ours(f)
	theirs(g)
	f.pull(g, base.dir)
	a := f.as("zhang")
	if len(a.State.Problems) > 0 {
		t.Fatalf("problems after the merge: %v", a.State.Problems)
	}
	return a.State
}

// lentOut is a new 秘密 dossier lent to zhao (a dept_manager), approved
// by zhang, an hour before f's clock moves on.
func lentOut(t *testing.T, f *fixture) (string, *archive.Loan) {
	t.Helper()
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	return id, l
}

func TestReturnConcurrentWithRenewIsReturned(t *testing.T) {
	f := newFixture(t)
	id, l := lentOut(t, f)
	s := merged(t, f,
		func(f *fixture) {
			if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
				t.Fatal(err)
			}
		},
		func(g *fixture) {
			if _, err := g.as("zhao").BorrowRenew(l.ID); err != nil {
				t.Fatal(err)
			}
		})
	if st := s.Loans[l.ID].Status(); st != archive.LoanReturned {
		t.Fatalf("loan is %s, want returned", st)
	}
	f.verifyClean()
	// Nobody is locked out: the borrower may ask again.
	if _, err := f.as("zhao").BorrowRequest(id, "再谈", 1); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
}

// It is also the verified-journal cache's merge case: the clone that merges
// had its cache filled before, and the state it builds is the cold one.
func TestApproveConcurrentWithRejectIsRejected(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.warm("zhang")
	s := merged(t, f,
		func(f *fixture) {
			if _, err := f.as("su").DestroyApprove(r.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(g *fixture) {
			if _, err := g.as("zhang").DestroyReject(r.ID, "仍在合作"); err != nil {
				t.Fatal(err)
			}
		})
	sameState(t, s, f.cold("zhang").State)
	if st := s.Destructions[r.ID].Status(); st != archive.DestroyRejected {
		t.Fatalf("request is %s, want rejected", st)
	}
	f.verifyClean()
}

// withSun is a fixture with a second supervisor, sun.
func withSun(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	sun := newIdentity(t)
	f.ids["sun"] = sun
	if err := f.as("zhang").AddMember(ctx, member("sun", []string{"supervisor"}, sun)); err != nil {
		t.Fatal(err)
	}
	return f
}

// twoApprovals has two supervisors (su, sun) approve step 1 of one
// destruction request of a new dossier in two clones, and merges them:
// the fixture, the dossier, the request and the merged state.
func twoApprovals(t *testing.T) (*fixture, string, *archive.Destruction, *archive.State) {
	t.Helper()
	f := withSun(t)
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	s := merged(t, f,
		func(f *fixture) { f.as("su").DestroyApprove(r.ID) },
		func(g *fixture) { g.as("sun").DestroyApprove(r.ID) })
	return f, id, r, s
}

// Two supervisors approve step 1 of the same request in two clones: one
// approval counts, the other is recorded as superseded, and the chain goes on.
func TestTwoApprovalsOfOneStep(t *testing.T) {
	f, _, r, s := twoApprovals(t)
	d := s.Destructions[r.ID]
	if len(d.Approvals) != 1 || d.NextRole() != "manager" || len(s.Superseded) != 1 {
		t.Fatalf("approvals %+v, superseded %v", d.Approvals, s.Superseded)
	}
	if !strings.Contains(s.Superseded[0].Msg, "superseded") {
		t.Fatalf("note %q", s.Superseded[0].Msg)
	}
	f.verifyClean()
	if _, err := f.as("zhang").DestroyApprove(r.ID); err != nil {
		t.Fatalf("the chain goes on: %v", err)
	}
	f.verifyClean()
}

// A 绝密 loan needs the manager and the gm; approving in two clones at once
// counts one approval and leaves the loan waiting (never "out" without the
// borrower being a recipient); the other approver approves again.
func TestConcurrentLoanApprovals(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("zhang", testDossier, "绝密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 1)
	if err != nil {
		t.Fatal(err)
	}
	s := merged(t, f,
		func(f *fixture) { f.as("zhang").BorrowApprove(l.ID) },
		func(g *fixture) { g.as("wang").BorrowApprove(l.ID) })
	if got := s.Loans[l.ID]; got.Status() != archive.LoanPending || len(got.Approvals) != 1 {
		t.Fatalf("loan %s with %d approvals", got.Status(), len(got.Approvals))
	}
	f.verifyClean()
	who := "wang"
	if s.Loans[l.ID].Approvals[0].Member == "wang" {
		who = "zhang"
	}
	if _, last, err := f.as(who).BorrowApprove(l.ID); err != nil || !last {
		t.Fatalf("approving again: %v, last %v", err, last)
	}
	if who == "wang" {
		// The gm only reads: his approval writes no file, a writer's
		// next step gives the borrower the key.
		if _, err := f.as("zhang").Rekey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.as("zhao").Read(id); err != nil {
		t.Fatalf("borrower: %v", err)
	}
	f.verifyClean()
}

// An event dated after the checker's clock (beyond the skew) has no effect;
// a write from a clock behind the journal is refused and writes nothing.
func TestClocksOnlyBound(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	future := f.as("zhang")
	future.SetClock(f.now.Add(time.Hour))
	if err := future.SetHold(id, true, "诉讼"); err != nil {
		t.Fatal(err)
	}
	a := f.as("li") // its clock is an hour behind the hold
	if a.State.Dossiers[id].OnHold() || len(a.State.Problems) != 1 || !strings.Contains(a.State.Problems[0].Msg, "after the clock of this check") {
		t.Fatalf("hold %v, problems %v", a.State.Dossiers[id].OnHold(), a.State.Problems)
	}
	// Writing on top of it is refused: the clock is wrong, not the journal.
	f.now = f.now.Add(2 * time.Hour)
	b := f.as("zhang")
	b.SetClock(f.now.Add(-3 * time.Hour))
	n := len(b.State.Journal.Events)
	if err := b.SetHold(id, false, ""); err == nil || !strings.Contains(err.Error(), "before event") {
		t.Fatalf("write from a clock behind the journal: %v", err)
	}
	if m := len(f.as("zhang").State.Journal.Events); m != n {
		t.Fatalf("a refused write left %d events", m-n)
	}
}

// An event dated ahead (its writer's clock two days fast) is a problem
// until its date, then counts: AheadEvents names it meanwhile. A manager
// cannot reject it before then: the decision would follow an event dated
// after it, and a decision's date is its writer's word (a backdated one
// could cancel any event: review48_test.go).
func TestAheadEventCountsAtItsDate(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	fast := f.as("li")
	fast.SetClock(f.now.Add(48 * time.Hour))
	if _, err := fast.ReviewDone(id, "钟快了"); err != nil {
		t.Fatal(err)
	}
	a := f.as("zhang")
	ahead := a.AheadEvents()
	if len(ahead) != 1 || ahead[0].Actor != "li" || ahead[0].Dossier != id || len(a.State.Dossiers[id].Reviews) != 0 {
		t.Fatalf("ahead %v, reviews %v", ahead, a.State.Dossiers[id].Reviews)
	}
	if _, err := a.Decide(archive.DecideOptions{Event: ahead[0].Event, Decision: archive.DecisionReject, Reason: "李四的时钟快了两天"}); err == nil || !strings.Contains(err.Error(), "no decision can settle it before then") {
		t.Fatalf("rejecting an event dated ahead: %v", err)
	}
	f.now = f.now.Add(72 * time.Hour)
	s := f.as("li").State
	if len(s.Dossiers[id].Reviews) != 1 || len(s.Problems) != 0 || len(f.as("li").AheadEvents()) != 0 {
		t.Fatalf("after its date: reviews %v, problems %v", s.Dossiers[id].Reviews, s.Problems)
	}
	f.verifyClean()
}

// reviewWhileRemoved has zhang remove li in this clone while li records a
// 核定 (note) of a new dossier in another, and merges that clone in.
func (f *fixture) reviewWhileRemoved(note string) (id string) {
	f.t.Helper()
	id = f.create("秘密")
	base := f.clone()
	g := f.clone()
	if err := f.as("zhang").RemoveMember(ctx, "li"); err != nil {
		f.t.Fatal(err)
	}
	if _, err := g.as("li").ReviewDone(id, note); err != nil {
		f.t.Fatal(err)
	}
	f.pull(g, base.dir)
	return id
}

// A member removed in one clone who keeps writing in another: what they
// wrote concurrently with their removal is refused.
func TestWritesConcurrentWithRemovalAreRefused(t *testing.T) {
	f := newFixture(t)
	id := f.reviewWhileRemoved("ok")
	s := f.as("zhang").State
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "concurrently with their removal") || len(s.Dossiers[id].Reviews) != 0 {
		t.Fatalf("problems %v, reviews %v", s.Problems, s.Dossiers[id].Reviews)
	}
	// Nobody else is locked out.
	if _, err := f.as("su").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
}

// mergeFile does what git's merge driver and crm sync do for dossier id
// after f pulled g (f kept its own file): the three versions merged in
// memory by member m, the result journaled as dossier.merge.
func mergeFile(t *testing.T, f, g *fixture, base, m, id string) *archive.MergeResult {
	t.Helper()
	read := func(dir string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "dossiers", id+".age"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := f.as(m)
	r, err := a.MergeDossier(id, read(base), read(f.dir), read(g.dir), a.State.PinnedRecipients)
	if err != nil || !r.Clean() {
		t.Fatalf("merge: %+v %v", r, err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "dossiers", id+".age"), r.Merged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.as(m).JournalMerge(id, r.Merged, r.Recipients, r.Keys, r.Parents, r.Fields); err != nil {
		t.Fatal(err)
	}
	return r
}

// editApartAndMerge edits dossier id as li in f (its industry) and in g
// (its owner), then merges g's work into f as git's merge driver and crm
// sync do (base is their common ancestor).
func editApartAndMerge(t *testing.T, f, g, base *fixture, id string) {
	t.Helper()
	edit := func(f *fixture, text string) {
		a := f.as("li")
		o, err := a.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Update(id, o.SHA256, o.Text, []byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	edit(f, strings.Replace(mergeBase, "制造业", "零售业", 1))
	edit(g, strings.Replace(mergeBase, "李四", "王五", 1))
	f.pull(g, base.dir)
	mergeFile(t, f, g, base.dir, "li", id)
}

// Edits of different fields in two clones: both kept, journaled by a
// dossier.merge that follows both.
func TestEditConcurrentWithEditMerges(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", mergeBase, "秘密")
	base := f.clone()
	g := f.clone()
	editApartAndMerge(t, f, g, base, id)
	o, err := f.as("su").Read(id)
	if err != nil || !strings.Contains(string(o.Text), "零售业") || !strings.Contains(string(o.Text), "王五") {
		t.Fatalf("%s %v", o.Text, err)
	}
	f.verifyClean()
}

// A dossier.merge pulled by a clone that took no step since its state
// snapshot: the snapshot is advanced by both sides' edits and the merge
// (the merged versions' pins read from the dossier's event files), not
// replayed, and says what a cold replay says; so does the dossier's part.
func TestSnapshotAdvancesOverMerge(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", mergeBase, "秘密")
	// A 核定 in the register: a snapshot of an empty register reads back
	// as an empty list where a replay has none (StateJSON tells them apart).
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	base := f.clone()
	c := f.clone()
	c.settle()
	if c.reader("li", c.clock); !c.reader("li", c.clock).FromSnapshot() {
		t.Fatal("no snapshot before the edits")
	}
	g := f.clone()
	editApartAndMerge(t, f, g, base, id)
	c.pull(f, base.dir)
	c.settle()
	a := c.reader("li", c.clock)
	if !a.FromSnapshot() {
		t.Fatal("the merge was replayed, not advanced over")
	}
	sameAsCold(t, c, a)
	p := c.readerOf("li", id)
	if !p.FromSnapshot() || !p.Partial() {
		t.Fatalf("the merged dossier's part: snapshot %v, partial %v", p.FromSnapshot(), p.Partial())
	}
	o, err := p.Read(id)
	if err != nil || !strings.Contains(string(o.Text), "零售业") || !strings.Contains(string(o.Text), "王五") {
		t.Fatalf("%v %v", o, err)
	}
	c.verifyClean()
}

// A dossier.merge that names a version no event it follows pinned: on a
// state advanced from a snapshot it is a problem, as a replay says, and
// one naming the versions its dossier's earlier events pinned (read from
// their files) takes effect there too.
func TestSnapshotMergeOfUnpinnedVersion(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", mergeBase, "秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if f.reader("li", f.clock); !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	d := f.as("li").State.Dossiers[id]
	bogus := strings.Repeat("0", 64)
	f.writeEvent("li", archive.KindDossierMerge, id, &archive.DossierMerge{Fields: []string{"owner"}, Parents: []string{d.SHA256, bogus},
		File: archive.File{SHA256: d.SHA256, Recipients: d.Recipients}})
	f.settle()
	a := f.reader("li", f.clock)
	sameAsCold(t, f, a)
	if len(a.State.Problems) != 1 || !strings.Contains(a.State.Problems[0].Msg, "which no event it follows pinned") {
		t.Fatalf("problems %v", a.State.Problems)
	}
	// The same versions as both parents: pinned by the dossier's events.
	g := newFixture(t)
	id = g.createAs("li", mergeBase, "秘密")
	if _, err := g.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	g.settle()
	g.reader("li", g.clock)
	d = g.as("li").State.Dossiers[id]
	g.writeEvent("li", archive.KindDossierMerge, id, &archive.DossierMerge{Fields: []string{"owner"}, Parents: []string{d.SHA256, d.SHA256},
		File: archive.File{SHA256: d.SHA256, Recipients: d.Recipients}})
	g.settle()
	a = g.reader("li", g.clock)
	if !a.FromSnapshot() || len(a.State.Problems) != 0 {
		t.Fatalf("snapshot %v, problems %v", a.FromSnapshot(), a.State.Problems)
	}
	sameAsCold(t, g, a)
}

// classify ∥ edit: the level of the one, the content of the other, and
// the merged file readable only by the readers of the new level.
func TestClassifyConcurrentWithEdit(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", mergeBase, "秘密")
	base := f.clone()
	g := f.clone()
	if _, err := f.as("su").SetLevel(id, "机密", "", "重要业务往来"); err != nil {
		t.Fatal(err)
	}
	a := g.as("li")
	o, _ := a.Read(id)
	if _, _, err := a.Update(id, o.SHA256, o.Text, []byte(strings.Replace(mergeBase, "制造业", "零售业", 1))); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base.dir)
	r := mergeFile(t, f, g, base.dir, "su", id)
	if strings.Join(r.Recipients, ",") != "qian,su,wang,zhang" {
		t.Fatalf("merged to %v", r.Recipients)
	}
	s := f.as("su")
	if o, err := s.Read(id); err != nil || !strings.Contains(string(o.Text), "零售业") || s.State.Dossiers[id].Level != "机密" {
		t.Fatalf("%v %v", o, err)
	}
	if _, err := f.as("li").Read(id); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("the clerk reads a 机密 dossier: %v", err)
	}
	// The clerk cannot merge it: their key does not open the classified side.
	lr, err := f.as("li").MergeDossier(id, []byte("x"), []byte("y"), []byte("z"), s.State.PinnedRecipients)
	if err == nil && lr.Unreadable == "" {
		t.Fatalf("a clerk merged: %+v", lr)
	}
	f.verifyClean()
}

// Whether a refused step was valid in its own causal past (superseded, a
// note) or not (a problem) comes out the same when that past is replayed
// without the steps on other dossiers, which its rule does not read, or
// not at all when the step follows every event before it, as when every
// ancestor is replayed. Two clones take concurrent steps on several
// dossiers, some on the same ones, and merge.
func TestPastOfRefusedStepScoped(t *testing.T) {
	f, g, base, ids := forked(t)
	// f: a loan id the other side takes too, a hold, edits and a 核定.
	l := f.lendTo("zhou", ids[3])
	if err := f.as("zhang").SetHold(ids[1], true, "诉讼"); err != nil {
		t.Fatal(err)
	}
	f.edit("li", ids[4])
	if _, err := f.as("li").ReviewDone(ids[5], "本克隆"); err != nil {
		t.Fatal(err)
	}
	// g: the same loan id on another dossier, a level change of the held
	// dossier, a renewal of the loan f returns, and edits elsewhere.
	g.lendTo("zhao", ids[4])
	if _, err := g.as("zhang").SetLevel(ids[1], "机密", "", "升级"); err != nil {
		t.Fatal(err)
	}
	g.edit("li", ids[5])
	if _, err := f.as("zhou").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base)
	// After the merge, a hold by a clerk, written by hand: it follows
	// every event, so its past is the whole journal (followsAll).
	f.writeEvent("li", archive.KindHold, ids[2], &archive.HoldData{Reason: "我说了算"})
	scoped := f.cold("li").State
	defer archive.SetPastAll(true)()
	all := f.cold("li").State
	if len(scoped.Problems)+len(scoped.Superseded) < 2 {
		t.Fatalf("too few refused steps to compare: problems %v, superseded %v", scoped.Problems, scoped.Superseded)
	}
	if !slices.Equal(scoped.Problems, all.Problems) || !slices.Equal(scoped.Superseded, all.Superseded) {
		t.Fatalf("scoped past: problems %v, superseded %v\nwhole past: problems %v, superseded %v", scoped.Problems, scoped.Superseded, all.Problems, all.Superseded)
	}
	t.Logf("problems %v\nsuperseded %v", scoped.Problems, scoped.Superseded)
}
