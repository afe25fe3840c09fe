package report

import (
	"bytes"
	"io"
	"testing"

	"crm/report/xlsxwire"
)

// A crm-xlsx that exits 0 without writing a workbook (a stray program of
// that name on PATH, CRM_XLSX=/bin/true) made Render succeed with nothing
// written: crm report -o m.xlsx said it wrote m.xlsx, of 0 bytes.
func TestReview54aHelperWritesNothing(t *testing.T) {
	defer func(f func([]string, io.Reader, io.Writer) error) { xlsxwire.InProcess = f }(xlsxwire.InProcess)
	xlsxwire.InProcess = func(_ []string, in io.Reader, _ io.Writer) error {
		_, err := io.Copy(io.Discard, in)
		return err
	}
	var b bytes.Buffer
	if err := Render(&b, fixture(t), XLSX, Options{}); err == nil {
		t.Errorf("Render succeeded with %d bytes written", b.Len())
	}
}
