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

// The part table round-trips an entry at a time, and an offset or length
// no file has comes back negative (every reader of a part refuses it).
func TestPartTable(t *testing.T) {
	ps := []snapPart{{Off: 0, Len: 7, Sum: sha256.Sum256([]byte("a"))}, {Off: 7, Len: math.MaxInt64, Sum: sha256.Sum256(nil)}}
	table := partTable(packParts(ps))
	if table.count() != len(ps) {
		t.Fatalf("%d entries, want %d", table.count(), len(ps))
	}
	for i, p := range ps {
		if got := table.at(i); got != p {
			t.Fatalf("entry %d: %+v, want %+v", i, got, p)
		}
	}
	if partTable(nil).count() != 0 {
		t.Fatal("an empty table has entries")
	}
	b := packParts(ps)
	binary.BigEndian.PutUint64(b[partSize+8:], math.MaxInt64+1)
	if got := partTable(b).at(1); got.Len >= 0 {
		t.Fatalf("a length past int64 came back as %d", got.Len)
	}
	binary.BigEndian.PutUint64(b, math.MaxUint64)
	if got := partTable(b).at(0); got.Off >= 0 {
		t.Fatalf("an offset past int64 came back as %d", got.Off)
	}
}

// Every exported field of State is in a snapshot: in its header
// (headState, which headOf and state copy each way), in its parts, set
// again by the replay, or held apart (Decided). A field added to State
// and to none of these would be lost by every command that reads a
// snapshot.
func TestHeadStateHoldsState(t *testing.T) {
	elsewhere := map[string]bool{"Policy": true, "Journal": true, "Dossiers": true, "Loans": true,
		"Destructions": true, "Changes": true, "Reviews": true, "Decided": true}
	head := reflect.TypeFor[headState]()
	st := reflect.TypeFor[State]()
	filled := reflect.New(st).Elem()
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() || elsewhere[f.Name] {
			continue
		}
		if hf, ok := head.FieldByName(f.Name); !ok || hf.Type != f.Type {
			t.Errorf("State.%s is in no part of a snapshot: add it to headState", f.Name)
			continue
		}
		// headOf and state carry it both ways.
		v := filled.Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Int:
			v.SetInt(7)
		case reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		default:
			t.Errorf("State.%s: a %s, which this test does not fill", f.Name, v.Kind())
		}
	}
	s := filled.Addr().Interface().(*State)
	back := headOf(s).state()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.IsExported() && !elsewhere[f.Name] && !reflect.DeepEqual(reflect.ValueOf(back).Elem().Field(i).Interface(), filled.Field(i).Interface()) {
			t.Errorf("State.%s does not come back from the header", f.Name)
		}
	}
}

// bucketTable is a part table of snapBuckets empty parts that match,
// with the entries of set in their places.
func bucketTable(set map[int]snapPart) partTable {
	ps := make([]snapPart, snapBuckets)
	for k := range ps {
		ps[k].Sum = sha256.Sum256(nil)
	}
	for k, p := range set {
		ps[k] = p
	}
	return partTable(packParts(ps))
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
		snap := &snapshot{parts: bucketTable(map[int]snapPart{1: bad, snapBuckets - 1: {Off: 16, Len: 8}})}
		if snap.dossierParts(f, 0, func([][]byte) bool { return true }) {
			t.Errorf("part %+v accepted", bad)
		}
		snap.parts = bucketTable(map[int]snapPart{1: bad, snapBuckets - 1: bad})
		if snap.dossierParts(f, 0, func([][]byte) bool { return true }) {
			t.Errorf("last part %+v accepted", bad)
		}
	}
}

// FuzzPartTable: any whole entries give, for each, a place a file can
// have that packs back to the same bytes, or a negative offset or length;
// never a panic.
func FuzzPartTable(f *testing.F) {
	f.Add(packParts([]snapPart{{Off: 0, Len: 7}, {Off: 7, Len: 9}}))
	f.Add(bytes.Repeat([]byte{0xff}, partSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		table := partTable(b[:len(b)-len(b)%partSize])
		for i := range table.count() {
			p := table.at(i)
			if p.Off < 0 || p.Len < 0 {
				continue
			}
			if again := packParts([]snapPart{p}); string(again) != string(table[i*partSize:(i+1)*partSize]) {
				t.Fatalf("entry %x packs back to %x", table[i*partSize:(i+1)*partSize], again)
			}
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
			s.Reviews = append(s.Reviews, ReviewEntry{Dossier: id, Review: &d.Reviews[len(d.Reviews)-1]})
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
			if ref.Seq != i || ref.Dossier != r.Dossier || s.Dossiers[r.Dossier].Reviews[ref.Index] != *r.Review {
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
	s.Reviews = append(s.Reviews, ReviewEntry{Dossier: "C-000002", Review: &Review{Quarter: "2026Q4", Event: "C-000002-9"}})
	if _, ok := reviewRefs(s); ok {
		t.Fatal("an entry no dossier's list has was placed")
	}
}

// The header is the gob then the part table, and the table read is the
// bytes read: gob copies it no more (encodeHeader, decodeHeader).
func TestHeaderPartTableAfterGob(t *testing.T) {
	table := packParts([]snapPart{{Off: 0, Len: 7, Sum: [32]byte{1}}, {Off: 7, Len: 9, Sum: [32]byte{2}}})
	snap := &snapshot{Archive: "a", Months: []string{"journal/2026/11"}, state: &State{Genesis: "g", ArchiveID: "id"}, partTable: table}
	b, ok := encodeHeader(snap)
	if !ok || !bytes.HasSuffix(b, table) {
		t.Fatalf("encodeHeader: %v, table not last", ok)
	}
	got, ok := decodeHeader(b)
	if !ok || !bytes.Equal(got.partTable, table) || got.Archive != "a" || got.Head.Genesis != "g" || len(got.Months) != 1 {
		t.Fatalf("decodeHeader: %v %+v", ok, got)
	}
	if &got.partTable[0] != &b[len(b)-len(table)] {
		t.Error("the part table was copied")
	}
	// No table: none read.
	snap.partTable = nil
	b, _ = encodeHeader(snap)
	if got, ok := decodeHeader(b); !ok || len(got.partTable) != 0 {
		t.Fatalf("no table: %v %d", ok, len(got.partTable))
	}
	if _, ok := decodeHeader(b[:len(b)-1]); ok {
		t.Error("a cut gob decoded")
	}
}
