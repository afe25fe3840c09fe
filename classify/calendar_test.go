package classify

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestQuarterNextPrev(t *testing.T) {
	for _, c := range []struct{ q, next Quarter }{
		{Quarter{2026, 1}, Quarter{2026, 2}},
		{Quarter{2026, 4}, Quarter{2027, 1}},
	} {
		if got := c.q.Next(); got != c.next {
			t.Errorf("%v.Next() = %v, want %v", c.q, got, c.next)
		}
		if got := c.next.Prev(); got != c.q {
			t.Errorf("%v.Prev() = %v, want %v", c.next, got, c.q)
		}
		if !c.q.Before(c.next) || c.next.Before(c.q) {
			t.Errorf("%v should come before %v", c.q, c.next)
		}
	}
}

// Spans are written as runs, and in JSON as every quarter's name.
func TestSpans(t *testing.T) {
	q := func(y, n int) Quarter { return Quarter{y, n} }
	for _, c := range []struct {
		in   []Quarter
		want string
	}{
		{nil, ""},
		{[]Quarter{q(2026, 2)}, "2026Q2"},
		{[]Quarter{q(2026, 2), q(2026, 3)}, "2026Q2-2026Q3"},
		{[]Quarter{q(2025, 3), q(2025, 4), q(2026, 1), q(2026, 3)}, "2025Q3-2026Q1, 2026Q3"},
		{[]Quarter{q(2024, 1), q(2025, 1), q(2026, 1)}, "2024Q1, 2025Q1, 2026Q1"},
		{[]Quarter{q(1900, 1), q(9999, 4)}, "1900Q1, 9999Q4"},
		// Before year 0 (a zone's first instant): the numbering still runs on.
		{[]Quarter{q(-1, 3), q(-1, 4), q(0, 1)}, "-1Q3-0Q1"},
	} {
		var s Spans
		for _, x := range c.in {
			s = s.Add(x)
		}
		if got := s.String(); got != c.want {
			t.Errorf("%v: String() = %q, want %q", c.in, got, c.want)
		}
		if s.Len() != len(c.in) || !slices.Equal(s.Quarters(), c.in) {
			t.Errorf("%v: Len %d, Quarters %v", c.in, s.Len(), s.Quarters())
		}
		names := make([]string, len(c.in))
		for i, x := range c.in {
			names[i] = x.String()
		}
		if !slices.Equal(s.Names(), names) {
			t.Errorf("%v: Names %q", c.in, s.Names())
		}
		got, err := s.MarshalJSON()
		want, _ := json.Marshal(names)
		if err != nil || string(got) != string(want) {
			t.Errorf("%v: JSON %s, want %s", c.in, got, want)
		}
	}
}
