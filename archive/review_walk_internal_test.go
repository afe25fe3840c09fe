package archive

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"crm/classify"
)

// ReviewsMissed's merge walk lists what the quarter-by-quarter
// loop it replaced listed (reviewedIn by binary search), for any row and
// any quarter, valid or not, in zones with and without DST.
func TestReviewsMissedMatchesQuarterLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 20))
	for _, tz := range []string{"Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "UTC"} {
		for round := range 30 {
			rows := randomRows(r, 60)
			for i := range rows {
				// quarters near the creation, as a journal holds them
				if fi, ok := quarterIndex(classify.QuarterOf(rows[i].Created, time.UTC)); ok && r.IntN(2) == 0 {
					rows[i].Reviewed = nil
					for range r.IntN(12) {
						rows[i].Reviewed = append(rows[i].Reviewed, fi+uint16(r.IntN(40)))
					}
					slices.Sort(rows[i].Reviewed)
					rows[i].Reviewed = slices.Compact(rows[i].Reviewed)
				}
			}
			// The state shares the archive's policy, as an opened
			// one does: the lists give each row's level by R7.2.4.
			pol, err := ParsePolicy(mustDefaultPolicy(t))
			if err != nil {
				t.Fatal(err)
			}
			pol.Timezone = tz
			a := &Archive{Policy: pol, State: &State{rows: rows, summary: true, Policy: pol}}
			qs := []classify.Quarter{{Year: 2026, Q: 4}, {Year: 1900, Q: 1}, {Year: 1899, Q: 4}, {Year: 9999, Q: 4}, {Year: 10000, Q: 1}, {}, {Year: 1970, Q: 2}, {Year: 2026, Q: 0}, {Year: 2026, Q: 5}}
			q := qs[round%len(qs)]
			if round >= len(qs) {
				q = classify.Quarter{Year: 1890 + r.IntN(200), Q: 1 + r.IntN(4)}
			}
			got := a.ReviewsMissed(q)
			loc := a.Location()
			var want []MissedReview
			for i := range rows {
				d := &rows[i]
				var qs classify.Spans
				for p := classify.QuarterOf(d.Created, loc); p.Before(q); p = p.Next() {
					if !d.reviewedIn(p) {
						qs = qs.Add(p)
					}
				}
				if len(qs) > 0 {
					want = append(want, MissedReview{ID: d.ID, Level: d.Level, Quarters: qs})
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s %v: %d rows, want %d", tz, q, len(got), len(want))
			}
			for i := range got {
				if got[i].ID != want[i].ID || !slices.Equal(got[i].Quarters, want[i].Quarters) {
					t.Fatalf("%s %v row %s: %v, want %v", tz, q, got[i].ID, got[i].Quarters, want[i].Quarters)
				}
			}
		}
	}
}

// DateMemo writes what Date writes, for any instant in any zone
// (DST, half-hour and odd offsets, before 1900, after 9999, zero), asked in
// any order.
func TestDateMemoIsDate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 20))
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+45*60), time.FixedZone("", -12*3600)}
	for _, n := range []string{"America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe", "America/Santiago"} {
		if l, err := time.LoadLocation(n); err == nil {
			zones = append(zones, l)
		}
	}
	for _, tz := range []string{"Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "nonsense/zone"} {
		a := &Archive{Policy: &Policy{Timezone: tz}}
		memo := a.DateMemo()
		for i := range 200000 {
			var tm time.Time
			switch i % 5 {
			case 0:
				tm = time.Unix(r.Int64N(4e9)-2e9, r.Int64N(1e9))
			case 1:
				tm = time.Unix(r.Int64N(1e12)-5e11, 0) // years far from now, negative too
			case 2:
				tm = time.Time{}
			default:
				// around DST changes and midnights
				base := time.Date(1900+r.IntN(200), time.Month(1+r.IntN(12)), 1+r.IntN(31), 0, 0, 0, 0, a.Location())
				tm = base.Add(time.Duration(r.IntN(7200)-3600) * time.Second)
			}
			tm = tm.In(zones[r.IntN(len(zones))])
			if g, w := memo(tm), a.Date(tm); g != w {
				t.Fatalf("%s: memo %q, Date %q for %v", tz, g, w, tm)
			}
		}
	}
}
