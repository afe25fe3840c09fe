package main

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// printTableRows writes byte for byte what printTable writes of
// the same cells, drawn natively or left to tablewriter (control
// characters, invalid UTF-8, box drawing, blanks), for none to many rows,
// with a row function that fills the slice it is handed, as list and
// review due do.
func TestPrintTableRowsIsPrintTable(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 3))
	pool := []string{"", " ", "C-000001", " 甲机械有限公司 ", "秘密", "±½", "é", "A (dangerous)", "（危险）",
		"a\tb", "line\nbreak", "\x1b[31mred", "\r", "\xff", "│box│", "——", "😀", "\u0085", "\x7f", "2026-11-22", "40"}
	for round := range 3000 {
		cols := 1 + r.IntN(5)
		headers := make([]string, cols)
		for j := range headers {
			headers[j] = pool[r.IntN(6)+2]
			if round%50 == 0 {
				headers[j] = pool[r.IntN(len(pool))]
			}
		}
		n := r.IntN(6)
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = make([]string, cols)
			for j := range rows[i] {
				if r.IntN(4) == 0 {
					rows[i][j] = pool[r.IntN(len(pool))]
				} else {
					rows[i][j] = pool[r.IntN(9)]
				}
			}
		}
		var want, got bytes.Buffer
		if err := printTable(&want, headers, rows); err != nil {
			t.Fatalf("printTable: %v", err)
		}
		err := printTableRows(&got, headers, n, func(i int, dst []string) []string {
			return append(dst[:0], rows[i]...)
		})
		if err != nil {
			t.Fatalf("printTableRows: %v", err)
		}
		if got.String() != want.String() {
			t.Fatalf("headers %q rows %q:\n%s\nwant:\n%s", headers, rows, got.String(), want.String())
		}
	}
}
