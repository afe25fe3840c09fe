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
	n := len(headers)
	if n == 0 {
		return ErrTableFallback
	}
	for _, r := range rows {
		if len(r) != n {
			return ErrTableFallback
		}
	}
	dw := displaywidth.Options{EastAsianWidth: twwidth.IsEastAsian()}
	cells := make([]int, n*(len(rows)+1)) // widths of the trimmed cells, header first
	cols := make([]int, n)
	measure := func(line []string, at []int) bool {
		for j, s := range line {
			cw, ok := tableCellWidth(strings.TrimSpace(s), dw)
			if !ok {
				return false
			}
			at[j] = cw
			cols[j] = max(cols[j], cw)
		}
		return true
	}
	if !measure(headers, cells[:n]) {
		return ErrTableFallback
	}
	for i, r := range rows {
		if !measure(r, cells[(i+1)*n:(i+2)*n]) {
			return ErrTableFallback
		}
	}

	// A column is its widest cell and a space either side.
	widest := 0
	rule := []byte{'+'}
	for _, c := range cols {
		widest = max(widest, c)
		for range c + 2 {
			rule = append(rule, '-')
		}
		rule = append(rule, '+')
	}
	rule = append(rule, '\n')
	spaces := strings.Repeat(" ", widest+1)

	bw := bufio.NewWriterSize(w, 64<<10)
	line := func(line []string, at []int) {
		bw.WriteByte('|')
		for j, s := range line {
			pad := spaces[:cols[j]-at[j]+1]
			if j < len(right) && right[j] {
				bw.WriteString(pad)
				bw.WriteString(strings.TrimSpace(s))
				bw.WriteString(" |")
				continue
			}
			bw.WriteByte(' ')
			bw.WriteString(strings.TrimSpace(s))
			bw.WriteString(pad)
			bw.WriteByte('|')
		}
		bw.WriteByte('\n')
	}
	bw.Write(rule)
	line(headers, cells[:n])
	bw.Write(rule)
	if len(rows) > 0 {
		for i, r := range rows {
			line(r, cells[(i+1)*n:(i+2)*n])
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
