package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"crm/archive"
)

// A JSONObject is written by WriteJSON member by member, a JSONList
// element by element; any other value is encoded whole by encoding/json.
type (
	JSONObject []JSONMember
	JSONMember struct {
		Name  string
		Value any
	}
	JSONList struct {
		N  int
		At func(i int) any // element i, asked for as it is written
	}
)

// WriteJSON writes v, then a newline, as a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) writes the value v stands
// for (a JSONObject for an object of those members, a JSONList for an
// array of those elements), byte for byte, but without holding its whole
// text: the encoder makes the text once and its indented copy again (the
// whole 核定 register at 100,000 dossiers is 150 MB of text). Each value
// that is neither is encoded on its own, indented for its depth. The
// reports and crm's --json listings are written with it.
func WriteJSON(w *bufio.Writer, v any) error {
	j := &jsonWriter{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	if err := j.value(v, 0); err != nil {
		return err
	}
	return w.WriteByte('\n')
}

// jsonWriter writes values as WriteJSON does.
type jsonWriter struct {
	w      *bufio.Writer
	buf    bytes.Buffer // one value's text
	enc    *json.Encoder
	prefix []string // the encoder's prefix by depth
}

// value writes v at depth (its lines' indentation), with no newline after.
func (j *jsonWriter) value(v any, depth int) error {
	switch v := v.(type) {
	case JSONObject:
		if len(v) == 0 {
			j.w.WriteString("{}")
			return nil
		}
		j.w.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				j.w.WriteByte(',')
			}
			j.newline(depth + 1)
			if err := j.whole(m.Name, depth+1); err != nil {
				return err
			}
			j.w.WriteString(": ")
			if err := j.value(m.Value, depth+1); err != nil {
				return err
			}
		}
		j.newline(depth)
		j.w.WriteByte('}')
		return nil
	case JSONList:
		if v.N == 0 {
			j.w.WriteString("[]")
			return nil
		}
		j.w.WriteByte('[')
		for i := range v.N {
			if i > 0 {
				j.w.WriteByte(',')
			}
			j.newline(depth + 1)
			if err := j.value(v.At(i), depth+1); err != nil {
				return err
			}
		}
		j.newline(depth)
		j.w.WriteByte(']')
		return nil
	}
	return j.whole(v, depth)
}

func (j *jsonWriter) newline(depth int) {
	j.w.WriteByte('\n')
	for range depth {
		j.w.WriteString("  ")
	}
}

// whole writes v encoded by encoding/json, indented for depth.
func (j *jsonWriter) whole(v any, depth int) error {
	j.buf.Reset()
	for len(j.prefix) <= depth {
		j.prefix = append(j.prefix, strings.Repeat("  ", len(j.prefix)))
	}
	j.enc.SetIndent(j.prefix[depth], "  ")
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	j.w.Write(escapeUnsafe(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n"))))
	return nil
}

// escapeUnsafe writes the control and invisible characters encoding/json
// leaves as they are (DEL, C1, bidirectional overrides, zero-width ones:
// archive.UnsafeRune) as \uXXXX escapes: the same JSON value, byte for
// byte what a program reads, but nothing in it can act on a terminal, and
// a terminal's cleaning (U+FFFD) has nothing to change. They only occur
// inside strings: JSON's own syntax is ASCII.
func escapeUnsafe(b []byte) []byte {
	i, n := archive.NextUnsafe(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i >= 0 {
		r, _ := utf8.DecodeRune(b[i:])
		out = fmt.Appendf(append(out, b[:i]...), `\u%04x`, r)
		b = b[i+n:]
		i, n = archive.NextUnsafe(b)
	}
	return append(out, b...)
}
