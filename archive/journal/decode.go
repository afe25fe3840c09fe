package journal

import (
	"encoding"
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Replaying an event decodes its data into its kind's type. Through
// yaml.v3 that means unpacking a node tree and decoding it by reflection:
// at 10,000 dossiers 130 MB of garbage for a replay. decodePacked decodes
// the packed tree directly, for what event data is made of: structs (by
// their yaml field names, inlined structs too), strings, decimal ints,
// true and false, and slices and pointers of these. Anything else (a null,
// a key no field has, a key given twice, another tag, a type that decodes
// itself, time.Time) it leaves to yaml.v3, which decodes or names the
// problem as before. Where it decodes, the value is the one yaml.v3 gives
// (TestDecodePackedIsYAML, FuzzDecodePacked).

// packedHead is a packed node's header, its tag and value still in the
// packed bytes.
type packedHead struct {
	kind  yaml.Kind
	tag   []byte
	value []byte
	kids  int
}

func readHead(b []byte) (h packedHead, rest []byte, ok bool) {
	var x [7]uint64
	var s [2][]byte
	for i := range 7 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return h, nil, false
		}
		b, x[i] = b[n:], v
		if i == 2 || i == 3 { // tag, value: a length, then the bytes
			if v > uint64(len(b)) {
				return h, nil, false
			}
			s[i-2], b = b[:v], b[v:]
		}
	}
	if x[6] > uint64(len(b)) {
		return h, nil, false
	}
	return packedHead{kind: yaml.Kind(x[0]), tag: s[0], value: s[1], kids: int(x[6])}, b, true
}

// field is a struct field as yaml.v3 names it: its index path (through
// inlined structs) and its place among the struct's fields.
type field struct {
	index []int
	ord   int
}

var structFields sync.Map // reflect.Type → map[string]field

func fieldsByName(t reflect.Type) map[string]field {
	if f, ok := structFields.Load(t); ok {
		return f.(map[string]field)
	}
	fields := map[string]field{}
	var walk func(t reflect.Type, at []int)
	walk = func(t reflect.Type, at []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			index := append(append([]int(nil), at...), i)
			switch {
			case name == "-" || !f.IsExported() && !f.Anonymous:
			case opts == "inline" && f.Type.Kind() == reflect.Struct:
				walk(f.Type, index)
			default:
				if name == "" {
					name = strings.ToLower(f.Name)
				}
				fields[name] = field{index: index, ord: len(fields)}
			}
		}
	}
	walk(t, nil)
	structFields.Store(t, fields)
	return fields
}

var (
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	oldUnmarshaler  = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
	timeType        = reflect.TypeFor[time.Time]()
)

var selfDecoding sync.Map // reflect.Type → bool

// decodesItself reports whether yaml.v3 decodes t by other means than its
// kind: a method of its own, or a rule for the type.
func decodesItself(t reflect.Type) bool {
	if v, ok := selfDecoding.Load(t); ok {
		return v.(bool)
	}
	p := reflect.PointerTo(t)
	self := p.Implements(yamlUnmarshaler) || p.Implements(oldUnmarshaler) || p.Implements(textUnmarshaler) ||
		t.Implements(yamlUnmarshaler) || t.Implements(oldUnmarshaler) ||
		t == durationType || t == timeType
	selfDecoding.Store(t, self)
	return self
}

// decodePacked decodes the packed node at the start of b into v, which is
// settable; ok false: leave it to yaml.v3 (v is then partly written).
func decodePacked(b []byte, v reflect.Value, depth int) (rest []byte, ok bool) {
	h, b, ok := readHead(b)
	if !ok {
		return nil, false
	}
	return decodeNode(h, b, v, depth)
}

// decodeNode decodes the node of header h, whose content starts b.
func decodeNode(h packedHead, b []byte, v reflect.Value, depth int) (rest []byte, ok bool) {
	if depth > maxPackDepth || !v.CanSet() || decodesItself(v.Type()) {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Pointer:
		if h.kind == yaml.ScalarNode && string(h.tag) == "!!null" {
			return nil, false
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeNode(h, b, v.Elem(), depth+1)
	case reflect.Struct:
		if h.kind != yaml.MappingNode || h.kids%2 != 0 {
			return nil, false
		}
		fields := fieldsByName(v.Type())
		if len(fields) > 64 {
			return nil, false
		}
		var seen uint64
		for range h.kids / 2 {
			var k packedHead
			if k, b, ok = readHead(b); !ok || k.kind != yaml.ScalarNode || string(k.tag) != "!!str" || k.kids != 0 {
				return nil, false
			}
			f, known := fields[string(k.value)]
			if !known || seen&(1<<f.ord) != 0 {
				return nil, false
			}
			seen |= 1 << f.ord
			if b, ok = decodePacked(b, v.FieldByIndex(f.index), depth+1); !ok {
				return nil, false
			}
		}
		return b, true
	case reflect.Slice:
		if h.kind != yaml.SequenceNode || v.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
		s := reflect.MakeSlice(v.Type(), h.kids, h.kids)
		for i := range h.kids {
			if b, ok = decodePacked(b, s.Index(i), depth+1); !ok {
				return nil, false
			}
		}
		v.Set(s)
		return b, true
	}
	if h.kind != yaml.ScalarNode || h.kids != 0 {
		return nil, false
	}
	switch v.Kind() {
	case reflect.String:
		if string(h.tag) != "!!str" {
			return nil, false
		}
		v.SetString(string(h.value))
	case reflect.Bool:
		switch {
		case string(h.tag) != "!!bool":
			return nil, false
		case string(h.value) == "true":
			v.SetBool(true)
		case string(h.value) == "false":
			v.SetBool(false)
		default:
			return nil, false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if string(h.tag) != "!!int" || !decimal(h.value) {
			return nil, false
		}
		n, err := strconv.ParseInt(string(h.value), 10, v.Type().Bits())
		if err != nil {
			return nil, false
		}
		v.SetInt(n)
	default:
		return nil, false
	}
	return b, true
}

// decimal reports whether s is an int in plain decimal: an optional '-',
// then 0 or digits not starting with 0.
func decimal(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || s[0] == '0' && len(s) > 1 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
