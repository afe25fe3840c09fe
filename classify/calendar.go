package classify

import (
	"crm/l10n"
	"strconv"
	"strings"
	"time"
)

// Quarter is a calendar quarter, like 2026Q4: the unit of the quarterly
// re-verification (核定, R6.5) and of the quarterly report.
type Quarter struct {
	Year, Q int
}

// String writes the quarter as 2026Q4.
func (q Quarter) String() string { return strconv.Itoa(q.Year) + "Q" + strconv.Itoa(q.Q) }

// Valid reports whether q is a quarter of a year from 1900 to 9999.
func (q Quarter) Valid() bool { return q.Year >= 1900 && q.Year <= 9999 && q.Q >= 1 && q.Q <= 4 }

// QuarterOf is the calendar quarter t falls in, read in loc.
func QuarterOf(t time.Time, loc *time.Location) Quarter {
	t = t.In(loc)
	return Quarter{t.Year(), (int(t.Month())-1)/3 + 1}
}

// ParseQuarter parses a quarter written 2026Q4 (also 2026q4 and 2026-Q4).
// Every 核定 replayed has one: it is read without a regexp.
func ParseQuarter(s string) (Quarter, error) {
	y, n, ok := cutQuarter(strings.ToUpper(strings.TrimSpace(s)))
	if !ok {
		return Quarter{}, l10n.Errorf("%q is not a calendar quarter like 2026Q4", s)
	}
	q := Quarter{y, n}
	if !q.Valid() {
		return Quarter{}, l10n.Errorf("%q is not a calendar quarter like 2026Q4", s)
	}
	return q, nil
}

// cutQuarter reads four ASCII digits, an optional '-', 'Q' and a digit
// from 1 to 4, and nothing else.
func cutQuarter(s string) (year, q int, ok bool) {
	if len(s) != 6 && len(s) != 7 {
		return 0, 0, false
	}
	for _, c := range []byte(s[:4]) {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		year = 10*year + int(c-'0')
	}
	rest := s[4:]
	if len(rest) == 3 {
		if rest[0] != '-' {
			return 0, 0, false
		}
		rest = rest[1:]
	}
	if rest[0] != 'Q' || rest[1] < '1' || rest[1] > '4' {
		return 0, 0, false
	}
	return year, int(rest[1] - '0'), true
}

// Start is the first instant of the quarter in loc.
func (q Quarter) Start(loc *time.Location) time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, loc)
}

// End is the first instant after the quarter in loc.
func (q Quarter) End(loc *time.Location) time.Time { return q.Start(loc).AddDate(0, 3, 0) }

// Prev is the quarter before q.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{q.Year - 1, 4}
	}
	return Quarter{q.Year, q.Q - 1}
}

// Next is the quarter after q.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{q.Year + 1, 1}
	}
	return Quarter{q.Year, q.Q + 1}
}

// Before reports whether q comes before r.
func (q Quarter) Before(r Quarter) bool {
	return q.Year < r.Year || (q.Year == r.Year && q.Q < r.Q)
}

// JoinQuarters writes quarters, oldest first, with each run of
// consecutive quarters as its first and last: "2016Q4-2026Q3, 2027Q2".
// A dossier missed in forty quarters (R6.5) is one short cell, not forty
// names. A quarter it cannot read is written as given, ending a run.
func JoinQuarters(qs []string) string {
	switch len(qs) {
	case 0:
		return ""
	case 1:
		return qs[0]
	}
	// The runs first, then the text in one allocation: review due joins
	// the quarters of every dossier missed (1.9 million at 100,000).
	prev, size := -1, 0
	var ends [16]int // where each run ends, while few
	runs := ends[:0]
	for i, q := range qs {
		x := quarterNumber(q)
		if i > 0 && (x < 0 || prev < 0 || x != prev+1) {
			runs = append(runs, i)
		}
		prev = x
	}
	runs = append(runs, len(qs))
	start := 0
	for _, end := range runs {
		size += len(", ") + len(qs[start])
		if end-1 > start {
			size += 1 + len(qs[end-1])
		}
		start = end
	}
	b := make([]byte, 0, size)
	start = 0
	for _, end := range runs {
		if start > 0 {
			b = append(b, ", "...)
		}
		b = append(b, qs[start]...)
		if end-1 > start {
			b = append(b, '-')
			b = append(b, qs[end-1]...)
		}
		start = end
	}
	return string(b)
}

// quarterNumber numbers a quarter written 2026Q4 so that the next one is
// one more, or is -1.
func quarterNumber(s string) int {
	if len(s) != 6 { // not 2026-Q4, nor 2026q4 (cutQuarter takes it upper-cased)
		return -1
	}
	y, q, ok := cutQuarter(s)
	if !ok {
		return -1
	}
	return y*4 + q - 1
}
