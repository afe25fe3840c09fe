package classify

import "testing"

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

func TestJoinQuarters(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"2026Q2"}, "2026Q2"},
		{[]string{"2026Q2", "2026Q3"}, "2026Q2-2026Q3"},
		{[]string{"2025Q3", "2025Q4", "2026Q1", "2026Q3"}, "2025Q3-2026Q1, 2026Q3"},
		{[]string{"2024Q1", "2025Q1", "2026Q1"}, "2024Q1, 2025Q1, 2026Q1"},
		// Not a quarter as crm writes one: kept, and never part of a run.
		{[]string{"2026-Q1", "2026Q2", "x", "2026Q3"}, "2026-Q1, 2026Q2, x, 2026Q3"},
	} {
		if got := JoinQuarters(c.in); got != c.want {
			t.Errorf("JoinQuarters(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
