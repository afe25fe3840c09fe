package archive

import (
	"fmt"
	"strings"

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

// unsafeRuneIn returns the first rune of s that UnsafeRune refuses.
func unsafeRuneIn(s string) (rune, bool) {
	for _, r := range s {
		if UnsafeRune(r) {
			return r, true
		}
	}
	return 0, false
}

// unsafeText reports each key and value under n that holds a rune
// UnsafeRune refuses, with its line and the path of its field (a key's
// problem is reported at the mapping that holds it: the key itself is
// not fit to print). Only writes refuse these (parseWritten): a dossier an
// older crm kept with one still opens, and output cleans it.
func unsafeText(n *yaml.Node, path string) []*FieldError {
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
			ps = append(ps, unsafeText(v, p)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ps = append(ps, unsafeText(c, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case yaml.ScalarNode:
		if r, bad := unsafeRuneIn(n.Value); bad {
			line := n.Line
			if i := strings.IndexRune(n.Value, r); i > 0 && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				line += 1 + strings.Count(n.Value[:i], "\n") // a block's text starts on the line after its | or >
			}
			ps = append(ps, &FieldError{Path: path, Line: line,
				Msg: l10n.Sprintf("holds %U, a control or invisible character: remove it", r)})
		}
	}
	return ps
}
