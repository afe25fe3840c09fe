package xlsx

import (
	"testing"

	"crm/report/xlsxwire"
)

// A section's text cells are formatted as text (@), so a phone edited in
// Excel keeps its leading 0 and does not become 1.38E+10; a text of
// several lines wraps (helper-102).
func TestWriteTextFormatAndWrap(t *testing.T) {
	f, style := writtenSheet(t, xlsxwire.Sheet{Widths: []float64{14, 20}},
		[]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "电话"}, {Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "备注"}},
		[]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "013800138000"}, {Kind: xlsxwire.Text, S: "第一行\n第二行"}})
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
