package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// writeEvent writes an event by hand, as someone editing the journal
// outside crm would: signed with member's real key, following the heads.
func (f *fixture) writeEvent(member string, kind journal.Kind, dossier string, data any) *journal.Event {
	f.t.Helper()
	a := f.as("zhang")
	b, err := journal.Sign(journal.Header{Kind: kind, Time: f.now, Actor: member, Dossier: dossier, Prev: a.State.Journal.Heads}, data, f.ids[member].Signer())
	if err != nil {
		f.t.Fatal(err)
	}
	return f.putEvent(f.parseEvent(b), b)
}

// parseEvent parses a signed event's bytes.
func (f *fixture) parseEvent(b []byte) *journal.Event {
	f.t.Helper()
	e, err := journal.Parse(b)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// putEvent writes event e, of bytes b, into the journal where it belongs.
func (f *fixture) putEvent(e *journal.Event, b []byte) *journal.Event {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash)))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	e.Path = journal.PathOf(e.Time, e.Hash)
	return e
}

// A hand-made event that breaks its rule locks nobody out; a manager's
// rejection settles it, and it stays without effect. Accepting it is
// refused: its rule fails at the decision's place too.
func TestRejectBadEvent(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	bad := f.writeEvent("li", archive.KindHold, id, &archive.HoldData{Reason: "我说了算"})
	a := f.as("li")
	if len(a.State.Problems) != 1 || a.State.Dossiers[id].OnHold() {
		t.Fatalf("problems %v", a.State.Problems)
	}
	if _, err := a.ReviewDone(id, "照常工作"); err != nil {
		t.Fatalf("others keep writing: %v", err)
	}
	if _, err := f.as("su").Decide(archive.DecideOptions{Event: bad.Hash, Decision: archive.DecisionReject, Reason: "x"}); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("a supervisor decides: %v", err)
	}
	if _, err := f.as("li").Decide(archive.DecideOptions{Event: bad.Hash, Decision: archive.DecisionAccept, Reason: "x"}); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("the author accepts their own event: %v", err)
	}
	if _, err := f.as("zhang").Decide(archive.DecideOptions{Event: bad.Hash[:10], Decision: archive.DecisionAccept, Reason: "试试"}); err == nil || !strings.Contains(err.Error(), "cannot be accepted here") {
		t.Fatalf("accepting a step whose rule fails: %v", err)
	}
	if _, err := f.as("zhang").Decide(archive.DecideOptions{Event: bad.Path, Decision: archive.DecisionReject, Reason: "伪造"}); err != nil {
		t.Fatal(err)
	}
	s := f.as("su").State
	if len(s.Problems) != 0 || len(s.Decided) != 1 || s.Decided[0].Decision != archive.DecisionReject || s.Dossiers[id].OnHold() {
		t.Fatalf("problems %v, decided %+v", s.Problems, s.Decided)
	}
	f.verifyClean()
	// Deciding it again is refused: it is no problem any more.
	if _, err := f.as("zhang").Decide(archive.DecideOptions{Event: bad.Hash, Decision: archive.DecisionReject, Reason: "again"}); err == nil {
		t.Fatal("a second decision on the same event")
	}
}

// A review written by a member concurrently with their removal is refused
// on replay; a manager who knows it was honest work accepts it, and it
// takes effect at the decision's place.
func TestAcceptConcurrentWithRemoval(t *testing.T) {
	f := newFixture(t)
	id := f.reviewWhileRemoved("离职前核对")
	a := f.as("zhang")
	if len(a.State.Problems) != 1 {
		t.Fatalf("problems %v", a.State.Problems)
	}
	if _, err := a.Decide(archive.DecideOptions{Event: a.State.Problems[0].Path, Decision: archive.DecisionAccept, Reason: "离职前已完成的核定"}); err != nil {
		t.Fatal(err)
	}
	s := f.as("zhang").State
	if len(s.Problems) != 0 || len(s.Dossiers[id].Reviews) != 1 || s.Dossiers[id].Reviews[0].By != "li" {
		t.Fatalf("problems %v, reviews %+v", s.Problems, s.Dossiers[id].Reviews)
	}
	if ps, err := f.as("su").Verify(ctx); err != nil || len(ps) > 0 {
		t.Fatalf("verify: %v %v", ps, err)
	}
}

// collidedCreates has two clones of a sequential archive both create
// C-000002 (甲方 here, 乙方 in the other) and merges the other in: the
// archive, the id, and what finds either clone's ciphertext of it by its
// hash, as git history would.
func collidedCreates(t *testing.T) (f *fixture, id string, find func(sum string) ([]byte, error)) {
	t.Helper()
	f = newFixture(t)
	f.create("秘密")
	base := f.clone()
	g := f.clone()
	one := f.createAs("li", "customer:\n  name: 甲方\nowner: 李四\n", "秘密")
	two := g.createAs("li", "customer:\n  name: 乙方\nowner: 李四\n", "秘密")
	if one != two {
		t.Fatalf("sequential ids %s %s do not collide", one, two)
	}
	theirs, _ := os.ReadFile(filepath.Join(g.dir, "dossiers", two+".age"))
	ours, _ := os.ReadFile(filepath.Join(f.dir, "dossiers", one+".age"))
	f.pull(g, base.dir)
	find = func(sum string) ([]byte, error) {
		for _, ct := range [][]byte{ours, theirs} {
			if archive.SHA256Hex(ct) == sum {
				return ct, nil
			}
		}
		return nil, os.ErrNotExist
	}
	return f, one, find
}

// Two clones of a sequential archive both create C-000002: the second in
// replay order is a problem, its content is not lost: a manager accepts it
// under a new id, with the ciphertext the other clone committed.
func TestAcceptCollidingCreateUnderNewID(t *testing.T) {
	f, one, find := collidedCreates(t)
	a := f.as("zhang")
	if len(a.State.Problems) != 1 || !strings.Contains(a.State.Problems[0].Msg, "created a second time") {
		t.Fatalf("problems %v", a.State.Problems)
	}
	// The problem event is whichever create replay ordered second; its
	// file may be the one this clone kept, or the other clone's.
	newID, err := a.Decide(archive.DecideOptions{Event: a.State.Problems[0].Path, Decision: archive.DecisionAccept, Reason: "撞号", Find: find})
	if err != nil || newID == "" || newID == one {
		t.Fatalf("new id %q: %v", newID, err)
	}
	b := f.as("li")
	var names []string
	for _, id := range []string{one, newID} {
		o, err := b.ReadAny(id) // the file this clone kept may be the other version: stale, still readable
		if o == nil {
			t.Fatal(err)
		}
		names = append(names, string(o.Text))
	}
	all := strings.Join(names, "")
	if !strings.Contains(all, "甲方") || !strings.Contains(all, "乙方") {
		t.Fatalf("content lost: %q", all)
	}
	f.verifyClean()
}

// A member with new keys: what they may read opens with the new key and
// not the old one; the removal of a borrower closes their loan.
func TestRotateAndRemoveClosesLoans(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	old := f.ids["li"]
	nu := newIdentity(t)
	n, err := f.as("zhang").RotateMember(ctx, "li", nu.Recipient, nu.SigningKey())
	if err != nil || n != 1 {
		t.Fatalf("rotate: %d %v", n, err)
	}
	f.ids["li"] = nu
	if _, err := f.as("li").Read(id); err != nil {
		t.Fatalf("new key: %v", err)
	}
	ct, _ := os.ReadFile(filepath.Join(f.dir, "dossiers", id+".age"))
	if _, err := archive.Decrypt(ct, old.Age); err == nil {
		t.Fatal("the old key still opens the file")
	}
	if _, err := f.as("li").ReviewDone(id, "新密钥签名"); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.as("zhang").RemoveMemberBecause(ctx, "zhao", "离职"); err != nil {
		t.Fatal(err)
	}
	s := f.as("zhang").State
	if got := s.Loans[l.ID]; got.Status() != archive.LoanReturned || got.ClosedByRemoval != "离职" || got.Note != "" {
		t.Fatalf("loan %s, closed by removal %q, note %q", got.Status(), got.ClosedByRemoval, got.Note)
	}
	f.verifyClean()
}
