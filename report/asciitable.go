package report

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// ErrTableFallback is WriteASCIITable's answer for a table it leaves to
// tablewriter; nothing has been written then.
var ErrTableFallback = errors.New("table left to tablewriter")

// WriteASCIITable writes the plain-ASCII table tablewriter writes (its
// ASCII style, no automatic formatting or wrapping), each column
// left-aligned, or right-aligned, header too, where right says so (crm's
// tables and the reports'), in one pass to measure the columns and one
// to write through a buffer: tablewriter took seconds for a report's
// 56,000 lines. It draws a header of at least one column over any number
// of rows, none too, of as many cells, every cell, once trimmed of white space as tablewriter trims
// it, valid UTF-8 without control characters: no line breaks, tabs,
// carriage returns or ANSI escape sequences, which tablewriter splits,
// expands or measures otherwise. For anything else it returns
// ErrTableFallback before writing. Unlike tablewriter, it returns the
// error of a failed write.
//
// Widths are tablewriter's (twwidth.Width): the sum of the widths of the
// runes by displaywidth, ambiguous East-Asian runes 2 columns wide when
// twwidth decided so from the environment (RUNEWIDTH_EASTASIAN, the
// terminal, LC_ALL/LC_CTYPE/LANG); a cell with box-drawing runes, which
// twwidth may narrow, is measured by twwidth itself.
func WriteASCIITable(w io.Writer, headers []string, rows [][]string, right []bool) error {
	return WriteASCIITableRows(w, headers, len(rows), func(i int, _ []string) []string { return rows[i] }, right)
}

// WriteASCIITableRows is WriteASCIITable of n rows that row gives, row i
// into dst (a slice of len(headers) that row may fill and return) each
// time it is asked, once to measure the columns and once to write: a table
// of 100,000 rows is never held as cells.
func WriteASCIITableRows(w io.Writer, headers []string, n int, row func(i int, dst []string) []string, right []bool) error {
	cols := len(headers)
	if cols == 0 {
		return ErrTableFallback
	}
	dw := displaywidth.Options{EastAsianWidth: twwidth.IsEastAsian()}
	widths := make([]int, cols)
	measure := func(line []string) bool {
		if len(line) != cols {
			return false
		}
		for j, s := range line {
			cw, ok := tableCellWidth(strings.TrimSpace(s), dw)
			if !ok {
				return false
			}
			widths[j] = max(widths[j], cw)
		}
		return true
	}
	if !measure(headers) {
		return ErrTableFallback
	}
	dst := make([]string, cols)
	for i := range n {
		if !measure(row(i, dst)) {
			return ErrTableFallback
		}
	}

	// A column is its widest cell and a space either side.
	widest := 0
	rule := []byte{'+'}
	for _, c := range widths {
		widest = max(widest, c)
		for range c + 2 {
			rule = append(rule, '-')
		}
		rule = append(rule, '+')
	}
	rule = append(rule, '\n')
	spaces := strings.Repeat(" ", widest+1)

	bw := bufio.NewWriterSize(w, 64<<10)
	line := func(line []string) {
		bw.WriteByte('|')
		for j := range cols {
			s := ""
			if j < len(line) {
				s = strings.TrimSpace(line[j])
			}
			cw, _ := tableCellWidth(s, dw) // measured above: row gives the same cells twice
			pad := spaces[:max(widths[j]-cw, 0)+1]
			if j < len(right) && right[j] {
				bw.WriteString(pad)
				bw.WriteString(s)
				bw.WriteString(" |")
				continue
			}
			bw.WriteByte(' ')
			bw.WriteString(s)
			bw.WriteString(pad)
			bw.WriteByte('|')
		}
		bw.WriteByte('\n')
	}
	bw.Write(rule)
	line(headers)
	bw.Write(rule)
	if n > 0 {
		for i := range n {
			line(row(i, dst))
		}
		bw.Write(rule)
	}
	return bw.Flush()
}

// tableCellWidth is twwidth.Width(s) for a cell WriteASCIITable draws;
// false for one it does not: with a control character (C0, DEL or C1:
// escapes, line breaks, tabs) or invalid UTF-8.
func tableCellWidth(s string, dw displaywidth.Options) (int, bool) {
	w, box := 0, false
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 || b == 0x7f {
				return 0, false
			}
			w++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0xa0:
			return 0, false
		case r >= 0x2500 && r <= 0x257f:
			box = true
		}
		w += dw.Rune(r)
		i += size
	}
	if box {
		// twwidth may count box drawing 1 column wide whatever the
		// East-Asian width (ForceNarrowBorders), a setting it does not tell.
		return twwidth.Width(s), true
	}
	return w, true
}
