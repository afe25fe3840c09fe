package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crm/classify"
)

// randomHistories is a state of n dossiers with histories of every kind
// (times zero, in UTC on whole seconds, in other zones, with
// nanoseconds) and the two registers in a shuffled journal order, as
// whole-state snapshots keep them: the classification register's entries
// at their places, the 核定 register's pointing at their dossiers' 核定.
func randomHistories(r *rand.Rand, n int) *State {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600-1800)}
	tm := func() time.Time {
		switch r.IntN(6) {
		case 0:
			return time.Time{}
		case 1:
			return time.Unix(r.Int64N(4e9)-1e9, int64(r.IntN(1e9))).In(zones[r.IntN(len(zones))])
		}
		return time.Unix(r.Int64N(4e9)-1e9, 0).UTC()
	}
	pick := func(ss ...string) string { return ss[r.IntN(len(ss))] }
	period := func() classify.Period {
		return classify.Period{Years: r.IntN(30), Months: r.IntN(12) - 3, Days: r.IntN(40), Long: r.IntN(4) == 0}
	}
	s := &State{Dossiers: map[string]*DossierState{}}
	for i := range n {
		d := &DossierState{ID: fmt.Sprintf("C-%c%05d", 'A'+r.IntN(26), i), Level: pick("内部", "秘密", "机密", ""),
			Status: pick(StatusActive, StatusDestroyed), Created: tm(), Updated: tm(), Destroyed: tm(),
			LevelSetOn: tm(), Period: period(), Expires: tm(), Declassified: r.IntN(3) == 0,
			// What a histories record does not keep.
			CreatedBy: "li", SHA256: "ab", Recipients: []string{"li"}, Stale: []string{"zhao"}, CreditReason: "x"}
		for range r.IntN(4) {
			d.Levels = append(d.Levels, LevelMark{At: tm(), Level: pick("内部", "机密"), SetOn: tm(), Period: period(), Expires: tm(), Declassified: r.IntN(2) == 0})
		}
		for range r.IntN(3) {
			d.Credits = append(d.Credits, Mark{At: tm(), Value: pick("A", "B", "D"), Old: "C", Reason: "复核", By: "su"})
			if r.IntN(3) == 0 { // a class kept after a visit's review
				d.Credits[len(d.Credits)-1].Reviewed = &CreditReview{Visit: pick("2026-11-20", "2019-03-01"), To: pick("C", "D")}
			}
		}
		for range r.IntN(3) {
			d.Tiers = append(d.Tiers, Mark{At: tm(), Value: pick("重点", "普通"), Reason: "r", By: "su"})
		}
		for range r.IntN(5) {
			d.Updates = append(d.Updates, Stamp{At: tm(), By: "li", Fields: []string{"customer.name"}})
		}
		for k := range r.IntN(8) {
			rv := Review{Quarter: pick("2025Q4", "2026Q1", "1999Q2"), By: pick("li", "wang"), Time: tm(), Note: pick("", "资料核对无误", "补核定"),
				Result: pick("", ReviewSupplemented, ReviewUnchanged), Event: fmt.Sprintf("%s-%d", d.ID, k)}
			if r.IntN(2) == 0 {
				rv.SignedOffBy, rv.SignedOff = "zhang", tm()
			}
			d.Reviews = append(d.Reviews, rv)
			s.Reviews = append(s.Reviews, ReviewEntry{Dossier: d.ID, Review: &d.Reviews[len(d.Reviews)-1]})
		}
		for range r.IntN(4) {
			s.Changes = append(s.Changes, Change{At: tm(), Dossier: d.ID, Kind: ChangeKind(pick("mark", "raise", "declassify", "credit")),
				From: pick("", "秘密"), To: "机密", Period: pick("", "10y"), Expires: pick("", "2036-01-01"), Expired: pick("", "2020-01-01"),
				Reason: pick("", "升密"), By: pick("", "su"), ApprovedBy: pick("", "su")})
		}
		s.Dossiers[d.ID] = d
	}
	r.Shuffle(len(s.Reviews), func(i, j int) { s.Reviews[i], s.Reviews[j] = s.Reviews[j], s.Reviews[i] })
	r.Shuffle(len(s.Changes), func(i, j int) { s.Changes[i], s.Changes[j] = s.Changes[j], s.Changes[i] })
	return s
}

// wholePlaces are the register entries of a whole state at their places.
func wholePlaces(t *testing.T, s *State) ([]seqChange, []reviewRef) {
	t.Helper()
	changes := make([]seqChange, len(s.Changes))
	for i, c := range s.Changes {
		changes[i] = seqChange{i, c}
	}
	refs, ok := reviewRefs(s)
	if !ok {
		t.Fatal("no review refs")
	}
	return changes, refs
}

// encodeWhole is the histories part of a whole state.
func encodeWhole(t *testing.T, s *State) []byte {
	t.Helper()
	changes, refs := wholePlaces(t, s)
	recs, ok := historyRecords(s, changes, refs)
	if !ok {
		t.Fatal("no records")
	}
	return encodeHistories(recs)
}

// historiesText is h as the reports read it, as JSON: times with their
// offsets and nanoseconds.
func historiesText(t *testing.T, dossiers map[string]*DossierState, changes []Change, reviews []ReviewEntry) string {
	t.Helper()
	ds := map[string]*DossierState{}
	for id, d := range dossiers {
		ds[id] = historyOf(d)
	}
	if len(changes) == 0 {
		changes = nil // none, however held
	}
	var rs []ReviewEntry
	for _, r := range reviews {
		rv := *r.Review // a copy: the entry is the dossier's own
		rv.Event = ""
		rs = append(rs, ReviewEntry{r.Dossier, &rv})
	}
	b, err := json.Marshal([]any{ds, changes, rs})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A whole state's histories part reads back as what the state says.
func TestHistoriesReadBack(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 3000} {
		s := randomHistories(r, n)
		h := decodeHistories(encodeWhole(t, s), n, len(s.Changes), len(s.Reviews))
		if h == nil {
			t.Fatalf("%d dossiers: not read back", n)
		}
		if got, want := historiesText(t, h.all(), h.Changes, h.Reviews()), historiesText(t, s.Dossiers, s.Changes, s.Reviews); got != want {
			t.Fatalf("%d dossiers: read back as\n%s\nwant\n%s", n, got, want)
		}
		// Each reuses one state's memory: every dossier reads as it does
		// on its own, nothing left over from the one before.
		var each []string
		h.Each(func(d *DossierState) {
			b, err := json.Marshal(historyOf(d))
			if err != nil {
				t.Fatal(err)
			}
			each = append(each, string(b))
		})
		for i, id := range h.IDs() {
			if b, _ := json.Marshal(historyOf(h.Dossier(id))); i >= len(each) || each[i] != string(b) {
				t.Fatalf("%d dossiers: Each gave %s as\n%s\nwant\n%s", n, id, each[min(i, len(each)-1)], b)
			}
		}
		if len(each) != n {
			t.Fatalf("Each gave %d dossiers of %d", len(each), n)
		}
		for _, d := range h.all() {
			if d.SHA256 != "" || d.Recipients != nil || d.CreatedBy != "" || len(d.Updates) > 0 && d.Updates[0].Fields != nil {
				t.Fatalf("%s: a record kept what the reports do not read", d.ID)
			}
		}
	}
}

// Records made again for some dossiers replace theirs, and new dossiers'
// are added in order: the merged part is the part of the whole state.
func TestHistoriesMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := randomHistories(r, 200)
	changes, refs := wholePlaces(t, s)
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range s.Dossiers {
			if !yield(id) {
				return
			}
		}
	})
	// The old part lacks every third dossier and has others' old records.
	old := &State{Dossiers: map[string]*DossierState{}}
	some := &State{Dossiers: map[string]*DossierState{}}
	for i, id := range ids {
		d := s.Dossiers[id]
		switch i % 3 {
		case 0:
			some.Dossiers[id] = d // new since
		case 1:
			stale := *d
			stale.Level, stale.Reviews = "旧", nil
			old.Dossiers[id] = &stale
			some.Dossiers[id] = d // changed since
		default:
			old.Dossiers[id] = d
		}
	}
	keep := func(st *State) ([]seqChange, []reviewRef) {
		var cs []seqChange
		for _, c := range changes {
			if st.Dossiers[c.Dossier] != nil && st.Dossiers[c.Dossier].Level != "旧" {
				cs = append(cs, c)
			}
		}
		var rs []reviewRef
		for _, x := range refs {
			if d := st.Dossiers[x.Dossier]; d != nil && d.Level != "旧" {
				rs = append(rs, x)
			}
		}
		return cs, rs
	}
	oc, or := keep(old)
	oldRecs, ok := historyRecords(old, oc, or)
	if !ok {
		t.Fatal("old records")
	}
	sc, sr := keep(some)
	fresh, ok := historyRecords(some, sc, sr)
	if !ok {
		t.Fatal("fresh records")
	}
	merged, added, ok := mergeHistories(encodeHistories(oldRecs), fresh)
	if !ok || added != len(ids)-len(old.Dossiers) {
		t.Fatalf("merged %v, %d added, want %d", ok, added, len(ids)-len(old.Dossiers))
	}
	if want := encodeWhole(t, s); string(merged) != string(want) {
		t.Fatalf("merged part (%d bytes) is not the whole state's (%d bytes)", len(merged), len(want))
	}
	if same, added, ok := mergeHistories(merged, nil); !ok || added != 0 || string(same) != string(merged) {
		t.Fatal("merging nothing changed the part")
	}
	// Streamed from a snapshot's file (saveInGroups), the same part; a
	// byte of the old part changed since, or a count it does not have,
	// is refused.
	oldPart := encodeHistories(oldRecs)
	path := filepath.Join(t.TempDir(), "snap")
	if err := os.WriteFile(path, append([]byte("head:"), oldPart...), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The histories part, then the order's (tailOrder), empty here.
	from := &snapSource{snap: &snapshot{parts: partTable(packParts([]snapPart{{Off: 5, Len: int64(len(oldPart)), Sum: sha256.Sum256(oldPart)}, {}}))}, f: f}
	var out bytes.Buffer
	if err := mergeHistoriesTo(&out, from, recordsOf(fresh), len(ids)); err != nil || out.String() != string(merged) {
		t.Fatalf("streamed: %v, %d bytes, want %d", err, out.Len(), len(merged))
	}
	for _, n := range []int{len(ids) - 1, len(ids) + 1} {
		if err := mergeHistoriesTo(io.Discard, from, recordsOf(fresh), n); err == nil {
			t.Fatalf("streamed as %d records, made of %d", n, len(ids))
		}
	}
	if _, err := f.WriteAt([]byte{oldPart[len(oldPart)-1] ^ 1}, int64(5+len(oldPart)-1)); err != nil {
		t.Fatal(err)
	}
	if err := mergeHistoriesTo(io.Discard, from, recordsOf(fresh), len(ids)); err == nil {
		t.Fatal("an old part changed since was streamed")
	}
}

// A part that does not add up is refused, never a panic: every cut of
// it, a count or register size it does not have, records out of order,
// a register place taken twice or left empty.
func TestHistoriesRefused(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	s := randomHistories(r, 20)
	for len(s.Changes) == 0 || len(s.Reviews) == 0 {
		s = randomHistories(r, 20)
	}
	b := encodeWhole(t, s)
	n, nc, nr := len(s.Dossiers), len(s.Changes), len(s.Reviews)
	if decodeHistories(b, n, nc, nr) == nil {
		t.Fatal("the whole part refused")
	}
	for i := range len(b) {
		if decodeHistories(b[:i], n, nc, nr) != nil {
			t.Fatalf("cut at %d of %d read", i, len(b))
		}
		if _, _, ok := mergeHistories(b[:i], nil); ok && i > 1 {
			t.Fatalf("cut at %d of %d merged", i, len(b))
		}
	}
	for _, c := range [][3]int{{n - 1, nc, nr}, {n + 1, nc, nr}, {n, nc + 1, nr}, {n, nc - 1, nr}, {n, nc, nr + 1}, {n, nc, nr - 1}} {
		if decodeHistories(b, c[0], c[1], c[2]) != nil {
			t.Fatalf("read as %v, made of %d, %d, %d", c, n, nc, nr)
		}
	}
	// A place given twice, or one out of range, is refused.
	changes, refs := wholePlaces(t, s)
	refs[0].Seq = refs[len(refs)-1].Seq
	if recs, ok := historyRecords(s, changes, refs); ok && decodeHistories(encodeHistories(recs), n, nc, nr) != nil {
		t.Fatal("a 核定 place given twice was read")
	}
	changes, refs = wholePlaces(t, s)
	changes[0].Seq = nc
	if recs, ok := historyRecords(s, changes, refs); ok && decodeHistories(encodeHistories(recs), n, nc, nr) != nil {
		t.Fatal("a classification place out of range was read")
	}
	// Records out of order.
	changes, refs = wholePlaces(t, s)
	recs, _ := historyRecords(s, changes, refs)
	recs[0], recs[1] = recs[1], recs[0]
	if decodeHistories(encodeHistories(recs), n, nc, nr) != nil {
		t.Fatal("records out of order were read")
	}
	if _, _, ok := mergeHistories(encodeHistories(recs), nil); ok {
		t.Fatal("records out of order were merged")
	}
}

// TestWriteHistories: the histories part a replay's snapshot writes as it
// makes it is the part encodeHistories makes of the records; a 核定 given
// twice writes nothing past the count.
func TestWriteHistories(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	refused := 0
	for _, n := range []int{0, 1, 7, 300} {
		s := randomHistories(r, n)
		changes, refs := wholePlaces(t, s)
		var b bytes.Buffer
		if err := writeHistories(&b, s, changes, refs); err != nil {
			t.Fatalf("%d dossiers: %v", n, err)
		}
		if want := encodeWhole(t, s); !bytes.Equal(b.Bytes(), want) {
			t.Fatalf("%d dossiers: written %d bytes, encoded %d, not the same", n, b.Len(), len(want))
		}
		if len(refs) == 0 {
			continue
		}
		refs = append(refs, refs[0])
		b.Reset()
		if err := writeHistories(&b, s, changes, refs); err == nil || b.Len() > binary.MaxVarintLen64 {
			t.Fatalf("%d dossiers, a 核定 place twice: err %v, %d bytes written", n, err, b.Len())
		}
		refused++
	}
	if refused == 0 {
		t.Fatal("no state with a 核定 to give twice")
	}
}

// FuzzDecodeHistories: a histories part that does not add up is refused,
// never a panic; one that is read encodes again to what reads the same.
func FuzzDecodeHistories(f *testing.F) {
	r := rand.New(rand.NewPCG(11, 12))
	s := randomHistories(r, 3)
	changes := make([]seqChange, len(s.Changes))
	for i, c := range s.Changes {
		changes[i] = seqChange{i, c}
	}
	refs, _ := reviewRefs(s)
	recs, _ := historyRecords(s, changes, refs)
	f.Add(encodeHistories(recs), uint8(len(s.Dossiers)), uint8(len(s.Changes)), uint8(len(s.Reviews)))
	f.Add([]byte{}, uint8(0), uint8(0), uint8(0))
	f.Add([]byte{1, 3, 1, 'C'}, uint8(1), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, n, nc, nr uint8) {
		h := decodeHistories(b, int(n), int(nc), int(nr))
		merged, _, ok := mergeHistories(b, nil)
		if h == nil {
			return
		}
		if !ok || string(merged) != string(b) {
			t.Fatalf("%x read but not merged as it is", b)
		}
		// Encoded again from what was read, it reads as the same part.
		// (Bytes, not historiesText: a time read may be past year 9999,
		// which JSON does not write.)
		again := encodeRead(t, h)
		back := decodeHistories(again, int(n), int(nc), int(nr))
		if back == nil || string(encodeRead(t, back)) != string(again) {
			t.Fatalf("%x does not read back", b)
		}
	})
}

// encodeRead is the histories part of what decodeHistories read.
func encodeRead(t *testing.T, h *Histories) []byte {
	t.Helper()
	st := &State{Dossiers: h.all()}
	cs := make([]seqChange, len(h.Changes))
	for i, c := range h.Changes {
		cs[i] = seqChange{i, c}
	}
	var rs []reviewRef
	h.each(func(d *DossierState, seqs []uint64) {
		for i, seq := range seqs {
			rs = append(rs, reviewRef{int(seq), d.ID, i})
		}
	})
	recs, ok := historyRecords(st, cs, rs)
	if !ok {
		t.Fatal("read but not encoded again")
	}
	return encodeHistories(recs)
}

// decodeHistories checks every record and keeps of it only the id and the
// classification register's entries: the states' strings (a 核定's
// quarter, by, note, signer, result) are read past, not made. At 100,000
// dossiers making them was a third of a warm monthly report's open. The
// states read afterwards (Each, Dossier) have them all.
func TestHistoriesCheckMakesNoStateStrings(t *testing.T) {
	const n = 400
	s := &State{Dossiers: map[string]*DossierState{}}
	for i := range n {
		d := &DossierState{ID: fmt.Sprintf("C-%05d", i), Level: "秘密", Status: StatusActive, Created: time.Unix(1e9, 0).UTC()}
		for k := range 4 {
			d.Reviews = append(d.Reviews, Review{Quarter: "2026Q1", By: fmt.Sprintf("m%d-%d", i, k),
				Note: fmt.Sprintf("核定 %d-%d", i, k), Result: ReviewUnchanged, Time: time.Unix(1e9+int64(k), 0).UTC()})
		}
		s.Dossiers[d.ID] = d
	}
	for _, d := range s.SortedDossiers() {
		for k := range d.Reviews {
			s.Reviews = append(s.Reviews, ReviewEntry{Dossier: d.ID, Review: &d.Reviews[k]})
		}
	}
	b := encodeWhole(t, s)
	var h *Histories
	allocs := testing.AllocsPerRun(3, func() { h = decodeHistories(b, n, 0, len(s.Reviews)) })
	if h == nil {
		t.Fatal("not read")
	}
	// An id a dossier, and a few dozen for the part: not the 3,200
	// distinct strings of the 核定.
	if allocs > 2*n {
		t.Fatalf("decodeHistories made %.0f allocations for %d dossiers: it makes the states' strings", allocs, n)
	}
	if got, want := historiesText(t, h.all(), h.Changes, h.Reviews()), historiesText(t, s.Dossiers, s.Changes, s.Reviews); got != want {
		t.Fatalf("read back as\n%s\nwant\n%s", got, want)
	}
}
