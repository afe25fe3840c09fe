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
	bits int // held in all sets, to bound the memory
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
	s := m.sets[a]
	if s == nil {
		if m.sets == nil || m.bits > maxFollowBits {
			m.sets, m.bits = map[*Event]*followSet{}, 0
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

// known reports whether the memo has a set for ancestor a.
func (m *followMemo) known(a *Event) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sets[a] != nil
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
	m.pos, m.sets, m.bits = nil, nil, 0
	m.mu.Unlock()
}
