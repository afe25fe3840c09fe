package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/clipperhouse/displaywidth"

	"crm/l10n"
	"crm/report/xlsxwire"
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
// in the footer.
//
// What the workbook holds is decided here; the XLSX helper, crm-xlsx, lays
// it out (package xlsxwire says why it is a process of its own).
func renderXLSX(w io.Writer, r *Report, lang string, o Options) error {
	for _, s := range r.Sections {
		if s.Len()+1 > maxSheetRows {
			return l10n.Errorf("report %s, section %s: %d rows do not fit in one XLSX sheet (at most %d): choose the CSV or JSON format", r.Name, s.Key, s.Len(), maxSheetRows-1)
		}
	}
	out := &helperOutput{w: w}
	err := xlsxwire.Run(xlsxwire.WriteArgs(o.TmpDir), out, func(in io.Writer) error {
		return writeBook(xlsxwire.NewWriter(in), r, lang)
	})
	if err == nil && out.n == 0 { // a helper that is not crm-xlsx, or one cut short
		err = l10n.Errorf("%s wrote no workbook", xlsxwire.Helper)
	}
	if err != nil {
		return l10n.Errorf("report %s: writing XLSX: %w", r.Name, err)
	}
	return nil
}

// helperOutput counts what the helper wrote.
type helperOutput struct {
	w io.Writer
	n int64
}

func (c *helperOutput) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeBook sends the workbook of r to the XLSX helper.
func writeBook(x *xlsxwire.Writer, r *Report, lang string) error {
	used := map[string]bool{} // sheet names taken, lower-cased (Excel ignores case)
	head, foot := pageHeaderFooter(r, lang)
	b := xlsxwire.Book{
		Title:      r.Title.In(lang),
		Subject:    coverage(r, lang),
		Creator:    "crm",
		Language:   map[string]string{LangZh: "zh-CN", LangEn: "en-US"}[lang],
		PageHeader: head,
		PageFooter: foot,
	}
	if !r.GeneratedAt.IsZero() {
		b.Created = r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := x.Book(b); err != nil {
		return err
	}
	cover := sheetName(used, coverName.In(lang))
	names := make([]string, len(r.Sections))
	for i, s := range r.Sections {
		names[i] = sheetName(used, s.Title.In(lang))
	}
	if err := writeCover(x, cover, r, lang, names); err != nil {
		return err
	}
	// The register export is the spreadsheet copy of the dossiers for
	// analysis (R6.2) that crm import reads back: data, like CSV, where a
	// (无记录) row would read as a record.
	none := r.Name != "register"
	for i, s := range r.Sections {
		if err := writeSection(x, names[i], s, lang, none); err != nil {
			return err
		}
	}
	return x.End()
}

// sheetName turns a title into a valid, unused sheet name: no []:*?/\
// (replaced by _), no ' at either end, at most 31 UTF-16 units, not
// "History" (reserved by Excel), unique ignoring case (a " (2)" is added).
func sheetName(used map[string]bool, title string) string {
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
		if !used[strings.ToLower(name)] {
			used[strings.ToLower(name)] = true
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

// maxCellText is Excel's limit on a cell's text, in UTF-16 code units:
// excelize cuts longer texts to it, and xlsxwire refuses texts over 1 MiB.
const maxCellText = 32767

func text(s string, style byte) xlsxwire.Cell {
	return xlsxwire.Cell{Kind: xlsxwire.Text, Style: style, S: truncUTF16(s, maxCellText)}
}

// coverNoteWidth is the width of the cover's note column, in characters
// of the Latin alphabet (a Chinese one takes two): its notes wrap within it.
const coverNoteWidth = 60

func writeCover(x *xlsxwire.Writer, sheet string, r *Report, lang string, names []string) error {
	head := []Text{{Zh: "工作表", En: "Sheet"}, {Zh: "内容", En: "Contents"}, {Zh: "行数", En: "Rows"}, {Zh: "注", En: "Note"}}
	widths := []int{displaywidth.String(head[0].In(lang)), displaywidth.String(head[1].In(lang)), 6, coverNoteWidth}
	for i, s := range r.Sections {
		widths[0] = max(widths[0], displaywidth.String(names[i]))
		widths[1] = max(widths[1], displaywidth.String(s.Title.In(lang)))
	}
	ws := make([]float64, len(widths))
	for i, wd := range widths {
		ws[i] = colWidth(wd)
	}
	if err := x.Sheet(xlsxwire.Sheet{Name: sheet, Cover: true, Widths: ws}); err != nil {
		return err
	}
	if err := x.Row([]xlsxwire.Cell{text(r.Title.In(lang), xlsxwire.Title)}); err != nil {
		return err
	}
	_, lines := header(r, lang)
	for i, l := range lines {
		style := xlsxwire.Plain
		if i == 0 && r.Marking != "" { // header's first line is the marking
			style = xlsxwire.Marking
		}
		if err := x.Row([]xlsxwire.Cell{text(l, style)}); err != nil {
			return err
		}
	}
	if err := x.Row(nil); err != nil {
		return err
	}
	if err := x.Row([]xlsxwire.Cell{
		text(head[0].In(lang), xlsxwire.Head), text(head[1].In(lang), xlsxwire.Head),
		text(head[2].In(lang), xlsxwire.Head), text(head[3].In(lang), xlsxwire.Head),
	}); err != nil {
		return err
	}
	for i, s := range r.Sections {
		if err := x.Row([]xlsxwire.Cell{
			text(names[i], xlsxwire.Note), text(s.Title.In(lang), xlsxwire.Note),
			{Kind: xlsxwire.Int, Style: xlsxwire.Note, I: int64(s.Len())}, text(s.Note.In(lang), xlsxwire.Note),
		}); err != nil {
			return err
		}
	}
	return nil
}

func colWidth(w int) float64 {
	return float64(min(max(w+2, minColWidth), maxColWidth))
}

// writeSection writes section s as sheet; with none, an empty section's
// sheet says (无记录) under its column titles.
func writeSection(x *xlsxwire.Writer, sheet string, s Section, lang string, none bool) error {
	// Column widths come before the first row: measure first.
	ws := make([]float64, len(s.Columns))
	isText := make([]bool, len(s.Columns))
	for i, c := range s.Columns {
		switch c.Kind {
		case KindInt, KindNumber, KindPercent, KindDate:
		default:
			isText[i] = true
		}
		wd := textWidth(c.Title(lang))
		for k := range s.Len() {
			wd = max(wd, textWidth(grouped(s.cellIn(k, c.Key, lang).format(c.Kind), c.Kind)))
		}
		if i == 0 && s.Len() == 0 && none {
			wd = max(wd, textWidth(labels[lNone].In(lang)))
		}
		ws[i] = colWidth(wd)
	}
	if err := x.Sheet(xlsxwire.Sheet{Name: sheet, Widths: ws, Text: isText}); err != nil {
		return err
	}
	cells := make([]xlsxwire.Cell, len(s.Columns))
	for i, c := range s.Columns {
		cells[i] = text(c.Title(lang), xlsxwire.Head)
	}
	if err := x.Row(cells); err != nil {
		return err
	}
	if s.Len() == 0 && none {
		// As the table and Markdown say under an empty section: a sheet
		// of column titles alone reads as a list cut off.
		return x.Row([]xlsxwire.Cell{text(labels[lNone].In(lang), xlsxwire.Plain)})
	}
	for j := range s.Len() {
		for i, c := range s.Columns {
			v := s.cellIn(j, c.Key, lang)
			switch {
			case v.k == vNull:
				cells[i] = xlsxwire.Cell{}
			case c.Kind == KindInt:
				cells[i] = xlsxwire.Cell{Kind: xlsxwire.Int, I: v.int()}
			case c.Kind == KindNumber:
				cells[i] = xlsxwire.Cell{Kind: xlsxwire.Number, N: v.num()}
			case c.Kind == KindPercent:
				cells[i] = xlsxwire.Cell{Kind: xlsxwire.Percent, N: v.num()}
			case c.Kind == KindDate:
				cells[i] = xlsxwire.Cell{Kind: xlsxwire.Date, I: v.date().Unix()}
			default:
				cells[i] = text(v.s, 0)
			}
		}
		if err := x.Row(cells); err != nil {
			return err
		}
	}
	return nil
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
	if c := coverage(r, lang); c != "" {
		period = "&R" + esc(labelled(lPeriod, lang, c))
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
