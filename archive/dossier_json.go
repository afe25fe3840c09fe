package archive

import (
	"reflect"
	"regexp"

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
	return content(root.Content[0], reflect.TypeFor[Dossier](), 0)
}

var plainDecimalRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// content converts n, whose declared type is t (nil: not declared).
func content(n *yaml.Node, t reflect.Type, depth int) (any, error) {
	if depth > 100 {
		return nil, &FieldError{Line: n.Line, Msg: l10n.T("nested too deeply")}
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) && t != reflect.TypeFor[Date]() {
		t = nil // Extra: free-form
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
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
			var ft reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Struct:
				for _, f := range fieldsOf(t) {
					if f.name == k.Value {
						ft = t.Field(f.index).Type
					}
				}
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			v, err := content(n.Content[i+1], ft, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
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
			if t == nil && !plainDecimalRE.MatchString(n.Value) {
				return n.Value, nil
			}
		}
		return v, nil
	}
	return nil, nil
}
