package xlsx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"crm/report/xlsxwire"
)

// The cover's notes wrap within their column, and a row whose note takes
// several lines is as high as they are: unwrapped, a long note ran on to
// the right and the printed page shrank to fit it; wrapped in a row of
// one line's height, LibreOffice printed its first line only.
func TestCoverNoteWraps(t *testing.T) {
	var b bytes.Buffer
	w := xlsxwire.NewWriter(&b)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("业务人员须在每月第一周内上交客户信息报告。", 6) // 252 columns wide (21 characters of 2, 6 times)
	must(w.Book(xlsxwire.Book{Title: "测试", Creator: "crm"}))
	must(w.Sheet(xlsxwire.Sheet{Name: "说明", Cover: true, Widths: []float64{20, 8, 43}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Note, S: "短"}, {Kind: xlsxwire.Int, Style: xlsxwire.Note, I: 3}, {Kind: xlsxwire.Text, Style: xlsxwire.Note, S: "一行"}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Note, S: "长"}, {Kind: xlsxwire.Int, Style: xlsxwire.Note, I: 4}, {Kind: xlsxwire.Text, Style: xlsxwire.Note, S: long}}))
	must(w.End())
	var out bytes.Buffer
	if err := Write(&out, &b, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, _ := f.GetCellStyle("说明", "C2")
	st, err := f.GetStyle(id)
	if err != nil || st.Alignment == nil || !st.Alignment.WrapText || st.Alignment.Vertical != "top" {
		t.Fatalf("the note's style %d: %+v, %v; want wrapped, top-aligned", id, st, err)
	}
	if h, _ := f.GetRowHeight("说明", 1); h > 15 {
		t.Errorf("a row of one line is %v pt high", h)
	}
	// 252 columns in a column of 43 (42 a line): 6 lines of 15 pt.
	if h, _ := f.GetRowHeight("说明", 2); h != 90 {
		t.Errorf("the long note's row is %v pt high, want 90 (6 lines)", h)
	}
}
