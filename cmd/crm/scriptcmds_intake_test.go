package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Testscript commands for intake at a department's scale.
var intakeCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// gencsv FILE N: write a customer list of N rows (UTF-8 with a BOM, as
	// Excel saves "CSV UTF-8"): 客户名称, 联系电话 with a leading zero.
	"gencsv": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: gencsv FILE N")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		var b strings.Builder
		b.WriteString("\uFEFF客户名称,联系电话\r\n")
		for i := range n {
			fmt.Fprintf(&b, "客户%05d有限公司,021%08d\r\n", i+1, i+1)
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
	},
}
