package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"crm/report/xlsxwire"
)

// A section's text cells are formatted as text (@), so a phone edited in
// Excel keeps its leading 0 and does not become 1.38E+10; a text of
// several lines wraps (helper-102).
func TestWriteTextFormatAndWrap(t *testing.T) {
	var in bytes.Buffer
	w := xlsxwire.NewWriter(&in)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Book(xlsxwire.Book{Title: "t", Creator: "crm"}))
	must(w.Sheet(xlsxwire.Sheet{Name: "清单", Widths: []float64{14, 20}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "电话"}, {Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "备注"}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "013800138000"}, {Kind: xlsxwire.Text, S: "第一行\n第二行"}}))
	must(w.End())
	var out bytes.Buffer
	if err := Write(&out, &in, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	style := func(cell string) *excelize.Style {
		id, _ := f.GetCellStyle("清单", cell)
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := style("A2"); s.NumFmt != 49 {
		t.Errorf("phone: number format %d, want 49 (@)", s.NumFmt)
	}
	if s := style("B2"); s.NumFmt != 49 || s.Alignment == nil || !s.Alignment.WrapText {
		t.Errorf("multi-line: format %d, alignment %+v; want 49 and wrap", s.NumFmt, s.Alignment)
	}
	if v, _ := f.GetCellValue("清单", "A2"); v != "013800138000" {
		t.Errorf("phone reads %q", v)
	}
}
