package report

import (
	"bufio"
	"bytes"
	"strconv"
	"sync/atomic"
	"testing"
)

// countedRows is a rowSource that counts the cells asked of it.
type countedRows struct {
	n     int
	asked atomic.Int64 // cells may be asked on several cores at once
}

func (c *countedRows) Len() int       { return c.n }
func (c *countedRows) Keys() []string { return []string{"dossier", "score"} }
func (c *countedRows) Cell(i int, key string) Value {
	c.asked.Add(1)
	if key == "score" {
		return Int(i * 7)
	}
	return Str("C-" + strconv.Itoa(i))
}

// sectionTable makes each cell of a table of up to heldCells cells once
// (the monthly report's lists of customers: a cell such as the dangerous
// list's remarks is made of several texts), and a longer table's twice, as
// it measures and as it writes, holding none; both print the same table.
func TestSectionTableHeldCells(t *testing.T) {
	cols := []Column{{Key: "dossier", Zh: "档案编号", Kind: KindText}, {Key: "score", Zh: "分数", Kind: KindInt}}
	kinds := map[string]Kind{"dossier": KindText, "score": KindInt}
	table := func(n int) (string, int) {
		src := &countedRows{n: n}
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		if err := sectionTable(w, Section{Key: "s", Columns: cols, src: src, kinds: kinds}, LangZh); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		return b.String(), int(src.asked.Load())
	}
	short := heldCells / len(cols)
	got, asked := table(short)
	if asked != short*len(cols) {
		t.Fatalf("a table of %d cells: %d cells made, want each once", short*len(cols), asked)
	}
	_, asked = table(short + 1)
	if asked != 2*(short+1)*len(cols) {
		t.Fatalf("a table of %d cells: %d cells made, want each twice (none held)", (short+1)*len(cols), asked)
	}
	var want bytes.Buffer
	rows := make([][]string, short)
	for i := range rows {
		rows[i] = []string{"C-" + strconv.Itoa(i), strconv.Itoa(i * 7)}
	}
	if err := WriteASCIITable(&want, []string{"档案编号", "分数"}, rows, []bool{false, true}); err != nil {
		t.Fatal(err)
	}
	if got != want.String() {
		t.Fatal("the held cells print another table")
	}
}
