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
