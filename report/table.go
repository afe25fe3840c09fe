package report

import (
	"bufio"
	"io"
	"runtime"
	"sync"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"crm/l10n"
)

// renderTable writes the title block, then each section as its title, an
// ASCII-bordered table (numbers right-aligned) and its note.
//
// Borders are plain ASCII on purpose: box-drawing characters are "ambiguous
// width" and break alignment in CJK terminals (RUNEWIDTH_EASTASIAN=1).
func renderTable(w *bufio.Writer, r *Report, lang string) error {
	title, lines := header(r, lang)
	w.WriteString(clean(title) + "\n")
	for _, l := range lines {
		w.WriteString(clean(l) + "\n")
	}
	for _, s := range r.Sections {
		w.WriteString("\n" + clean(s.Title.In(lang)) + "\n")
		if err := sectionTable(w, s, lang); err != nil {
			return l10n.Errorf("report %s, section %s: %w", r.Name, s.Key, err)
		}
		if s.Len() == 0 {
			w.WriteString(labels[lNone].In(lang) + "\n")
		}
		if !s.Note.IsZero() {
			w.WriteString(clean(labelled(lNote, lang, s.Note.In(lang))) + "\n")
		}
	}
	return nil
}

func sectionTable(w *bufio.Writer, s Section, lang string) error {
	aligns := make([]tw.Align, len(s.Columns))
	head := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		aligns[i] = tw.AlignLeft
		if c.Kind.numeric() {
			aligns[i] = tw.AlignRight
		}
		head[i] = clean(c.Title(lang))
	}
	// The cells of a long table are made as they are measured, then again
	// as they are written: the whole 核定 register's 515,000 rows of cells
	// were 110 MB. Those of a table of up to heldCells cells are made
	// once and held while it is written (the monthly report's 36,000
	// dangerous customers at 100,000 dossiers: 0.06 s less, 8 MB held).
	cells := func(k int, dst []string) []string {
		for i, c := range s.Columns {
			dst[i] = clean(s.cellIn(k, c.Key, lang).format(c.Kind))
		}
		return dst
	}
	if cols, n := len(s.Columns), s.Len(); n*cols <= heldCells {
		held := make([]string, n*cols)
		// A long table's rows are made on every core, each core a run
		// of them (a rowSource's cells may be made at once: rowSource).
		runs := 1
		if n >= 4096 {
			runs = min(runtime.GOMAXPROCS(0), 4)
		}
		var wg sync.WaitGroup
		for r := range runs {
			wg.Go(func() {
				dst := make([]string, cols)
				for k := r * n / runs; k < (r+1)*n/runs; k++ {
					copy(held[k*cols:(k+1)*cols], cells(k, dst))
				}
			})
		}
		wg.Wait()
		cells = func(k int, dst []string) []string {
			return append(dst[:0], held[k*cols:(k+1)*cols]...)
		}
	}
	right := make([]bool, len(aligns))
	for i, a := range aligns {
		right[i] = a == tw.AlignRight
	}
	if err := WriteASCIITableRows(w, head, s.Len(), cells, right); err != ErrTableFallback {
		return err
	}
	rows := make([][]string, s.Len())
	for k := range rows {
		rows[k] = cells(k, make([]string, len(s.Columns)))
	}
	return tablewriterSection(w, head, rows, aligns)
}

// heldCells is how many cells a table may have for sectionTable to make
// them once and hold them (16 bytes each, and the text made for them): a
// table that long is made on every core.
const heldCells = 1 << 19

// tablewriterSection is sectionTable's table by tablewriter, for any
// table (WriteASCIITable draws the common ones).
func tablewriterSection(w io.Writer, head []string, rows [][]string, aligns []tw.Align) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
	)
	t.Header(head)
	for _, cells := range rows {
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	return t.Render()
}
