package journal

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Reading an event body with yaml.v3 is most of what parsing an event
// costs, and most of the garbage a cold replay makes: at 100,000 dossiers
// about a fifth of its CPU, and the collector's work besides. Nearly every
// event is in the form crm writes (MarshalYAML): block mappings and
// sequences indented by two spaces, keys of letters, digits and '_', and
// values on one line, plain or double-quoted without escapes. readCanonical
// reads that form and nothing else; any other body (comments, flow
// collections other than [] and {}, block scalars, anchors, tags, escapes,
// blank lines, anything unusual) is left to yaml.v3. Where it reads a body
// it gives exactly what yaml.v3 gives: the same header and the same packed
// data tree, to the node's tag, style, line and column
// (FuzzReadCanonical compares the two).

// cnode is one node of a canonical body. A body's nodes are kept in
// preorder, the order packNode writes them in.
type cnode struct {
	kind      yaml.Kind
	style     yaml.Style
	tag       string
	value     []byte
	line, col int
	kids      int // children (a mapping's keys and values)
	end       int // index after the node's last descendant
}

// cline is one line of a body: its number (from 1), its indentation and
// its text after the indentation, without the newline. A sequence item
// that holds a mapping ("- key: value") is read as a line of its own,
// indented past the dash.
type cline struct {
	n, indent int
	text      []byte
}

type canonReader struct {
	lines []cline
	at    int
	nodes []cnode
	depth int
}

var canonReaders = sync.Pool{New: func() any { return new(canonReader) }}

// Limits of the canonical reader: deeper or bigger bodies go to yaml.v3.
const (
	maxCanonDepth = 32
	maxCanonNodes = 1 << 12
)

// canonBody is an event body's header and packed data as read by either
// reader.
type canonBody struct {
	kind                 Kind
	time, actor, dossier string
	prev                 []string
	packed               []byte     // the data, packed; nil: none, or node
	node                 *yaml.Node // the data when it could not be packed
}

// readCanonical reads body if it is in crm's own form (ok), else
// leaves it to readYAML.
func readCanonical(body []byte) (b canonBody, ok bool) {
	if !canonChars(body) {
		return b, false
	}
	r := canonReaders.Get().(*canonReader)
	defer r.release()
	n := 1
	for len(body) > 0 {
		i := 0
		for i < len(body) && body[i] != '\n' {
			i++
		}
		if i == len(body) {
			return b, false // Parse gives a body that ends with a newline
		}
		line := body[:i]
		body = body[i+1:]
		ind := 0
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
		if ind == len(line) {
			return b, false // a blank line
		}
		r.lines = append(r.lines, cline{n: n, indent: ind, text: line[ind:]})
		n++
	}
	if len(r.lines) == 0 || r.lines[0].indent != 0 || !r.mapping(0) || r.at != len(r.lines) {
		return b, false
	}
	top := r.nodes[0]
	var seen [6]bool
	data := -1
	for i := 1; i < top.end; {
		k, v := r.nodes[i], r.nodes[i+1]
		key := string(k.value)
		at := slices.Index(headerKeys[:], key)
		if at < 0 || seen[at] {
			return b, false // yaml.v3 names the key
		}
		seen[at] = true
		str := func() (string, bool) {
			if v.kind != yaml.ScalarNode || v.tag != "!!str" {
				return "", false
			}
			return string(v.value), true
		}
		var ok bool
		switch key {
		case "kind":
			if ok = v.kind == yaml.ScalarNode && v.tag == "!!str"; ok {
				b.kind = Kind(intern(v.value))
			}
		case "time":
			b.time, ok = str()
		case "actor":
			if ok = v.kind == yaml.ScalarNode && v.tag == "!!str"; ok {
				b.actor = intern(v.value)
			}
		case "dossier":
			b.dossier, ok = str()
		case "prev":
			if ok = v.kind == yaml.SequenceNode && v.style == 0; ok {
				b.prev = make([]string, 0, v.kids)
				for _, p := range r.nodes[i+2 : v.end] {
					if p.kind != yaml.ScalarNode || p.tag != "!!str" {
						return b, false
					}
					b.prev = append(b.prev, string(p.value))
				}
			}
		case "data":
			data, ok = i+1, true
		}
		if !ok {
			return b, false
		}
		i = v.end
	}
	if data >= 0 {
		b.packed = r.pack(data)
	}
	return b, true
}

// release puts r back for another read.
func (r *canonReader) release() {
	clear(r.nodes)
	clear(r.lines)
	r.nodes, r.lines, r.at, r.depth = r.nodes[:0], r.lines[:0], 0, 0
	canonReaders.Put(r)
}

// ReadMapping reads text, one YAML document, if it is a block mapping in
// the form readCanonical reads, with blank lines and comment lines (a '#'
// after the indentation) anywhere between: the mapping's node, as
// yaml.v3 reads it to the tag, style, line and column, but without the
// comments (FuzzReadMapping compares the two). False leaves the text to
// yaml.v3. A dossier crm wrote from a template is in that form, and
// yaml.v3 took three quarters of `crm export register`'s time at 100,000
// dossiers.
func ReadMapping(text []byte) (*yaml.Node, bool) {
	if len(text) == 0 || text[len(text)-1] != '\n' || !canonChars(text) {
		return nil, false
	}
	r := canonReaders.Get().(*canonReader)
	defer r.release()
	for n, rest := 1, text; len(rest) > 0; n++ {
		i := bytes.IndexByte(rest, '\n')
		line := rest[:i]
		rest = rest[i+1:]
		ind := 0
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
		if ind == len(line) || line[ind] == '#' {
			continue // a blank line or a comment: no node
		}
		r.lines = append(r.lines, cline{n: n, indent: ind, text: line[ind:]})
	}
	if len(r.lines) == 0 || r.lines[0].indent != 0 || !r.mapping(0) || r.at != len(r.lines) {
		return nil, false
	}
	node, rest, err := unpackNode(r.pack(0), 0)
	if err != nil || len(rest) != 0 {
		return nil, false
	}
	return node, true
}

// headerKeys are the keys of an event body (bodyIn).
var headerKeys = [6]string{"kind", "time", "actor", "dossier", "prev", "data"}

// canonChars reports whether every byte of body is one yaml.v3 reads as
// a printable character or a newline, and none is one it would read
// specially (a tab, a carriage return, a byte order mark, a Unicode line
// or paragraph separator).
func canonChars(body []byte) bool {
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			if c != '\n' && (c < 0x20 || c == 0x7f) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0xa0, r == 0x2028, r == 0x2029, r == 0xfeff,
			r >= 0xd800 && r < 0xe000, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}

func (r *canonReader) add(n cnode) int {
	r.nodes = append(r.nodes, n)
	return len(r.nodes) - 1
}

// mapping reads a block mapping whose keys are at indentation ind,
// starting at the current line.
func (r *canonReader) mapping(ind int) bool {
	if r.depth++; r.depth > maxCanonDepth {
		return false
	}
	defer func() { r.depth-- }()
	first := r.lines[r.at]
	me := r.add(cnode{kind: yaml.MappingNode, tag: "!!map", line: first.n, col: ind + 1})
	for r.at < len(r.lines) {
		l := r.lines[r.at]
		if l.indent < ind {
			break
		}
		if l.indent > ind {
			return false
		}
		key, rest, hasValue, ok := splitKey(l.text)
		if !ok {
			return false
		}
		r.add(cnode{kind: yaml.ScalarNode, tag: plainTag(key), value: key, line: l.n, col: ind + 1, end: len(r.nodes) + 1})
		r.nodes[me].kids += 2
		r.at++
		if hasValue {
			if !r.scalar(rest, l.n, ind+len(key)+3) {
				return false
			}
			continue
		}
		// The value is the block below, indented further.
		if r.at == len(r.lines) || r.lines[r.at].indent <= ind {
			return false
		}
		next := r.lines[r.at]
		if isItem(next.text) {
			ok = r.sequence(next.indent)
		} else {
			ok = r.mapping(next.indent)
		}
		if !ok {
			return false
		}
	}
	r.nodes[me].end = len(r.nodes)
	return len(r.nodes) <= maxCanonNodes
}

// sequence reads a block sequence whose dashes are at indentation ind,
// starting at the current line.
func (r *canonReader) sequence(ind int) bool {
	if r.depth++; r.depth > maxCanonDepth {
		return false
	}
	defer func() { r.depth-- }()
	me := r.add(cnode{kind: yaml.SequenceNode, tag: "!!seq", line: r.lines[r.at].n, col: ind + 1})
	for r.at < len(r.lines) {
		l := &r.lines[r.at]
		if l.indent < ind {
			break
		}
		if l.indent > ind || !isItem(l.text) {
			return false
		}
		r.nodes[me].kids++
		item := l.text[2:]
		if _, _, _, isKey := splitKey(item); isKey {
			// A mapping that starts on the dash's line.
			l.indent, l.text = ind+2, item
			if !r.mapping(ind + 2) {
				return false
			}
			continue
		}
		r.at++
		if !r.scalar(item, l.n, ind+3) {
			return false
		}
	}
	r.nodes[me].end = len(r.nodes)
	return len(r.nodes) <= maxCanonNodes
}

// scalar reads a value written on its key's or dash's line, at column col:
// a plain scalar, a double-quoted one without escapes, or an empty flow
// sequence or mapping.
func (r *canonReader) scalar(t []byte, line, col int) bool {
	n := cnode{kind: yaml.ScalarNode, line: line, col: col, end: len(r.nodes) + 1}
	switch {
	case string(t) == "[]":
		n.kind, n.style, n.tag = yaml.SequenceNode, yaml.FlowStyle, "!!seq"
	case string(t) == "{}":
		n.kind, n.style, n.tag = yaml.MappingNode, yaml.FlowStyle, "!!map"
	case t[0] == '"':
		if len(t) < 2 || t[len(t)-1] != '"' {
			return false
		}
		for _, c := range t[1 : len(t)-1] {
			if c == '"' || c == '\\' {
				return false
			}
		}
		n.style, n.tag, n.value = yaml.DoubleQuotedStyle, "!!str", t[1:len(t)-1]
	case plainOK(t):
		n.tag, n.value = plainTag(t), t
	default:
		return false
	}
	r.add(n)
	return true
}

// splitKey splits "key: value" or "key:" with a key of letters, digits and
// '_'.
func splitKey(t []byte) (key, rest []byte, hasValue, ok bool) {
	i := 0
	for i < len(t) && i <= 64 && (t[i] == '_' || t[i] >= '0' && t[i] <= '9' || t[i] >= 'a' && t[i] <= 'z' || t[i] >= 'A' && t[i] <= 'Z') {
		i++
	}
	if i == 0 || i == len(t) || t[i] != ':' {
		return nil, nil, false, false
	}
	if i+1 == len(t) {
		return t[:i], nil, false, true
	}
	if t[i+1] != ' ' || i+2 == len(t) {
		return nil, nil, false, false
	}
	return t[:i], t[i+2:], true, true
}

// isItem reports whether a line's text is a sequence item with a value
// after its dash.
func isItem(t []byte) bool { return len(t) > 2 && t[0] == '-' && t[1] == ' ' }

// plainOK reports whether t is read by yaml.v3 as one plain scalar of
// exactly its own text: it starts with no indicator or space, ends with
// no space or ':', and holds no comment and no ": ".
func plainOK(t []byte) bool {
	if len(t) == 0 {
		return false
	}
	switch t[0] {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '<', ' ':
		return false
	}
	if c := t[len(t)-1]; c == ' ' || c == ':' {
		return false
	}
	for i, c := range t {
		if c == '#' || c == ':' && i+1 < len(t) && t[i+1] == ' ' {
			return false
		}
	}
	return true
}

// plainTag is the tag yaml.v3 resolves a plain scalar's text to. Only
// text that starts like a number, a date, a boolean or a null is asked of
// yaml.v3 (its failed conversions cost garbage), and only when every byte
// could be part of one.
func plainTag(t []byte) string {
	switch t[0] {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		hexLetter, dotOrX := false, false
		for _, c := range t {
			if !strings.ContainsRune(numberBytes, rune(c)) {
				return "!!str"
			}
			switch c {
			case 'a', 'c', 'd', 'f', 'A', 'C', 'D', 'F':
				hexLetter = true
			case '.', 'x', 'X':
				dotOrX = true
			}
		}
		// A hash (every event's links are 64 hex digits) resolves to a
		// string: of the forms yaml.v3 resolves to something else, only
		// hexadecimal ints (0x) and .nan/.inf have the letters a, c, d or
		// f. Asked of yaml.v3, each such link cost two failed
		// conversions, 190 MB of garbage at a million events.
		if hexLetter && !dotOrX {
			return "!!str"
		}
	default:
		return "!!str"
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: string(t)}).ShortTag()
}

// numberBytes are the bytes of every int, float and timestamp form yaml.v3
// resolves (decimal, 0x, 0o, 0b, '_', exponents, .inf/.nan, dates and
// times with zones, and the comma time.Parse takes before a fraction of
// a second).
const numberBytes = "0123456789abcdefABCDEFxXoO_+-.,eE:TtZz nNiI "

// pack writes the subtree at node i as packNode writes a yaml.Node tree.
func (r *canonReader) pack(i int) []byte {
	nodes := r.nodes[i:r.nodes[i].end]
	size := 0
	for _, n := range nodes {
		size += len(n.tag) + len(n.value) + 12
	}
	b := make([]byte, 0, size)
	for _, n := range nodes {
		b = binary.AppendUvarint(b, uint64(n.kind))
		b = binary.AppendUvarint(b, uint64(n.style))
		b = appendString(b, n.tag)
		b = binary.AppendUvarint(b, uint64(len(n.value)))
		b = append(b, n.value...)
		b = binary.AppendUvarint(b, uint64(n.line))
		b = binary.AppendUvarint(b, uint64(n.col))
		b = binary.AppendUvarint(b, uint64(n.kids))
	}
	return b
}
