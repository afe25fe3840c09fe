package main

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"

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

// printJSON writes v as indented JSON, as a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) writes it, byte for byte,
// but without holding the whole text: the encoder makes the text once and
// its indented copy again (a 核定 list of 100,000 dossiers was 350 MB, the
// suggestions of every dossier 860 MB). The value itself, if a map with
// string keys or a plain struct (plain), is written member by member, and
// slices (in it, or it) element by element; every other element is
// encoded whole, on its own (a dossier's entry, a loan).
func printJSON(w io.Writer, v any) error {
	b := bufio.NewWriterSize(w, 64<<10)
	s := &jsonStream{w: b}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	if err := s.value(reflect.ValueOf(v), 0); err != nil {
		return err
	}
	b.WriteByte('\n')
	return b.Flush()
}

// jsonStream writes a value as printJSON does.
type jsonStream struct {
	w      *bufio.Writer
	buf    bytes.Buffer // one element's text
	enc    *json.Encoder
	prefix []string // the encoder's prefix by depth
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// custom reports whether values of t encode themselves (or their keys).
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) || pt.Implements(jsonMarshaler) || pt.Implements(textMarshaler)
}

// value writes v at depth (its lines' indentation), with no newline after.
func (s *jsonStream) value(v reflect.Value, depth int) error {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() && !custom(v.Type()) {
		v = v.Elem()
	}
	if !v.IsValid() || custom(v.Type()) {
		return s.whole(v, depth)
	}
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 && !v.IsNil() || v.Kind() == reflect.Array:
		if v.Len() == 0 {
			s.w.WriteString("[]")
			return nil
		}
		s.w.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				s.w.WriteByte(',')
			}
			s.newline(depth + 1)
			if err := s.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
		s.newline(depth)
		s.w.WriteByte(']')
		return nil
	case depth > 0 && v.Kind() != reflect.Slice && v.Kind() != reflect.Array:
		// An element: one call of the encoder, not one per field.
		return s.whole(v, depth)
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && !custom(v.Type().Key()) && !v.IsNil():
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		return s.object(len(keys), depth, func(i int) (string, reflect.Value) { return keys[i].String(), v.MapIndex(keys[i]) })
	case v.Kind() == reflect.Struct:
		fields, ok := plain(v)
		if !ok {
			return s.whole(v, depth)
		}
		return s.object(len(fields), depth, func(i int) (string, reflect.Value) { return fields[i].name, fields[i].v })
	}
	return s.whole(v, depth)
}

// object writes n members that member gives, as {…}.
func (s *jsonStream) object(n, depth int, member func(i int) (string, reflect.Value)) error {
	if n == 0 {
		s.w.WriteString("{}")
		return nil
	}
	s.w.WriteByte('{')
	for i := range n {
		if i > 0 {
			s.w.WriteByte(',')
		}
		s.newline(depth + 1)
		k, v := member(i)
		if err := s.whole(reflect.ValueOf(k), depth+1); err != nil {
			return err
		}
		s.w.WriteString(": ")
		if err := s.value(v, depth+1); err != nil {
			return err
		}
	}
	s.newline(depth)
	s.w.WriteByte('}')
	return nil
}

func (s *jsonStream) newline(depth int) {
	s.w.WriteByte('\n')
	for range depth {
		s.w.WriteString("  ")
	}
}

// whole writes v encoded by encoding/json, indented for depth.
func (s *jsonStream) whole(v reflect.Value, depth int) error {
	s.buf.Reset()
	for len(s.prefix) <= depth {
		s.prefix = append(s.prefix, strings.Repeat("  ", len(s.prefix)))
	}
	s.enc.SetIndent(s.prefix[depth], "  ")
	var x any
	switch {
	case v.CanAddr():
		// As encoding/json sees it: a method of the pointer applies.
		x = v.Addr().Interface()
	case v.IsValid():
		x = v.Interface()
	}
	if err := s.enc.Encode(x); err != nil {
		return err
	}
	s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
	return nil
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name string
	v    reflect.Value
}

// plain returns the fields encoding/json writes of struct v, in order, if
// it is one whose rules printJSON follows: no embedded fields and no tag
// options but omitempty and omitzero (else false: it is encoded whole).
func plain(v reflect.Value) ([]jsonField, bool) {
	t := v.Type()
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil, false
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				if emptyJSON(fv) {
					fv = reflect.Value{}
				}
			case "omitzero":
				if fv.IsValid() && zeroJSON(fv) {
					fv = reflect.Value{}
				}
			default:
				return nil, false
			}
		}
		if fv.IsValid() {
			out = append(out, jsonField{name, fv})
		}
	}
	return out, true
}

// emptyJSON is encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// zeroJSON is encoding/json's omitzero test: the value's IsZero method if
// it has one, else whether it is its type's zero value.
func zeroJSON(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
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
