package agefile_test

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"

	"crm/archive/agefile"
)

func encrypt(t testing.TB, rs ...age.Recipient) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := age.Encrypt(&b, rs...)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("customer:\n  name: 测试\n"))
	w.Close()
	return b.Bytes()
}

func x25519(t testing.TB, n int) []age.Recipient {
	var rs []age.Recipient
	for range n {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, id.Recipient())
	}
	return rs
}

func TestHeaderCountsStanzas(t *testing.T) {
	for _, n := range []int{1, 2, 7, 20} {
		ss, err := agefile.Header(encrypt(t, x25519(t, n)...))
		if err != nil || len(ss) != n {
			t.Fatalf("%d recipients: %d stanzas, %v", n, len(ss), err)
		}
		for _, s := range ss {
			if s.Type != "X25519" || len(s.Args) != 1 {
				t.Fatalf("stanza %+v", s)
			}
		}
	}
}

func TestHeaderPostQuantum(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := agefile.Header(encrypt(t, id.Recipient()))
	if err != nil || len(ss) != 1 || ss[0].Type != "mlkem768x25519" {
		t.Fatalf("%+v %v", ss, err)
	}
}

func TestHeaderScrypt(t *testing.T) {
	r, _ := age.NewScryptRecipient("口令")
	r.SetWorkFactor(10)
	ss, err := agefile.Header(encrypt(t, r))
	if err != nil || len(ss) != 1 || ss[0].Type != "scrypt" {
		t.Fatalf("%+v %v", ss, err)
	}
}

func TestHeaderRefusesWhatIsNotABinaryAgeFile(t *testing.T) {
	good := encrypt(t, x25519(t, 2)...)
	var arm bytes.Buffer
	w := armor.NewWriter(&arm)
	w.Write(good)
	w.Close()
	hdrEnd := bytes.Index(good, []byte("\n--- ")) + 1
	for name, b := range map[string][]byte{
		"empty":        nil,
		"plaintext":    []byte("customer:\n  name: x\n"),
		"armored":      arm.Bytes(),
		"truncated":    good[:hdrEnd-3],
		"no mac":       append(append([]byte{}, good[:hdrEnd]...), "---\n"...),
		"bad body":     []byte("age-encryption.org/v1\n-> X25519 abc\n!!!\n--- AAAA\n"),
		"bad stanza":   []byte("age-encryption.org/v1\n->  X25519\n\n--- AAAA\n"),
		"long body":    []byte("age-encryption.org/v1\n-> X25519 abc\n" + strings.Repeat("A", 65) + "\n--- AAAA\n"),
		"junk line":    []byte("age-encryption.org/v1\nhello\n--- AAAA\n"),
		"control char": []byte("age-encryption.org/v1\n-> X25519 a\tb\nAAAA\n--- AAAA\n"),
	} {
		if ss, err := agefile.Header(b); err == nil {
			t.Errorf("%s: accepted, %d stanzas", name, len(ss))
		}
	}
}

// FuzzHeader: never panics; what it accepts has well-formed stanzas, and
// the header of a file it accepts is a prefix of the file.
func FuzzHeader(f *testing.F) {
	f.Add(encrypt(f, x25519(f, 1)...))
	f.Add(encrypt(f, x25519(f, 3)...))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n" + strings.Repeat("A", 64) + "\n\n--- AAAA\n"))
	f.Add([]byte("age-encryption.org/v1\n--- AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ss, err := agefile.Header(b)
		if err != nil {
			return
		}
		for _, s := range ss {
			if s.Type == "" || strings.ContainsAny(s.Type, " \n") {
				t.Fatalf("stanza type %q", s.Type)
			}
		}
	})
}
