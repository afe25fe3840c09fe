package archive

import (
	"encoding/hex"
	"runtime"
	"slices"
	"sort"
	"strings"

	"crm/archive/journal"
	"crm/archive/work"
	"crm/l10n"
)

// EventLog is the journal's events in its order (the order replay takes
// them in), read as they are asked for: crm log.
type EventLog struct {
	n  int
	at func(i int) (*journal.Event, error)
}

// Len is how many events the journal has.
func (l *EventLog) Len() int { return l.n }

// At returns the i-th event. Asked for in order, it reads each month
// folder's events about once.
func (l *EventLog) At(i int) (*journal.Event, error) { return l.at(i) }

// EventsOf is an EventLog of events held.
func EventsOf(evs []*journal.Event) *EventLog {
	return &EventLog{n: len(evs), at: func(i int) (*journal.Event, error) { return evs[i], nil }}
}

// eventMonthsHeld is how many month folders' events an EventLog read
// from the cache holds at once: the journal's order visits a month's
// events together, but for events of clones that worked apart, which
// come by hash.
const eventMonthsHeld = 3

// EventLog returns the journal's events. An archive opened from the
// user's state snapshot holds none of them: the events the snapshot
// stands for are then ordered from their hashes and links alone
// (journal.Links), read a month folder at a time from the user's
// verified-journal cache (or from the folder, where the cache's segment
// is out of date, which is then written again), and read again when asked
// for, a few months held at once, so that a journal of a million events
// is never held whole (3 GB at 100,000 dossiers). An event is the
// snapshot's if its hash is, and the snapshot stands for a journal this
// user's crm checked. Anything else (no cache, or a folder that no longer
// holds the events the snapshot stands for) reads and replays the whole
// journal.
func (a *Archive) EventLog() (*EventLog, error) {
	if !a.fromSnapshot && a.snapshots && a.State.dataLetGo {
		// A whole replay (a first command) let go of its events' data,
		// each of which would be read back from its file: the log is
		// read as from the snapshot that replay saved.
		if s, partial := a.stampedLoad(); s != nil {
			a.State, a.fromSnapshot, a.partial = s, true, partial
			if a.id != nil {
				a.me = s.MemberByRecipient(a.id.Recipient)
			}
		} else {
			// No snapshot was saved (a folder changed just now, a stray
			// file): the data is read back a bundle at a time.
			a.State.Journal.TakeDataBack()
			a.State.dataLetGo = false
		}
	}
	if a.fromSnapshot {
		if l := a.streamedLog(); l != nil {
			return l, nil
		}
		if err := a.fullState(); err != nil {
			return nil, err
		}
	}
	return EventsOf(a.State.Journal.Events), nil
}

// eventStream is an EventLog read from the cache: the months in order,
// the index of each one's first event in links (its events added sorted
// by hash), and the months held.
type eventStream struct {
	a      *Archive
	months []string
	start  []int // and the number of events, last
	links  journal.Links
	held   []heldMonth // most recently used first
}

type heldMonth struct {
	m   int
	evs []*journal.Event
}

// streamedLog is EventLog from the cache, or nil.
func (a *Archive) streamedLog() *EventLog {
	if a.jc == nil || a.wrote {
		return nil
	}
	months, expect, done := a.monthsKnown()
	if expect == nil {
		return nil
	}
	defer done()
	s := &eventStream{a: a, months: months}
	wants := make([][]byte, len(months))
	n := 0
	for i, rel := range months {
		want, ok := expect(rel)
		if !ok || len(want)%32 != 0 {
			return nil
		}
		wants[i], n = want, n+len(want)/32
	}
	s.links.Grow(n)
	// A month per core at a time, added in order.
	batch := make([][]*journal.Event, runtime.GOMAXPROCS(0))
	for from := 0; from < len(months); from += len(batch) {
		k := min(len(batch), len(months)-from)
		work.Each(a.ctx, "", k, func(i int) {
			want := wants[from+i]
			batch[i] = s.read(months[from+i], len(want)/32, func(k int) []byte { return want[32*k : 32*k+32] })
		})
		for _, evs := range batch[:k] {
			if evs == nil {
				return nil
			}
			s.start = append(s.start, s.links.Len())
			for _, e := range evs {
				if !s.links.Add(e.Hash, e.Prev) {
					return nil
				}
			}
		}
		clear(batch)
	}
	s.start = append(s.start, s.links.Len())
	order, ok := s.links.Order()
	if !ok {
		return nil
	}
	return &EventLog{n: len(order), at: func(i int) (*journal.Event, error) { return s.event(int(order[i])) }}
}

// event returns the k-th event added to links.
func (s *eventStream) event(k int) (*journal.Event, error) {
	m := sort.SearchInts(s.start, k+1) - 1
	for i, h := range s.held {
		if h.m == m {
			copy(s.held[1:i+1], s.held[:i])
			s.held[0] = h
			return h.evs[k-s.start[m]], nil
		}
	}
	first := s.start[m]
	evs := s.read(s.months[m], s.start[m+1]-first, func(i int) []byte {
		h := s.links.Hash(first + i)
		return h[:]
	})
	if evs == nil {
		return nil, &Error{Code: Failed, Path: s.months[m], Err: l10n.Errorf("journal folder %s changed while it was read; run the command again", s.months[m])}
	}
	if len(s.held) == eventMonthsHeld {
		s.held = s.held[:eventMonthsHeld-1]
	}
	s.held = slices.Insert(s.held, 0, heldMonth{m, evs})
	return evs[k-first], nil
}

// read returns the events of month folder rel sorted by hash, if they
// are the n events whose hashes want gives in that order (nil if not):
// from the cache's segment, else from the folder's files (checked against
// their names), and then the segment is written again.
func (s *eventStream) read(rel string, n int, want func(k int) []byte) []*journal.Event {
	a := s.a
	root := a.Dir
	f := a.jc.segment(segName(rel), a.Dir, &root)
	if f != nil && sortedAs(f.Events, n, want) {
		return f.Events
	}
	f, ok, err := journal.ReadFolder(a.ctx, a.Dir, rel, f)
	if err != nil || !ok || !sortedAs(f.Events, n, want) {
		return nil
	}
	for _, e := range f.Events {
		e.Compact()
	}
	if f.Dirty {
		a.jc.saveFolder(a.Dir, f)
	}
	return f.Events
}

// sortedAs sorts evs by hash and reports whether they are the n events
// whose hashes (raw) want gives, in that order.
func sortedAs(evs []*journal.Event, n int, want func(k int) []byte) bool {
	if len(evs) != n {
		return false
	}
	slices.SortFunc(evs, func(a, b *journal.Event) int { return strings.Compare(a.Hash, b.Hash) })
	var buf [64]byte
	for k, e := range evs {
		hex.Encode(buf[:], want(k))
		if string(buf[:]) != e.Hash {
			return false
		}
	}
	return true
}
