package journal

import "sync"

// Follows asks, for an event and an earlier one, whether links lead from
// the first to the second. Walking the links back from the event costs
// what lies between them, and some questions come back with the same
// earlier event for every dossier: does the file's last writing follow
// that member's key rotation (StaleKeys), a hundred thousand times after
// one rotation in a department's ten years. followMemo keeps, for each
// earlier event asked about, which events after it in the journal's order
// follow it: one pass over them, then an answer by position.
//
// The positions are the journal's own (events are shared between the
// journals of one archive read again: ReadWith), made when first needed
// and dropped when the journal is ordered again.

// followMemo is each event's place in Events and, per ancestor, a bit per
// event after it (bit i: the event at the ancestor's place + 1 + i
// follows it), made as far as a question needed.
type followMemo struct {
	mu   sync.Mutex
	pos  map[*Event]int
	sets map[*Event]*followSet
	// past is, per event asked about as the later one, a bit per event
	// before it (bit i: the event at place i comes before it): the other
	// question that comes back, does this member's removal follow each of
	// their events (the removal rule, replay.go).
	past  map[*Event][]uint64
	asked map[*Event]int // how often each was asked about as the later one
	bits  int            // held in all sets, to bound the memory
}

type followSet struct {
	bits []uint64
	n    int // events after the ancestor decided so far
}

// maxFollowBits bounds what the memo holds (16 MB); past it, it starts
// again empty.
const maxFollowBits = 128 << 20

// follows reports whether e follows a through links; ok is false when
// either is not among j's ordered events (then walk the links). Events
// are in an order where every event comes after those it links to, so an
// event follows a exactly when it comes after a and one of its links is a
// or an event that follows a.
func (m *followMemo) follows(j *Journal, a, e *Event) (found, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos == nil {
		m.pos = make(map[*Event]int, len(j.Events))
		for i, x := range j.Events {
			m.pos[x] = i
		}
	}
	ap, aok := m.pos[a]
	ep, eok := m.pos[e]
	if !aok || !eok {
		return false, false
	}
	if ep <= ap {
		return false, true
	}
	if m.bits > maxFollowBits {
		m.sets, m.past, m.asked, m.bits = nil, nil, nil, 0
	}
	if m.asked == nil {
		m.asked = map[*Event]int{}
	}
	m.asked[e]++
	// The same later event asked about again and again (with ever other
	// earlier ones): its past, once, answers them all.
	if p := m.past[e]; p != nil || m.asked[e] > 2 && m.sets[a] == nil {
		if p == nil {
			p = m.pastOf(j, ep)
			if m.past == nil {
				m.past = map[*Event][]uint64{}
			}
			m.past[e] = p
			m.bits += 64 * len(p)
		}
		return p[ap/64]&(1<<(ap%64)) != 0, true
	}
	s := m.sets[a]
	if s == nil {
		if m.sets == nil {
			m.sets = map[*Event]*followSet{}
		}
		s = &followSet{}
		m.sets[a] = s
	}
	want := ep - ap // decide the events up to e
	for s.n < want {
		x := j.Events[ap+1+s.n]
		in := false
		for _, h := range x.Prev {
			if h == a.Hash {
				in = true
				break
			}
			if p := j.ByHash[h]; p != nil {
				if pp, ok := m.pos[p]; ok && pp > ap && pp < ap+1+s.n && s.has(pp-ap-1) {
					in = true
					break
				}
			}
		}
		if s.n%64 == 0 {
			s.bits = append(s.bits, 0)
			m.bits += 64
		}
		if in {
			s.bits[s.n/64] |= 1 << (s.n % 64)
		}
		s.n++
	}
	return s.has(want - 1), true
}

// pastOf is a bit for each event before place ep that the event there
// follows: one pass back through the journal's order, marking the links
// of each marked event.
func (m *followMemo) pastOf(j *Journal, ep int) []uint64 {
	p := make([]uint64, ep/64+1)
	mark := func(i int) { p[i/64] |= 1 << (i % 64) }
	marked := func(i int) bool { return p[i/64]&(1<<(i%64)) != 0 }
	link := func(x *Event, at int) {
		for _, h := range x.Prev {
			if q := j.ByHash[h]; q != nil {
				if qp, ok := m.pos[q]; ok && qp < at {
					mark(qp)
				}
			}
		}
	}
	link(j.Events[ep], ep)
	for i := ep - 1; i >= 0; i-- {
		if marked(i) {
			link(j.Events[i], i)
		}
	}
	return p
}

// remembers reports whether the memo has a set for ancestor a or the past
// of e: it answers at once, without a walk first.
func (m *followMemo) remembers(a, e *Event) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sets[a] != nil || m.past[e] != nil
}

func (s *followSet) has(i int) bool { return s.bits[i/64]&(1<<(i%64)) != 0 }

// added records that e was appended to Events at place i (Add).
func (m *followMemo) added(e *Event, i int) {
	m.mu.Lock()
	if m.pos != nil {
		m.pos[e] = i
	}
	m.mu.Unlock()
}

// reset forgets everything: the events' places changed.
func (m *followMemo) reset() {
	m.mu.Lock()
	m.pos, m.sets, m.past, m.asked, m.bits = nil, nil, nil, nil, 0
	m.mu.Unlock()
}
