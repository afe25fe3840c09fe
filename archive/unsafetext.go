package archive

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// UnsafeRune reports whether r may not be written into a dossier's text:
// a control character (C0 but the line break and the tab that multi-line
// text holds, DEL, C1), a line or paragraph separator, a bidirectional
// control (U+202E turns "gpj.exe" into "exe.jpg" on screen) or an
// invisible one (zero-width space, joiner, word joiner, BOM). None is
// typed by a person; each arrives from a crafted spreadsheet or file, and
// an escape sequence among them would move the cursor, recolour or
// retitle the terminal of the colleague who lists the archive.
func UnsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r == 0x061c, r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e,
		r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}

// UnsafeLen is the length of the character that b starts with when
// UnsafeRune refuses it, else 0: the byte-wise form of UnsafeRune for
// writers that scan what they print. Only the C0 controls, DEL and the
// lead bytes 0xC2 (C1), 0xD8 (U+061C), 0xE2 (U+200B…U+2069) and 0xEF
// (U+FEFF) can start one, so Chinese text, whose characters start with
// 0xE3…0xE9, is passed over a byte at a time without decoding.
func UnsafeLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch c := b[0]; {
	case c < 0x20 || c == 0x7f:
		if UnsafeRune(rune(c)) {
			return 1
		}
	case c == 0xc2 || c == 0xd8 || c == 0xe2 || c == 0xef:
		if r, n := utf8.DecodeRune(b); UnsafeRune(r) && r != utf8.RuneError {
			return n
		}
	}
	return 0
}

// unsafeLead marks the bytes that can start a character UnsafeRune
// refuses (UnsafeLen).
var unsafeLead = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\n' && c != '\t'
	}
	for _, c := range []byte{0x7f, 0xc2, 0xd8, 0xe2, 0xef} {
		t[c] = true
	}
	return t
}()

// NextUnsafe returns where in b the first character UnsafeRune refuses
// starts, and its length (UnsafeLen); -1 and 0 when there is none. The
// scan looks each byte up in a table and decodes only at the few that
// can start one: what a terminal or a JSON writer prints passes through
// it (crm log --json writes half a gigabyte at 100,000 dossiers).
func NextUnsafe(b []byte) (at, n int) {
	for i := 0; i < len(b); i++ {
		if unsafeLead[b[i]] {
			if n := UnsafeLen(b[i:]); n > 0 {
				return i, n
			}
		}
	}
	return -1, 0
}

// unsafeRuneIn returns the first rune of s that UnsafeRune refuses.
func unsafeRuneIn(s string) (rune, bool) {
	for _, r := range s {
		if UnsafeRune(r) {
			return r, true
		}
	}
	return 0, false
}

// unsafeText reports each key and value under n, read from text, that
// holds a rune UnsafeRune refuses, with its line and the path of its
// field (a key's problem is reported at the mapping that holds it: the
// key itself is not fit to print). Only writes refuse these
// (parseWritten): a dossier an older crm kept with one still opens, and
// output cleans it.
func unsafeText(n *yaml.Node, path string, text []byte) []*FieldError {
	w := unsafeWalk{text: text}
	return w.walk(n, path)
}

// unsafeWalk is unsafeText's walk: text's lines (yamlLines) are split
// once, and only when a block scalar holds such a rune.
type unsafeWalk struct {
	text  []byte
	lines [][]byte
}

func (w *unsafeWalk) walk(n *yaml.Node, path string) []*FieldError {
	var ps []*FieldError
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if r, bad := unsafeRuneIn(k.Value); bad {
				ps = append(ps, &FieldError{Path: path, Line: k.Line,
					Msg: l10n.Sprintf("a key holds %U, a control or invisible character: remove it", r)})
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			ps = append(ps, w.walk(v, p)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ps = append(ps, w.walk(c, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case yaml.ScalarNode:
		if r, bad := unsafeRuneIn(n.Value); bad {
			line := n.Line
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				line = w.blockLine(n.Line, r)
			}
			ps = append(ps, &FieldError{Path: path, Line: line,
				Msg: l10n.Sprintf("holds %U, a control or invisible character: remove it", r)})
		}
	}
	return ps
}

// blockLine is the line, as yaml numbers it, of r's first use in the
// block scalar (| or >) whose indicator is on line at. The value does
// not tell it: a folded block's breaks are spaces in it, and yaml turns
// \r, \r\n and NEL into \n; so the text's own lines are read, from the
// one after the indicator (a comment there is not in the value). r is the
// first rune of the value UnsafeRune refuses, so no line of the block
// before it holds r; an LS or PS, which ends a line of a block, is found
// at its end (yamlLines keeps each line's break).
func (w *unsafeWalk) blockLine(at int, r rune) int {
	if w.lines == nil {
		w.lines = yamlLines(w.text)
	}
	for k := at; k < len(w.lines); k++ {
		if bytes.ContainsRune(w.lines[k], r) {
			return k + 1
		}
	}
	return at
}
