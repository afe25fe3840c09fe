package journal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// canonSamples are event bodies as crm writes them: the data shapes of
// its event kinds (FORMAT.md, "Event kinds"), with values that need
// quoting, values that look like other types, and Chinese text.
func canonSamples(t testing.TB) [][]byte {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	prev := []string{strings.Repeat("ab", 32), "4d279feb0e4bcf402e20c1656ab6cffbc3bd7eb850532f08ac115a8c803ed5bb"}
	at := time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)
	type step struct {
		Step int    `yaml:"step"`
		By   string `yaml:"by"`
		Date string `yaml:"date"`
	}
	type member struct {
		ID         string   `yaml:"id"`
		Name       string   `yaml:"name"`
		Roles      []string `yaml:"roles"`
		Recipient  string   `yaml:"recipient"`
		SigningKey string   `yaml:"signing_key"`
	}
	datas := []any{
		nil,
		map[string]any{"quarter": "2026Q4", "note": "资料核对无误"},
		map[string]any{"fields": []string{}, "sha256": strings.Repeat("0", 64), "recipients": []string{"gm", "manager", "super"}},
		map[string]any{"fields": []string{"owner", "customer.name"}, "level": "秘密", "period": "10y", "set_on": "2026-11-22", "days": 3, "renewals": 0},
		map[string]any{"card": map[string]any{"card": "L-000KSCYM6R", "out": "2019-03-23", "approvers": []string{"manager"}, "intact": true}},
		map[string]any{"steps": []step{{1, "super", "2019-03-12"}, {2, "manager", "2019-03-13"}}},
		map[string]any{"member": member{"manager", "张经理", []string{"manager"}, "age1c8n4h6ry6vnwkllen689v6tu9yveysy5qpdyhjezk9xdl8gw8evsz2u60s", "crm-ed25519:pUYl50plzcrdLts3dbqelThm8xyxevYQD2cUbWWqDrM="}},
		map[string]any{"a": "true", "b": "null", "c": "123", "d": "1e5", "e": "0x1F", "f": "~", "g": "-x", "h": "y", "i": "", "j": " lead", "k": "trail ", "l": "a: b", "m": "#x", "n": "x #y", "o": ".5", "p": "+1", "q": "<<", "r": "2026-01-01 10:00:00", "s": 1.5, "t": false, "u": nil, "v": "0o17", "w": "1_000", "x": "[a]", "z": "{b}"},
		map[string]any{"note": "多行\n备注", "quote": `他说"好"`, "tab": "a\tb", "back": `a\b`, "long": strings.Repeat("长", 300)},
		map[string]any{"empty": map[string]any{}, "list": []any{[]string{"x"}, map[string]any{}}, "true": 1, "2026": "year"},
	}
	var out [][]byte
	for _, d := range datas {
		for _, dossier := range []string{"", "C-000001"} {
			b, err := Sign(Header{Kind: "dossier.update", Time: at, Actor: "super", Dossier: dossier, Prev: prev}, d, key)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b[:bytes.LastIndex(b, []byte("signature: "))])
		}
	}
	return append(out, []byte("kind: archive.init\ntime: \"2016-11-15T01:00:00Z\"\nactor: manager\ndata:\n  archive_id: 814e000dccf4c00b\n"))
}

// The canonical reader reads what crm writes: every sample whose values
// need no escapes and no block scalar (the common case) skips yaml.v3.
func TestCanonicalReadsCrmsForm(t *testing.T) {
	for i, body := range canonSamples(t) {
		_, ok := readCanonical(body)
		hard := bytes.Contains(body, []byte("多行")) || bytes.Contains(body, []byte("' lead'")) || bytes.Contains(body, []byte(`"[a]"`)) || bytes.Contains(body, []byte("list:"))
		if ok == hard {
			t.Errorf("sample %d: canonical %v, want %v:\n%s", i, ok, !hard, body)
		}
	}
}

// Whatever the canonical reader reads, yaml.v3 reads the same: the same
// header and the same data, node for node (tag, style, value, line,
// column). The samples check it on crm's own forms, the fuzzer on
// anything.
func TestCanonicalIsYAML(t *testing.T) {
	for _, body := range canonSamples(t) {
		sameAsYAML(t, body)
	}
}

func FuzzReadCanonical(f *testing.F) {
	for _, body := range canonSamples(f) {
		f.Add(body)
	}
	f.Add([]byte("kind: a\nkind: b\n"))
	f.Add([]byte("kind: a\nactor: b\ndata:\n  x:\n  - y\n"))
	f.Add([]byte("kind: a\nactor: b\ndata:\n  x: a\n    b\n"))
	f.Add([]byte("kind: a\nprev: []\ndata: {}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsYAML(t, body)
	})
}

func sameAsYAML(t *testing.T, body []byte) {
	t.Helper()
	c, ok := readCanonical(body)
	if !ok {
		return
	}
	y, err := readYAML(body)
	if err != nil {
		t.Fatalf("canonical reader read what yaml.v3 refuses (%v):\n%s", err, body)
	}
	if y.node != nil {
		t.Fatalf("yaml.v3's data could not be packed:\n%s", body)
	}
	if c.kind != y.kind || c.time != y.time || c.actor != y.actor || c.dossier != y.dossier ||
		!reflect.DeepEqual(c.prev, y.prev) ||
		!bytes.Equal(c.packed, y.packed) {
		cn, _, _ := unpackNode(c.packed, 0)
		yn, _, _ := unpackNode(y.packed, 0)
		t.Fatalf("canonical %+v\n%s\nyaml.v3 %+v\n%s\nbody:\n%s", c, dumpNode(cn), y, dumpNode(yn), body)
	}
}

// dumpNode prints a data tree, a node a line.
func dumpNode(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil {
			return
		}
		fmt.Fprintf(&b, "%s%d %d %s %q %d:%d\n", strings.Repeat("  ", depth), n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column)
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// randomBodies are bodies put together at random from lines of crm's
// form, indented and nested every way, with keys that are header keys and
// values that look like other types; one in three has a line indented
// otherwise.
func randomBodies(n int) [][]byte {
	r := mrand.New(mrand.NewPCG(1, 2))
	values := []string{"x", "秘密", "10y", "3", "-3", "0", "007", "1e5", ".5", "+1", "true", "False", "null", "~", "y", "n", "on",
		"2026-01-01", "2026-1-1", "12:30", "a:b", "a,b", "[]", "{}", `""`, `"2026-11-22"`, `"a b"`, "crm-ed25519:pU=", "0x1F", "0o17",
		"1_000", ".inf", "-.inf", ".nan", "a b", "中文 值", "x.y", "0b101", "1.5e3", "-", "- x",
		"+Infinity", ".Inf", "1e", "2026-01-01T10:00:00Z", "2026-1-2 3:4:5", "2026-01-01t01:00:00+08:00", "0x1p3", "0xFF", "-0b11", "-0o7", "2026Q4", "1y", "Yes", "ON", "n/a",
		"300", "-129", "99999999999999999999", "true", "false", "True", "TRUE", "010", "0777", "-010"}
	keys := []string{"a", "kind", "time", "actor", "dossier", "prev", "data", "true", "2026", "n", "y", "_", "K9"}
	var render func(b *strings.Builder, ind, depth int, seq bool)
	// render writes a random mapping, or a sequence, at ind.
	render = func(b *strings.Builder, ind, depth int, seq bool) {
		pad := strings.Repeat(" ", ind)
		for k := range 1 + r.IntN(3) {
			if seq {
				if depth < 3 && r.IntN(3) == 0 {
					// a mapping that starts on the dash's line
					fmt.Fprintf(b, "%s- %s: %s\n", pad, keys[r.IntN(len(keys))], values[r.IntN(len(values))])
					if r.IntN(2) == 0 {
						render(b, ind+2, depth+1, false)
					}
					continue
				}
				fmt.Fprintf(b, "%s- %s\n", pad, values[r.IntN(len(values))])
				continue
			}
			key := keys[(k+r.IntN(len(keys)))%len(keys)]
			if depth < 3 && r.IntN(3) == 0 {
				fmt.Fprintf(b, "%s%s:\n", pad, key)
				render(b, ind+2, depth+1, r.IntN(2) == 0)
				continue
			}
			fmt.Fprintf(b, "%s%s: %s\n", pad, key, values[r.IntN(len(values))])
		}
	}
	var out [][]byte
	for range n {
		var b strings.Builder
		b.WriteString("kind: k\nactor: a\ndata:\n")
		render(&b, 2, 0, r.IntN(2) == 0)
		if r.IntN(3) == 0 {
			lines := strings.SplitAfter(b.String(), "\n")
			n := 3 + r.IntN(len(lines)-3)
			lines[n] = strings.Repeat(" ", r.IntN(3)) + strings.TrimPrefix(lines[n], strings.Repeat(" ", r.IntN(3)))
			b.Reset()
			b.WriteString(strings.Join(lines, ""))
		}
		out = append(out, []byte(b.String()))
	}
	return out
}

// Whatever the canonical reader reads of random bodies, yaml.v3 reads
// the same.
func TestCanonicalRandomBodies(t *testing.T) {
	accepted := 0
	for _, body := range randomBodies(30000) {
		if _, ok := readCanonical(body); ok {
			accepted++
		}
		sameAsYAML(t, body)
	}
	if accepted < 1000 {
		t.Fatalf("only %d of 30000 bodies read canonically: the test checks too little", accepted)
	}
	t.Logf("%d of 30000 bodies read canonically", accepted)
}

// BenchmarkReadBody compares the two readers on a 核定 and a content
// edit as crm writes them.
func BenchmarkReadBody(b *testing.B) {
	bodies := canonSamples(b)[2:6]
	b.Run("canonical", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, ok := readCanonical(bodies[i%len(bodies)]); !ok {
				b.Fatal("not canonical")
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := readYAML(bodies[i%len(bodies)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// mappingSamples are dossiers as crm keeps them: its templates filled in
// (comments, blank lines, quoted and plain values, lists of mappings) and
// texts ReadMapping must leave to yaml.v3.
func mappingSamples(t testing.TB) [][]byte {
	var out [][]byte
	for _, name := range []string{"standard.yaml", "individual.yaml"} {
		b, err := os.ReadFile("../../templates/dossier/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b, bytes.ReplaceAll(b, []byte(`name: ""`), []byte("name: 上海天成贸易有限公司")))
	}
	return append(out,
		[]byte("# 客户信息档案\ncustomer:\n  name: 东北华信建筑业有限公司-19202\n  founded: 2002-11-03\nyearly_sales: 4146369\nbasic:\n  key_people:\n    - name: 张强\n      title: 采购经理\n    # 第二位\n    - name: 赵丽\ncredit_survey:\n  score: 99\n\nnotes: 合成档案\n# 第2次补充\n"),
		[]byte("a:\n  # only a comment\nb: c\n"),
		[]byte("a: b\n  # c\nd: e\n"),
		[]byte("a: b # c\n"),
		[]byte("---\na: b\n"),
		[]byte("a: b\n---\nc: d\n"),
		[]byte("a: |\n  # not a comment\n"),
		[]byte("a: \"x\n  # y\n  \"\n"),
		[]byte("  a: b\n"),
		[]byte("a: b\n#\n#\n"),
		[]byte("# only comments\n"),
	)
}

// ReadMapping reads the templates, filled in or not, and a dossier as the
// generator writes it (comments and blank lines between its lines), as
// yaml.v3 does.
func TestReadMappingReadsDossiers(t *testing.T) {
	for i, text := range mappingSamples(t)[:5] {
		if _, ok := ReadMapping(text); !ok {
			t.Errorf("sample %d is left to yaml.v3:\n%s", i, text)
		}
		sameMappingAsYAML(t, text)
	}
	for _, text := range mappingSamples(t)[5:] {
		sameMappingAsYAML(t, text)
	}
	if n, ok := ReadMapping(mappingSamples(t)[4]); !ok || n.Content[1].Line != 3 || n.Content[8].Line != 15 {
		t.Errorf("lines are not counted past comments: %s", dumpNode(n))
	}
}

// FuzzReadMapping: a text ReadMapping reads is one YAML document whose
// mapping yaml.v3 reads to the same nodes, but for comments.
func FuzzReadMapping(f *testing.F) {
	for _, text := range mappingSamples(f) {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		sameMappingAsYAML(t, text)
	})
}

func sameMappingAsYAML(t *testing.T, text []byte) {
	t.Helper()
	c, ok := ReadMapping(text)
	if !ok {
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var root, extra yaml.Node
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("ReadMapping read what yaml.v3 refuses (%v):\n%s", err, text)
	}
	if err := dec.Decode(&extra); err != io.EOF {
		t.Fatalf("ReadMapping read one document of more (%v):\n%s", err, text)
	}
	if len(root.Content) != 1 {
		t.Fatalf("yaml.v3 read no node:\n%s", text)
	}
	y := root.Content[0]
	cp, cok := packNode(nil, c, 0)
	yp, yok := packNode(nil, y, 0)
	if !cok || !yok || !bytes.Equal(cp, yp) || y.Anchor != "" {
		t.Fatalf("ReadMapping\n%s\nyaml.v3\n%s\ntext:\n%s", dumpNode(c), dumpNode(y), text)
	}
}

// FuzzPlainTag: plainTag gives the tag yaml.v3 resolves any plain text
// to, hashes (the fast path for 64 hex digits) and the forms that look
// like them included.
func FuzzPlainTag(f *testing.F) {
	for _, s := range []string{
		"8fffdd809b097345e4c619d2a03c006d5977fdc7ad21b947c2f99fdffd9546bf", // a link
		"1234567890123456789012345678901234567890123456789012345678901234", // digits only: a float
		"12e45", "1e5", "0x1F", "0X1f", "0b101", "0o17", "017", "089", "1_000", "-0b11",
		".NaN", ".nan", "+.Inf", "-.INF", ".5", "1.", "+1", "-", "2026-11-20", "2026-11-20T10:00:00Z",
		"2026-11-20 10:00:00", "2026-11-20 10:00:00,5", "1,000", "138-1234-5678", "2020Q2", "10y", "0", "1:20", "1a", "a1", "0xfg", "9fd.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag()
		if got := plainTag([]byte(s)); got != want {
			t.Fatalf("plainTag(%q) = %s, yaml.v3 resolves it to %s", s, got, want)
		}
	})
}
