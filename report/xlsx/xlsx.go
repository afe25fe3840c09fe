// Package xlsx is the XLSX helper's work (cmd/crm-xlsx): it lays out the
// workbooks crm describes and reads the spreadsheets crm imports, with
// excelize, in a process of its own (see package xlsxwire for why and for
// the protocol). It decides nothing about a report's contents.
package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clipperhouse/displaywidth"
	"github.com/xuri/excelize/v2"

	"crm/report/xlsxwire"
)

// Main runs the helper: args are xlsxwire's WriteArgs or ReadArgs; stdin
// and stdout carry the messages and the workbook.
func Main(args []string, stdin io.Reader, stdout io.Writer) error {
	cmd, sheet, tmp, err := xlsxwire.ParseArgs(args)
	if err != nil {
		return err
	}
	if cmd == "write" {
		return Write(stdout, stdin, tmp)
	}
	return json.NewEncoder(stdout).Encode(Read(stdin, sheet, tmp))
}

func options(tmp string) []excelize.Options {
	if tmp == "" {
		return nil
	}
	return []excelize.Options{{
		TmpDir:            tmp,
		UnzipSizeLimit:    excelize.UnzipSizeLimit, // the defaults NewFile() would use
		UnzipXMLSizeLimit: excelize.StreamChunkSize,
	}}
}

// Write lays out the workbook whose messages in carries and writes it to
// out.
func Write(out io.Writer, in io.Reader, tmp string) error {
	f := excelize.NewFile(options(tmp)...)
	defer f.Close()
	x := &writer{f: f}
	if err := x.styles(); err != nil {
		return err
	}
	r := xlsxwire.NewReader(in)
	var (
		book  xlsxwire.Book
		sheet xlsxwire.Sheet
		cells []xlsxwire.Cell
		vals  []any
	)
	tag, _, err := r.Next(&book, &sheet, nil)
	if err != nil {
		return err
	}
	if tag != 'B' {
		return errors.New("the workbook's messages do not start with its book")
	}
	first := true
	for {
		tag, row, err := r.Next(&book, &sheet, cells)
		if err != nil {
			return err
		}
		switch tag {
		case 'S':
			if err := x.endSheet(); err != nil {
				return err
			}
			if err := x.startSheet(sheet, first, &book); err != nil {
				return fmt.Errorf("sheet %s: %w", sheet.Name, err)
			}
			first = false
		case 'R':
			cells = row
			if x.sheet == "" {
				return errors.New("a row before any sheet")
			}
			if vals, err = x.row(row, vals); err != nil {
				return fmt.Errorf("sheet %s, row %d: %w", x.sheet, x.rowNo, err)
			}
		case 'E':
			if err := x.endSheet(); err != nil {
				return err
			}
			return x.finish(out, &book)
		default:
			return fmt.Errorf("unexpected message %q", tag)
		}
	}
}

type writer struct {
	f      *excelize.File
	sheet  string    // the current sheet
	cover  bool      // it is the cover: cells are set one by one
	widths []float64 // the current sheet's column widths
	sw     *excelize.StreamWriter
	rowNo  int // the current sheet's rows so far

	styleOf map[byte]int // style ids, by xlsxwire style or kind
}

func (x *writer) styles() error {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	pctFmt, dateFmt := "0.0%", "yyyy-mm-dd"
	top := &excelize.Alignment{Vertical: "top"}
	x.styleOf = map[byte]int{}
	// Styles are keyed by xlsxwire's style bytes and, above 16, its
	// kinds.
	const kind = 16
	for _, s := range []struct {
		key   byte
		style *excelize.Style
	}{
		{xlsxwire.Head, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Border:    border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}},
		{xlsxwire.Title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{xlsxwire.Marking, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}}},
		// The cover's table: a note of several sentences wraps within its
		// column (unwrapped it ran on to the right, and the printed page
		// shrank to fit it), and the row's other cells start on its first line.
		{xlsxwire.Note, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		// A section's cells are top-aligned: in a row made higher by a
		// text of several lines, every cell starts on its first line
		// (bottom, the default, left the others at the foot of the row).
		// In a row of one line's height top and bottom look the same.
		// Built-in formats 4 (#,##0.00) and 3 (#,##0): thousands separators.
		{kind + xlsxwire.Number, &excelize.Style{NumFmt: 4, Alignment: top}},
		{kind + xlsxwire.Int, &excelize.Style{NumFmt: 3, Alignment: top}},
		{kind + xlsxwire.Percent, &excelize.Style{CustomNumFmt: &pctFmt, Alignment: top}},
		{kind + xlsxwire.Date, &excelize.Style{CustomNumFmt: &dateFmt, Alignment: top}},
		// Text (@, built-in format 49): a phone, an id number or a
		// licence number edited in Excel stays text, not 1.38E+10 without
		// its leading 0; a text of several lines wraps. It is also the
		// style of a text column as a whole, for its empty cells.
		{kind + xlsxwire.Text, &excelize.Style{NumFmt: 49, Alignment: top}},
		{wrapped, &excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	} {
		id, err := x.f.NewStyle(s.style)
		if err != nil {
			return err
		}
		x.styleOf[s.key] = id
	}
	return nil
}

func (x *writer) startSheet(s xlsxwire.Sheet, first bool, b *xlsxwire.Book) error {
	f := x.f
	x.sheet, x.cover, x.rowNo, x.widths = s.Name, s.Cover, 0, s.Widths
	if first {
		if err := f.SetSheetName("Sheet1", s.Name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(s.Name); err != nil {
		return err
	}
	// Before the stream writer: it writes the sheet's properties first.
	if err := x.pageSetup(s.Name, !s.Cover, b); err != nil {
		return err
	}
	if s.Cover {
		for i, w := range s.Widths {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetColWidth(s.Name, col, col, w); err != nil {
				return err
			}
		}
		return nil
	}
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return err
	}
	// Column widths and styles must be set before the first row.
	for i, w := range s.Widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	for i, t := range s.Text {
		if !t {
			continue
		}
		// An empty cell of a text column is text (@) too: a phone typed
		// into it later keeps its leading 0. Its written cells have
		// styles of their own (the column titles theirs).
		if err := sw.SetColStyle(i+1, i+1, x.styleOf[16+xlsxwire.Text]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	x.sw = sw
	return nil
}

func (x *writer) endSheet() error {
	if x.sw == nil {
		return nil
	}
	sw := x.sw
	x.sw = nil
	return sw.Flush()
}

// value is a cell's value as excelize takes it.
func value(c xlsxwire.Cell) any {
	switch c.Kind {
	case xlsxwire.Text:
		return c.S
	case xlsxwire.Int:
		return c.I
	case xlsxwire.Number, xlsxwire.Percent:
		return c.N
	case xlsxwire.Date:
		return time.Unix(c.I, 0).UTC()
	}
	return nil
}

// style is a cell's style id: the one it names, else, in a section, its
// kind's; 0 for a plain cell.
func (x *writer) style(c xlsxwire.Cell) int {
	if c.Style != xlsxwire.Plain || x.cover {
		return x.styleOf[c.Style]
	}
	if c.Kind == xlsxwire.Text && strings.Contains(c.S, "\n") {
		return x.styleOf[wrapped]
	}
	return x.styleOf[16+c.Kind]
}

// noteLines is how many lines the cover's row of cells takes: its texts in
// the Note style wrapped within their columns (a column of width w holds
// about w characters of the Latin alphabet, w/2 Chinese ones).
func (x *writer) noteLines(cells []xlsxwire.Cell) int {
	lines := 1
	for i, c := range cells {
		if c.Kind != xlsxwire.Text || c.Style != xlsxwire.Note || i >= len(x.widths) || x.widths[i] < 2 {
			continue
		}
		per := int(x.widths[i]) - 1 // a little room for the cell's margins
		n := 0
		for _, l := range strings.Split(c.S, "\n") {
			n += max(1, (displaywidth.String(l)+per-1)/per)
		}
		lines = max(lines, n)
	}
	return lines
}

// wrapped is the key of the style of a section's text of several lines.
const wrapped = 64

func (x *writer) row(cells []xlsxwire.Cell, vals []any) ([]any, error) {
	x.rowNo++
	if x.cover {
		for i, c := range cells {
			if c.Kind == xlsxwire.Null {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, x.rowNo)
			if err := x.f.SetCellValue(x.sheet, cell, value(c)); err != nil {
				return vals, err
			}
			if id := x.style(c); id != 0 {
				if err := x.f.SetCellStyle(x.sheet, cell, cell, id); err != nil {
					return vals, err
				}
			}
		}
		if lines := x.noteLines(cells); lines > 1 {
			// As for a streamed row (below): LibreOffice shows a wrapped
			// text's first line only in a row with no height of its own.
			return vals, x.f.SetRowHeight(x.sheet, x.rowNo, min(15*float64(lines), 409))
		}
		return vals, nil
	}
	vals = vals[:0]
	lines := 1 // the most lines of a text in the row
	for _, c := range cells {
		if c.Kind == xlsxwire.Text {
			lines = max(lines, strings.Count(strings.TrimRight(c.S, "\n"), "\n")+1)
		}
		switch id := x.style(c); {
		case c.Kind == xlsxwire.Null:
			vals = append(vals, nil)
		case id == 0:
			vals = append(vals, value(c))
		default:
			vals = append(vals, excelize.Cell{StyleID: id, Value: value(c)})
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.rowNo)
	if x.rowNo == 1 { // the column titles
		return vals, x.sw.SetRow(cell, vals, excelize.RowOpts{Height: 20})
	}
	if lines > 1 {
		// A streamed row has no height of its own, and LibreOffice then
		// shows and prints the first line of a wrapped text only: give
		// it one line's height (15 pt) per line, up to Excel's 409.
		return vals, x.sw.SetRow(cell, vals, excelize.RowOpts{Height: min(15*float64(lines), 409)})
	}
	return vals, x.sw.SetRow(cell, vals)
}

// pageSetup sets how sheet prints: A4 landscape, fitted to one page wide
// and as many high as needed, narrow margins, the book's page header and
// footer, and, with titleRow, row 1 (the column titles) repeated at the
// top of every page (the sheet's _xlnm.Print_Titles). The sheet
// properties (fit to page) must be set before a stream writer starts the
// sheet.
func (x *writer) pageSetup(sheet string, titleRow bool, b *xlsxwire.Book) error {
	f := x.f
	a4, landscape, wide, high := 9, "landscape", 1, 0 // high 0: as many pages as needed
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &wide, FitToHeight: &high}); err != nil {
		return err
	}
	side, topBottom, hf := 0.5, 0.75, 0.3 // inches
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &side, Right: &side, Top: &topBottom, Bottom: &topBottom, Header: &hf, Footer: &hf,
	}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: b.PageHeader, OddFooter: b.PageFooter}); err != nil {
		return err
	}
	if !titleRow {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: "'" + strings.ReplaceAll(sheet, "'", "''") + "'!$1:$1",
		Scope:    sheet,
	})
}

func (x *writer) finish(out io.Writer, b *xlsxwire.Book) error {
	props := &excelize.DocProperties{
		Title:    b.Title,
		Subject:  b.Subject,
		Creator:  b.Creator,
		Language: b.Language,
		Created:  b.Created,
		Modified: b.Created,
	}
	if err := x.f.SetDocProps(props); err != nil {
		return err
	}
	// The workbook is zipped straight into out. f.Write alone builds the
	// whole file in memory first (WriteToBuffer) and then copies it: the
	// 核定 register of ten years at 100,000 dossiers is a 26 MB file, and
	// the buffer growing to it took the command from 245 MB to 365 MB.
	// WriteToBuffer then hands out an empty buffer.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(out) })
	return x.f.Write(out)
}

// Read reads one sheet of the workbook in r (the first, or the one
// named): the cells as shown, and the stored values beside them for
// numbers and dates. Of crm's own register (crmRegister) the first is its
// data sheet, not the cover before it.
func Read(r io.Reader, sheet, tmp string) *xlsxwire.ReadResult {
	res := &xlsxwire.ReadResult{}
	o := excelize.Options{TmpDir: tmp}
	data, err := io.ReadAll(r) // as OpenReader does: markNumbers reads it again
	if err != nil {
		res.Problem, res.Detail = "open", err.Error()
		return res
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), o)
	if err != nil {
		res.Problem, res.Detail = "open", err.Error()
		return res
	}
	defer f.Close()
	res.Sheets = f.GetSheetList()
	if sheet == "" {
		if len(res.Sheets) == 0 {
			res.Problem = "no-sheet"
			return res
		}
		sheet = res.Sheets[0]
		if crmRegister(f, res.Sheets) {
			sheet = res.Sheets[1]
		}
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		res.Problem = "unknown-sheet"
		return res
	}
	res.Sheet = sheet
	shown, err := f.GetRows(sheet)
	if err != nil {
		res.Problem, res.Detail = "sheet", err.Error()
		return res
	}
	raw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		res.Problem, res.Detail = "sheet", err.Error()
		return res
	}
	wb, _ := f.GetWorkbookProps()
	date1904 := wb.Date1904 != nil && *wb.Date1904
	res.Rows = make([][]xlsxwire.ReadCell, len(shown))
	for i, sr := range shown {
		row := make([]xlsxwire.ReadCell, len(sr))
		for j, s := range sr {
			row[j].Text = s
			switch {
			case i < len(raw) && j < len(raw[i]) && raw[i][j] != s:
				// A display format applied: a number or a date.
				row[j].Raw, row[j].Number = raw[i][j], true
				row[j].Date = excelDate(raw[i][j], date1904)
			}
		}
		res.Rows[i] = row
	}
	markNumbers(data, sheet, res.Rows, zeroPadWidth(f))
	return res
}

// zeroPadWidth returns, per cell style index, how many digits the
// style's number format pads a whole number to with leading zeros: 11
// for the custom format 00000000000 (which shows 2112345678 as
// 02112345678), 1 for the format 0, and 0 for any other format (General
// among them). Each style is looked up once.
func zeroPadWidth(f *excelize.File) func(style int) int {
	widths := map[int]int{}
	return func(style int) int {
		if w, ok := widths[style]; ok {
			return w
		}
		w := 0
		if st, err := f.GetStyle(style); err == nil && st != nil {
			code := ""
			switch {
			case st.CustomNumFmt != nil:
				code = *st.CustomNumFmt
			case st.NumFmt == 1: // built in: 0
				code = "0"
			}
			// The format of positive numbers is the first of its
			// sections (positive;negative;zero;text).
			code, _, _ = strings.Cut(code, ";")
			if code != "" && strings.Trim(code, "0") == "" {
				w = len(code)
			}
		}
		widths[style] = w
		return w
	}
}

// digitsRE matches what a number shown as stored looks like.
var digitsRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`) })

// markNumbers marks the cells of rows that the workbook data stores as
// numbers shown as stored (the General format), which GetRows cannot tell
// from text: 02112345678 typed into such a cell is 2112345678. It reads
// the sheet's XML as a stream for the cells' types: excelize's own
// GetCellType loads the whole sheet (1.1 GB of heap for 100,000 rows of
// 20 cells, against 130 MB for GetRows). What it cannot read it leaves.
// It also marks Padded the numbers whose format (padWidth of the cell's
// style) puts the leading zeros back to the width shown: their text is
// every digit as typed.
func markNumbers(data []byte, sheet string, rows [][]xlsxwire.ReadCell, padWidth func(style int) int) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return
	}
	part := sheetPart(zr, sheet)
	if part == nil {
		return
	}
	rc, err := part.Open()
	if err != nil {
		return
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	rowNo, col := 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch e.Name.Local {
		case "row":
			rowNo, col = rowNo+1, 0
			if r := attr(e, "r"); r != "" {
				if n, err := strconv.Atoi(r); err == nil {
					rowNo = n
				}
			}
		case "c":
			col++
			if r := attr(e, "r"); r != "" {
				if c, rn, err := excelize.CellNameToCoordinates(r); err == nil {
					col, rowNo = c, rn
				}
			}
			if t := attr(e, "t"); t != "" && t != "n" {
				continue
			}
			if rowNo < 1 || rowNo > len(rows) || col < 1 || col > len(rows[rowNo-1]) {
				continue
			}
			c := &rows[rowNo-1][col-1]
			if !c.Number && digitsRE().MatchString(c.Text) {
				c.Raw, c.Number = c.Text, true
			}
			if c.Number {
				c.Padded = padded(c, attr(e, "s"), padWidth)
			}
		}
	}
}

// padded tells whether the number cell c, of the style s, shows every
// digit it was typed with: its format pads it with zeros at least to the
// width shown, and the text is the stored whole number so padded.
func padded(c *xlsxwire.ReadCell, s string, padWidth func(style int) int) bool {
	style, err := strconv.Atoi(s)
	if err != nil || style < 0 || padWidth(style) < len(c.Text) {
		return false
	}
	raw := strings.TrimLeft(c.Raw, "0")
	return strings.Trim(c.Text, "0123456789") == "" && strings.TrimLeft(c.Text, "0") == raw &&
		strings.Trim(raw, "0123456789") == ""
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// sheetPart finds the XML part of the sheet named sheet, through the
// workbook and its relationships.
func sheetPart(zr *zip.Reader, sheet string) *zip.File {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	parts := map[string]*zip.File{}
	for _, zf := range zr.File {
		parts[strings.ToLower(zf.Name)] = zf
	}
	load := func(name string, v any) bool {
		zf := parts[name]
		if zf == nil {
			return false
		}
		rc, err := zf.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v) == nil
	}
	if !load("xl/workbook.xml", &wb) || !load("xl/_rels/workbook.xml.rels", &rels) {
		return nil
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID != s.ID {
				continue
			}
			target := strings.TrimPrefix(r.Target, "/")
			if !strings.HasPrefix(r.Target, "/") {
				target = path.Join("xl", target)
			}
			return parts[strings.ToLower(target)]
		}
	}
	return nil
}

// excelDate is the date the stored number s stands for in the workbook's
// date system (1900, or 1904), YYYY-MM-DD, or "" when s is no number of a
// day Excel shows (1 to 2,958,465: up to 9999-12-31).
func excelDate(s string, date1904 bool) string {
	f, err := strconv.ParseFloat(s, 64)
	limit := 2958466.0
	if date1904 {
		limit -= 1462 // 1904-01-01 is 1900's day 1,462
	}
	if err != nil || f < 1 || f >= limit {
		return ""
	}
	t, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// coverNames are the names crm gives a workbook's cover sheet
// (report.coverName, in either language).
var coverNames = []string{"说明", "About"}

// crmRegister reports whether f is a workbook crm wrote with one data
// sheet after its cover: made by crm (the creator, which Excel and
// LibreOffice keep when the file is edited and saved), two sheets, the
// first named as crm names its cover. Such a workbook (crm export
// register) reads back with crm import without --sheet; any other with
// several sheets is read from its first, and says which sheets it has
// if that holds no header.
func crmRegister(f *excelize.File, sheets []string) bool {
	if len(sheets) != 2 || !slices.Contains(coverNames, sheets[0]) {
		return false
	}
	p, err := f.GetDocProps()
	return err == nil && p.Creator == "crm"
}
