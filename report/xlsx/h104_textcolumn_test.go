package xlsx

import (
	"testing"

	"crm/report/xlsxwire"
)

// A text column is formatted as text (@) as a whole, so that a phone
// typed later into one of its empty cells keeps its leading 0; a number
// column is not. In a row made higher by a text of several lines, every
// cell is top-aligned, not only the wrapped one (helper-104).
func TestWriteTextColumnsAndTopAlignment(t *testing.T) {
	head := func(s string) xlsxwire.Cell { return xlsxwire.Cell{Kind: xlsxwire.Text, Style: xlsxwire.Head, S: s} }
	f, style := writtenSheet(t, xlsxwire.Sheet{Widths: []float64{14, 20, 10, 12}, Text: []bool{true, true, false, false}},
		[]xlsxwire.Cell{head("电话"), head("备注"), head("额度"), head("日期")},
		[]xlsxwire.Cell{{}, {Kind: xlsxwire.Text, S: "第一行\n第二行"}, {Kind: xlsxwire.Number, N: 1200}, {Kind: xlsxwire.Date, I: 1700000000}},
		[]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "021"}, {}, {}, {}})
	// Empty cells of the text columns: in a written row, and below the data.
	for _, c := range []string{"A2", "B3", "A10", "B10"} {
		if s := style(c); s.NumFmt != 49 {
			t.Errorf("empty %s of a text column: number format %d, want 49 (@)", c, s.NumFmt)
		}
	}
	for _, c := range []string{"C3", "C10", "D10"} {
		if s := style(c); s.NumFmt == 49 {
			t.Errorf("empty %s of a number column is formatted as text", c)
		}
	}
	if s := style("A1"); !s.Font.Bold {
		t.Errorf("column title lost its style: %+v", s)
	}
	if s := style("C2"); s.NumFmt != 4 {
		t.Errorf("amount: number format %d, want 4", s.NumFmt)
	}
	for _, c := range []string{"B2", "C2", "D2", "A3"} {
		if s := style(c); s.Alignment == nil || s.Alignment.Vertical != "top" {
			t.Errorf("%s: alignment %+v, want top like the wrapped text of row 2", c, s.Alignment)
		}
	}
	if wd, _ := f.GetColWidth("清单", "A"); wd != 14 {
		t.Errorf("column A width %v, want 14", wd)
	}
}
