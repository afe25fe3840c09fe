package report

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The sheets of a report tell the XLSX helper which columns are text: an
// empty cell of a text column is text (@), so a phone typed into it in
// Excel keeps its leading 0; an empty cell of a number column is not
// (helper-104).
func TestXLSXTextColumnsFormattedAsText(t *testing.T) {
	r := fixture(t)
	b := render(t, r, XLSX, Options{TmpDir: t.TempDir(), Lang: LangZh})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s *Section
	for i := range r.Sections {
		if r.Sections[i].Key == "customers" {
			s = &r.Sections[i]
		}
	}
	if s == nil {
		t.Fatal("no customers section")
	}
	sheet := f.GetSheetList()[2] // after the cover and the summary
	below := s.Len() + 5         // a row below the data
	for i, c := range s.Columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, below)
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if text := st.NumFmt == 49; text != (c.Kind == KindText) {
			t.Errorf("sheet %s, column %s (%s): empty %s formatted as text: %v", sheet, c.Key, c.Kind, cell, text)
		}
	}
}
