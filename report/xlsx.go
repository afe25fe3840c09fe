package report

import (
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
// period, generation time, notes and a list of the sections with their
// notes; then one sheet per section, named after its title, with a styled,
// frozen header row, columns sized to their content (CJK characters count
// double) and typed cells: numbers as numbers, percentages as numbers
// formatted 0.0%, dates as dates formatted yyyy-mm-dd, text as text.
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
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report %s: writing XLSX: %w", r.Name, err)
	}
	return nil
}

type xlsxWriter struct {
	f    *excelize.File
	lang string
	used map[string]bool // sheet names taken, lower-cased (Excel ignores case)

	head, bold, num, pct, date int // style ids
}

func (x *xlsxWriter) styles() error {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	numFmt, pctFmt, dateFmt := "0.00", "0.0%", "yyyy-mm-dd"
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
		{&x.num, &excelize.Style{CustomNumFmt: &numFmt}},
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
	for _, l := range lines {
		if err := set(l); err != nil {
			return err
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
		if err := set(names[i], s.Title.In(lang), len(s.Rows), s.Note.In(lang)); err != nil {
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
	return nil
}

func colWidth(w int) float64 {
	return float64(min(max(w+2, minColWidth), maxColWidth))
}

func (x *xlsxWriter) section(sheet string, s Section) error {
	if len(s.Rows)+1 > maxSheetRows {
		return fmt.Errorf("%d rows do not fit in one XLSX sheet (at most %d): use --format csv or json", len(s.Rows), maxSheetRows-1)
	}
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// Column widths must be set before the first row: measure first.
	for i, c := range s.Columns {
		wd := textWidth(c.Title(x.lang))
		for _, row := range s.Rows {
			wd = max(wd, textWidth(row[c.Key].format(c.Kind)))
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
	for j, row := range s.Rows {
		for i, c := range s.Columns {
			v := row[c.Key]
			switch {
			case v.k == vNull:
				cells[i] = nil
			case c.Kind == KindInt:
				cells[i] = v.i
			case c.Kind == KindNumber:
				cells[i] = excelize.Cell{StyleID: x.num, Value: v.f}
			case c.Kind == KindPercent:
				cells[i] = excelize.Cell{StyleID: x.pct, Value: v.f}
			case c.Kind == KindDate:
				cells[i] = excelize.Cell{StyleID: x.date, Value: v.t}
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

// textWidth is the display width of s's widest line (CJK counts 2).
func textWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, displaywidth.String(line))
	}
	return w
}
