package classify

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParsePeriod checks that ParsePeriod and ParseSpan never panic, that
// every period they accept round-trips through String (R7.2.4), and that
// adding it to a date never goes backwards.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{
		"10y", "10", "10年", "长期", "long", "1d", "6m", "6个月", "2w", "1星期", "30天", "30日",
		"1y6m3d", " 1y 6m ", "0", "0y", "-1y", "1y1y", "100000y", "100001y", "", "y", "1.5y",
		"99999999999999999999", "１０年", "1y2", "\xff", "个", "1个",
	} {
		f.Add(s)
	}
	setOn := date("2024-02-29")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (Period, error){ParsePeriod, ParseSpan} {
			p, err := parse(s)
			if err != nil {
				if !strings.Contains(err.Error(), "period") && !strings.Contains(err.Error(), "span") {
					t.Errorf("error for %q does not say what was parsed: %v", s, err)
				}
				continue
			}
			if p.Years < 0 || p.Months < 0 || p.Days < 0 {
				t.Fatalf("%q parsed to negative %+v", s, p)
			}
			if p.IsZero() {
				// Only ParseSpan accepts a zero span ("0d"); String
				// writes the zero Period as "", which nothing parses.
				continue
			}
			back, err := parse(p.String())
			if err != nil || back != p {
				t.Fatalf("%q → %+v → %q → %+v, %v", s, p, p.String(), back, err)
			}
			if exp, ok := Expiry(setOn, p); ok && !exp.After(setOn) {
				t.Fatalf("%q: expiry %v is not after %v", s, exp, setOn)
			}
			if got := AddSpan(setOn, p); got.Before(setOn) || got.Location() != time.UTC {
				t.Fatalf("%q: AddSpan gave %v", s, got)
			}
		}
	})
}

// FuzzParseLevel checks that ParseLevel never panics, that it accepts only
// the four levels of R7.2.2/R7.2.4, and that both names of an accepted level
// round-trip.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"内部", "秘密", "机密", "绝密", "internal", "SECRET", " confidential ",
		"top-secret", "Top-Secret", "", "topsecret", "公开", "\xff", "秘"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err != nil {
			if !strings.Contains(err.Error(), "secrecy level") {
				t.Errorf("error for %q does not say what was parsed: %v", s, err)
			}
			return
		}
		if !l.Valid() {
			t.Fatalf("ParseLevel(%q) = invalid %d", s, int(l))
		}
		for _, name := range []string{l.String(), l.English()} {
			if back, err := ParseLevel(name); err != nil || back != l {
				t.Fatalf("%q → %v → %q → %v, %v", s, l, name, back, err)
			}
		}
	})
}

// FuzzParseQuarter checks that ParseQuarter never panics, that what it
// accepts is a valid quarter that round-trips through String, and that the
// quarter's start is in it (a 核定's quarter is compared as a string).
func FuzzParseQuarter(f *testing.F) {
	for _, s := range []string{"2026Q4", "2026q1", "2026-Q2", " 2026Q3 ", "1Q1", "0001Q1", "9999Q4", "10000Q1", "2026Q5", "2026Q0", "", "Q4", "２０２６Q4", "2026Q4\n"} {
		f.Add(s)
	}
	// The pattern ParseQuarter followed before it read quarters by hand.
	re := regexp.MustCompile(`^(\d{4})-?Q([1-4])$`)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuarter(s)
		m := re.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
		if m != nil {
			y, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			if want := (Quarter{y, n}); want.Valid() != (err == nil) || err == nil && q != want {
				t.Fatalf("%q: %v %v, the pattern says %v", s, q, err, want)
			}
		} else if err == nil {
			t.Fatalf("%q accepted as %v, which the pattern refuses", s, q)
		}
		if err != nil {
			return
		}
		if !q.Valid() {
			t.Fatalf("%q accepted as invalid %+v", s, q)
		}
		back, err := ParseQuarter(q.String())
		if err != nil || back != q {
			t.Fatalf("%q → %v → %v, %v", s, q, back, err)
		}
		if got := QuarterOf(q.Start(time.UTC), time.UTC); got != q {
			t.Fatalf("%v starts in %v", q, got)
		}
	})
}
