package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// crm's own register reads from its data sheet without --sheet; a
// foreign workbook with a sheet of that name first is read from its
// first sheet, as before (helper-102).
func TestReadPicksRegisterDataSheet(t *testing.T) {
	var own bytes.Buffer
	if err := Write(&own, bytes.NewReader(stream(t, true)), t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if res := Read(bytes.NewReader(own.Bytes()), "", t.TempDir()); res.Problem != "" || res.Sheet != "清单" {
		t.Errorf("crm's workbook: sheet %q, problem %q; want 清单", res.Sheet, res.Problem)
	}
	if res := Read(bytes.NewReader(own.Bytes()), "说明", t.TempDir()); res.Sheet != "说明" {
		t.Errorf("--sheet 说明 read %q", res.Sheet)
	}
	for _, creator := range []string{"", "someone"} {
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", "说明")
		f.NewSheet("数据")
		f.SetDocProps(&excelize.DocProperties{Creator: creator})
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		if res := Read(&b, "", t.TempDir()); res.Sheet != "说明" {
			t.Errorf("foreign workbook (creator %q): read %q, want its first sheet", creator, res.Sheet)
		}
	}
}
