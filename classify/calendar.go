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
func (q Quarter) String() string { return string(q.append(make([]byte, 0, 8))) }

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

// Span is a run of consecutive quarters, from First to Last (the same
// quarter for a run of one). It is eight bytes: review due holds the
// runs missed by every dossier (R6.5), four hundred thousand at 100,000.
type Span struct{ first, last int32 } // quarter numbers (number)

// SpanOf is the run of quarters from first to last.
func SpanOf(first, last Quarter) Span { return Span{first.number(), last.number()} }

// First is the span's first quarter.
func (r Span) First() Quarter { return quarterNumbered(r.first) }

// Last is the span's last quarter.
func (r Span) Last() Quarter { return quarterNumbered(r.last) }

// number numbers q so that the next quarter is one more.
func (q Quarter) number() int32 { return int32(q.Year*4 + q.Q - 1) }

// quarterNumbered is the quarter number numbers n.
func quarterNumbered(n int32) Quarter {
	y, q := n/4, n%4
	if q < 0 { // before year 0
		y, q = y-1, q+4
	}
	return Quarter{int(y), int(q) + 1}
}

// Spans are quarters, oldest first, kept as runs of consecutive ones: a
// dossier missed in forty quarters (R6.5) is one span, not forty names.
// In JSON they are the list of every quarter's name, as 2026Q4.
type Spans []Span

// Add appends q, which comes after every quarter of s, to s's last run
// when it is the next quarter, or as a run of its own.
func (s Spans) Add(q Quarter) Spans {
	n := q.number()
	if k := len(s); k > 0 && s[k-1].last+1 == n {
		s[k-1].last = n
		return s
	}
	return append(s, Span{n, n})
}

// Len is the number of quarters in s.
func (s Spans) Len() int {
	n := 0
	for _, r := range s {
		n += int(r.last-r.first) + 1
	}
	return n
}

// Quarters lists every quarter of s, oldest first.
func (s Spans) Quarters() []Quarter {
	out := make([]Quarter, 0, s.Len())
	for _, r := range s {
		for n := r.first; n <= r.last; n++ {
			out = append(out, quarterNumbered(n))
		}
	}
	return out
}

// Names lists every quarter of s written as 2026Q4, oldest first.
func (s Spans) Names() []string {
	qs := s.Quarters()
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.String()
	}
	return out
}

// String writes s with each run as its first and last quarter:
// "2016Q4-2026Q3, 2027Q2" (in Chinese 2016Q4-2026Q3、2027Q2).
func (s Spans) String() string { return string(s.Append(make([]byte, 0, len(s)*15))) }

// Append appends s written as String writes it to b.
func (s Spans) Append(b []byte) []byte {
	sep := l10n.ListSep() // a list in a message: 、 in Chinese
	for i, r := range s {
		if i > 0 {
			b = append(b, sep...)
		}
		b = r.First().append(b)
		if r.last != r.first {
			b = append(b, '-')
			b = r.Last().append(b)
		}
	}
	return b
}

// append appends q written as 2026Q4 to b.
func (q Quarter) append(b []byte) []byte {
	b = strconv.AppendInt(b, int64(q.Year), 10)
	b = append(b, 'Q')
	return strconv.AppendInt(b, int64(q.Q), 10)
}

// MarshalJSON writes s as the list of every quarter's name: what a
// script reading `review due --json` expects.
func (s Spans) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+9*s.Len())
	b = append(b, '[')
	for _, r := range s {
		for n := r.first; n <= r.last; n++ {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(quarterNumbered(n).append(append(b, '"')), '"')
		}
	}
	return append(b, ']'), nil
}
