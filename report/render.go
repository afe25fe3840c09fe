package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"crm/archive"
	"crm/l10n"
)

// Format is an output format of Render.
type Format int

// The formats Render writes.
const (
	Table    Format = iota + 1 // aligned plain-text tables (ASCII borders), for a terminal
	Markdown                   // GitHub-flavoured Markdown tables
	CSV                        // UTF-8 CSV, one block per section
	XLSX                       // an Excel workbook, one sheet per section
	JSON                       // the crm.report/v1 schema (see SCHEMA.md)
)

var formatNames = []string{Table: "table", Markdown: "md", CSV: "csv", XLSX: "xlsx", JSON: "json"}
var formatExts = []string{Table: ".txt", Markdown: ".md", CSV: ".csv", XLSX: ".xlsx", JSON: ".json"}

// ParseFormat parses a format name: table, md, csv, xlsx or json (any case;
// "markdown" is accepted for md).
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "markdown" {
		name = "md"
	}
	for f := Table; f <= JSON; f++ {
		if formatNames[f] == name {
			return f, nil
		}
	}
	return 0, l10n.Errorf("unknown report format %q: use one of %s", s, l10n.List(FormatNames()))
}

// FormatNames lists the accepted format names.
func FormatNames() []string { return formatNames[Table:] }

// FormatForFile guesses the format from a file name's extension (.txt, .md,
// .csv, .xlsx, .json).
func FormatForFile(name string) (Format, bool) {
	ext := strings.ToLower(filepath.Ext(name))
	for f := Table; f <= JSON; f++ {
		if formatExts[f] == ext {
			return f, true
		}
	}
	return 0, false
}

// String returns the format's name, as accepted by ParseFormat.
func (f Format) String() string {
	if f >= Table && f <= JSON {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Ext returns the usual file extension of f, with the dot.
func (f Format) Ext() string {
	if f >= Table && f <= JSON {
		return formatExts[f]
	}
	return ""
}

// Binary reports whether f is not text (XLSX), so should not go to a terminal.
func (f Format) Binary() bool { return f == XLSX }

// Languages of Options.Lang.
const (
	LangZh = "zh"
	LangEn = "en"
)

// Options tune Render.
type Options struct {
	// Lang is the language of titles and headers: "zh" (the default when
	// empty) or "en". A locale such as "zh_CN.UTF-8" or "en-US" is accepted.
	// JSON carries both languages and ignores it.
	Lang string
	// BOM starts CSV output with a UTF-8 byte-order mark, which Excel on
	// Chinese Windows needs to read UTF-8. Other formats ignore it.
	BOM bool
	// TmpDir is where the XLSX writer may spill large sheets. Point it at a
	// private memory-backed directory (e.g. under /dev/shm) so that plaintext
	// never lands on disk; empty means the system's temp directory.
	TmpDir string
}

func (o Options) lang() (string, error) {
	l := strings.ToLower(o.Lang)
	switch {
	case l == "" || strings.HasPrefix(l, "zh"):
		return LangZh, nil
	case strings.HasPrefix(l, "en"):
		return LangEn, nil
	}
	return "", l10n.Errorf("unknown report language %q: use zh or en", o.Lang)
}

// Render writes r to w in format f.
func Render(w io.Writer, r *Report, f Format, o Options) error {
	if r == nil {
		return errors.New("report: nothing to render (nil report)")
	}
	lang, err := o.lang()
	if err != nil {
		return err
	}
	if f == XLSX {
		return renderXLSX(w, r, lang, o)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case Table:
		err = renderTable(bw, r, lang)
	case Markdown:
		err = renderMarkdown(bw, r, lang)
	case CSV:
		err = renderCSV(bw, r, lang, o.BOM)
	case JSON:
		err = renderJSON(bw, r)
	default:
		return l10n.Errorf("unknown report format %v: use one of %s", f, l10n.List(FormatNames()))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// label is a fixed caption of the text formats.
type label int

const (
	lPeriod label = iota
	lGenerated
	lNote
	lNone
	lMarking
)

var labels = [...]Text{
	lPeriod:    {Zh: "统计期间", En: "Period"},
	lGenerated: {Zh: "生成时间", En: "Generated"},
	lNote:      {Zh: "注", En: "Note"},
	lNone:      {Zh: "（无记录）", En: "(none)"},
	lMarking:   {Zh: "密级", En: "Marking"},
}

// labelled returns "统计期间：2026-10" / "Period: 2026-10".
func labelled(l label, lang, value string) string {
	if lang == LangEn {
		return labels[l].En + ": " + value
	}
	return labels[l].Zh + "：" + value
}

// coverage is what r covers, as its 统计期间 line gives it: the period,
// or for a register made without one "全部（截至 2026-11-24）" / "all, up
// to 2026-11-24" (the generation date); "" when neither is known.
func coverage(r *Report, lang string) string {
	if r.Period != "" || !r.AllTime {
		return r.Period
	}
	all := Text{Zh: "全部", En: "all"}
	if r.GeneratedAt.IsZero() {
		return all.In(lang)
	}
	day := r.GeneratedAt.Format(time.DateOnly)
	return Text{Zh: all.Zh + "（截至 " + day + "）", En: all.En + ", up to " + day}.In(lang)
}

// header returns the lines above the first section: title, marking,
// period, generation time and the report's notes.
func header(r *Report, lang string) (title string, lines []string) {
	if m := markingText(r, lang); m != "" {
		lines = append(lines, labelled(lMarking, lang, m))
	}
	if c := coverage(r, lang); c != "" {
		lines = append(lines, labelled(lPeriod, lang, c))
	}
	if !r.GeneratedAt.IsZero() {
		lines = append(lines, labelled(lGenerated, lang, r.GeneratedAt.Format("2006-01-02 15:04:05 -07:00")))
	}
	for _, n := range r.Notes {
		lines = append(lines, labelled(lNote, lang, n.In(lang)))
	}
	return r.Title.In(lang), lines
}

// clean replaces control characters other than newline, and the
// bidirectional and invisible ones archive.UnsafeRune names, by U+FFFD and
// tabs by a space, so that data cannot move the terminal's cursor, change
// its colours or show a name reversed. (A dossier written before crm
// refused them may still hold them.)
func clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\t' || r == '\r' || archive.UnsafeRune(r) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r == '\r':
			return -1
		case archive.UnsafeRune(r):
			return '\uFFFD'
		}
		return r
	}, s)
}
