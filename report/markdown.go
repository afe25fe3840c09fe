package report

import (
	"bufio"
	"strings"
)

// renderMarkdown writes GitHub-flavoured Markdown: "# title", the period and
// notes as paragraphs, then per section "## title", a table whose numeric
// columns are right-aligned (---:), and the note.
func renderMarkdown(w *bufio.Writer, r *Report, lang string) error {
	title, lines := header(r, lang)
	w.WriteString("# " + mdEscape(title) + "\n")
	if len(lines) > 0 {
		w.WriteString("\n")
		for i, l := range lines {
			w.WriteString(mdEscape(l))
			if i < len(lines)-1 {
				w.WriteString("<br>") // line break inside one paragraph
			}
			w.WriteString("\n")
		}
	}
	for _, s := range r.Sections {
		w.WriteString("\n## " + mdEscape(s.Title.In(lang)) + "\n\n")
		w.WriteString("|")
		for _, c := range s.Columns {
			w.WriteString(" " + mdEscape(c.Title(lang)) + " |")
		}
		w.WriteString("\n|")
		for _, c := range s.Columns {
			if c.Kind.numeric() {
				w.WriteString(" ---: |")
			} else {
				w.WriteString(" --- |")
			}
		}
		w.WriteString("\n")
		for k := range s.Len() {
			w.WriteString("|")
			for _, c := range s.Columns {
				w.WriteString(" " + mdEscape(s.cellIn(k, c.Key, lang).format(c.Kind)) + " |")
			}
			w.WriteString("\n")
		}
		if s.Len() == 0 {
			w.WriteString("\n" + labels[lNone].In(lang) + "\n")
		}
		if !s.Note.IsZero() {
			w.WriteString("\n" + mdEscape(labelled(lNote, lang, s.Note.In(lang))) + "\n")
		}
	}
	return nil
}

// mdEscaper escapes what would end a table cell (|), start inline code,
// emphasis, a link or HTML, and backslashes themselves; newlines become <br>.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, `|`, `\|`, "`", "\\`", `*`, `\*`, `[`, `\[`, `]`, `\]`, `<`, `\<`,
	"\r\n", "<br>", "\n", "<br>",
)

func mdEscape(s string) string {
	return mdEscaper.Replace(strings.TrimSpace(clean(s)))
}
