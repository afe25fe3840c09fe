package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A number shown as stored (the General format) is read as a number, not
// as text: a phone typed into such a cell has lost its leading 0, and the
// import says so. Text of digits stays text (helper-104).
func TestReadMarksGeneralNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"电话", "身份证号", "备注", "额度"})
	f.SetSheetRow("Sheet1", "A2", &[]any{2112345678, 123, "02112345678", 1200.5})
	f.SetCellStr("Sheet1", "B3", "000123")
	f.SetSheetName("Sheet1", "客户")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := Read(&b, "", t.TempDir())
	if res.Problem != "" {
		t.Fatal(res.Problem, res.Detail)
	}
	if len(res.Rows) != 3 {
		t.Fatalf("rows %+v", res.Rows)
	}
	for _, c := range []struct {
		row, col int
		number   bool
	}{{1, 0, true}, {1, 1, true}, {1, 2, false}, {1, 3, true}, {0, 0, false}, {2, 1, false}} {
		got := res.Rows[c.row][c.col]
		if got.Number != c.number || c.number && got.Raw != got.Text {
			t.Errorf("row %d, column %d: %+v, want number %v", c.row+1, c.col+1, got, c.number)
		}
	}
}
