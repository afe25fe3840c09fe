package journal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// An event whose signature is wrapped over lines (base64 skips line
// breaks) has always been read and verified, however many lines it takes
// (review helper-71: the decoder into a value refused one of more than
// 99 bytes).
func TestWrappedSignatureParses(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	h := Header{Kind: "dossier.note", Time: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Actor: "zhangsan", Dossier: "", Prev: nil}
	b, err := Sign(h, map[string]string{"x": "y"}, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b); err != nil {
		t.Fatalf("plain event: %v", err)
	}
	i := bytes.LastIndex(b, []byte(sigPrefix)) + len(sigPrefix)
	text := string(b[i : len(b)-1])
	var w strings.Builder
	for j := 0; j < len(text); j += 4 { // wrapped every 4 characters: 22 lines
		w.WriteString(text[j:min(j+4, len(text))])
		if j+4 < len(text) {
			w.WriteString("\n")
		}
	}
	wrapped := append(append([]byte{}, b[:i]...), w.String()+"\n"...)
	e, err := Parse(wrapped)
	if err != nil {
		t.Fatalf("wrapped signature refused (accepted before): %v", err)
	}
	if !e.Verify(pub) {
		t.Fatalf("wrapped signature does not verify")
	}
}

// A timestamp with a comma before its fraction of a second is one, as
// yaml.v3 resolves it (time.Parse takes the comma).
func TestPlainTagTimestampComma(t *testing.T) {
	for _, s := range []string{"2026-11-20 10:00:00,5", "2026-11-20T10:00:00,5Z", "2026-1-2t1:2:3,25+08:00"} {
		want := (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag()
		if got := plainTag([]byte(s)); got != want {
			t.Errorf("plainTag(%q) = %s, yaml.v3 %s", s, got, want)
		}
	}
}
