package report

import (
	"strings"
	"testing"

	"crm/testdata/reportfx"
)

// A supervisor who reviews 华东精密's October visit (its credit A → B,
// 信用异动) and keeps A journals the decision (crm classify --credit A
// --reason …, R8): October's report no longer marks the visit 待复核, and
// the classification register shows the keep as a row, A before and after,
// with the reason. Before, only a class equal to the visit's cleared it,
// and a class kept could not be said at all.
func TestMonthlyCreditChangeClearedByKeep(t *testing.T) {
	fx, err := reportfx.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	remark := func() string {
		a, err := fx.Open("clerk")
		if err != nil {
			t.Fatal(err)
		}
		s := makeReport(t, a, "monthly").Section("credit_changes")
		for i := range s.Len() {
			if s.Cell(i, "dossier").String() == "C-000001" {
				return s.Cell(i, "remarks").String()
			}
		}
		t.Fatal("no row of C-000001")
		return ""
	}
	if r := remark(); !strings.HasPrefix(r, "待复核") {
		t.Fatalf("before the review: remarks %q", r)
	}
	a, err := fx.Open("super")
	if err != nil {
		t.Fatal(err)
	}
	if _, changed, err := a.SetCredit("C-000001", "A", "复核：回款已恢复，维持 A"); err != nil || !changed {
		t.Fatalf("keep: changed %v err %v", changed, err)
	}
	if r := remark(); r != "" {
		t.Fatalf("after the keep: remarks %q", r)
	}
	a, err = fx.Open("manager")
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadLayout("classification", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Make(a, l, MonthPeriod(2027, 1, cst))
	if err != nil {
		t.Fatal(err)
	}
	b := strings.Join(strings.Fields(string(render(t, r, JSON, Options{}))), "")
	if row := `"dossier":"C-000001","changed_on":"2027-01-05","change":"信用等级维持","from_level":"A","to_level":"A","period":null,"expires":null,"reason":"复核：回款已恢复，维持A","changed_by":"李主管"`; !strings.Contains(b, row) {
		t.Fatalf("the register has no row of the keep (%s):\n%s", row, b)
	}
}
