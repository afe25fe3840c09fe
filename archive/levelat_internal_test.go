package archive

import (
	"math/rand/v2"
	"testing"
	"time"

	"crm/classify"
)

// markLevelAt compares the day a mark's secrecy period runs out (its
// Expires, as levelDates computes it) with the day of t in the policy's
// zone: it gives what classify.Expired says (R7.2.4) for marks set on
// every kind of day (month ends, 29 February) with every kind of period,
// at times around midnight in the zone.
func TestMarkLevelAtIsExpired(t *testing.T) {
	p, err := ParsePolicy(mustDefaultPolicy(t))
	if err != nil {
		t.Fatal(err)
	}
	s := &State{Policy: p}
	low, loc := p.DeclassifiedLevel(), p.Location()
	periods := []string{"10年", "20年", "30年", "1年", "6个月", "1个月", "1天", "长期"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		setAt := time.Date(2016+r.IntN(12), time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), 0, 0, 0, time.UTC)
		if i%50 == 0 {
			setAt = time.Date(2024, 2, 29, 20, 0, 0, 0, time.UTC)
		}
		per := periods[r.IntN(len(periods))]
		level := []string{"秘密", "机密", "绝密"}[r.IntN(3)]
		m, err := levelDates(p, level, "", per, setAt)
		if err != nil {
			t.Fatal(err)
		}
		exp, ok := classify.Expiry(m.SetOn, m.Period)
		if !ok { // 长期: never
			exp = setAt.AddDate(40, 0, 0)
		}
		// Around the day it runs out, there: the minutes before and
		// after midnight in the zone, and a random time.
		mid := time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, loc)
		for _, at := range []time.Time{mid.Add(-time.Minute), mid, mid.Add(time.Nanosecond), mid.Add(time.Minute),
			setAt.Add(time.Duration(r.Int64N(int64(40 * 365 * 24 * time.Hour))))} {
			want := level
			if classify.Expired(m.SetOn, m.Period, at.Add(-time.Nanosecond).In(loc)) {
				want = low
			}
			if got := s.markLevelAt(m, at); got != want {
				t.Fatalf("%s set %s for %s, at %s: %s, want %s", level, setAt, per, at, got, want)
			}
		}
	}
}
