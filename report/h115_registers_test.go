package report

import "testing"

// The classification register's 批准人 names who decided each change
// (R7.2) as the journal checked it: the supervisor or manager who
// marked, raised or overrode it; nobody for a clerk's marking at
// creation, whose roles decide no level; and for a declassification, that
// the secrecy period ran out (R7.2.4) rather than a person. helper-115.
func TestClassificationRegisterApprovedBy(t *testing.T) {
	r := makeFixtureReport(t, "classification", "clerk")
	for _, c := range []struct {
		row            int
		dossier, chg   string
		changedBy, app string
	}{
		{0, "C-000001", "定密", "王专员", ""},
		{2, "C-000003", "定密", "李主管", "李主管"},
		{6, "C-000004", "升密", "李主管", "李主管"},
		{7, "C-000006", "信用等级变更", "李主管", "李主管"},
		{10, "C-000005", "升密", "张经理", "张经理"},
		{11, "C-000005", "自行解密", "张经理", "无（保密期限届满自行解密）"},
	} {
		got := [4]string{cell(r, "changes", c.row, "dossier"), cell(r, "changes", c.row, "change"), cell(r, "changes", c.row, "changed_by"), cell(r, "changes", c.row, "approved_by")}
		if want := [4]string{c.dossier, c.chg, c.changedBy, c.app}; got != want {
			t.Errorf("row %d: dossier, change, changed by, approved by = %q, want %q", c.row, got, want)
		}
	}
}

// The 核定 register's 核定结果 is what `crm review done --result`
// recorded, in the report's language, and for a 核定 recorded without
// one what its event shows: that it was done (已核定). helper-115.
func TestReviewRegisterResult(t *testing.T) {
	r := makeFixtureReport(t, "reviews", "clerk")
	for _, c := range []struct {
		row                     int
		dossier, result, remark string
		en                      string
	}{
		{0, "C-000004", "已核定", "资料齐全", "verified"},
		{1, "C-000001", "已补充", "已补充联系人", "supplemented"},
		{2, "C-000006", "无变化", "无变化", "unchanged"},
	} {
		got := [3]string{cell(r, "reviews", c.row, "dossier"), cell(r, "reviews", c.row, "result"), cell(r, "reviews", c.row, "remarks")}
		if want := [3]string{c.dossier, c.result, c.remark}; got != want {
			t.Errorf("row %d: dossier, result, remarks = %q, want %q", c.row, got, want)
		}
		if en := r.Section("reviews").Cell(c.row, "result").in(LangEn).String(); en != c.en {
			t.Errorf("row %d: result in English %q, want %q", c.row, en, c.en)
		}
	}
}
