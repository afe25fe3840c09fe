package journal

import (
	"container/heap"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// A state snapshot stands for the journal up to its heads. Events a pull
// brings in that were written in another clone, concurrently with some of
// this clone's own, do not follow those heads: in the journal's order
// (byLinks) they may come before events the snapshot already replayed.
// Tail is what lets such a pull advance the snapshot all the same: the
// last events of the journal's order, with their links. From it, and the
// new events' links alone, Merge tells which of the old events the new
// ones do not follow (the other side of the fork) and where each new
// event's place in the journal's order is; the caller decides from that
// whether a replay of the new events on top gives what a full replay
// gives (archive/advance.go).

// TailEvent is one event of a Tail: what ordering and the caller's
// decision need of it.
type TailEvent struct {
	Hash    string // hex, as Event.Hash
	Prev    []string
	Time    time.Time
	Kind    Kind
	Dossier string
}

// Tail is the end of a journal's order, oldest first.
type Tail []TailEvent

// TailLen is how many of the journal's last events a Tail keeps: a fork
// whose side in this clone, or whose meeting point, lies further back
// than that is replayed whole (a variable for the tests).
var TailLen = 8192

// Append is the tail of the journal t ends, with events (in the journal's
// order, every one after t's) appended: its last TailLen events.
func (t Tail) Append(events []*Event) Tail {
	out := make(Tail, 0, min(len(t)+len(events), TailLen))
	if n := len(t) + len(events) - TailLen; n < len(t) {
		out = append(out, t[max(n, 0):]...)
	}
	for _, e := range events[max(len(events)-TailLen, 0):] {
		out = append(out, tailEvent(e))
	}
	return out
}

func tailEvent(e *Event) TailEvent {
	return TailEvent{Hash: e.Hash, Prev: e.Prev, Time: e.Time, Kind: e.Kind, Dossier: e.Dossier}
}

// Pack encodes t: for each event its hash, time, kind, dossier and links.
func (t Tail) Pack() ([]byte, bool) {
	out := binary.AppendUvarint(nil, uint64(len(t)))
	hash := func(h string) bool {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			return false
		}
		out = append(out, b...)
		return true
	}
	for _, e := range t {
		if !hash(e.Hash) {
			return nil, false
		}
		out = binary.AppendVarint(out, e.Time.UnixNano())
		out = binary.AppendUvarint(out, uint64(len(e.Kind)))
		out = append(out, e.Kind...)
		out = binary.AppendUvarint(out, uint64(len(e.Dossier)))
		out = append(out, e.Dossier...)
		out = binary.AppendUvarint(out, uint64(len(e.Prev)))
		for _, p := range e.Prev {
			if !hash(p) {
				return nil, false
			}
		}
	}
	return out, true
}

// UnpackTail is the inverse of Pack; false unless b is exactly a packed
// tail.
func UnpackTail(b []byte) (Tail, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, false
	}
	b = b[k:]
	uv := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 || v > uint64(len(b)) {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	str := func() (string, bool) {
		l, ok := uv()
		if !ok || l > uint64(len(b)) {
			return "", false
		}
		s := string(b[:l])
		b = b[l:]
		return s, true
	}
	hash := func() (string, bool) {
		if len(b) < 32 {
			return "", false
		}
		h := hex.EncodeToString(b[:32])
		b = b[32:]
		return h, true
	}
	t := make(Tail, 0, n)
	for range n {
		var e TailEvent
		var ok bool
		if e.Hash, ok = hash(); !ok {
			return nil, false
		}
		ns, k := binary.Varint(b)
		if k <= 0 {
			return nil, false
		}
		b = b[k:]
		e.Time = time.Unix(0, ns).UTC()
		kind, ok1 := str()
		dossier, ok2 := str()
		np, ok3 := uv()
		if !ok1 || !ok2 || !ok3 || np > uint64(len(b))/32 {
			return nil, false
		}
		e.Kind, e.Dossier = Kind(kind), dossier
		for range np {
			p, _ := hash()
			e.Prev = append(e.Prev, p)
		}
		t = append(t, e)
	}
	if len(b) != 0 {
		return nil, false
	}
	return t, true
}

// Merge is how the events of a journal read since a snapshot (ReadSince)
// meet the snapshot's when some of them do not follow its heads.
type Merge struct {
	// Tail is the tail of the merged journal's order.
	Tail Tail
	// Side are the snapshot's events that some new event does not
	// follow: written in this clone, or brought from elsewhere,
	// concurrently with it. Every new event follows every other old one.
	Side []TailEvent
	// After are the snapshot's events that come after a new event in the
	// merged order (all of them in Side): a replay of the new events on
	// top of the snapshot applies them in another order than a full
	// replay would.
	After []TailEvent
	// AfterAt says, for each event of After, how many of the new events
	// (j.Events, in order) the merged order puts before it.
	AfterAt []int

	side  map[string]int // Side by hash: its place in the old tail
	times map[string]time.Time
	old   Tail           // the old tail
	pos   map[string]int // its events' places, by hash
	j     *Journal
	mu    sync.Mutex
	// reach holds, for each new event that links to old ones (a
	// source), the places in the old tail of the events it follows
	// through those links; and for other events asked about since
	// (bitsOf), the same.
	reach map[*Event][]uint64
}

// maxSources bounds how many new events linking to old ones a merge
// tells apart (each holds a bit per event of the tail).
const maxSources = 1024

// merge places the events of j (read since a journal whose heads are
// heads and whose order ends with t; ordered alone, Prior holding the old
// events they link to) in the merged order, sets j.Merge and gives j the
// merged journal's heads. It returns false when t does not reach far
// enough back to tell (an event the new ones link to, or an event of
// this clone's side of the fork, lies before it, or an event before it
// the side's events link to is not known to be followed by every new
// event), when more than maxSources new events link to old ones, or when
// a new event follows nothing old.
func (t Tail) merge(j *Journal, heads []string) (*Merge, bool) {
	pos := make(map[string]int, len(t))
	for i, e := range t {
		pos[e.Hash] = i
	}
	for p := range j.Prior {
		if _, ok := pos[p]; !ok {
			return nil, false
		}
	}
	// What each source follows of t: its old links and, back through t,
	// what they follow; and which events before t that walk reaches.
	m := &Merge{side: map[string]int{}, times: map[string]time.Time{}, reach: map[*Event][]uint64{}, j: j, old: t, pos: pos}
	var roots []*Event
	outside := map[string]int{} // event before t → how many roots reach it
	for _, e := range j.Events {
		root, old := true, false
		for _, p := range e.Prev {
			if j.ByHash[p] != nil {
				root = false
			} else {
				old = true
			}
		}
		if !old {
			continue
		}
		if len(m.reach) == maxSources {
			return nil, false
		}
		bits, reached := m.reachOf(e.Prev)
		m.reach[e] = bits
		if root {
			roots = append(roots, e)
			for p := range reached {
				outside[p]++
			}
		}
	}
	// The common past: what every new event follows, the events of t
	// every root follows (every new event follows a root).
	common := make([]bool, len(t))
	for i := range t {
		common[i] = true
		for _, r := range roots {
			common[i] = common[i] && hasBit(m.reach[r], i)
		}
	}
	// The side: every old event the walk back from the heads reaches
	// before the common past (every old event not in it).
	side := make([]bool, len(t))
	var todo []int
	sideOf := func(h string) bool {
		i, ok := pos[h]
		if !ok {
			return outside[h] == len(roots) // else: not known to be common, nor in t
		}
		if !common[i] && !side[i] {
			side[i] = true
			todo = append(todo, i)
		}
		return true
	}
	for _, h := range heads {
		if !sideOf(h) {
			return nil, false
		}
	}
	for len(todo) > 0 {
		i := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, p := range t[i].Prev {
			if !sideOf(p) {
				return nil, false
			}
		}
	}
	for i, e := range t {
		m.times[e.Hash] = e.Time
		if side[i] {
			m.Side = append(m.Side, e)
			m.side[e.Hash] = i
		}
	}
	// The merged order: old events keep theirs (none follows a new one,
	// so the old ones ready are as before, and the next is the next of
	// t); a new event takes its place once everything it follows is
	// placed, before the next old event if its hash is smaller (byLinks).
	wait := make(map[*Event]int, len(j.Events))
	after := map[int][]*Event{} // old event's place → new events it readies
	followers := map[string][]*Event{}
	var ready eventHeap
	for _, e := range j.Events {
		last := -1
		for _, p := range e.Prev {
			if j.ByHash[p] != nil {
				wait[e]++
				followers[p] = append(followers[p], e)
			} else {
				last = max(last, pos[p]) // in Prior: in t
			}
		}
		if last >= 0 {
			wait[e]++
			after[last] = append(after[last], e)
		}
	}
	var order []*Event
	for i := 0; i < len(t) || len(ready) > 0; {
		if len(ready) > 0 && (i == len(t) || ready[0].Hash < t[i].Hash) {
			e := heap.Pop(&ready).(*Event)
			order = append(order, e)
			m.Tail = append(m.Tail, tailEvent(e))
			for _, f := range followers[e.Hash] {
				if wait[f]--; wait[f] == 0 {
					heap.Push(&ready, f)
				}
			}
			continue
		}
		if len(order) > 0 {
			m.After = append(m.After, t[i]) // of Side: a new event does not follow it
			m.AfterAt = append(m.AfterAt, len(order))
		}
		m.Tail = append(m.Tail, t[i])
		for _, e := range after[i] {
			if wait[e]--; wait[e] == 0 {
				heap.Push(&ready, e)
			}
		}
		i++
	}
	if len(order) != len(j.Events) {
		return nil, false // one follows nothing old: it has no place
	}
	m.Tail = m.Tail[max(len(m.Tail)-TailLen, 0):]
	// The new events take their merged order, which the advance replays
	// them in (it is their order alone when every one follows the same
	// old events). The heads: theirs, and the old ones none follows.
	j.Events = order
	j.followers.reset()
	for _, h := range heads {
		if i, ok := m.side[h]; ok && !m.followed(i) {
			j.Heads = append(j.Heads, h)
		}
	}
	slices.Sort(j.Heads)
	j.Merge = m
	return m, true
}

// followed reports whether a new event follows the old event at place i
// of the old tail.
func (m *Merge) followed(i int) bool {
	for _, bits := range m.reach {
		if hasBit(bits, i) {
			return true
		}
	}
	return false
}

// follows reports whether e follows the old event h: e is a new event,
// or one added since that links to one (a step written on the merged
// journal), or about to be. Every such event follows every old event but
// those of Side; of those, the ones that the old links of e, or of an
// event e follows, reach.
func (m *Merge) follows(e *Event, h string) bool {
	i, side := m.side[h]
	if !side {
		return true
	}
	if hasBit(m.bitsOf(e), i) {
		return true
	}
	for a := range m.j.Ancestors(e) {
		if x := m.j.ByHash[a]; x != nil && hasBit(m.bitsOf(x), i) {
			return true
		}
	}
	return false
}

// bitsOf is what of the old tail x follows through its own old links: a
// source's, as the merge found it, or, for another event, made when first
// asked.
func (m *Merge) bitsOf(x *Event) []uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.reach[x]
	if !ok {
		b, _ = m.reachOf(x.Prev)
		m.reach[x] = b
	}
	return b
}

// reachOf is what of the old tail an event linking to prev follows
// through those links that are old events, a bit per place in it, and the
// events before the tail the walk back reaches.
func (m *Merge) reachOf(prev []string) (bits []uint64, reached map[string]bool) {
	bits = make([]uint64, (len(m.old)+63)/64)
	for _, p := range prev {
		if k, ok := m.pos[p]; ok {
			setBit(bits, k)
		}
	}
	reached = map[string]bool{}
	for i := len(m.old) - 1; i >= 0; i-- {
		if !hasBit(bits, i) {
			continue
		}
		for _, p := range m.old[i].Prev {
			if k, ok := m.pos[p]; ok {
				setBit(bits, k)
			} else {
				reached[p] = true
			}
		}
	}
	return bits, reached
}

// hasBit reports whether bit i of b is set (false past its end).
func hasBit(b []uint64, i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

func setBit(b []uint64, i int) { b[i/64] |= 1 << (i % 64) }

// eventHeap is a min-heap of events by hash.
type eventHeap []*Event

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i].Hash < h[j].Hash }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(*Event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
