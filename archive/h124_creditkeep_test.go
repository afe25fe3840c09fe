package archive_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// keepText is a dossier whose credit survey gives class B, with a visit
// of 2026-11-20 that noted the customer's credit fall from B to C
// (信用异动), awaiting a supervisor's review.
const keepText = "customer:\n  name: 甲公司\nowner: 李四\ncredit_survey:\n  class: B\ncontacts:\n" +
	"  - date: 2026-11-20\n    who: 王五\n    kind: 拜访\n    content: 走访仓库\n" +
	"    credit_change:\n      from: B\n      to: C\n      reason: 连续两月拖欠货款\n"

// A supervisor who reviews a visit's change in credit and keeps the
// class in force journals it (R8): dossier.credit with old class and class
// the same and reviews: naming the visit, a row of the classification
// register, and the change no longer awaits review. A second keep, with no
// visit awaiting, writes nothing, as a class already set always did. A
// later visit that notes another change awaits review again, and may be
// kept in turn, now against the journaled class. A cold replay accepts the
// keeps as they were written.
func TestCreditKeepAfterVisitReview(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", keepText, "秘密")
	a := f.as("su")
	old, changed, err := a.SetCredit(id, "B", "复核：货款已结清，维持 B")
	if err != nil || !changed || old != "B" {
		t.Fatalf("keep: old %q changed %v err %v", old, changed, err)
	}
	s := f.as("zhang").State
	d := s.Dossiers[id]
	if d.Credit != "B" || len(d.Credits) != 1 {
		t.Fatalf("credit %q marks %+v", d.Credit, d.Credits)
	}
	ch := s.Changes[len(s.Changes)-1]
	if ch.Kind != archive.ChangeCredit || ch.From != "B" || ch.To != "B" || ch.Reason != "复核：货款已结清，维持 B" || ch.By != "su" {
		t.Fatalf("register row %+v", ch)
	}
	ev := s.Journal.Events[len(s.Journal.Events)-1]
	var x archive.DossierCredit
	if err := ev.Decode(&x); err != nil || x.Reviews == nil || x.Reviews.Visit != "2026-11-20" || x.Reviews.To != "C" {
		t.Fatalf("event %s: %+v (%v)", ev.Kind, x.Reviews, err)
	}
	if v := archive.CreditReviewDue(mustParse(t, keepText).Contacts, "B", d.Credits[0], d.ContentWrites(), s.Policy.Location()); v != nil {
		t.Fatalf("still awaiting review: %+v", v)
	}
	// Reviewed: nothing awaits, nothing is written.
	if _, changed, err := f.as("su").SetCredit(id, "B", "再看一次"); err != nil || changed {
		t.Fatalf("second keep: changed %v err %v", changed, err)
	}
	// A later visit notes B → D: it awaits review of the class journaled.
	f.now = f.now.Add(72 * time.Hour)
	later := keepText + "  - date: 2026-11-24\n    kind: 拜访\n    credit_change:\n      from: B\n      to: D\n      reason: 法人失联\n"
	w := f.as("li")
	o, err := w.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Update(id, o.SHA256, o.Text, []byte(later)); err != nil {
		t.Fatal(err)
	}
	if _, changed, err := f.as("su").SetCredit(id, "B", "已联系上法人，维持 B"); err != nil || !changed {
		t.Fatalf("keep after the later visit: changed %v err %v", changed, err)
	}
	c := f.cold("zhang").State
	if len(c.Problems) != 0 || len(c.Dossiers[id].Credits) != 2 {
		t.Fatalf("replay: problems %v, marks %+v", c.Problems, c.Dossiers[id].Credits)
	}
	ev = c.Journal.Events[len(c.Journal.Events)-1]
	if err := ev.Decode(&x); err != nil || x.OldClass != "B" || x.Reviews == nil || x.Reviews.Visit != "2026-11-24" || x.Reviews.To != "D" {
		t.Fatalf("second keep's event: %+v (%v)", x, err)
	}
}

// With no visit awaiting review a class the dossier already has is not
// journaled again (as before); a member who may not set a credit class
// (a clerk) may not keep one either.
func TestCreditKeepRefused(t *testing.T) {
	f := newFixture(t)
	plain := f.createAs("li", "customer:\n  name: 乙公司\nowner: 李四\n", "秘密")
	if _, _, err := f.as("su").SetCredit(plain, "B", "初定"); err != nil {
		t.Fatal(err)
	}
	n := len(f.as("zhang").State.Journal.Events)
	if _, changed, err := f.as("su").SetCredit(plain, "B", "维持"); err != nil || changed {
		t.Fatalf("no visit awaits: changed %v err %v", changed, err)
	}
	if m := len(f.as("zhang").State.Journal.Events); m != n {
		t.Fatalf("%d events written", m-n)
	}
	id := f.createAs("li", keepText, "秘密")
	_, _, err := f.as("li").SetCredit(id, "B", "维持")
	var ae *archive.Error
	if !errors.As(err, &ae) || ae.Code != archive.Denied || !strings.Contains(err.Error(), "supervisor") {
		t.Fatalf("clerk: %v", err)
	}
}

// Replay checks a keep's form whoever wrote it (R8): it keeps the class in
// force, for a visit that noted another class, dated no later than the
// decision. Each forged keep that does not is a problem, and the class is
// not set by it; an old dossier.credit without reviews: replays as before.
func TestCreditKeepReplayChecks(t *testing.T) {
	for _, c := range []struct {
		name string
		x    archive.DossierCredit
		msg  string
	}{
		{"changes the class", archive.DossierCredit{OldClass: "B", Class: "A", Reason: "r", Reviews: &archive.CreditReview{Visit: "2026-11-20", To: "C"}}, "keeps the class in force"},
		{"keeps the visit's class", archive.DossierCredit{OldClass: "C", Class: "C", Reason: "r", Reviews: &archive.CreditReview{Visit: "2026-11-20", To: "C"}}, "no change to review"},
		{"a visit dated later", archive.DossierCredit{OldClass: "B", Class: "B", Reason: "r", Reviews: &archive.CreditReview{Visit: "2026-12-01", To: "C"}}, "no later than the decision's"},
		{"a class not of the policy", archive.DossierCredit{OldClass: "B", Class: "B", Reason: "r", Reviews: &archive.CreditReview{Visit: "2026-11-20", To: "E"}}, "the visit a kept credit class reviews"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.createAs("li", keepText, "秘密")
			if err := f.as("su").ForgeEvent(archive.KindDossierCredit, id, &c.x); err != nil {
				t.Fatal(err)
			}
			s := f.cold("zhang").State
			if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, c.msg) {
				t.Fatalf("problems %v", s.Problems)
			}
			if d := s.Dossiers[id]; d.Credit != "" || len(d.Credits) != 0 {
				t.Fatalf("credit %q marks %+v", d.Credit, d.Credits)
			}
		})
	}
	// Without reviews:, a class equal to the one before replays as it
	// always did (a class pinned from the survey, or set twice apart).
	f := newFixture(t)
	id := f.createAs("li", keepText, "秘密")
	if err := f.as("su").ForgeEvent(archive.KindDossierCredit, id, &archive.DossierCredit{OldClass: "B", Class: "B", Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if s := f.cold("zhang").State; len(s.Problems) != 0 || s.Dossiers[id].Credit != "B" {
		t.Fatalf("old form: problems %v credit %q", s.Problems, s.Dossiers[id].Credit)
	}
}

func mustParse(t *testing.T, text string) *archive.Dossier {
	t.Helper()
	d, err := archive.ParseDossier([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A keep written concurrently with a change of the class in another clone
// is no problem, whichever order the hashes give: the later of the two in
// the merged order is in force, as for any two concurrent credit
// decisions (R8), and both are rows of the register.
func TestCreditKeepConcurrentWithChange(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", keepText, "秘密")
	f.race(t, bothOrders,
		archive.KindDossierCredit, func(a *fixture) {
			if _, changed, err := a.as("su").SetCredit(id, "B", "维持"); err != nil || !changed {
				t.Fatal(changed, err)
			}
		},
		archive.KindDossierCredit, func(g *fixture) {
			if _, _, err := g.as("zhang").SetCredit(id, "C", "调为 C"); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, keepFirst bool) {
			s := a.as("zhang").State
			if len(s.Problems) != 0 || len(s.Superseded) != 0 {
				t.Fatalf("keep first %v: problems %v, superseded %v", keepFirst, s.Problems, s.Superseded)
			}
			want := "B"
			if keepFirst {
				want = "C"
			}
			if d := s.Dossiers[id]; d.Credit != want || len(d.Credits) != 2 {
				t.Fatalf("keep first %v: credit %q marks %+v", keepFirst, d.Credit, d.Credits)
			}
		})
}
