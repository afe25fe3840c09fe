package xlsxwire

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"crm/testdata/needs"
)

// sample writes a workbook of every kind of message and cell.
func sample(t testing.TB) ([]byte, Book, []Sheet, [][]Cell) {
	book := Book{Title: "客户信息报表", Subject: "2026-11", Creator: "crm", Language: "zh-CN",
		Created: "2026-12-01T00:00:00Z", PageHeader: `&L&"-,Bold"绝密&C报表`, PageFooter: "&L&A&C第 &P 页 / 共 &N 页"}
	sheets := []Sheet{
		{Name: "说明", Cover: true, Widths: []float64{22, 8}},
		{Name: "客户清单", Widths: []float64{10, 22.5, 6}}, // no Cover: it must not carry over
	}
	rows := [][]Cell{
		{{Kind: Text, Style: Title, S: "客户信息报表"}},
		{},
		{{Kind: Text, Style: Head, S: "档案编号"}, {Kind: Int, I: -42}, {Kind: Null}},
		{{Kind: Number, N: 1234.5}, {Kind: Percent, N: 0.125}, {Kind: Date, I: 1796515200},
			{Kind: Text, S: "tab\tnew\nline \x00 and 'quotes' \"=HYPERLINK()\""}, {Kind: Number, N: math.Inf(-1)}},
	}
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.Book(book); err != nil {
		t.Fatal(err)
	}
	if err := w.Sheet(sheets[0]); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[:2] {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Sheet(sheets[1]); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[2:] {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), book, sheets, rows
}

func TestRoundTrip(t *testing.T) {
	b, book, sheets, rows := sample(t)
	r := NewReader(bytes.NewReader(b))
	var (
		gotBook  Book
		sheet    Sheet
		gotSheet []Sheet
		gotRows  [][]Cell
	)
	for {
		tag, row, err := r.Next(&gotBook, &sheet, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tag == 'E' {
			break
		}
		switch tag {
		case 'S':
			gotSheet = append(gotSheet, sheet)
		case 'R':
			if row == nil {
				row = []Cell{}
			}
			gotRows = append(gotRows, row)
		}
	}
	if gotBook != book {
		t.Errorf("book = %+v, want %+v", gotBook, book)
	}
	if !reflect.DeepEqual(gotSheet, sheets) {
		t.Errorf("sheets = %+v, want %+v", gotSheet, sheets)
	}
	rows[1] = []Cell{}
	if !reflect.DeepEqual(gotRows, rows) {
		t.Errorf("rows = %+v\nwant %+v", gotRows, rows)
	}
}

// TestCutShort: a stream cut anywhere before its end is an error, never
// a workbook.
func TestCutShort(t *testing.T) {
	b, _, _, _ := sample(t)
	for n := range len(b) {
		r := NewReader(bytes.NewReader(b[:n]))
		var (
			book  Book
			sheet Sheet
		)
		for {
			tag, _, err := r.Next(&book, &sheet, nil)
			if err != nil {
				break
			}
			if tag == 'E' {
				t.Fatalf("the stream cut at %d of %d bytes reads as whole", n, len(b))
			}
		}
	}
}

func FuzzReader(f *testing.F) {
	b, _, _, _ := sample(f)
	f.Add(b)
	f.Add([]byte("R\xff\xff\xff\xff\x0f"))
	f.Add([]byte("B\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"))
	f.Add([]byte("R\x01\x01\x00\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b))
		var (
			book  Book
			sheet Sheet
			cells []Cell
		)
		for range 1000 {
			tag, row, err := r.Next(&book, &sheet, cells)
			if err != nil || tag == 'E' {
				return
			}
			cells = row
		}
	})
}

// helperScript writes an executable shell script named crm-xlsx in a new
// folder.
func helperScript(t *testing.T, body string) string {
	t.Helper()
	needs.Tool(t, "sh", "install a POSIX shell (apt-get install dash)")
	dir := t.TempDir()
	p := filepath.Join(dir, Helper)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFind(t *testing.T) {
	p := helperScript(t, "exit 0\n")
	t.Run("CRM_XLSX first", func(t *testing.T) {
		t.Setenv("CRM_XLSX", "/some/where/crm-xlsx")
		t.Setenv("PATH", filepath.Dir(p))
		if got, err := Find(); err != nil || got != "/some/where/crm-xlsx" {
			t.Errorf("Find() = %q, %v", got, err)
		}
	})
	t.Run("PATH", func(t *testing.T) {
		t.Setenv("CRM_XLSX", "")
		t.Setenv("PATH", filepath.Dir(p))
		if got, err := Find(); err != nil || got != p {
			t.Errorf("Find() = %q, %v; want %s", got, err, p)
		}
	})
	t.Run("nowhere", func(t *testing.T) {
		t.Setenv("CRM_XLSX", "")
		t.Setenv("PATH", t.TempDir())
		_, err := Find()
		if err == nil || !strings.Contains(err.Error(), "crm-xlsx") || !strings.Contains(err.Error(), "CRM_XLSX") {
			t.Errorf("Find() error = %v: it should name the helper and CRM_XLSX", err)
		}
	})
}

// TestHelperFails: what a failing helper says is the error, also when it
// stops reading long before crm stops writing (no hang on a full pipe).
func TestHelperFails(t *testing.T) {
	t.Setenv("CRM_XLSX", helperScript(t, "echo 'sheet 客户清单: no room' >&2\nexit 3\n"))
	var out bytes.Buffer
	err := Run([]string{"write"}, &out, func(w io.Writer) error {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 256 { // 16 MB: more than any pipe holds
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "crm-xlsx: sheet 客户清单: no room") {
		t.Errorf("Run() = %v, want the helper's message", err)
	}
}

// TestHelperMissing: a helper that cannot be started says so.
func TestHelperMissing(t *testing.T) {
	t.Setenv("CRM_XLSX", filepath.Join(t.TempDir(), "none"))
	err := Run([]string{"write"}, io.Discard, func(io.Writer) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "starting") {
		t.Errorf("Run() = %v", err)
	}
}

func TestInProcess(t *testing.T) {
	defer func(f func([]string, io.Reader, io.Writer) error) { InProcess = f }(InProcess)
	InProcess = func(args []string, in io.Reader, out io.Writer) error {
		b, err := io.ReadAll(in)
		if err != nil {
			return err
		}
		_, err = io.WriteString(out, strings.Join(args, " ")+":"+string(b))
		return err
	}
	var out bytes.Buffer
	if err := Run(ReadArgs("x=y", ""), &out, func(w io.Writer) error {
		_, err := io.WriteString(w, "data")
		return err
	}); err != nil || out.String() != "read sheet=x=y:data" {
		t.Errorf("Run() = %q, %v", out.String(), err)
	}
	// A helper that stops early: the writer is not left hanging.
	InProcess = func([]string, io.Reader, io.Writer) error { return errors.New("gave up") }
	err := Run(nil, io.Discard, func(w io.Writer) error {
		for {
			if _, err := w.Write([]byte("more")); err != nil {
				return err
			}
		}
	})
	if err == nil || err.Error() != "gave up" {
		t.Errorf("Run() = %v, want the helper's error", err)
	}
}

// TestCrmLinksNoExcelize: crm itself does not link the XLSX library, whose
// start-up every crm process paid (package doc); only crm-xlsx does.
func TestCrmLinksNoExcelize(t *testing.T) {
	goTool := needs.Tool(t, "go", "install Go (https://go.dev/dl/), as building crm needs")
	out, err := exec.Command(goTool, "list", "-deps", "crm/cmd/crm", "crm/cmd/crm-xlsx").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "github.com/xuri/excelize/v2") {
		t.Fatalf("go list -deps shows no excelize even for crm-xlsx: the check below proves nothing\n%s", out)
	}
	out, err = exec.Command(goTool, "list", "-deps", "crm/cmd/crm").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/xuri/") {
			t.Errorf("crm links %s: keep it in crm-xlsx (report/xlsx)", dep)
		}
	}
}

func TestArgs(t *testing.T) {
	for _, a := range [][]string{WriteArgs(""), WriteArgs("/dev/shm/x"), ReadArgs("", ""), ReadArgs("第一页=甲", "/tmp/a b")} {
		cmd, sheet, tmp, err := ParseArgs(a)
		if err != nil {
			t.Fatalf("ParseArgs(%q): %v", a, err)
		}
		if got := args(cmd, sheet, tmp); !reflect.DeepEqual(got, a) {
			t.Errorf("ParseArgs(%q) gives back %q", a, got)
		}
	}
}
