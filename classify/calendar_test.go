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
