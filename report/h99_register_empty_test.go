package report

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The register export is data (R6.2, read back by crm import): an empty
// one's sheet holds the column titles alone, no (无记录) row that a
// spreadsheet or an import would count as a record; the reports' empty
// sheets say (无记录) (TestXLSXEmptySectionSaysNone). helper-99.
func TestXLSXEmptyRegisterHasNoNoneRow(t *testing.T) {
	l, err := LoadLayout("register", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Register(l, nil, 0, cst)
	if err != nil {
		t.Fatal(err)
	}
	b := render(t, r, XLSX, Options{TmpDir: t.TempDir(), Lang: LangZh})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	rows, err := f.GetRows(sheets[len(sheets)-1])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Errorf("empty register sheet %q rows = %q, want the column titles alone", sheets[len(sheets)-1], rows)
	}
}
