package archive

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"crm/archive/agefile"
)

// wrapAll makes the file age.Encrypt makes of the same recipients given
// one by one: a stanza per recipient, in their order (each opens with its
// identity alone), and recipients age refuses to mix are refused.
func TestWrapAllIsAgeEncrypt(t *testing.T) {
	ids, rs := testIdentities(t, 6)
	plain := []byte("customer:\n  name: 测试公司\n")
	ct, err := Encrypt(plain, wrapAll(rs))
	if err != nil {
		t.Fatal(err)
	}
	st, err := agefile.Header(ct)
	if err != nil || len(st) != len(rs) {
		t.Fatalf("header: %d stanzas (%v), want %d", len(st), err, len(rs))
	}
	for i, id := range ids {
		// Stanza i is recipient i's: its ephemeral share unwraps with
		// identity i alone.
		s := &age.Stanza{Type: st[i].Type, Args: st[i].Args, Body: stanzaBody(t, ct, i)}
		if _, err := id.Unwrap([]*age.Stanza{s}); err != nil {
			t.Errorf("stanza %d does not open with identity %d: %v", i, i, err)
		}
		r, err := age.Decrypt(bytes.NewReader(ct), id)
		if err != nil {
			t.Fatalf("identity %d: %v", i, err)
		}
		if got, _ := io.ReadAll(r); !bytes.Equal(got, plain) {
			t.Fatalf("identity %d read %q", i, got)
		}
	}
	// A passphrase may not be mixed with keys, as age.Encrypt says.
	sr, _ := age.NewScryptRecipient("口令")
	sr.SetWorkFactor(10)
	if _, err := Encrypt(plain, wrapAll{rs[0], sr}); err == nil || !strings.Contains(err.Error(), "can't be mixed") {
		t.Errorf("a key and a passphrase: %v", err)
	}
	if _, err := Encrypt(plain, rs[0], sr); err == nil {
		t.Errorf("age.Encrypt mixed a key and a passphrase")
	}
}

// stanzaBody is the body of the i-th stanza of age file ct's header.
func stanzaBody(t *testing.T, ct []byte, i int) []byte {
	t.Helper()
	lines := strings.Split(string(ct[:bytes.Index(ct, []byte("\n---"))]), "\n")
	n := -1
	for k, l := range lines {
		if strings.HasPrefix(l, "-> ") {
			if n++; n == i {
				body, err := base64.RawStdEncoding.DecodeString(lines[k+1])
				if err != nil {
					t.Fatal(err)
				}
				return body
			}
		}
	}
	t.Fatalf("no stanza %d", i)
	return nil
}
