package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/testdata/reportfx"
)

// January's report marks 待复核 a visit filed after the latest credit
// decision, even of the decision's day (R8, archive.CreditReviewDue): the
// supervisor keeps 华东精密's class A at 09:00 on 2027-01-05 (China), for
// its October visit; at 10:00 a visit of that day notes A → C. Before, a
// decision of the visit's day or later counted as its review, and the
// visit filed after it was never 待复核 (review h125).
func TestMonthlyCreditChangeFiledAfterKeep(t *testing.T) {
	fx, err := reportfx.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	open := func(who string, at time.Time) *archive.Archive { return openAt(t, fx, who, at) }
	if _, changed, err := open("super", reportfx.Now).SetCredit("C-000001", "A", "复核：回款已恢复，维持 A"); err != nil || !changed {
		t.Fatalf("keep: changed %v err %v", changed, err)
	}
	w := open("clerk", reportfx.Now.Add(time.Hour))
	o, err := w.Read("C-000001")
	if err != nil {
		t.Fatal(err)
	}
	text := string(o.Text) + "  - date: 2027-01-05\n    who: 王专员\n    kind: 拜访\n    credit_change: {from: A, to: C, reason: 两笔货款逾期}\n"
	if _, _, err := w.Update("C-000001", o.SHA256, o.Text, []byte(text)); err != nil {
		t.Fatal(err)
	}
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Make(open("clerk", reportfx.Now.Add(2*time.Hour)), l, MonthPeriod(2027, 1, cst))
	if err != nil {
		t.Fatal(err)
	}
	s := r.Section("credit_changes")
	for i := range s.Len() {
		if s.Cell(i, "dossier").String() == "C-000001" && s.Cell(i, "date").String() == "2027-01-05" {
			if rm := s.Cell(i, "remarks").String(); !strings.HasPrefix(rm, "待复核") {
				t.Fatalf("the visit filed after the keep: remarks %q", rm)
			}
			return
		}
	}
	t.Fatal("no row of C-000001's visit of 2027-01-05")
}

// A keep names the visit it reviewed (archive.Mark.Reviewed, carried by
// the snapshot's histories part the report reads): a follow-up filed at
// 08:00 on 2027-01-05, the supervisor's keep of class A at 09:00 for the
// October visit, then a visit of 01-05 filed at 10:00 noting A → C. That
// visit is not the one the keep reviewed: 待复核. Before, a decision after
// the first content write of the visit's day counted as its review, and
// the 08:00 follow-up made the 09:00 keep the 10:00 visit's (R8).
func TestMonthlyCreditKeepNamesItsVisit(t *testing.T) {
	fx, err := reportfx.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	open := func(who string, at time.Time) *archive.Archive { return openAt(t, fx, who, at) }
	file := func(at time.Time, record string) {
		t.Helper()
		w := open("clerk", at)
		o, err := w.Read("C-000001")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.Update("C-000001", o.SHA256, o.Text, []byte(string(o.Text)+record)); err != nil {
			t.Fatal(err)
		}
	}
	file(reportfx.Now.Add(-time.Hour), "  - date: 2027-01-05\n    who: 王专员\n    kind: 回访\n    content: 电话回访\n")
	if _, changed, err := open("super", reportfx.Now).SetCredit("C-000001", "A", "复核：回款已恢复，维持 A"); err != nil || !changed {
		t.Fatalf("keep: changed %v err %v", changed, err)
	}
	file(reportfx.Now.Add(time.Hour), "  - date: 2027-01-05\n    who: 王专员\n    kind: 拜访\n    credit_change: {from: A, to: C, reason: 两笔货款逾期}\n")
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{2 * time.Hour, 3 * time.Hour} { // the second from the snapshot the first saved
		r, err := Make(open("clerk", reportfx.Now.Add(at)), l, MonthPeriod(2027, 1, cst))
		if err != nil {
			t.Fatal(err)
		}
		s := r.Section("credit_changes")
		found := false
		for i := range s.Len() {
			if s.Cell(i, "dossier").String() == "C-000001" && s.Cell(i, "date").String() == "2027-01-05" {
				found = true
				if rm := s.Cell(i, "remarks").String(); !strings.HasPrefix(rm, "待复核") {
					t.Fatalf("at +%v: the visit the keep did not review: remarks %q", at, rm)
				}
			}
		}
		if !found {
			t.Fatalf("at +%v: no row of C-000001's visit of 2027-01-05", at)
		}
	}
}

// openAt opens the fixture's archive as member who, its clock at at.
func openAt(t *testing.T, fx *reportfx.Fixture, who string, at time.Time) *archive.Archive {
	t.Helper()
	a, err := archive.Open(context.Background(), fx.Dir, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetIdentity(fx.IDs[who]); err != nil {
		t.Fatal(err)
	}
	return a
}
