package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// printTable writes rows under headers as a plain-ASCII table; Chinese text
// aligns (NOTES.md: box-drawing borders break under East-Asian width).
// renderASCIITable draws the common case; a table it would not draw byte for
// byte as tablewriter does goes to tablewriter.
func printTable(w io.Writer, headers []string, rows [][]string) error {
	if err := renderASCIITable(w, headers, rows); err != errTableFallback {
		return err
	}
	return printTablewriter(w, headers, rows)
}

// printTablewriter is printTable by tablewriter, for any table.
func printTablewriter(w io.Writer, headers []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	h := make([]any, len(headers))
	for i, s := range headers {
		h[i] = s
	}
	t.Header(h...)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}

// errTableFallback is renderASCIITable's answer for a table it leaves to
// tablewriter; nothing has been written then.
var errTableFallback = errors.New("table left to tablewriter")

// renderASCIITable writes the table printTablewriter writes, in one pass
// to measure the columns and one to write through a buffer. It draws a
// header of at least one column over any number of rows, none too, of as
// many cells, every cell, once trimmed of white space as tablewriter trims
// it, valid UTF-8 without control characters: no line breaks, tabs,
// carriage returns or ANSI escape sequences, which tablewriter splits,
// expands or measures otherwise. For anything else it returns
// errTableFallback before writing. Unlike tablewriter, it returns the
// error of a failed write.
//
// Widths are tablewriter's (twwidth.Width): the sum of the widths of the
// runes by displaywidth, ambiguous East-Asian runes 2 columns wide when
// twwidth decided so from the environment (RUNEWIDTH_EASTASIAN, the
// terminal, LC_ALL/LC_CTYPE/LANG); a cell with box-drawing runes, which
// twwidth may narrow, is measured by twwidth itself.
func renderASCIITable(w io.Writer, headers []string, rows [][]string) error {
	n := len(headers)
	if n == 0 {
		return errTableFallback
	}
	for _, r := range rows {
		if len(r) != n {
			return errTableFallback
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
		return errTableFallback
	}
	for i, r := range rows {
		if !measure(r, cells[(i+1)*n:(i+2)*n]) {
			return errTableFallback
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
			bw.WriteByte(' ')
			bw.WriteString(strings.TrimSpace(s))
			bw.WriteString(spaces[:cols[j]-at[j]+1])
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

// tableCellWidth is twwidth.Width(s) for a cell renderASCIITable draws;
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

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
