package intake

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A workbook in the 1904 date system (Excel for Mac before 2011, and any
// saved with "Use 1904 date system"): a date cell shown as 01-02-24 is
// 2024-01-02, but crm read its serial in the 1900 system: 2020-01-01.
// (Not new in 148a5c4; the helper now has all it needs to get it right.)
func TestReview54aDate1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("Sheet1", "A1", &[]any{"客户名称", "负责人", "开始交易日期"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"华东机械", "李四", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)})
	st, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("Sheet1", "C2", "C2", st)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := read(t, b.Bytes(), Options{Format: XLSX, TmpDir: t.TempDir()})
	if len(res.Records) != 1 {
		t.Fatalf("records %+v, errors %v", res.Records, res.Errors)
	}
	if d := parse(t, res.Records[0]); d.Customer.TradingSince.Format(time.DateOnly) != "2024-01-02" {
		t.Errorf("trading since %v, want 2024-01-02\n%s", d.Customer.TradingSince, res.Records[0].Text)
	}
}
