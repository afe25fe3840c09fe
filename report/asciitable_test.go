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

// WriteASCIITableRows asks for each row twice, into the slice it hands
// over, and writes what WriteASCIITable writes of the same cells; a row of
// another length, or one that changes between the passes, falls back or
// is padded, never panics.
func TestWriteASCIITableRows(t *testing.T) {
	head := []string{"ID", "密级", "NOTE"}
	rows := [][]string{{"C-1", "秘密", "x"}, {"C-22", "内部", " 危险客户 "}, {"C-333", "", ""}}
	var want, got bytes.Buffer
	if err := WriteASCIITable(&want, head, rows, []bool{false, true}); err != nil {
		t.Fatal(err)
	}
	asked := make([]int, len(rows))
	err := WriteASCIITableRows(&got, head, len(rows), func(i int, dst []string) []string {
		if len(dst) != len(head) {
			t.Fatalf("row %d given %d cells to fill", i, len(dst))
		}
		asked[i]++
		return append(dst[:0], rows[i]...)
	}, []bool{false, true})
	if err != nil || got.String() != want.String() {
		t.Fatalf("err %v:\n%s\nwant:\n%s", err, got.String(), want.String())
	}
	for i, n := range asked {
		if n != 2 {
			t.Fatalf("row %d asked %d times", i, n)
		}
	}
	got.Reset()
	short := func(i int, dst []string) []string { return rows[i][:2] }
	if err := WriteASCIITableRows(&got, head, len(rows), short, nil); err != ErrTableFallback || got.Len() > 0 {
		t.Fatalf("a short row: %v, wrote %q", err, got.String())
	}
	// A row that grows after it was measured is written unpadded.
	calls := 0
	growing := func(i int, dst []string) []string {
		calls++
		if calls > len(rows) {
			return []string{"C-4444444", "绝密绝密", "long"}
		}
		return rows[i]
	}
	if err := WriteASCIITableRows(&got, head, len(rows), growing, nil); err != nil {
		t.Fatal(err)
	}
}
