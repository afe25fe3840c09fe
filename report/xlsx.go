package report

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/clipperhouse/displaywidth"
	"github.com/xuri/excelize/v2"
)

// Sheet and column limits of the XLSX writer.
const (
	maxSheetName = 31        // Excel's limit, in UTF-16 code units
	maxSheetRows = 1_048_576 // Excel's limit, header row included
	minColWidth  = 6
	maxColWidth  = 80
)

var coverName = Text{Zh: "说明", En: "About"}

// renderXLSX writes a workbook: a first sheet "说明" (About) with the title,
// marking, period, generation time, notes and a list of the sections with
// their notes; then one sheet per section, named after its title, with a
// styled, frozen header row, columns sized to their content (CJK characters
// count double) and typed cells: numbers as numbers (#,##0.00, counts
// #,##0), percentages as numbers formatted 0.0%, dates as dates formatted
// yyyy-mm-dd, text as text.
//
// Every sheet prints on A4 landscape, one page wide (as many pages high as
// it needs), a section's header row repeated on every page (print titles),
// the marking, title and period in the page header and "第 x 页 / 共 y 页"
// in the footer (see pageSetup).
func renderXLSX(w io.Writer, r *Report, lang string, o Options) error {
	var opts []excelize.Options
	if o.TmpDir != "" {
		opts = append(opts, excelize.Options{
			TmpDir:            o.TmpDir,
			UnzipSizeLimit:    excelize.UnzipSizeLimit, // the defaults NewFile() would use
			UnzipXMLSizeLimit: excelize.StreamChunkSize,
		})
	}
	f := excelize.NewFile(opts...)
	defer f.Close()
	x := &xlsxWriter{f: f, lang: lang, used: map[string]bool{}}
	if err := x.styles(); err != nil {
		return err
	}
	x.pageHeader, x.pageFooter = pageHeaderFooter(r, lang)
	cover := x.sheetName(coverName.In(lang))
	if err := f.SetSheetName("Sheet1", cover); err != nil {
		return err
	}
	names := make([]string, len(r.Sections))
	for i, s := range r.Sections {
		names[i] = x.sheetName(s.Title.In(lang))
	}
	if err := x.cover(cover, r, names); err != nil {
		return fmt.Errorf("report %s: writing the XLSX cover sheet: %w", r.Name, err)
	}
	for i, s := range r.Sections {
		if err := x.section(names[i], s); err != nil {
			return fmt.Errorf("report %s, section %s: %w", r.Name, s.Key, err)
		}
	}
	props := &excelize.DocProperties{
		Title:    r.Title.In(lang),
		Subject:  r.Period,
		Creator:  "crm",
		Language: map[string]string{LangZh: "zh-CN", LangEn: "en-US"}[lang],
	}
	if !r.GeneratedAt.IsZero() {
		props.Created = r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	// The workbook is zipped straight into w. f.Write alone builds the
	// whole file in memory first (WriteToBuffer) and then copies it: the
	// 核定 register of ten years at 100,000 dossiers is a 26 MB file, and
	// the buffer growing to it took the command from 245 MB to 365 MB.
	// WriteToBuffer then hands w an empty buffer.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report %s: writing XLSX: %w", r.Name, err)
	}
	return nil
}

type xlsxWriter struct {
	f    *excelize.File
	lang string
	used map[string]bool // sheet names taken, lower-cased (Excel ignores case)

	head, bold, mark, num, integer, pct, date int    // style ids
	pageHeader, pageFooter                    string // header and footer codes of every sheet
}

func (x *xlsxWriter) styles() error {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	pctFmt, dateFmt := "0.0%", "yyyy-mm-dd"
	var err error
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&x.head, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Border:    border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}},
		{&x.bold, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&x.mark, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}}},
		// Built-in formats 4 (#,##0.00) and 3 (#,##0): thousands separators.
		{&x.num, &excelize.Style{NumFmt: 4}},
		{&x.integer, &excelize.Style{NumFmt: 3}},
		{&x.pct, &excelize.Style{CustomNumFmt: &pctFmt}},
		{&x.date, &excelize.Style{CustomNumFmt: &dateFmt}},
	} {
		if *s.id, err = x.f.NewStyle(s.style); err != nil {
			return err
		}
	}
	return nil
}

// sheetName turns a title into a valid, unused sheet name: no []:*?/\
// (replaced by _), no ' at either end, at most 31 UTF-16 units, not
// "History" (reserved by Excel), unique ignoring case (a " (2)" is added).
func (x *xlsxWriter) sheetName(title string) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`[]:*?/\`, r):
			return '_'
		case r < ' ' || r == 0x7f:
			return -1
		}
		return r
	}, title)
	base = strings.Trim(strings.TrimSpace(base), "'")
	if base == "" || strings.EqualFold(base, "History") {
		base += "_"
	}
	for n := 1; ; n++ {
		suffix := ""
		if n > 1 {
			suffix = fmt.Sprintf(" (%d)", n)
		}
		name := strings.TrimRight(truncUTF16(base, maxSheetName-len(suffix)), "' ") + suffix
		if !x.used[strings.ToLower(name)] {
			x.used[strings.ToLower(name)] = true
			return name
		}
	}
}

// truncUTF16 cuts s to at most n UTF-16 code units, on a rune boundary.
func truncUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

func (x *xlsxWriter) cover(sheet string, r *Report, names []string) error {
	f, lang := x.f, x.lang
	row := 1
	set := func(vals ...any) error {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
		}
		row++
		return nil
	}
	if err := set(r.Title.In(lang)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", x.bold); err != nil {
		return err
	}
	_, lines := header(r, lang)
	for i, l := range lines {
		if err := set(l); err != nil {
			return err
		}
		if i == 0 && r.Marking != "" { // header's first line is the marking
			if err := f.SetCellStyle(sheet, "A2", "A2", x.mark); err != nil {
				return err
			}
		}
	}
	row++
	head := []Text{{Zh: "工作表", En: "Sheet"}, {Zh: "内容", En: "Contents"}, {Zh: "行数", En: "Rows"}, {Zh: "注", En: "Note"}}
	first := row
	if err := set(head[0].In(lang), head[1].In(lang), head[2].In(lang), head[3].In(lang)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, fmt.Sprintf("A%d", first), fmt.Sprintf("D%d", first), x.head); err != nil {
		return err
	}
	widths := []int{displaywidth.String(head[0].In(lang)), displaywidth.String(head[1].In(lang)), 6, 40}
	for i, s := range r.Sections {
		if err := set(names[i], s.Title.In(lang), s.Len(), s.Note.In(lang)); err != nil {
			return err
		}
		widths[0] = max(widths[0], displaywidth.String(names[i]))
		widths[1] = max(widths[1], displaywidth.String(s.Title.In(lang)))
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, colWidth(wd)); err != nil {
			return err
		}
	}
	return x.pageSetup(sheet, false)
}

func colWidth(w int) float64 {
	return float64(min(max(w+2, minColWidth), maxColWidth))
}

func (x *xlsxWriter) section(sheet string, s Section) error {
	if s.Len()+1 > maxSheetRows {
		return fmt.Errorf("%d rows do not fit in one XLSX sheet (at most %d): choose the CSV or JSON format", s.Len(), maxSheetRows-1)
	}
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	// Before the stream writer: it writes the sheet's properties first.
	if err := x.pageSetup(sheet, true); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Column widths must be set before the first row: measure first.
	for i, c := range s.Columns {
		wd := textWidth(c.Title(x.lang))
		for k := range s.Len() {
			wd = max(wd, textWidth(grouped(s.Cell(k, c.Key).format(c.Kind), c.Kind)))
		}
		if err := sw.SetColWidth(i+1, i+1, colWidth(wd)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		cells[i] = excelize.Cell{StyleID: x.head, Value: c.Title(x.lang)}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for j := range s.Len() {
		for i, c := range s.Columns {
			v := s.Cell(j, c.Key)
			switch {
			case v.k == vNull:
				cells[i] = nil
			case c.Kind == KindInt:
				cells[i] = excelize.Cell{StyleID: x.integer, Value: v.int()}
			case c.Kind == KindNumber:
				cells[i] = excelize.Cell{StyleID: x.num, Value: v.num()}
			case c.Kind == KindPercent:
				cells[i] = excelize.Cell{StyleID: x.pct, Value: v.num()}
			case c.Kind == KindDate:
				cells[i] = excelize.Cell{StyleID: x.date, Value: v.date()}
			default:
				cells[i] = v.s
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, j+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// pageSetup sets how sheet prints: A4 landscape, fitted to one page wide
// and as many high as needed, narrow margins, the report's page header and
// footer, and, with titleRow, row 1 (the column titles) repeated at the top
// of every page (the sheet's _xlnm.Print_Titles). The sheet properties
// (fit to page) must be set before a stream writer starts the sheet.
func (x *xlsxWriter) pageSetup(sheet string, titleRow bool) error {
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
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddHeader: x.pageHeader, OddFooter: x.pageFooter}); err != nil {
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

// maxHeaderField is Excel's limit on a header or footer, in UTF-16 units.
const maxHeaderField = 255

// pageHeaderFooter returns the header and footer codes of every sheet:
// the marking (bold, left), the title (centre) and the period (right) on
// top; the sheet's name (left) and "第 x 页 / 共 y 页" (centre) below.
func pageHeaderFooter(r *Report, lang string) (head, foot string) {
	esc := func(s string) string { return strings.ReplaceAll(clean(strings.ReplaceAll(s, "\n", " ")), "&", "&&") }
	if m := markingText(r, lang); m != "" {
		head += `&L&"-,Bold"` + esc(m)
	}
	period := ""
	if r.Period != "" {
		period = "&R" + esc(labelled(lPeriod, lang, r.Period))
	}
	// A long title from a layout override is cut so that the whole header
	// stays within Excel's limit.
	title, room := r.Title.In(lang), maxHeaderField-2-utf16Len(head+period)
	for t := []rune(title); utf16Len(esc(title)) > room && len(t) > 0; {
		t = t[:len(t)-1]
		title = string(t) + "…"
	}
	head += "&C" + esc(title) + period
	if lang == LangEn {
		foot = "&L&A&CPage &P of &N"
	} else {
		foot = "&L&A&C第 &P 页 / 共 &N 页"
	}
	return head, foot
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// grouped adds the thousands separators the XLSX number formats show to a
// number written by Value.format, so that columns are measured as printed.
func grouped(s string, k Kind) string {
	if k != KindInt && k != KindNumber {
		return s
	}
	digits, rest := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits, rest = s[:i], s[i:]
	}
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return sign + digits + rest
}

// textWidth is the display width of s's widest line (CJK counts 2).
func textWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, displaywidth.String(line))
	}
	return w
}
