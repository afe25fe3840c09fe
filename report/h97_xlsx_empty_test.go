package report

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// An empty section's sheet says (无记录) under its column titles, as the
// table and Markdown say under an empty section: column titles alone read
// as a list cut off (helper-97).
func TestXLSXEmptySectionSaysNone(t *testing.T) {
	r := fixture(t)
	for lang, want := range map[string]string{LangZh: "（无记录）", LangEn: "(none)"} {
		b := render(t, r, XLSX, Options{TmpDir: t.TempDir(), Lang: lang})
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetList()[len(f.GetSheetList())-1] // 空表 / its English title
		rows, err := f.GetRows(sheet)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || len(rows[1]) == 0 || rows[1][0] != want {
			t.Errorf("%s: empty sheet %q rows = %q, want the titles then %q", lang, sheet, rows, want)
		}
		if tb := render(t, r, Table, Options{Lang: lang}); !bytes.Contains(tb, []byte(want+"\n")) {
			t.Errorf("%s: the table does not say %q for the empty section", lang, want)
		}
	}
}
