package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"crm/report/xlsxwire"
)

// writtenSheet streams sheet "清单" (its widths and text columns from
// sheet, rows as given) through Write and opens the workbook it makes,
// with style giving a cell's style there.
func writtenSheet(t *testing.T, sheet xlsxwire.Sheet, rows ...[]xlsxwire.Cell) (f *excelize.File, style func(cell string) *excelize.Style) {
	t.Helper()
	var in bytes.Buffer
	w := xlsxwire.NewWriter(&in)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sheet.Name = "清单"
	must(w.Book(xlsxwire.Book{Title: "t", Creator: "crm"}))
	must(w.Sheet(sheet))
	for _, r := range rows {
		must(w.Row(r))
	}
	must(w.End())
	var out bytes.Buffer
	must(Write(&out, &in, t.TempDir()))
	f, err := excelize.OpenReader(&out)
	must(err)
	t.Cleanup(func() { f.Close() })
	return f, func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle("清单", cell)
		must(err)
		s, err := f.GetStyle(id)
		must(err)
		return s
	}
}
