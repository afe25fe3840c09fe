package archive_test

import (
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// addVisit files a visit of day (YYYY-MM-DD) noting the credit change
// from → to in dossier id, as the clerk, at the fixture's time.
func (f *fixture) addVisit(t *testing.T, id, day, from, to string) {
	t.Helper()
	w := f.as("li")
	o, err := w.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	text := string(o.Text) + "  - date: " + day + "\n    kind: 拜访\n    credit_change:\n      from: " + from + "\n      to: " + to + "\n      reason: 复查\n"
	if _, _, err := w.Update(id, o.SHA256, o.Text, []byte(text)); err != nil {
		t.Fatal(err)
	}
}

// A credit decision reviews a visit's change in credit (R8) only if it
// was journaled after the visit was filed. A keep at 10:00 on 11-24 of
// the visit of 11-20 (filed 11-22), then a visit of 11-24 filed at 15:00
// that notes B → D: that visit awaits review, and the supervisor may keep B for it.
// Before, any decision of the visit's day or later counted as its review:
// the 15:00 visit was never 待复核, and the keep wrote nothing (review
// h125).
func TestCreditKeepThenVisitSameDay(t *testing.T) {
	f := newFixture(t)
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f.now = day.Add(-38 * time.Hour) // 11-22 10:00
	id := f.createAs("li", keepText, "秘密")
	f.now = day.Add(10 * time.Hour)
	if _, changed, err := f.as("su").SetCredit(id, "B", "复核：维持 B"); err != nil || !changed {
		t.Fatalf("first keep: changed %v err %v", changed, err)
	}
	f.now = day.Add(15 * time.Hour)
	f.addVisit(t, id, "2026-11-24", "B", "D")
	a := f.as("su")
	d := a.State.Dossiers[id]
	o, err := a.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	v := archive.CreditReviewDue(mustParse(t, string(o.Text)).Contacts, "B", d.CreditMarkAt(f.now), d.ContentWrites(), a.Policy.Location())
	if v == nil || v.Date.Format(time.DateOnly) != "2026-11-24" || v.CreditChange.To != "D" {
		t.Fatalf("the visit filed after the keep: due %+v", v)
	}
	f.now = day.Add(16 * time.Hour)
	if _, changed, err := f.as("su").SetCredit(id, "B", "复核：维持 B"); err != nil || !changed {
		t.Fatalf("keep of the later visit: changed %v err %v", changed, err)
	}
	s := f.cold("zhang").State
	ev := s.Journal.Events[len(s.Journal.Events)-1]
	var x archive.DossierCredit
	if err := ev.Decode(&x); err != nil || x.Reviews == nil || x.Reviews.Visit != "2026-11-24" || x.Reviews.To != "D" || len(s.Problems) != 0 {
		t.Fatalf("second keep: %+v (%v), problems %v", x.Reviews, err, s.Problems)
	}
}

// A change of class at 09:30 does not review a visit of that day filed at
// 15:00 (R8): the visit awaits review, and keeping the class is journaled.
func TestCreditChangeBeforeVisitSameDay(t *testing.T) {
	f := newFixture(t)
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f.now = day.Add(-15 * time.Hour) // 11-23 09:00
	id := f.createAs("li", "customer:\n  name: 丙公司\nowner: 李四\ncredit_survey:\n  class: B\ncontacts:\n  - date: 2026-11-01\n    kind: 拜访\n", "秘密")
	f.now = day.Add(9*time.Hour + 30*time.Minute)
	if _, changed, err := f.as("su").SetCredit(id, "A", "年度复评"); err != nil || !changed {
		t.Fatalf("change: changed %v err %v", changed, err)
	}
	f.now = day.Add(15 * time.Hour)
	f.addVisit(t, id, "2026-11-24", "A", "C")
	f.now = day.Add(16 * time.Hour)
	a := f.as("su")
	d := a.State.Dossiers[id]
	o, err := a.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	if v := archive.CreditReviewDue(mustParse(t, string(o.Text)).Contacts, "A", d.CreditMarkAt(f.now), d.ContentWrites(), a.Policy.Location()); v == nil {
		t.Fatal("the visit filed after the change does not await review")
	}
	if _, changed, err := a.SetCredit(id, "A", "复核：维持 A"); err != nil || !changed {
		t.Fatalf("keep: changed %v err %v", changed, err)
	}
}

// The visit's day is a day in the policy's zone (UTC+8): a keep at
// 2026-11-20T17:00Z is of 2026-11-21 there, and reviews a visit of 11-21
// filed before it.
func TestCreditReviewDueZone(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	cs := mustParse(t, "customer:\n  name: 丁\nowner: 李四\ncontacts:\n  - date: 2026-11-21\n    kind: 拜访\n    credit_change: {from: B, to: C, reason: r}\n").Contacts
	filed := []time.Time{time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)}
	if v := archive.CreditReviewDue(cs, "B", archive.Mark{At: time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)}, filed, cst); v != nil {
		t.Fatalf("kept at 01:00 on 11-21 in China: due %+v", v)
	}
	if v := archive.CreditReviewDue(cs, "B", archive.Mark{At: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}, nil, cst); v == nil {
		t.Fatal("decided at 23:00 on 11-20 in China: not due")
	}
}

// A keep's visit is dated no later than the decision's day in the zone of
// the policy it was written under, which the journal does not record: a
// later change of zone (Asia/Shanghai to Europe/London) makes no old keep
// a problem (R8; FORMAT.md, as for a 核定's quarter). Kept at
// 2026-11-22T17:00Z, 01:00 on 11-23 in China, for a visit of 11-23: in
// London that is still 11-22, and replay refused it (review h125).
func TestCreditKeepUnderEarlierZone(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)
	id := f.createAs("li", keepText, "秘密")
	f.now = time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC)
	f.addVisit(t, id, "2026-11-23", "B", "D")
	f.now = time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC)
	if _, changed, err := f.as("su").SetCredit(id, "B", "复核：维持 B"); err != nil || !changed {
		t.Fatalf("keep: changed %v err %v", changed, err)
	}
	f.now = f.now.Add(24 * time.Hour)
	f.movePolicyZone(t, "Europe/London")
	f.now = f.now.Add(time.Hour)
	s := f.cold("zhang").State
	if len(s.Problems) != 0 || len(s.Dossiers[id].Credits) != 1 {
		t.Fatalf("after the zone changed: problems %v, marks %+v", s.Problems, s.Dossiers[id].Credits)
	}
}

// A forged keep of a dossier that had no class (old_class empty) is a
// problem that says so with "-", as the CLI names no class, where the
// message had an empty gap ("sets B where  applied").
func TestCreditKeepFromNoClass(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", keepText, "秘密")
	if err := f.as("su").ForgeEvent(archive.KindDossierCredit, id, &archive.DossierCredit{Class: "B", Reason: "r", Reviews: &archive.CreditReview{Visit: "2026-11-20", To: "C"}}); err != nil {
		t.Fatal(err)
	}
	s := f.cold("zhang").State
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "this one sets B where - applied") {
		t.Fatalf("problems %v", s.Problems)
	}
}
