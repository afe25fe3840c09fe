package journal

import (
	"crypto/ed25519"
	"crypto/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// An event's data packed in memory, and the event packed into a cache
// segment, decode exactly as the YAML they came from.
func TestPackedEventDecodesAsWritten(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	type card struct {
		Card      string   `yaml:"card"`
		Approvers []string `yaml:"approvers"`
		Renewals  int      `yaml:"renewals"`
	}
	type data struct {
		Loan  string            `yaml:"loan"`
		Card  card              `yaml:"card"`
		Files map[string]string `yaml:"files"`
		Note  string            `yaml:"note"`
		Flag  bool              `yaml:"flag"`
	}
	in := data{Loan: "L-1", Card: card{Card: "L-1", Approvers: []string{"zhang", "wang"}, Renewals: 2},
		Files: map[string]string{"a": "0123"}, Note: "多行\n备注: \"引号\" #not a comment", Flag: true}
	prev := strings.Repeat("ab", 32)
	b, err := Sign(Header{Kind: "loan.approve", Time: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC), Actor: "zhang", Dossier: "C-1", Prev: []string{prev}}, in, key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	var want data
	if err := yaml.Unmarshal(b[strings.Index(string(b), "data:\n")+len("data:\n"):strings.Index(string(b), "signature:")], &want); err != nil {
		t.Fatal(err)
	}
	var got data
	if err := e.Decode(&got); err != nil || !reflect.DeepEqual(got, in) || !reflect.DeepEqual(want, in) {
		t.Fatalf("decoded %+v (%v), want %+v", got, err, in)
	}
	e.Path = PathOf(e.Time, e.Hash)
	e.SetVerdict("crm-ed25519:k", true)
	rec, ok := AppendPacked(nil, e, 0)
	if !ok {
		t.Fatal("not packable")
	}
	root := "/nowhere"
	c, rest, err := ReadPacked(rec, &root, []string{"crm-ed25519:k"})
	if err != nil || len(rest) != 0 {
		t.Fatal(err)
	}
	if c.Hash != e.Hash || c.Path != e.Path || !reflect.DeepEqual(c.Header, e.Header) {
		t.Fatalf("read back %+v, want %+v", c.Header, e.Header)
	}
	if ok, known := c.Verdict("crm-ed25519:k"); !ok || !known {
		t.Fatal("verdict lost")
	}
	got = data{}
	if err := c.Decode(&got); err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("decoded from the cache %+v (%v)", got, err)
	}
	// The signed bytes were not kept: Verify reads the file, which is not
	// there, so the signature cannot be confirmed again.
	if c.Verify(key.Public().(ed25519.PublicKey)) {
		t.Fatal("verified without the file")
	}
	// Truncated records are refused, never a panic.
	for i := range rec {
		ReadPacked(rec[:i], &root, []string{"k"})
	}
}

// A cache written before bundles (no bundle field) is read as events of
// files of their own.
func TestReadPackedUnbundled(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	b, err := Sign(Header{Kind: "dossier.update", Time: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC), Actor: "li", Dossier: "C-1"}, map[string]any{"fields": []string{"a"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := Parse(b)
	rec, ok := AppendPacked(nil, e, -1)
	if !ok || rec[len(rec)-1] != 0 {
		t.Fatalf("record %v ends with %x, want the empty bundle", ok, rec[len(rec)-1])
	}
	root := "/nowhere"
	old, rest, err := ReadPackedUnbundled(rec[:len(rec)-1], &root, nil)
	if err != nil || len(rest) != 0 || old.Hash != e.Hash || old.Bundle() != "" {
		t.Fatalf("v2 record: %v %d", err, len(rest))
	}
	if _, _, err := ReadPacked(rec[:len(rec)-1], &root, nil); err == nil {
		t.Fatal("a v2 record read as v3")
	}
}
