package main

import (
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/xuri/excelize/v2"
)

func init() {
	// padxlsx FILE: write a workbook of three customers whose phones are
	// number cells: 华东机械's with the custom format 00000000000 (shown
	// 02112345678, as typed), 南方贸易's in the General format (shown
	// 2112345678: its 0 is lost), and 北方物流's as text; 北方物流's
	// 身份证号 is a number cell (General format).
	intakeCmds["padxlsx"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: padxlsx FILE")
		}
		f := excelize.NewFile()
		defer f.Close()
		pad := "00000000000"
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pad})
		ts.Check(err)
		ts.Check(f.SetSheetRow("Sheet1", "A1", &[]any{"客户名称", "负责人", "联系电话", "身份证号"}))
		ts.Check(f.SetSheetRow("Sheet1", "A2", &[]any{"华东机械", "张三", 2112345678}))
		ts.Check(f.SetCellStyle("Sheet1", "C2", "C2", style))
		ts.Check(f.SetSheetRow("Sheet1", "A3", &[]any{"南方贸易", "张三", 2187654321}))
		ts.Check(f.SetSheetRow("Sheet1", "A4", &[]any{"北方物流", "张三", "01012345678", 110105491231002}))
		ts.Check(f.SaveAs(ts.MkAbs(args[0])))
	}
	// xlsxrows FILE SHEET OUT: write the rows of sheet SHEET of workbook
	// FILE to OUT, as shown, one line a row, cells joined by commas, for
	// grep to check an XLSX report against its CSV form.
	intakeCmds["xlsxrows"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: xlsxrows FILE SHEET OUT")
		}
		f, err := excelize.OpenFile(ts.MkAbs(args[0]))
		ts.Check(err)
		defer f.Close()
		rows, err := f.GetRows(args[1])
		ts.Check(err)
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(b.String()), 0o600))
	}
}
