package intake

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// An XLSX cell is a typed string, never a formula: a text that starts
// with '= or with ="…" is read as it stands. Only a CSV cell has the ' and
// the ="…" crm's CSV writer adds taken off (helper-104).
func TestXLSXKeepsLeadingQuote(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"客户名称", "负责人", "备注", "电话"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"华东机械", "李四", "'=不是公式", `="0123"`})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := read(t, b.Bytes(), Options{Format: XLSX, TmpDir: t.TempDir()})
	if len(res.Records) != 1 {
		t.Fatalf("records %+v, errors %v", res.Records, res.Errors)
	}
	d := parse(t, res.Records[0])
	if d.Notes != "'=不是公式" {
		t.Errorf("notes %q, want '=不是公式 as the cell holds it", d.Notes)
	}
	if d.Customer.Telephone != `="0123"` {
		t.Errorf("telephone %q, want =\"0123\" as the cell holds it", d.Customer.Telephone)
	}
	csv := "客户名称,负责人,备注,电话\n华东机械,李四,'=不是公式,\"=\"\"0123\"\"\"\n"
	res = read(t, []byte(csv), Options{Format: CSV})
	if len(res.Records) != 1 {
		t.Fatalf("CSV: records %+v, errors %v", res.Records, res.Errors)
	}
	if d := parse(t, res.Records[0]); d.Notes != "=不是公式" || d.Customer.Telephone != "0123" {
		t.Errorf("CSV: notes %q, telephone %q; want the guards taken off: =不是公式, 0123", d.Notes, d.Customer.Telephone)
	}
}
