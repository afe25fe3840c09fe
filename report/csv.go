package report

import (
	"bufio"
	"encoding/csv"
	"strings"

	"crm/archive"
)

// BOM is the UTF-8 byte-order mark written at the start of CSV output when
// Options.BOM is set.
const BOM = "\uFEFF"

// renderCSV writes one block per section, blocks separated by an empty line:
//
//	客户信息报表                      report title (one cell)
//	统计期间：2026-10                 period, generation time, notes: one cell each
//	                                  empty line
//	本月档案变动                      section title (one cell)
//	新建,更新,…                       column titles
//	3,12,…                            rows
//	注：…                             the section's note, if any (one cell)
//
// Rows therefore have different lengths: a reader must allow that (Go:
// csv.Reader.FieldsPerRecord = -1). Text cells that Excel would run as a
// formula (starting with = + - @, tab or CR) get a leading ', and long digit
// strings (phone numbers, ids) and digit strings with a leading zero are
// written as ="…" so that Excel keeps them as text. Numbers, percentages
// ("12.5%") and dates ("2026-10-05") are written plainly, negative numbers
// included.
func renderCSV(w *bufio.Writer, r *Report, lang string, bom bool) error {
	if bom {
		w.WriteString(BOM)
	}
	cw := csv.NewWriter(w)
	title, lines := header(r, lang)
	one := func(s string) { cw.Write([]string{csvText(s)}) }
	one(title)
	for _, l := range lines {
		one(l)
	}
	for _, s := range r.Sections {
		cw.Write(nil) // an empty line
		one(s.Title.In(lang))
		rec := make([]string, len(s.Columns))
		for i, c := range s.Columns {
			rec[i] = csvText(c.Title(lang))
		}
		cw.Write(rec)
		for k := range s.Len() {
			for i, c := range s.Columns {
				v := s.cellIn(k, c.Key, lang)
				if c.Kind == KindText {
					rec[i] = csvText(v.s)
				} else {
					rec[i] = v.format(c.Kind)
				}
			}
			cw.Write(rec)
		}
		if !s.Note.IsZero() {
			one(labelled(lNote, lang, s.Note.In(lang)))
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText makes a text cell safe and faithful for spreadsheet programs:
// control characters as U+FFFD (cleanCSV), formulas and long digit
// strings kept as text. crm import undoes the ' and the ="…" it adds.
func csvText(s string) string {
	if s == "" {
		return s
	}
	s = cleanCSV(s) // no escape sequences into the file
	if digitID(s) {
		return `="` + s + `"`
	}
	if formulaStart(strings.TrimLeft(s, "'")) {
		// also before a text that starts with ' and a formula's first
		// character: crm import takes one ' off such a cell
		return "'" + s
	}
	return s
}

// formulaStart reports whether a spreadsheet program would read s as a
// formula (or run it): it starts with = + - @, tab or CR.
func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// digitID reports whether s is an optional + followed by digits that a
// spreadsheet would damage as a number: 11 digits or more (a mobile number,
// an id: shown in scientific notation, rounded past 15 digits) or a leading
// zero.
func digitID(s string) bool {
	d := strings.TrimPrefix(s, "+")
	if d == "" {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return len(d) >= 11 || (len(d) > 1 && d[0] == '0') || len(d) < len(s)
}

// cleanCSV replaces the control characters of s by U+FFFD, but the line
// breaks and tabs a CSV cell may hold (quoted).
func cleanCSV(s string) string {
	if !strings.ContainsFunc(s, csvControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if csvControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// csvControl: what clean replaces (archive.UnsafeRune: controls, and the
// bidirectional and invisible characters a dossier written before crm
// refused them may hold), but the line breaks and tabs a CSV cell keeps.
func csvControl(r rune) bool {
	return r != '\n' && r != '\r' && r != '\t' && archive.UnsafeRune(r)
}
