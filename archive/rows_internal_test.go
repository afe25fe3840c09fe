package archive

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/classify"
)

// randomRows are rows with what journals hold and what they might: zero
// times, times in UTC and in other zones, nanoseconds, quarters far apart.
func randomRows(r *rand.Rand, n int) []dossierRow {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600-1800), time.Local}
	tm := func() time.Time {
		if r.IntN(5) == 0 {
			return time.Time{}
		}
		t := time.Unix(r.Int64N(4e9)-1e9, 0).In(zones[r.IntN(len(zones))])
		if r.IntN(4) == 0 {
			t = t.Add(time.Duration(r.IntN(1e9)))
		}
		return t
	}
	rows := make([]dossierRow, n)
	for i := range rows {
		d := &rows[i]
		d.rowKind = &rowKind{} // its own: set field by field below
		d.ID = "C-" + string(rune('A'+r.IntN(26))) + time.Unix(int64(i), 0).UTC().Format("150405")
		d.Level, d.Status, d.CreatedBy = []string{"内部", "秘密", "机密", ""}[r.IntN(4)], StatusActive, []string{"li", "zhao"}[r.IntN(2)]
		d.Created, d.Updated, d.Expires = tm(), tm(), tm()
		if r.IntN(3) > 0 {
			d.setMark(LevelMark{At: tm(), Level: "机密", SetOn: tm(), Expires: tm(), Declassified: r.IntN(2) == 0,
				Period: classify.Period{Years: r.IntN(30), Months: r.IntN(12) - 3, Days: r.IntN(40), Long: r.IntN(4) == 0}}, true)
		}
		for range r.IntN(50) {
			q, _ := quarterIndex(classify.Quarter{Year: 1900 + r.IntN(8100), Q: 1 + r.IntN(4)})
			d.Reviewed = append(d.Reviewed, q)
		}
		// ascending, distinct, as rowOf makes them
		slices.Sort(d.Reviewed)
		d.Reviewed = slices.Compact(d.Reviewed)
		if len(d.Reviewed) > 0 {
			d.LastReview = "2026Q4"
		}
		if r.IntN(4) > 0 {
			for k := range d.SHA {
				d.SHA[k] = byte(r.IntN(256))
			}
		}
		ids := []string{"li", "zhao", "@recovery", "wang.xiao-1"}
		d.Recipients = ids[:r.IntN(len(ids)+1)]
		d.Borrowers = ids[r.IntN(len(ids)+1):]
		if len(d.Borrowers) == 0 {
			d.Borrowers = nil
		}
		if len(d.Recipients) == 0 {
			d.Recipients = nil
		}
		d.Credit, d.CreditReason, d.Tier = []string{"", "A", "D"}[r.IntN(3)], []string{"", "经理会议决定"}[r.IntN(2)], []string{"", "重点"}[r.IntN(2)]
		if r.IntN(3) == 0 {
			d.Stale = ids[:1+r.IntN(2)]
		}
	}
	return rows
}

// rowsText writes rows with each time's instant and zone offset, the way
// a reader sees them (any year: a fuzzed part may hold any).
func rowsText(t *testing.T, rows []dossierRow) string {
	t.Helper()
	tm := func(x time.Time) string {
		_, off := x.Zone()
		return fmt.Sprintf("%d.%d%+d", x.Unix(), x.Nanosecond(), off)
	}
	var b strings.Builder
	for _, d := range rows {
		m := d.mark()
		fmt.Fprintf(&b, "%q %q %q %q %q %s %s %s %v %q %s %s %s %+v %v %v %x %q %q %q %q %q %q\n", d.ID, d.Level, d.Status, d.CreatedBy, d.LastReview,
			tm(d.Created), tm(d.Updated), tm(d.Expires), d.HasMark, m.Level, tm(m.At), tm(m.SetOn), tm(m.Expires), m.Period, m.Declassified, d.Reviewed,
			d.SHA, d.Recipients, d.Borrowers, d.Credit, d.CreditReason, d.Tier, d.Stale)
	}
	return b.String()
}

// A rows part reads back as written: every time at its instant and zone
// offset (what gob kept before), every quarter; in one chunk or many
// (rowsChunk), the last whole or not.
func TestRowsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 500, rowsChunk, 2*rowsChunk + 3} {
		rows := randomRows(r, n)
		s := &State{rows: rows, summary: true, Loans: map[string]*Loan{"L-1": {ID: "L-1", Dossier: "C-1", Days: 3, Approvals: []Approval{{Member: "zhang"}}}}}
		rb, lb, ok := encodeRows(s, time.Time{})
		if !ok {
			t.Fatal("not encoded")
		}
		got, ok := decodeRows(rb)
		if !ok {
			t.Fatalf("%d rows: not decoded", n)
		}
		if g, w := rowsText(t, got), rowsText(t, rows); g != w {
			t.Fatalf("%d rows:\n got %.400s\nwant %.400s", n, g, w)
		}
		for i := range got {
			for _, pair := range [][2]time.Time{{got[i].Created, rows[i].Created}, {got[i].MarkSetOn, rows[i].MarkSetOn}} {
				_, go1 := pair[0].Zone()
				_, wo := pair[1].Zone()
				if !pair[0].Equal(pair[1]) || go1 != wo {
					t.Fatalf("row %d: time %v, want %v", i, pair[0], pair[1])
				}
			}
		}
		regs, ok := decodeRegisters(lb)
		if !ok || len(regs.Loans) != 1 || regs.Loans[0].ID != "L-1" || len(regs.Loans[0].Approvals) != 1 {
			t.Fatalf("loans: %+v %v", regs, ok)
		}
		// Every shorter part is refused, never a panic; so is a part
		// with a byte more or one byte changed in its index.
		for cut := range min(len(rb), 300) {
			if _, ok := decodeRows(rb[:cut]); ok && n > 0 {
				t.Fatalf("%d rows cut at %d: read", n, cut)
			}
			if _, ok := decodeRows(rb[len(rb)-cut:]); ok && cut < len(rb) {
				t.Fatalf("%d rows: the last %d bytes read", n, cut)
			}
		}
		if _, ok := decodeRows(append([]byte{0}, rb...)); ok && n > 0 {
			t.Fatalf("%d rows: read with a byte before", n)
		}
		if n > 0 {
			bad := slices.Clone(rb)
			bad[len(bad)-5]++ // the last chunk's length (its varint's last byte)
			if _, ok := decodeRows(bad); ok {
				t.Fatalf("%d rows: read with a wrong chunk length", n)
			}
		}
	}
}

// TestRowsRefuseUnlistableIDs: a row whose member list could not be read
// back as written is not encoded: no snapshot is kept, nothing is wrong.
func TestRowsRefuseUnlistableIDs(t *testing.T) {
	for _, ids := range [][]string{{"li", ""}, {"a\nb"}} {
		s := &State{rows: []dossierRow{{ID: "C-1", rowKind: &rowKind{Recipients: ids}}}, summary: true}
		if _, _, ok := encodeRows(s, time.Time{}); ok {
			t.Errorf("recipients %q: encoded", ids)
		}
		s.rows[0].Recipients, s.rows[0].Borrowers = nil, ids
		if _, _, ok := encodeRows(s, time.Time{}); ok {
			t.Errorf("borrowers %q: encoded", ids)
		}
		s.rows[0].Borrowers, s.rows[0].Stale = nil, ids
		if _, _, ok := encodeRows(s, time.Time{}); ok {
			t.Errorf("stale keys %q: encoded", ids)
		}
	}
}

// FuzzDecodeRows: a rows part that does not parse is refused, never a
// panic (a part is checked against the sealed header first: this is the
// second line).
func FuzzDecodeRows(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	rb, _, _ := encodeRows(&State{rows: randomRows(r, 3), summary: true}, time.Time{})
	f.Add(rb)
	f.Add([]byte{})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, ok := decodeRows(b)
		if !ok {
			return
		}
		again, _, ok := encodeRows(&State{rows: rows, summary: true}, time.Time{})
		if !ok {
			return // lists that would not read back (an empty id): not encoded
		}
		if back, ok := decodeRows(again); !ok || rowsText(t, back) != rowsText(t, rows) {
			t.Fatalf("rows read from %x do not read back", b)
		}
	})
}

// FuzzDecodeRegisters: a registers part that does not parse is refused,
// never a panic.
func FuzzDecodeRegisters(f *testing.F) {
	_, rb, _ := encodeRows(&State{summary: true, Loans: map[string]*Loan{"L-1": {ID: "L-1", Dossier: "C-1", Approvals: []Approval{{Member: "zhang"}}}},
		Destructions: map[string]*Destruction{"D-1": {ID: "D-1", Dossier: "C-1"}}}, time.Time{})
	f.Add(rb)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if regs, ok := decodeRegisters(b); ok && regs == nil {
			t.Fatal("decoded to nothing")
		}
	})
}

// randomDigests are n digest records by id, of every kind of value.
func randomDigests(r *rand.Rand, n int) []digestRec {
	out := make([]digestRec, n)
	for i := range out {
		x := &out[i]
		x.ID = "C-" + time.Unix(int64(i), 0).UTC().Format("150405")
		for k := range x.SHA {
			x.SHA[k] = byte(r.IntN(256))
		}
		if r.IntN(3) > 0 {
			x.Stamp = fileStamp{Size: r.Int64N(1 << 20), Mtime: r.Int64() - 1<<62, Ctime: r.Int64(), Ino: r.Uint64(), Dev: r.Uint64()}
		}
		x.Digest = Digest{Name: []string{"", "华东机械有限公司", "a\nb"}[r.IntN(3)], Owner: []string{"李四", ""}[r.IntN(2)],
			Tier: []string{"", "重点"}[r.IntN(2)], Class: []string{"", "D"}[r.IntN(2)], Sales: r.Float64() * 1e9, Individual: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			x.Digest.Score, x.Digest.HasScore = r.IntN(201)-100, true
		}
		if r.IntN(2) == 0 {
			x.Digest.LastVisit = Date{time.Date(2000+r.IntN(30), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)}
		}
		if r.IntN(2) == 0 {
			g := &x.Digest
			g.Industry, g.Region, g.PaymentAttitude, g.CreditProblems, g.Phone = "制造业", "华东", "一般", "拖欠\n两次", "021-5555"
			g.SurveyDate = Date{time.Date(2025, 3, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)}
			g.Outstanding, g.HasOutstanding = r.Float64()*1e6, r.IntN(2) == 0
		}
		for range r.IntN(3) {
			x.Digest.Complaints = append(x.Digest.Complaints, Contact{Kind: ContactComplaint, Date: Date{time.Date(2020, 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)},
				KeepUntil: Date{time.Date(2022, 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)}, keepDefaulted: r.IntN(2) == 0})
		}
		for range r.IntN(3) {
			x.Digest.CreditVisits = append(x.Digest.CreditVisits, Contact{Kind: ContactVisit, Date: Date{time.Date(2026, 11, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)},
				Who: []string{"", "王五"}[r.IntN(2)], CreditChange: &CreditNote{From: "B", To: []string{"C", "D"}[r.IntN(2)], Reason: []string{"连续两月拖欠货款", "a\nb"}[r.IntN(2)]}})
		}
	}
	return out
}

// digestsText is recs as %+v prints them, with each credit change a visit
// noted printed, not its address.
func digestsText(recs []digestRec) string {
	var b strings.Builder
	for _, x := range recs {
		x.Digest.CreditVisits = slices.Clone(x.Digest.CreditVisits)
		for i, c := range x.Digest.CreditVisits {
			fmt.Fprintf(&b, "%+v ", *c.CreditChange)
			x.Digest.CreditVisits[i].CreditChange = nil
		}
		fmt.Fprintf(&b, "%+v\n", x)
	}
	return b.String()
}

// The digests file reads back as written; a shorter one, or one whose ids
// are not ascending, is refused, never a panic.
func TestDigestsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 9, 300} {
		recs := randomDigests(r, n)
		b := encodeDigests(recs)
		got, ok := decodeDigests(b)
		if g, w := digestsText(got), digestsText(recs); !ok || len(got) != n || n > 0 && g != w {
			t.Fatalf("%d records: read %v\n got %.300s\nwant %.300s", n, ok, g, w)
		}
		for cut := range min(len(b), 300) {
			if _, ok := decodeDigests(b[:cut]); ok && n > 0 {
				t.Fatalf("%d records cut at %d: read", n, cut)
			}
		}
		if n > 1 {
			recs[0], recs[1] = recs[1], recs[0]
			if _, ok := decodeDigests(encodeDigests(recs)); ok {
				t.Fatal("records out of order read")
			}
		}
	}
}

// FuzzDecodeDigests: a digests file that does not parse is refused, never
// a panic (it is opened with the cache's key first: this is the second
// line).
func FuzzDecodeDigests(f *testing.F) {
	f.Add(encodeDigests(randomDigests(rand.New(rand.NewPCG(5, 6)), 3)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, ok := decodeDigests(b)
		if ok && len(recs) > len(b)/minDigestSize {
			t.Fatalf("%d records from %d bytes", len(recs), len(b))
		}
	})
}

// TestWriteStateRows: the rows part a replay's snapshot writes as it
// makes each row is the part of the rows made all at once.
func TestWriteStateRows(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	at := time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 9, rowsChunk + 5} {
		s := randomHistories(r, n)
		var streamed, whole bytes.Buffer
		if err := writeStateRows(&streamed, s, at); err != nil {
			t.Fatalf("%d dossiers: %v", n, err)
		}
		if err := writeRows(&whole, s.rowsAt(at)); err != nil {
			t.Fatalf("%d dossiers: %v", n, err)
		}
		if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
			t.Fatalf("%d dossiers: streamed %d bytes, whole %d, not the same", n, streamed.Len(), whole.Len())
		}
		if got, ok := decodeRows(streamed.Bytes()); !ok || len(got) != n {
			t.Fatalf("%d dossiers: read back %d rows, %v", n, len(got), ok)
		}
	}
}
