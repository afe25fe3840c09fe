package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

// Parts written one after another by the same kept encoder each decode
// after the Prelude alone, as their own gob message: a part read for one
// dossier has no types of its own to lean on, and none from an earlier
// part.
func TestPartsOfAKeptEncoder(t *testing.T) {
	pre, ok := thisPrelude()
	if !ok {
		t.Fatal("no prelude")
	}
	parts := []*snapBucketPart{
		{Dossiers: map[string]*DossierState{"C-0000000001": {ID: "C-0000000001", Level: "秘密"}}, Events: map[string][]string{"C-0000000001": {"journal/a.yaml"}}},
		{Dossiers: map[string]*DossierState{"C-0000000002": {ID: "C-0000000002", Level: "机密", Reviews: []Review{{Quarter: "2026Q4", By: "clerk"}}}}},
		{},
	}
	var encoded [][]byte
	for _, p := range parts {
		got, part, ok := encodePart(p)
		if !ok || !bytes.Equal(got, pre) {
			t.Fatalf("encodePart: ok %v, prelude changed %v", ok, !bytes.Equal(got, pre))
		}
		if !oneMessage(part) {
			t.Fatalf("a part is not one message (%d bytes)", len(part))
		}
		encoded = append(encoded, part)
	}
	snap := &snapshot{Prelude: pre}
	for i := len(parts) - 1; i >= 0; i-- { // each alone, the later ones first
		var got snapBucketPart
		if !snap.decodeParts([][]byte{encoded[i]}, []*snapBucketPart{&got}) {
			t.Fatalf("part %d does not decode after the prelude alone", i)
		}
		if !reflect.DeepEqual(got, *parts[i]) {
			t.Fatalf("part %d: got %+v, want %+v", i, got, *parts[i])
		}
	}
	// A prelude and a part together are two messages (and more: the
	// types), a cut message is none.
	both := append(slices.Clone(pre), encoded[0]...)
	for _, b := range [][]byte{both, encoded[0][:len(encoded[0])-1], nil, {0xff}} {
		if oneMessage(b) {
			t.Fatalf("oneMessage(%x…) = true", b[:min(len(b), 8)])
		}
	}
}

// reviewRefs places each entry of the 核定 register at its place in its
// dossier's list, whether the register keeps each dossier's order (a
// replay's) or not (a merge's), and refuses an entry no list has.
func TestReviewRefsInAnyOrder(t *testing.T) {
	s := &State{Dossiers: map[string]*DossierState{}}
	for _, id := range []string{"C-000001", "C-000002", "C-000003"} {
		d := &DossierState{ID: id}
		for q := range 3 {
			r := Review{Quarter: fmt.Sprintf("2026Q%d", q+1), By: "li", Event: fmt.Sprintf("%s-%d", id, q)}
			d.Reviews = append(d.Reviews, r)
			s.Reviews = append(s.Reviews, ReviewEntry{Dossier: id, Review: r})
		}
		s.Dossiers[id] = d
	}
	check := func(name string) {
		t.Helper()
		refs, ok := reviewRefs(s)
		if !ok || len(refs) != len(s.Reviews) {
			t.Fatalf("%s: %d refs, ok %v", name, len(refs), ok)
		}
		for i, ref := range refs {
			r := s.Reviews[i]
			if ref.Seq != i || ref.Dossier != r.Dossier || s.Dossiers[r.Dossier].Reviews[ref.Index] != r.Review {
				t.Fatalf("%s: entry %d (%s) placed at %+v", name, i, r.Event, ref)
			}
		}
	}
	check("by dossier")
	slices.SortStableFunc(s.Reviews, func(a, b ReviewEntry) int { return strings.Compare(a.Quarter, b.Quarter) })
	check("by quarter") // each dossier's order kept, interleaved
	s.Reviews[0], s.Reviews[3] = s.Reviews[3], s.Reviews[0]
	s.Reviews[1], s.Reviews[7] = s.Reviews[7], s.Reviews[1]
	check("merged") // C-000001's second before its first
	s.Reviews = append(s.Reviews, ReviewEntry{Dossier: "C-000002", Review: Review{Quarter: "2026Q4", Event: "C-000002-9"}})
	if _, ok := reviewRefs(s); ok {
		t.Fatal("an entry no dossier's list has was placed")
	}
}
