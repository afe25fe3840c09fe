package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A text over 1 MiB (the wire's limit) made the helper fail with "a
// message is cut short"; the old writer cut it to Excel's 32,767 units.
func TestReview54aLongText(t *testing.T) {
	r := fixture(t)
	r.Sections[1].Rows[0]["remarks"] = Str(strings.Repeat("x", 2<<20))
	var b bytes.Buffer
	if err := Render(&b, r, XLSX, Options{TmpDir: t.TempDir()}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, _ := f.GetCellValue("客户清单", "H2")
	if len(v) != 32767 {
		t.Errorf("H2 has %d characters, want 32767", len(v))
	}
}
