package main

import (
	"bufio"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

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
// but without holding the whole text (report.WriteJSON): the encoder makes
// the text once and its indented copy again (a 核定 list of 100,000
// dossiers was 350 MB, the suggestions of every dossier 860 MB). The value
// itself, if a map with string keys or a plain struct (plain), is written
// member by member, and slices (in it, or it) element by element; every
// other element is encoded whole, on its own (a dossier's entry, a loan).
func printJSON(w io.Writer, v any) error {
	v = fillLists(v)
	b := bufio.NewWriterSize(w, 64<<10)
	if err := report.WriteJSON(b, jsonParts(reflect.ValueOf(v), 0)); err != nil {
		return err
	}
	return b.Flush()
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

// jsonParts is v at depth as printJSON writes it: a report.JSONList of
// a slice's elements, a report.JSONObject of the members of the value
// itself (depth 0), else the value to encode whole.
func jsonParts(v reflect.Value, depth int) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() && !custom(v.Type()) {
		v = v.Elem()
	}
	if !v.IsValid() || custom(v.Type()) {
		return whole(v)
	}
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 && !v.IsNil() || v.Kind() == reflect.Array:
		return report.JSONList{N: v.Len(), At: func(i int) any { return jsonParts(v.Index(i), depth+1) }}
	case depth > 0:
		// An element: one call of the encoder, not one per field.
		return whole(v)
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && !custom(v.Type().Key()) && !v.IsNil():
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		obj := make(report.JSONObject, len(keys))
		for i, k := range keys {
			obj[i] = report.JSONMember{Name: k.String(), Value: jsonParts(v.MapIndex(k), depth+1)}
		}
		return obj
	case v.Kind() == reflect.Struct:
		fields, ok := plain(v)
		if !ok {
			return whole(v)
		}
		obj := make(report.JSONObject, len(fields))
		for i, f := range fields {
			obj[i] = report.JSONMember{Name: f.name, Value: jsonParts(f.v, depth+1)}
		}
		return obj
	}
	return whole(v)
}

// whole is v as encoding/json is given it: a method of the pointer applies
// to an addressable value.
func whole(v reflect.Value) any {
	switch {
	case v.CanAddr():
		return v.Addr().Interface()
	case v.IsValid():
		return v.Interface()
	}
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

// fillLists returns v with every nil slice that encoding/json would write
// as null (a field without omitempty, a map's value, an element) made an
// empty one, so that a script reads an empty list as [] whatever the
// command found (crm maintain with nothing overdue, a loan nobody has
// approved yet, the genesis event's links), never null. Values reached
// through pointers are changed in place (a command prints them last);
// the top value, if not a pointer, is copied first.
func fillLists(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return v
	}
	if rv.Kind() == reflect.Slice && rv.IsNil() && rv.Type().Elem().Kind() != reflect.Uint8 {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	if rv.Kind() != reflect.Pointer && rv.Kind() != reflect.Slice && rv.Kind() != reflect.Map {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		fillValue(p.Elem(), map[uintptr]bool{})
		return p.Elem().Interface()
	}
	fillValue(rv, map[uintptr]bool{})
	return v
}

// nilList reports whether v is a nil slice encoding/json writes as null.
func nilList(v reflect.Value) bool {
	return v.Kind() == reflect.Slice && v.IsNil() && v.Type().Elem().Kind() != reflect.Uint8 && !custom(v.Type())
}

// fillValue is fillLists' walk: v is addressable where it is to be set.
func fillValue(v reflect.Value, seen map[uintptr]bool) {
	if !v.IsValid() || !listsIn(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] || custom(v.Type()) {
			return
		}
		seen[v.Pointer()] = true
		fillValue(v.Elem(), seen)
	case reflect.Interface:
		if !v.IsNil() {
			e := v.Elem()
			if nilList(e) && v.CanSet() {
				v.Set(reflect.MakeSlice(e.Type(), 0, 0))
				return
			}
			fillValue(e, seen)
		}
	case reflect.Slice:
		if !listsIn(v.Type().Elem()) {
			return // nothing under the elements to fill: not walked
		}
		switch v.Type().Elem().Kind() {
		case reflect.Struct, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			for i := range v.Len() {
				fillValue(v.Index(i), seen)
			}
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		it := v.MapRange()
		for it.Next() {
			e := it.Value()
			if e.Kind() == reflect.Interface && !e.IsNil() {
				e = e.Elem()
			}
			switch {
			case nilList(e):
				v.SetMapIndex(it.Key(), reflect.MakeSlice(e.Type(), 0, 0))
			case e.Kind() == reflect.Struct:
				c := reflect.New(e.Type()).Elem()
				c.Set(e)
				fillValue(c, seen)
				v.SetMapIndex(it.Key(), c)
			default:
				fillValue(e, seen)
			}
		}
	case reflect.Struct:
		for _, f := range listFields(v.Type()) {
			fv := v.Field(f.index)
			if nilList(fv) {
				if !f.omit && fv.CanSet() {
					fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
				}
				continue
			}
			fillValue(fv, seen)
		}
	}
}

// listField is a field of a struct that can hold a list to fill
// (listsIn), and whether encoding/json omits it when empty.
type listField struct {
	index int
	omit  bool
}

var listFieldsCache sync.Map // reflect.Type → []listField

// listFields are the fields of struct type t fillValue looks at, made
// once a type: a loan's 30 fields are two (its approvals, its card).
func listFields(t reflect.Type) []listField {
	if v, ok := listFieldsCache.Load(t); ok {
		return v.([]listField)
	}
	var out []listField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() && !f.Anonymous || tag == "-" || !listsIn(f.Type) {
			continue
		}
		out = append(out, listField{i, strings.Contains(tag, ",omitempty") || strings.Contains(tag, ",omitzero")})
	}
	listFieldsCache.Store(t, out)
	return out
}

// listsCache holds listsIn's answer by type.
var listsCache sync.Map // reflect.Type → bool

// listsIn reports whether a value of type t can hold a list fillValue
// would fill (a nil slice encoding/json writes as null), in it or under
// it: the values of a type that cannot are not walked (100,000 dossiers'
// entries of crm list --json, a maintain report's 95,000 missed 核定
// had made the walk a third of those commands).
func listsIn(t reflect.Type) bool {
	if v, ok := listsCache.Load(t); ok {
		return v.(bool)
	}
	listsCache.Store(t, false) // a type that holds itself: its own answer is the others'
	r := findLists(t)
	listsCache.Store(t, r)
	return r
}

func findLists(t reflect.Type) bool {
	if custom(t) {
		return false // encoded by its own method
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Array:
		return listsIn(t.Elem())
	case reflect.Interface:
		return true // whatever it holds is looked at
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8
	case reflect.Map:
		return t.Elem().Kind() == reflect.Slice && t.Elem().Elem().Kind() != reflect.Uint8 || listsIn(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if (f.IsExported() || f.Anonymous) && f.Tag.Get("json") != "-" && listsIn(f.Type) {
				return true
			}
		}
	}
	return false
}
