package journal

import (
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Types with every kind of field event data has, and kinds the packed
// decoder leaves to yaml.v3, named for the keys of randomBodies.
type (
	textValue struct{ s string }
	decInner  struct {
		A  string   `yaml:"a"`
		K9 int      `yaml:"K9"`
		Y  *bool    `yaml:"y,omitempty"`
		N  []string `yaml:"n"`
	}
	decInline struct {
		Time string `yaml:"time"`
	}
	// decTyped is decPlain inlined (an inline two deep), with two fields
	// yaml.v3 decodes by rules of their own.
	decTyped struct {
		decPlain `yaml:",inline"`
		Year     textValue `yaml:"2026"`
		N        time.Time `yaml:"n"`
	}
	decPlain struct {
		A         string `yaml:"a"`
		Kind      int    `yaml:"kind"`
		decInline `yaml:",inline"`
		Actor     []string   `yaml:"actor"`
		Dossier   []decInner `yaml:"dossier"`
		Prev      *decInner  `yaml:"prev"`
		Data      bool       `yaml:"data"`
		True      int64      `yaml:"true"`
		Under     string     `yaml:"_"`
		K9        int8       `yaml:"K9"`
		Y         *bool      `yaml:"y,omitempty"`
	}
	decStrings struct {
		A, Kind, Time, Actor string
		Dossier              []string
		Prev                 []decStrings
		Data                 *decStrings
		True                 string `yaml:"true"`
		Year                 string `yaml:"2026"`
		N, Y                 []string
		Under                string `yaml:"_"`
		K9                   string `yaml:"K9"`
	}
)

func (t *textValue) UnmarshalText(b []byte) error { t.s = "text:" + string(b); return nil }

// decodeBoth decodes body's data into a new *T both ways: with the packed
// decoder (Decode) and with yaml.v3 alone. It reports whether the packed
// decoder decoded it.
func decodeBoth[T any](t *testing.T, body []byte) bool {
	t.Helper()
	c, ok := readCanonical(body)
	if !ok {
		var err error
		if c, err = readYAML(body); err != nil || c.node != nil {
			return false
		}
	}
	e := &Event{packed: c.packed}
	if e.packed == nil {
		return false
	}
	var direct, fast, slow T
	rest, packedOK := decodePacked(e.packed, reflect.ValueOf(&direct).Elem(), 0)
	packedOK = packedOK && len(rest) == 0
	fastErr := e.Decode(&fast)
	slowErr := decodeYAMLOnly(e, &slow)
	if packedOK && (slowErr != nil || !reflect.DeepEqual(direct, slow)) {
		t.Fatalf("packed decoder gave %+v, yaml.v3 %+v (%v):\n%s", direct, slow, slowErr, body)
	}
	if (fastErr == nil) != (slowErr == nil) || fastErr == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("Decode gave %+v (%v), yaml.v3 %+v (%v):\n%s", fast, fastErr, slow, slowErr, body)
	}
	return packedOK
}

// decodeYAMLOnly is Decode without the packed decoder.
func decodeYAMLOnly(e *Event, v any) error {
	n, err := e.DataNode()
	if err != nil {
		return err
	}
	if keys := UnknownKeys(n, reflect.TypeOf(v)); len(keys) > 0 {
		return fmt.Errorf("unknown data field %q", keys[0])
	}
	return n.Decode(v)
}

// plainBodies are the bodies of events whose data is a random decPlain,
// written as crm writes data.
func plainBodies(t testing.TB, n int) [][]byte {
	r := mrand.New(mrand.NewPCG(3, 4))
	words := []string{"", "x", "秘密", "10y", "3", "true", "null", "a: b", " lead", "#x", "2026-01-01", "多行\n文本", `"q"`}
	word := func() string { return words[r.IntN(len(words))] }
	var out [][]byte
	for range n {
		d := decPlain{A: word(), Kind: r.IntN(2000) - 1000, Data: r.IntN(2) == 0, True: r.Int64() - r.Int64(), Under: word(), K9: int8(r.IntN(256) - 128)}
		d.Time = word()
		for range r.IntN(3) {
			d.Actor = append(d.Actor, word())
			in := decInner{A: word(), K9: r.IntN(100), N: []string{word()}}
			if r.IntN(2) == 0 {
				b := r.IntN(2) == 0
				in.Y, d.Y = &b, &b
			}
			d.Dossier = append(d.Dossier, in)
			d.Prev = &in
		}
		b, err := MarshalYAML(map[string]any{"kind": "k", "actor": "a", "data": d})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// edgeBodies give each field of decPlain values that yaml.v3 reads in
// ways of its own: ints in octal, hex and with '_', bools in capitals,
// nulls.
func edgeBodies() [][]byte {
	var out [][]byte
	for _, v := range []string{"010", "0777", "-010", "0x1F", "1_000", "+5", "-0", "True", "TRUE", "false", "null", "~", `""`, "[]", "{}", "1.0", "1e3", "300", "-129"} {
		for _, k := range []string{"a", "kind", "data", "true", "K9", "_", "actor", "prev", "y"} {
			out = append(out, []byte("kind: k\nactor: a\ndata:\n  a: x\n  "+k+": "+v+"\n"))
		}
	}
	return out
}

func TestDecodePackedIsYAML(t *testing.T) {
	decoded := 0
	for _, body := range slices.Concat(canonSamples(t), randomBodies(20000), plainBodies(t, 2000), edgeBodies()) {
		if decodeBoth[decTyped](t, body) {
			decoded++
		}
		if decodeBoth[decPlain](t, body) {
			decoded++
		}
		if decodeBoth[decStrings](t, body) {
			decoded++
		}
	}
	if decoded < 1000 {
		t.Fatalf("only %d decoded by the packed decoder: the test checks too little", decoded)
	}
	t.Logf("%d decoded by the packed decoder", decoded)
}

func FuzzDecodePacked(f *testing.F) {
	for _, body := range canonSamples(f) {
		f.Add(body)
	}
	for _, body := range randomBodies(50) {
		f.Add(body)
	}
	for _, body := range plainBodies(f, 50) {
		f.Add(body)
	}
	for _, body := range edgeBodies() {
		f.Add(body)
	}
	f.Add([]byte("kind: k\nactor: a\ndata:\n  a: x\n  a: y\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !strings.HasPrefix(string(body), "kind") {
			return
		}
		decodeBoth[decTyped](t, body)
		decodeBoth[decPlain](t, body)
		decodeBoth[decStrings](t, body)
	})
}
