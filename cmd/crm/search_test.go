package main

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// holds reports whether a value of the YAML doc contains the lower-cased
// needle, as search decides it (after the parse).
func holds(doc, needle string) (bool, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return false, err
	}
	found := false
	walkValues(&root, "", func(_, value string) {
		found = found || strings.Contains(strings.ToLower(value), needle)
	})
	return found, nil
}

// Texts whose values are not their characters in the file: folded lines,
// quotes, escapes, block scalars, aliases, flow style, a byte order mark.
var searchDocs = []string{
	"customer:\n  name: 上海天成贸易有限公司\n  industry: 零售业\n",
	"notes: first line\n  second line\n  third\n",
	"notes: >\n  folded text\n  goes on here\n\n  new para\n",
	"notes: |\n  literal LINE one\n   indented two\n",
	"name: 'it''s Zhang''s'\n",
	"name: \"tab\\there \\u4e0a\\u6d77 and \\\"q\\\"\"\n",
	"name: \"folded\n  over two lines\"\n",
	"a: &x Anchored Value\nb: *x\n",
	"people: [{name: 王 五, title: 经理}, 李四]\n",
	"\ufeffname: BOM first\n",
	"name: ABC İstanbul ΣΑΣ\n",
	"name: plain with # not a comment\n# but THIS is one\n",
	"a:\r\n  b: crlf value\r\n",
	"x: !!binary aGVsbG8=\n",
	// A line separator is a line break to yaml.v3, kept in the value with
	// the blanks around it dropped (helper-48 found these).
	"x: a\u2028 b\n",
	"x: 'a\u2028  b'\n",
	"x: |\n  a\u2029  b\n",
	"customer:\n  name: 上海浦江\u2028   机械有限公司\n",
}

// A value that holds the needle makes mayHold true, for every substring of
// every value of the texts above (the parse being the judge), and a text
// that holds no token is not parsed.
func TestMayHold(t *testing.T) {
	for _, doc := range searchDocs {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		var values []string
		walkValues(&root, "", func(_, v string) { values = append(values, v) })
		for _, v := range values {
			r := []rune(strings.ToLower(v))
			for i := range r {
				for j := i + 1; j <= len(r); j++ {
					needle := strings.TrimSpace(string(r[i:j]))
					if needle == "" {
						continue
					}
					if !mayHold([]byte(doc), needleTokens(needle)) {
						t.Fatalf("%q holds %q in value %q, but mayHold says it cannot", doc, needle, v)
					}
				}
			}
		}
	}
	plain := []byte(searchDocs[0])
	for needle, want := range map[string]bool{"天成": true, "零售": true, "北京": false, "name": true, "上海 贸易": true, "上海 北京": false} {
		if got := mayHold(plain, needleTokens(needle)); got != want {
			t.Errorf("mayHold(%q) = %v, want %v", needle, got, want)
		}
	}
	// A double quote or backslash anywhere: always parsed.
	if !mayHold([]byte(`name: "\u5317\u4eac"`), needleTokens("北京")) {
		t.Error("a double-quoted text was not parsed")
	}
}

// FuzzMayHold: whatever the text and needle, a text whose parse finds the
// needle in a value is never passed over by mayHold.
func FuzzMayHold(f *testing.F) {
	for _, doc := range searchDocs {
		f.Add(doc, "value")
		f.Add(doc, "e t")
	}
	f.Add("a: 'x''y'\n", "x'y")
	f.Add("a: b\n  c\n", "b c")
	f.Add("x: a\u2028 b\n", "a\u2028b")
	f.Fuzz(func(t *testing.T, doc, needle string) {
		needle = strings.ToLower(strings.TrimSpace(needle))
		if needle == "" {
			return
		}
		found, err := holds(doc, needle)
		if err != nil || !found {
			return
		}
		if !mayHold([]byte(doc), needleTokens(needle)) {
			t.Fatalf("%q holds %q, but mayHold says it cannot", doc, needle)
		}
	})
}

// No character lower-cases into a caseless one but itself, and a caseless
// one lower-cases to itself: mayHold may then look for it in the text as
// it is. Checked over every code point.
func TestCaseless(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		l := unicode.ToLower(r)
		if caseless([]byte(string(l))) && l != r {
			t.Fatalf("%U lower-cases to caseless %U", r, l)
		}
		if caseless([]byte(string(r))) && l != r {
			t.Fatalf("caseless %U lower-cases to %U", r, l)
		}
	}
	for _, s := range []string{"天成", "零售业", "2024-01", "（上海）", "「上海」", "カタカナ", "１２３"} {
		if !caseless([]byte(s)) {
			t.Errorf("%q is not caseless", s)
		}
	}
	for _, s := range []string{"a", "Z", "天a", "Σ", "ｓ", "Ａ", "é"} {
		if caseless([]byte(s)) {
			t.Errorf("%q is caseless", s)
		}
	}
}
