package journal

import (
	"testing"
	"time"
)

// A journal advanced from a snapshot (Prior) holds only the events since:
// each follows every event before them. An event about to be written
// follows those too when it links to an event held, or to every Prior
// head; linking to some heads only, or to none, it does not.
func TestFollowsPrior(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	held := &Event{Hash: "held", Header: Header{Prev: []string{"h1", "h2"}}}
	j := &Journal{ByHash: map[string]*Event{"held": held}, Prior: map[string]time.Time{"h1": at, "h2": at}}
	for _, c := range []struct {
		prev []string
		want bool
	}{
		{[]string{"held"}, true},
		{[]string{"h1", "h2"}, true},
		{[]string{"h2", "h1", "h1"}, true},
		{[]string{"h1"}, false},
		{[]string{"h1", "h1"}, false},
		{[]string{"other"}, false},
		{nil, false},
	} {
		e := &Event{Hash: "new", Header: Header{Prev: c.prev}}
		if got := j.Follows(e, "old"); got != c.want {
			t.Errorf("event linking %v follows an event not held: %v, want %v", c.prev, got, c.want)
		}
		if got := j.Before(map[string]bool{}, e, "old"); got != c.want {
			t.Errorf("event linking %v comes after an event not held: %v, want %v", c.prev, got, c.want)
		}
	}
	if !j.Follows(held, "old") || j.Follows(&Event{Hash: "new", Header: Header{Prev: []string{"h1"}}}, "held") {
		t.Error("held events: wrong order")
	}
}
