package archive

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// Content returns a dossier's text as plain values for JSON (`crm show
// --json`): mappings as map[string]any, lists as []any. Unlike decoding the
// YAML into `any`, it follows the dossier's fields: a field the dossier
// declares as text keeps its text exactly as written (an unquoted
// telephone: 02158881234 stays "02158881234", not the number 2158881234),
// and dates stay YYYY-MM-DD. In extra:, where no field is declared, a value
// YAML reads as a number stays a number only when it is written as a plain
// decimal (12, -3.5); 0012345 or +8613912345678 keep their text.
func Content(text []byte) (any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	top := root.Content[0]
	// A text an older crm stored may hold aliases of aliases that read out
	// to billions of values (dossierNode refuses them now): content would
	// walk every one.
	if fe := swellingProblem(text, top); fe != nil {
		return nil, fe
	}
	return content(top, reflect.TypeFor[Dossier](), 0)
}

var plainDecimalRE = lazyRE(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// content converts n, whose declared type is t (nil: not declared).
func content(n *yaml.Node, t reflect.Type, depth int) (any, error) {
	if depth > 100 {
		return nil, &FieldError{Line: n.Line, Msg: l10n.T("nested too deeply")}
	}
	n, t = unalias(n), declared(t)
	switch n.Kind {
	case yaml.MappingNode:
		return contentMapping(n, t, depth)
	case yaml.SequenceNode:
		var et reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := content(c, et, depth+1)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.ScalarNode:
		return contentScalar(n, t)
	}
	return nil, nil
}

// unalias is the node an alias names (n itself when it is not one).
func unalias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// declared is the type content follows for a field of type t: pointers
// are looked through, and a type that decodes itself (Extra) is free-form
// (nil), except Date.
func declared(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) && t != reflect.TypeFor[Date]() {
		return nil
	}
	return t
}

// contentMapping converts mapping n, whose declared type is t.
func contentMapping(n *yaml.Node, t reflect.Type, depth int) (any, error) {
	m := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := unalias(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, &FieldError{Line: k.Line, Msg: l10n.T("a key must be a single value, not a list or mapping")}
		}
		if k.Tag == "!!merge" {
			var v any // a merge key (<<): let YAML resolve the mapping
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return v, nil
		}
		v, err := content(n.Content[i+1], memberType(t, k.Value), depth+1)
		if err != nil {
			return nil, err
		}
		m[k.Value] = v
	}
	return m, nil
}

// memberType is the declared type of key in a mapping of type t: a
// struct's field, a map's values, or nil.
func memberType(t reflect.Type, key string) reflect.Type {
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		var ft reflect.Type
		for _, f := range fieldsOf(t) {
			if f.name == key {
				ft = t.Field(f.index).Type
			}
		}
		return ft
	case t != nil && t.Kind() == reflect.Map:
		return t.Elem()
	}
	return nil
}

// contentScalar converts scalar n: declared text and dates stay as
// written; undeclared numbers stay numbers only when plain decimals.
func contentScalar(n *yaml.Node, t reflect.Type) (any, error) {
	if n.Tag == "!!null" {
		return nil, nil
	}
	if t != nil && (t.Kind() == reflect.String || t == reflect.TypeFor[Date]()) {
		return n.Value, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case int, int64, uint64, float64:
		if t == nil && !plainDecimalRE().MatchString(n.Value) {
			return n.Value, nil
		}
	}
	return v, nil
}
