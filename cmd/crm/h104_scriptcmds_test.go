package main

import (
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/xuri/excelize/v2"
)

func init() {
	// numxlsx FILE: write a workbook of two customers whose phone or
	// licence number is a number cell (General format), as Excel stores
	// 02112345678 typed into a cell not formatted as text: 2112345678;
	// the other cells of digits are text.
	intakeCmds["numxlsx"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: numxlsx FILE")
		}
		f := excelize.NewFile()
		defer f.Close()
		ts.Check(f.SetSheetRow("Sheet1", "A1", &[]any{"客户名称", "负责人", "联系电话", "营业执照", "信用额度"}))
		ts.Check(f.SetSheetRow("Sheet1", "A2", &[]any{"华东机械", "张三", 2112345678, "000123", 50000}))
		ts.Check(f.SetSheetRow("Sheet1", "A3", &[]any{"南方贸易", "张三", "02187654321", 123}))
		ts.Check(f.SaveAs(ts.MkAbs(args[0])))
	}
}
