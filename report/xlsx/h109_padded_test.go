package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A number cell whose custom format 00000000000 pads it with zeros shows
// every digit as typed (GetRows gives the formatted 02112345678): it is
// Padded, and the import does not warn about it. The same number in the
// General format, a format narrower than the number, or a number the
// format rounds is not (helper-109).
func TestReadMarksPaddedNumbers(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	pad11, narrow := "00000000000", "000000"
	padStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pad11})
	if err != nil {
		t.Fatal(err)
	}
	narrowStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &narrow})
	if err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("Sheet1", "A1", &[]any{"电话", "身份证号", "备注"})
	// Row 2: padded, a plain number (General), a phone as text.
	f.SetSheetRow("Sheet1", "A2", &[]any{2112345678, 110105491231002, "02112345678"})
	// Row 3: padded to its own width, a format narrower than the number,
	// a fraction the padded format rounds.
	f.SetSheetRow("Sheet1", "A3", &[]any{13812345678, 2112345678, 2112345678.5})
	for _, c := range []string{"A2", "A3", "C3"} {
		f.SetCellStyle("Sheet1", c, c, padStyle)
	}
	f.SetCellStyle("Sheet1", "B3", "B3", narrowStyle)
	f.SetSheetName("Sheet1", "客户")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := Read(&b, "", t.TempDir())
	if res.Problem != "" {
		t.Fatal(res.Problem, res.Detail)
	}
	for _, c := range []struct {
		cell         string
		text         string
		number, padd bool
	}{
		{"A2", "02112345678", true, true},
		{"B2", "110105491231002", true, false},
		{"C2", "02112345678", false, false},
		{"A3", "13812345678", true, true},
		{"B3", "2112345678", true, false},
		{"C3", "02112345679", true, false},
	} {
		col, row, _ := excelize.CellNameToCoordinates(c.cell)
		got := res.Rows[row-1][col-1]
		if got.Text != c.text || got.Number != c.number || got.Padded != c.padd {
			t.Errorf("%s: %+v, want text %s, number %v, padded %v", c.cell, got, c.text, c.number, c.padd)
		}
	}
}
