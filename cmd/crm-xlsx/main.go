// Command crm-xlsx is crm's XLSX helper: crm starts it to write a report's
// workbook and to read a spreadsheet it imports, so that crm itself does
// not link the XLSX library (package report/xlsxwire says why and how
// they talk). It is installed beside crm and not meant to be run by hand.
package main

import (
	"fmt"
	"os"

	"crm/report/xlsx"
)

func main() {
	if err := xlsx.Main(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1)
	}
}
