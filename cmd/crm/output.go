package main

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"crm/report"
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

// printTableRows is printTable of n rows that row gives (see
// report.WriteASCIITableRows): a listing of 100,000 dossiers is written
// from its entries, not held as cells. Only a table left to tablewriter
// is made of cells.
func printTableRows(w io.Writer, headers []string, n int, row func(i int, dst []string) []string) error {
	if err := report.WriteASCIITableRows(w, headers, n, row, nil); err != errTableFallback {
		return err
	}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = row(i, make([]string, len(headers)))
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
var errTableFallback = report.ErrTableFallback

// renderASCIITable writes the table printTablewriter writes, every column
// left-aligned (report.WriteASCIITable), or returns errTableFallback.
func renderASCIITable(w io.Writer, headers []string, rows [][]string) error {
	return report.WriteASCIITable(w, headers, rows, nil)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// bufferOut buffers what the command prints until flush, which writes it
// and puts the stream back: a command that prints line by line makes one
// write per 64 KB instead of one per line.
func (e *env) bufferOut() (flush func() error) {
	w := e.io.Out
	b := bufio.NewWriterSize(w, 64<<10)
	e.io.Out = b
	return func() error {
		e.io.Out = w
		return b.Flush()
	}
}
