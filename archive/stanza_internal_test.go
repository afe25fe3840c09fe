package archive

import (
	"bytes"
	"testing"

	"filippo.io/age"
)

// counting is an identity that counts the stanzas it is asked to try.
type counting struct {
	id    age.Identity
	tried int
}

func (c *counting) Unwrap(ss []*age.Stanza) ([]byte, error) {
	c.tried += len(ss)
	return c.id.Unwrap(ss)
}

// testIdentities are n new X25519 identities and their recipients.
func testIdentities(t *testing.T, n int) ([]*age.X25519Identity, []age.Recipient) {
	t.Helper()
	var ids []*age.X25519Identity
	var rs []age.Recipient
	for range n {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids, rs = append(ids, id), append(rs, id.Recipient())
	}
	return ids, rs
}

// A reader tries its own stanza first: one key agreement whatever its
// place among the recipients; a wrong place still opens the file, as
// age would, and a key that is no recipient still does not.
func TestOwnStanzaFirst(t *testing.T) {
	ids, rs := testIdentities(t, 9)
	plain := []byte("customer:\n  name: 测试\n")
	ct, err := Encrypt(plain, rs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		c := &counting{id: id}
		got, err := Decrypt(ct, ownStanzaFirst{c, i})
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("reader %d: %q, %v", i, got, err)
		}
		if c.tried != 1 {
			t.Fatalf("reader %d tried %d stanzas, want 1", i, c.tried)
		}
		// A wrong place: every stanza, as age tries them.
		c = &counting{id: id}
		if got, err := Decrypt(ct, ownStanzaFirst{c, (i + 1) % 9}); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("reader %d with a wrong hint: %q, %v", i, got, err)
		}
		// A place past the stanzas is no hint.
		if got, err := Decrypt(ct, ownStanzaFirst{id, 40}); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("reader %d with a hint out of range: %q, %v", i, got, err)
		}
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := Decrypt(ct, ownStanzaFirst{other, 3}); err == nil {
		t.Fatal("a key that is no recipient opened the file")
	}
}
