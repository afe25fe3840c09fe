package archive

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The part table round-trips, and a table that is not whole entries or
// claims offsets or lengths no file has is refused.
func TestPartTable(t *testing.T) {
	ps := []snapPart{{Off: 0, Len: 7, Sum: sha256.Sum256([]byte("a"))}, {Off: 7, Len: math.MaxInt64, Sum: sha256.Sum256(nil)}}
	got, ok := unpackParts(packParts(ps))
	if !ok || !reflect.DeepEqual(got, ps) {
		t.Fatalf("round trip: %v %v", got, ok)
	}
	if got, ok := unpackParts(nil); !ok || len(got) != 0 {
		t.Fatalf("empty table: %v %v", got, ok)
	}
	b := packParts(ps)
	if _, ok := unpackParts(b[:len(b)-1]); ok {
		t.Fatal("a cut table was accepted")
	}
	binary.BigEndian.PutUint64(b[partSize+8:], math.MaxInt64+1)
	if _, ok := unpackParts(b); ok {
		t.Fatal("a length past int64 was accepted")
	}
}

// A part table whose offsets and lengths add past int64 is refused, not
// a panic (dossierParts).
func TestDossierPartsBounds(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "snap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 64))
	for _, bad := range []snapPart{{Off: 8, Len: math.MaxInt64}, {Off: math.MaxInt64, Len: 1}, {Off: -1, Len: 1}} {
		snap := &snapshot{parts: make([]snapPart, snapBuckets)}
		for k := range snap.parts {
			snap.parts[k].Sum = sha256.Sum256(nil) // empty parts that match
		}
		snap.parts[1] = bad
		snap.parts[snapBuckets-1] = snapPart{Off: 16, Len: 8}
		if snap.dossierParts(f, 0, func([][]byte) bool { return true }) {
			t.Errorf("part %+v accepted", bad)
		}
		snap.parts[snapBuckets-1] = bad
		if snap.dossierParts(f, 0, func([][]byte) bool { return true }) {
			t.Errorf("last part %+v accepted", bad)
		}
	}
}

// FuzzUnpackParts: any bytes give a part table that packs back to them,
// or are refused; never a panic.
func FuzzUnpackParts(f *testing.F) {
	f.Add(packParts([]snapPart{{Off: 0, Len: 7}, {Off: 7, Len: 9}}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, ok := unpackParts(b)
		if !ok {
			return
		}
		if again := packParts(ps); string(again) != string(b) {
			t.Fatalf("%x packs back to %x", b, again)
		}
	})
}

// FuzzPeekBucket: a plaintext cache bucket file of any bytes gives the
// record decodeBucket gives for a key, or a miss; never a panic.
func FuzzPeekBucket(f *testing.F) {
	k := strings.Repeat("ab", 32)
	f.Add(encodeBucket(map[string][]byte{k: []byte("第一"), strings.Repeat("cd", 32): {}}))
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "00.cache")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := decodeBucket(b)
		for _, key := range []string{k, strings.Repeat("cd", 32)} {
			// (A key written twice: decode keeps the last record, peek
			// the first; TestCacheBucketRoundTrip compares contents.)
			_, ok := peekBucket(path, key)
			if err == nil && ok != (m[key] != nil) {
				t.Fatalf("peek %v, decode has %v", ok, m[key] != nil)
			}
		}
	})
}
