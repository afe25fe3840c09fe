// Package agefile reads the header of an age file (age-encryption.org/v1)
// without decrypting it: the recipient stanzas, which say how many keys
// the file key was wrapped to and of which type. filippo.io/age has no
// public header parser, so this one reads the text header itself:
//
//	age-encryption.org/v1
//	-> X25519 <share>           one stanza per recipient: "-> TYPE ARGS…"
//	<base64 body, 64 columns per full line, ended by a shorter line>
//	…
//	--- <mac>
//	<binary payload>
//
// X25519 stanzas name no recipient (their argument is an ephemeral share),
// so a checker can count them but not tell whose they are: crm's verify
// counts them against the recipients the journal pinned.
package agefile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Stanza is one recipient stanza of an age header.
type Stanza struct {
	Type string
	Args []string
}

// MaxHeader is the largest header Header reads: far more than any file
// crm writes (a post-quantum stanza is about 1.6 KB).
const MaxHeader = 1 << 20

const (
	intro          = "age-encryption.org/v1\n"
	stanzaPrefix   = "-> "
	footerPrefix   = "--- "
	columnsPerLine = 64
)

// ErrNotAge is returned for data that does not start like a binary age file.
var ErrNotAge = errors.New("not a binary age file (no age-encryption.org/v1 header)")

// Header returns the recipient stanzas of the binary age file b, in order.
// It checks the header's shape (stanza lines, base64 bodies, the MAC line),
// not its MAC, which needs the file key.
func Header(b []byte) ([]Stanza, error) {
	if !bytes.HasPrefix(b, []byte(intro)) {
		return nil, ErrNotAge
	}
	rest := b[len(intro):]
	read := len(intro)
	line := func() (string, error) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", errors.New("age header: truncated")
		}
		if read += i + 1; read > MaxHeader {
			return "", errors.New("age header: too long")
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		return l, nil
	}
	var out []Stanza
	for {
		l, err := line()
		if err != nil {
			return nil, err
		}
		if mac, ok := strings.CutPrefix(l, footerPrefix); ok {
			if !isBase64(mac) || len(mac) == 0 {
				return nil, errors.New("age header: malformed MAC line")
			}
			return out, nil
		}
		args, ok := strings.CutPrefix(l, stanzaPrefix)
		if !ok {
			return nil, fmt.Errorf("age header: line %q is neither a stanza nor the MAC line", clip(l))
		}
		f := strings.Split(args, " ")
		for _, a := range f {
			if !isArg(a) {
				return nil, fmt.Errorf("age header: malformed stanza line %q", clip(l))
			}
		}
		out = append(out, Stanza{Type: f[0], Args: f[1:]})
		for {
			body, err := line()
			if err != nil {
				return nil, err
			}
			if len(body) > columnsPerLine || !isBase64(body) {
				return nil, errors.New("age header: malformed stanza body")
			}
			if len(body) < columnsPerLine {
				break
			}
		}
	}
}

// isArg reports whether s is a stanza argument: one or more printable
// ASCII characters (the age spec's VCHAR).
func isArg(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

// isBase64 reports whether s is unpadded standard base64 text.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
