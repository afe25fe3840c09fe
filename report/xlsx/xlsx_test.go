package xlsx

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"crm/report/xlsxwire"
)

func stream(t *testing.T, end bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := xlsxwire.NewWriter(&b)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Book(xlsxwire.Book{Title: "测试", Creator: "crm", PageHeader: "&C测试", PageFooter: "&C第 &P 页"}))
	must(w.Sheet(xlsxwire.Sheet{Name: "说明", Cover: true, Widths: []float64{20, 8}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Title, S: "测试"}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "行数"}, {Kind: xlsxwire.Int, I: 2}}))
	must(w.Sheet(xlsxwire.Sheet{Name: "清单", Widths: []float64{12, 10, 10}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "编号"}, {Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "金额"}, {Kind: xlsxwire.Text, Style: xlsxwire.Head, S: "日期"}}))
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC).Unix()
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "C-1"}, {Kind: xlsxwire.Number, N: 1234.5}, {Kind: xlsxwire.Date, I: day}}))
	must(w.Row([]xlsxwire.Cell{{Kind: xlsxwire.Text, S: "C-2"}, {}, {Kind: xlsxwire.Date, I: day}}))
	must(w.End())
	if !end {
		b.Truncate(b.Len() - 3) // the end and part of the last row
	}
	return b.Bytes()
}

func TestWrite(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, bytes.NewReader(stream(t, true)), t.TempDir()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "说明,清单" {
		t.Fatalf("sheets = %q", got)
	}
	// The cover: cells set one by one, styled as named (the count plain).
	if v, _ := f.GetCellValue("说明", "B2"); v != "2" {
		t.Errorf("cover B2 = %q", v)
	}
	if s, _ := f.GetCellStyle("说明", "B2"); s != 0 {
		t.Errorf("the cover's count has style %d, want none", s)
	}
	if s, _ := f.GetCellStyle("说明", "A1"); s == 0 {
		t.Error("the cover's title has no style")
	}
	// A section: frozen titles, 20 pt high, printed on every page.
	panes, err := f.GetPanes("清单")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v", panes, err)
	}
	if h, _ := f.GetRowHeight("清单", 1); h != 20 {
		t.Errorf("title row height %v", h)
	}
	if names := f.GetDefinedName(); len(names) != 1 || names[0].Name != "_xlnm.Print_Titles" {
		t.Errorf("defined names %+v", names)
	}
	if v, _ := f.GetCellValue("清单", "B2", excelize.Options{RawCellValue: true}); v != "1234.5" {
		t.Errorf("B2 raw = %q", v)
	}
	if v, _ := f.GetCellValue("清单", "C2"); v != "2026-11-30" {
		t.Errorf("C2 shown = %q", v)
	}
	if v, _ := f.GetCellValue("清单", "B3"); v != "" {
		t.Errorf("B3 = %q, want an empty cell", v)
	}
	if p, _ := f.GetDocProps(); p.Title != "测试" || p.Creator != "crm" {
		t.Errorf("doc props %+v", p)
	}
}

// TestWriteCutShort: a stream that stops early (crm failed while sending)
// writes no workbook.
func TestWriteCutShort(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, bytes.NewReader(stream(t, false)), ""); err == nil {
		t.Fatal("a stream cut short was written as a workbook")
	}
	if out.Len() != 0 {
		t.Errorf("%d bytes written", out.Len())
	}
}

func TestRead(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "名称")
	f.SetCellValue("Sheet1", "B1", "开始日期")
	f.SetCellValue("Sheet1", "A2", "甲公司")
	f.SetCellValue("Sheet1", "B2", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	f.SetCellValue("Sheet1", "C2", 0.5)
	f.NewSheet("第二页")
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	res := Read(bytes.NewReader(b.Bytes()), "", "")
	if res.Problem != "" || res.Sheet != "Sheet1" || len(res.Sheets) != 2 {
		t.Fatalf("Read = %+v", res)
	}
	if c := res.Rows[1][1]; !c.Number || c.Date != "2025-03-01" {
		t.Errorf("date cell = %+v", c)
	}
	if c := res.Rows[1][0]; c.Number || c.Text != "甲公司" {
		t.Errorf("text cell = %+v", c)
	}
	if res := Read(bytes.NewReader(b.Bytes()), "第三页", ""); res.Problem != "unknown-sheet" || len(res.Sheets) != 2 {
		t.Errorf("unknown sheet: %+v", res)
	}
	if res := Read(strings.NewReader("name,phone\n"), "", ""); res.Problem != "open" || res.Detail == "" {
		t.Errorf("not a workbook: %+v", res)
	}
}

func TestExcelDate(t *testing.T) {
	for in, want := range map[string]string{"45717": "2025-03-01", "1": "1900-01-01", "0.5": "", "2958466": "", "x": "", "61": "1900-03-01"} {
		if got := excelDate(in, false); got != want {
			t.Errorf("excelDate(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestMainArgs(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"write", "--nope"}, {"read", "colour=red"}} {
		if err := Main(args, strings.NewReader(""), &bytes.Buffer{}); err == nil {
			t.Errorf("Main(%q) accepted", args)
		}
	}
}
