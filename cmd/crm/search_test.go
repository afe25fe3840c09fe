package main

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// holds reports whether a value of the YAML doc contains the folded
// needle, as search decides it (after the parse).
func holds(doc, needle string) (bool, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return false, err
	}
	found := false
	walkValues(&root, "", func(_, value string) {
		_, _, ok := foldedIndex(value, needle)
		found = found || ok
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
	// Fullwidth forms fold to ASCII (foldRune).
	"customer:\n  name: 华东远洋（上海）ＡＣＭＥ\n  phone: ０２１-5555　转８\n",
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
			r := []rune(foldString(v))
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
		needle = strings.TrimSpace(foldString(needle))
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

// No character folds into a folded one but itself, and a folded one folds
// to itself: mayHold may then look for it in the text as it is. An ASCII
// sign or digit is folded into only by its fullwidth form (needsFold looks
// for that form). Checked over every code point.
func TestFolded(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		f := foldRune(r)
		if folded(f) && f != r {
			t.Fatalf("%U folds to folded %U", r, f)
		}
		if folded(r) && f != r {
			t.Fatalf("folded %U folds to %U", r, f)
		}
		if f > ' ' && f < utf8.RuneSelf && !unicode.IsLetter(f) && f != r && r != f+0xfee0 {
			t.Fatalf("%U folds to the ASCII sign %q but is not its fullwidth form", r, f)
		}
	}
	for _, s := range []string{"天成", "零售业", "「上海」", "カタカナ", "｢｣"} {
		for _, r := range s {
			if !folded(r) {
				t.Errorf("%q of %q is not folded", r, s)
			}
		}
	}
	for _, s := range []string{"a", "Z", "Σ", "ｓ", "Ａ", "é", "（", "１", "\u3000"} {
		if r, _ := utf8.DecodeRuneInString(s); folded(r) {
			t.Errorf("%q is folded", s)
		}
	}
}

// A match is found whatever the width and case of its letters, digits and
// signs, and its offsets are those of the value as written, so that the
// excerpt shows the match and what is around it.
func TestFoldedIndex(t *testing.T) {
	for _, c := range []struct{ value, needle, match string }{
		{"华东远洋贸易公司（上海）", "(上海)", "（上海）"},
		{"华东远洋贸易公司(上海)", foldString("（上海）"), "(上海)"},
		{"电话：０２１-5555 转8", "021-5555", "０２１-5555"},
		{"深圳ＡＣＭＥ科技", "acme", "ＡＣＭＥ"},
		{"Beijing　Office", "beijing office", "Beijing　Office"},
		{"plain ACME", "acme", "ACME"},
		{"ΣΑΣ", "σασ", "ΣΑΣ"},
		{"一（二）三（四）", "(四)", "（四）"},
	} {
		at, n, ok := foldedIndex(c.value, c.needle)
		if !ok || c.value[at:at+n] != c.match {
			t.Errorf("foldedIndex(%q, %q) = %d, %d, %v; want the match %q", c.value, c.needle, at, n, ok, c.match)
		}
	}
	if _, _, ok := foldedIndex("华东远洋（上海）", "(北京)"); ok {
		t.Error("(北京) found in 华东远洋（上海）")
	}
	long := "该客户信用良好，付款及时，近年来与（ＡＣＭＥ）公司合作多年，来往频繁，值得重点维护。"
	at, n, _ := foldedIndex(long, "(acme)")
	if got, want := excerpt(long, at, n), "…户信用良好，付款及时，近年来与（ＡＣＭＥ）公司合作多年，来往频繁，值得重…"; got != want {
		t.Errorf("excerpt = %q, want %q", got, want)
	}
}
