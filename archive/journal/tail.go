package journal

import (
	"container/heap"
	"encoding/binary"
	"encoding/hex"
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
	// Side are the snapshot's events the new ones do not follow: written
	// in this clone (or brought from elsewhere) concurrently with them.
	Side []TailEvent
	// After are the snapshot's events that come after a new event in the
	// merged order (all of them in Side): a replay of the new events on
	// top of the snapshot applies them in another order than a full
	// replay would.
	After []TailEvent

	side map[string]time.Time
}

// merge places the events of j (read since a journal whose heads are
// heads and whose order ends with t; ordered alone, Prior holding the old
// events they link to) in the merged order, and sets j.Merge. It returns
// false when t does
// not reach far enough back to tell: an event the new ones link to, or
// the start of this clone's side of the fork, lies before it.
func (t Tail) merge(j *Journal, heads []string) (*Merge, bool) {
	pos := make(map[string]int, len(t))
	for i, e := range t {
		pos[e.Hash] = i
	}
	if !t.followedAll(j, pos) {
		return nil, false
	}
	// The old events the new ones follow, in t: the common past.
	common := make([]bool, len(t))
	outside := map[string]bool{} // events before t known to be in it
	var todo []int
	for p := range j.Prior {
		i, ok := pos[p]
		if !ok {
			return nil, false
		}
		todo = append(todo, i)
	}
	for len(todo) > 0 {
		i := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if common[i] {
			continue
		}
		common[i] = true
		for _, p := range t[i].Prev {
			if k, ok := pos[p]; ok {
				todo = append(todo, k)
			} else {
				outside[p] = true
			}
		}
	}
	// This clone's side: every old event the walk back from the heads
	// reaches before the common past (every old event not in it).
	side := make([]bool, len(t))
	sideOf := func(h string) bool {
		i, ok := pos[h]
		if !ok {
			return outside[h] // else: not known to be common, nor in t
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
	m := &Merge{side: map[string]time.Time{}}
	for i, e := range t {
		if side[i] {
			m.Side = append(m.Side, e)
			m.side[e.Hash] = e.Time
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
	place := func(e *Event) {
		m.Tail = append(m.Tail, tailEvent(e))
		for _, f := range followers[e.Hash] {
			if wait[f]--; wait[f] == 0 {
				heap.Push(&ready, f)
			}
		}
	}
	var order []*Event
	for i := 0; i < len(t) || len(ready) > 0; {
		if len(ready) > 0 && (i == len(t) || ready[0].Hash < t[i].Hash) {
			e := heap.Pop(&ready).(*Event)
			order = append(order, e)
			place(e)
			continue
		}
		if len(order) > 0 {
			m.After = append(m.After, t[i]) // of Side: the common past came first
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
	// The new events keep their order: each follows the whole common
	// past, which comes first, so they are ready as they follow each
	// other, as when ordered alone.
	j.Merge = m
	m.Tail = m.Tail[max(len(m.Tail)-TailLen, 0):]
	return m, true
}

// followedAll reports whether every event of j follows every old event
// any of them links to (Prior), directly or through events of t (pos: by
// hash): then each follows the same old events, the common past, and no
// other. At most 64 old events linked to are told apart.
func (t Tail) followedAll(j *Journal, pos map[string]int) bool {
	if len(j.Prior) > 64 {
		return false
	}
	bit := make(map[string]uint64, len(j.Prior))
	for p := range j.Prior {
		bit[p] = 1 << len(bit)
	}
	all := uint64(1)<<len(bit) - 1
	// What each event of t is or follows of them, through t.
	reach := make([]uint64, len(t))
	for i, e := range t {
		reach[i] = bit[e.Hash]
		for _, p := range e.Prev {
			if k, ok := pos[p]; ok && k < i {
				reach[i] |= reach[k]
			}
		}
	}
	got := make(map[string]uint64, len(j.Events))
	for _, e := range j.Events { // in order: what an event follows comes first
		var m uint64
		for _, p := range e.Prev {
			if j.ByHash[p] != nil {
				m |= got[p]
			} else if k, ok := pos[p]; ok {
				m |= reach[k]
			}
		}
		if m != all {
			return false
		}
		got[e.Hash] = m
	}
	return true
}

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
