package archive

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"filippo.io/age"
)

// A rotation of one's own keys opens files with the new key or the old
// (RotateOwnKeys): eitherIdentity opens what either opens, and nothing
// else.
func TestEitherIdentity(t *testing.T) {
	var ids [3]*age.X25519Identity
	for i := range ids {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	seal := func(to *age.X25519Identity) []byte {
		var b bytes.Buffer
		w, err := age.Encrypt(&b, to.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "档案")
		w.Close()
		return b.Bytes()
	}
	either := eitherIdentity{ids[0], ids[1]}
	for i := range 2 {
		got, err := Decrypt(seal(ids[i]), either)
		if err != nil || string(got) != "档案" {
			t.Fatalf("file to identity %d: %q, %v", i, got, err)
		}
	}
	if _, err := Decrypt(seal(ids[2]), either); err == nil {
		t.Fatal("a file to neither key opened")
	}
	if _, err := either.Unwrap(nil); !errors.Is(err, age.ErrIncorrectIdentity) {
		t.Fatalf("no stanza: %v, want ErrIncorrectIdentity", err)
	}
}
