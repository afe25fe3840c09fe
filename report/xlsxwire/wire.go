// Package xlsxwire is how crm talks to its XLSX helper, crm-xlsx.
//
// crm does not link the XLSX library (excelize): its package
// initialisation alone cost every crm process about 14 ms and 600 page
// faults on a machine where a fault costs 12 µs, which was a third of what
// `crm show` and `crm textconv` cost beyond the stock `age -d` (issue 11).
// The work that needs it, writing a report's workbook and reading a
// spreadsheet for `crm import`, runs in crm-xlsx (cmd/crm-xlsx, package
// report/xlsx), installed beside crm. Every decision stays in crm: sheet
// names, column widths, what each cell holds and how it is styled, the
// page header and footer. The helper only lays the workbook out.
//
// Writing: crm starts `crm-xlsx write [tmpdir=DIR]` and sends messages on
// its standard input; the helper writes the workbook to its standard
// output. A message is a tag byte and its body:
//
//	'B' Book, as JSON (a uvarint length, then the bytes): first, once
//	'S' Sheet, as JSON: starts a sheet
//	'R' a row of the current sheet: a uvarint count, then each Cell
//	'E' the end: the helper writes the workbook
//
// A cell is its kind byte, its style byte and its value: Text a uvarint
// length and the bytes, Int and Date a varint (a Date in Unix seconds,
// UTC), Number and Percent the float's 8 bytes, big-endian; Null nothing.
//
// Reading: crm starts `crm-xlsx read [sheet=NAME] [tmpdir=DIR]` with
// the workbook's bytes on its standard input; the helper answers with a
// ReadResult as JSON. A workbook it cannot read is a Problem in the
// result, for crm to say in the user's language; the exit status is
// non-zero (and the standard error says why) only when the helper itself
// failed.
package xlsxwire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"crm/l10n"
)

// Helper is the helper's program name.
const Helper = "crm-xlsx"

// The kinds of a cell.
const (
	Null byte = iota
	Text
	Int
	Number
	Percent
	Date
)

// The styles of a cell. A section's cells take the style of their kind
// (Int #,##0, Number #,##0.00, Percent 0.0%, Date yyyy-mm-dd); the cover's
// cells and a section's first row (the column titles) name theirs.
const (
	Plain   byte = iota
	Title        // bold, 14 pt: the cover's title
	Marking      // bold, dark red: the cover's 密级 line
	Head         // bold on light blue, bordered, centred: column titles
	Note         // wrapped within its column, top-aligned: the cover's table
)

// Book is the workbook's properties and every sheet's page header and
// footer (Excel's header codes).
type Book struct {
	Title      string `json:"title"`
	Subject    string `json:"subject,omitempty"`
	Creator    string `json:"creator,omitempty"`
	Language   string `json:"language,omitempty"`
	Created    string `json:"created,omitempty"` // RFC 3339, UTC; "" leaves it out
	PageHeader string `json:"page_header,omitempty"`
	PageFooter string `json:"page_footer,omitempty"`
}

// Sheet starts a sheet. The first is the cover: its rows are set cell by
// cell, with their styles. Every other is a section: its first row is the
// column titles (frozen, 20 pt high, repeated on every printed page), its
// rows are streamed. Widths are the columns' widths, in characters; Text
// marks a section's columns of text, formatted as text (@) as a whole, so
// that what is typed later into one of their empty cells stays text too.
type Sheet struct {
	Name   string    `json:"name"`
	Cover  bool      `json:"cover,omitempty"`
	Widths []float64 `json:"widths"`
	Text   []bool    `json:"text,omitempty"`
}

// WriteArgs are the helper's arguments to write a workbook, spilling
// large sheets into tmp ("": the system's temporary folder).
func WriteArgs(tmp string) []string { return args("write", "", tmp) }

// ReadArgs are the helper's arguments to read sheet ("": the first) of a
// workbook, spilling large sheets into tmp.
func ReadArgs(sheet, tmp string) []string { return args("read", sheet, tmp) }

func args(cmd, sheet, tmp string) []string {
	a := []string{cmd}
	if sheet != "" {
		a = append(a, "sheet="+sheet)
	}
	if tmp != "" {
		a = append(a, "tmpdir="+tmp)
	}
	return a
}

// ParseArgs is the helper's reading of WriteArgs and ReadArgs.
func ParseArgs(a []string) (cmd, sheet, tmp string, err error) {
	if len(a) == 0 || a[0] != "write" && a[0] != "read" {
		return "", "", "", errors.New("usage: crm-xlsx write [tmpdir=DIR] | read [sheet=NAME] [tmpdir=DIR]")
	}
	for _, kv := range a[1:] {
		switch k, v, _ := strings.Cut(kv, "="); k {
		case "sheet":
			sheet = v
		case "tmpdir":
			tmp = v
		default:
			return "", "", "", fmt.Errorf("unknown argument %q", kv)
		}
	}
	return a[0], sheet, tmp, nil
}

// Cell is one cell: S for Text, I for Int and Date (Unix seconds), N for
// Number and Percent.
type Cell struct {
	Kind  byte
	Style byte
	S     string
	I     int64
	N     float64
}

// Writer writes the messages of a workbook.
type Writer struct {
	w   *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer of messages to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 64<<10)} }

func (w *Writer) json(tag byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.buf = binary.AppendUvarint(append(w.buf[:0], tag), uint64(len(b)))
	w.buf = append(w.buf, b...)
	_, err = w.w.Write(w.buf)
	return err
}

// Book sends the workbook's properties: first, once.
func (w *Writer) Book(b Book) error { return w.json('B', b) }

// Sheet starts a sheet.
func (w *Writer) Sheet(s Sheet) error { return w.json('S', s) }

// Row sends a row of the current sheet.
func (w *Writer) Row(cells []Cell) error {
	b := binary.AppendUvarint(append(w.buf[:0], 'R'), uint64(len(cells)))
	for _, c := range cells {
		b = append(b, c.Kind, c.Style)
		switch c.Kind {
		case Text:
			b = binary.AppendUvarint(b, uint64(len(c.S)))
			b = append(b, c.S...)
		case Int, Date:
			b = binary.AppendVarint(b, c.I)
		case Number, Percent:
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.N))
		}
	}
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// End ends the workbook and flushes what is buffered.
func (w *Writer) End() error {
	if err := w.w.WriteByte('E'); err != nil {
		return err
	}
	return w.w.Flush()
}

// Reader reads the messages a Writer wrote.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader returns a Reader of the messages in r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// maxJSON bounds a Book's or a Sheet's message.
const maxJSON = 16 << 20

// errShort is a message cut short.
var errShort = errors.New("xlsxwire: a message is cut short")

// Next reads the next message: its tag and, by tag, the Book, the Sheet or
// the row's cells (cells reuses the slice given; its strings are fresh).
func (r *Reader) Next(book *Book, sheet *Sheet, cells []Cell) (tag byte, row []Cell, err error) {
	tag, err = r.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			err = errShort
		}
		return 0, nil, err
	}
	switch tag {
	case 'B', 'S':
		n, err := binary.ReadUvarint(r.r)
		if err != nil || n > maxJSON {
			return 0, nil, errShort
		}
		if uint64(cap(r.buf)) < n {
			r.buf = make([]byte, n)
		}
		b := r.buf[:n]
		if _, err := io.ReadFull(r.r, b); err != nil {
			return 0, nil, errShort
		}
		// Into zero values: Unmarshal leaves alone what the JSON omits.
		if tag == 'B' {
			*book = Book{}
			err = json.Unmarshal(b, book)
		} else {
			*sheet = Sheet{}
			err = json.Unmarshal(b, sheet)
		}
		return tag, nil, err
	case 'R':
		n, err := binary.ReadUvarint(r.r)
		if err != nil || n > 1<<14 { // Excel's 16,384 columns
			return 0, nil, errShort
		}
		row = cells[:0]
		for range n {
			var c Cell
			if c.Kind, err = r.r.ReadByte(); err != nil {
				return 0, nil, errShort
			}
			if c.Style, err = r.r.ReadByte(); err != nil {
				return 0, nil, errShort
			}
			switch c.Kind {
			case Null:
			case Text:
				k, err := binary.ReadUvarint(r.r)
				if err != nil || k > 1<<20 {
					return 0, nil, errShort
				}
				b := make([]byte, k)
				if _, err := io.ReadFull(r.r, b); err != nil {
					return 0, nil, errShort
				}
				c.S = string(b)
			case Int, Date:
				if c.I, err = binary.ReadVarint(r.r); err != nil {
					return 0, nil, errShort
				}
			case Number, Percent:
				var b [8]byte
				if _, err := io.ReadFull(r.r, b[:]); err != nil {
					return 0, nil, errShort
				}
				c.N = math.Float64frombits(binary.BigEndian.Uint64(b[:]))
			default:
				return 0, nil, fmt.Errorf("xlsxwire: unknown cell kind %d", c.Kind)
			}
			row = append(row, c)
		}
		return tag, row, nil
	case 'E':
		return tag, nil, nil
	}
	return 0, nil, fmt.Errorf("xlsxwire: unknown message %q", tag)
}

// ReadResult is what `crm-xlsx read` answers: the sheet read, every
// sheet's name and the sheet's rows, or the Problem that kept it from
// reading them.
type ReadResult struct {
	Sheet  string       `json:"sheet"`
	Sheets []string     `json:"sheets"`
	Rows   [][]ReadCell `json:"rows"`
	// Problem is "open" (not a readable workbook), "no-sheet" (the
	// workbook has none), "unknown-sheet" (none of the name asked for) or
	// "sheet" (the sheet could not be read); Detail says more, in English.
	Problem string `json:"problem,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// ReadCell is a cell as shown (Text) and, when a display format applies
// (a number or a date), the stored value (Raw) and, when that number is a
// date Excel can show (from 1 to 9999-12-31), the date (YYYY-MM-DD, in
// the workbook's date system, 1900 or 1904). Number is also set, with Raw
// the same as Text and no Date, for a number shown as stored (the General
// format): a phone typed into such a cell has lost its leading 0.
// Padded is set for a whole number whose display format pads it with
// zeros to the width shown (the custom format 00000000000 shows
// 2112345678 as 02112345678): Text then holds every digit as typed.
type ReadCell struct {
	Text   string `json:"t"`
	Raw    string `json:"r,omitempty"`
	Number bool   `json:"n,omitempty"`
	Date   string `json:"d,omitempty"`
	Padded bool   `json:"p,omitempty"`
}

// beside returns the helper's path beside the program self, on the
// operating system goos, if it is there: crm.exe's helper is
// crm-xlsx.exe, crm-1.2's is crm-xlsx.
func beside(self, goos string) string {
	ext := ""
	if goos == "windows" {
		ext = filepath.Ext(self)
	}
	p := filepath.Join(filepath.Dir(self), Helper+ext)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	return ""
}

// InProcess, when set, does the helper's work in this process instead of
// starting crm-xlsx: tests set it to report/xlsx's Main.
var InProcess func(args []string, stdin io.Reader, stdout io.Writer) error

// Find returns the helper's path: $CRM_XLSX when set, else crm-xlsx beside
// the running program (as `go install ./cmd/...` and `make build` put
// it), else on PATH.
func Find() (string, error) {
	if p := os.Getenv("CRM_XLSX"); p != "" {
		return p, nil
	}
	self, err := os.Executable()
	if err == nil {
		if r, err := filepath.EvalSymlinks(self); err == nil {
			self = r
		}
		if p := beside(self, runtime.GOOS); p != "" {
			return p, nil
		}
	}
	if p, err := exec.LookPath(Helper); err == nil {
		return p, nil
	}
	if self == "" {
		self = "crm" // the system did not say where this program is
	}
	return "", l10n.Errorf("XLSX is written and read by %s, which comes with crm: it is neither beside %s nor on PATH (install both with go install ./cmd/..., or set CRM_XLSX to its path)", Helper, self)
}

// Start starts the helper with args, its standard output going to stdout.
// The caller writes the helper's input to in and closes it, then calls
// wait, which returns the helper's failure, with what it said.
func Start(args []string, stdout io.Writer) (in io.WriteCloser, wait func() error, err error) {
	if InProcess != nil {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := InProcess(args, pr, stdout)
			pr.CloseWithError(errors.New(Helper + " stopped reading"))
			done <- err
		}()
		return pw, func() error { return <-done }, nil
	}
	path, err := Find()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if in, err = cmd.StdinPipe(); err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, l10n.Errorf("starting %s: %w", path, err)
	}
	return in, func() error {
		err := cmd.Wait()
		if err == nil {
			return nil
		}
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s: %s", Helper, msg)
		}
		return fmt.Errorf("%s: %w", Helper, err)
	}, nil
}

// Run runs the helper with args on the input input writes, its standard
// output going to stdout: the helper's failure comes first, then input's.
func Run(args []string, stdout io.Writer, input func(io.Writer) error) error {
	in, wait, err := Start(args, stdout)
	if err != nil {
		return err
	}
	werr := input(in)
	cerr := in.Close()
	if err := wait(); err != nil {
		return err
	}
	return errors.Join(werr, cerr)
}
