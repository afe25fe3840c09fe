package archive

import (
	"io/fs"
	"maps"
	"reflect"
	"testing"

	"crm/templates"
)

// A write reads each text once (readDoc) and decodes ChangedFields' and
// checkAgainstPolicy's views of it from that node: they must be what
// decoding the text itself gave, or an edit would list other fields, or
// pass another credit limit, than before. The node is read by the text's
// own checks first, as Update reads it: they must leave it as it was.
func FuzzReadDoc(f *testing.F) {
	for _, name := range []string{"dossier/standard.yaml", "dossier/individual.yaml"} {
		b, err := fs.ReadFile(templates.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("customer:\n  name: 甲\n  founded: 2020-02-29\nowner: 乙\ncredit_survey:\n  class: B\n  score: 61\n  credit_limit: 1e5\n"))
	f.Add([]byte("customer: {name: x}\nowner: y\ncontacts:\n  - date: 2024-02-29\n    kind: 投诉\n  - {date: 2026-01-01, kind: 拜访, keep_until: 2025-01-01}\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\nextra: {1: [a, {b: .nan}], ~: x, [k]: v, t: 2024-01-02T03:04:05Z, n: 0x10, o: 0o17, yes: on}\n"))
	f.Add([]byte("customer:\n  name: &n x\nowner: *n\nextra:\n  a: &a [1, 2]\n  b: *a\n  c: !!str 12\n  d: \"12\"\n  e: 12\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\nextra:\n  k: 1\n  k: 2\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\ncredit_survey:\n  credit_limit: [1]\n  score: x\n"))
	f.Add([]byte("# 档案\ncustomer:\n  name: x # 名称\nowner: y\nnotes: |\n  多行\n  文本\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc := readDoc(b)
		if doc.top == nil {
			return // decode reads the text itself: nothing to compare
		}
		parseWrittenDoc(doc) // the checks of a write, before the views
		text := &dossierDoc{text: b}
		m1, e1 := flatten(doc)
		m2, e2 := flatten(text)
		if (e1 == nil) != (e2 == nil) || !maps.Equal(m1, m2) {
			t.Fatalf("flatten of %q: from the node %v, %v; from the text %v, %v", b, m1, e1, m2, e2)
		}
		f1, e1 := factsOfDoc(doc)
		f2, e2 := factsOfDoc(text)
		if (e1 == nil) != (e2 == nil) || !reflect.DeepEqual(f1, f2) {
			t.Fatalf("factsOf %q: from the node %+v, %v; from the text %+v, %v", b, f1, e1, f2, e2)
		}
	})
}
