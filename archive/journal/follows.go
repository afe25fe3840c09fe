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

// followMemo is, per ancestor, a bit per event after it in Events (bit
// i: the event at the ancestor's position + 1 + i follows it), made as far
// as a question needed.
type followMemo struct {
	mu   sync.Mutex
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

// placed reports whether e's position in j.Events is known: j ordered it.
func (j *Journal) placed(e *Event) bool {
	return e.pos < len(j.Events) && j.Events[e.pos] == e
}

// follows reports whether e follows a through links, both placed in j.
// Events are in an order where every event comes after those it links to,
// so an event follows a exactly when it comes after a and one of its
// links is a or an event that follows a.
func (m *followMemo) follows(j *Journal, a, e *Event) bool {
	if e.pos <= a.pos {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sets[a]
	if s == nil {
		if m.sets == nil || m.bits > maxFollowBits {
			m.sets, m.bits = map[*Event]*followSet{}, 0
		}
		s = &followSet{}
		m.sets[a] = s
	}
	want := e.pos - a.pos // decide the events up to e
	for s.n < want {
		x := j.Events[a.pos+1+s.n]
		in := false
		for _, h := range x.Prev {
			if h == a.Hash {
				in = true
				break
			}
			if p := j.ByHash[h]; p != nil && p.pos > a.pos && p.pos < x.pos && j.Events[p.pos] == p && s.has(p.pos-a.pos-1) {
				in = true
				break
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
	return s.has(want - 1)
}

func (s *followSet) has(i int) bool { return s.bits[i/64]&(1<<(i%64)) != 0 }

// reset forgets every set: the events' positions changed.
func (m *followMemo) reset() {
	m.mu.Lock()
	m.sets, m.bits = nil, 0
	m.mu.Unlock()
}
