package report

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/olekukonko/tablewriter/tw"
)

// WriteASCIITable writes, for the reports' tables (numeric columns and
// their headers right-aligned), what tablewriter writes with the reports'
// settings, byte for byte: random tables of Chinese, Latin, numbers,
// empty and padded cells.
func TestWriteASCIITableIsTablewriter(t *testing.T) {
	pool := []string{"", " ", "A", "10.0%", "99077", "危险客户", "华东", " 上海 ", "C-28QZ665H9B", "付款态度：差；拖欠", "x y", "１２", "Ω", "2026-11-30"}
	r := rand.New(rand.NewPCG(7, 8))
	drawn := 0
	for range 1500 {
		n := 1 + r.IntN(6)
		head := make([]string, n)
		aligns := make([]tw.Align, n)
		right := make([]bool, n)
		for j := range n {
			head[j] = pool[1+r.IntN(len(pool)-1)]
			aligns[j], right[j] = tw.AlignLeft, false
			if r.IntN(2) == 0 {
				aligns[j], right[j] = tw.AlignRight, true
			}
		}
		rows := make([][]string, r.IntN(5))
		for i := range rows {
			rows[i] = make([]string, n)
			for j := range n {
				rows[i][j] = pool[r.IntN(len(pool))]
			}
		}
		var want, got bytes.Buffer
		if err := tablewriterSection(&want, head, rows, aligns); err != nil {
			t.Fatal(err)
		}
		switch err := WriteASCIITable(&got, head, rows, right); {
		case err == ErrTableFallback:
			if got.Len() > 0 {
				t.Fatalf("fell back after writing %q", got.String())
			}
		case err != nil:
			t.Fatal(err)
		default:
			drawn++
			if got.String() != want.String() {
				t.Fatalf("head %q rows %q right %v:\n%s\ntablewriter:\n%s", head, rows, right, got.String(), want.String())
			}
		}
	}
	if drawn < 1000 {
		t.Fatalf("drew %d of 1500 tables itself", drawn)
	}
}
