package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPackHashes: a month's event hashes pack sorted, once each, 32 bytes
// a hash, and unpack to the same; a name that is not 64 hex digits is
// refused.
func TestPackHashes(t *testing.T) {
	var hs []string
	for i := range 50 {
		s := sha256.Sum256([]byte(fmt.Sprint(i)))
		hs = append(hs, hex.EncodeToString(s[:]))
	}
	in := append(slices.Clone(hs), hs[3], hs[7]) // in a bundle and a file of its own
	b, ok := packHashes(in)
	if !ok || len(b) != len(hs)*sha256.Size {
		t.Fatalf("packed %d bytes, %v; want %d", len(b), ok, len(hs)*sha256.Size)
	}
	got, ok := unpackHashes(b)
	want := slices.Sorted(slices.Values(hs))
	if !ok || !slices.Equal(got, want) {
		t.Fatalf("unpacked %d hashes, %v: not the %d packed", len(got), ok, len(want))
	}
	for _, bad := range []string{hs[0][:63], hs[0] + "0", strings.ToUpper(hs[0][:1]) + "g" + hs[0][2:], ""} {
		if _, ok := packHashes([]string{hs[1], bad}); ok {
			t.Errorf("%q packed", bad)
		}
	}
	if b, ok := packHashes(nil); !ok || len(b) != 0 {
		t.Fatalf("no hashes: %d bytes, %v", len(b), ok)
	}
}
