package journal

import (
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"slices"
	"sort"
	"strings"

	"crm/l10n"
)

// link is a link between two events by their ranks (see byLinks): the
// event to follows the event from.
type link struct{ from, to int32 }

// byLinks is the journal's order of n events known by rank (event r has
// the r-th smallest hash), given the links between them: an event comes
// after every event it follows, and of the events whose predecessors are
// all placed the one with the smallest hash comes first (never the
// earliest time: clocks lie, and every clone must replay the same journal
// in the same order). It returns the ranks in that order and the ranks of
// the events it could not place, those in or after a link cycle. Both
// Journal and Links order with it, so that a journal read whole and one
// ordered from its hashes alone come in the same order.
func byLinks(n int, links []link) (order, cyclic []int32) {
	indeg := make([]int32, n)
	outAt := make([]int32, n+1) // event r's followers are out[outAt[r]:outAt[r+1]]
	for _, l := range links {
		indeg[l.to]++
		outAt[l.from+1]++
	}
	for r := range n {
		outAt[r+1] += outAt[r]
	}
	out := make([]int32, len(links))
	fill := slices.Clone(outAt[:n])
	for _, l := range links {
		out[fill[l.from]] = l.to
		fill[l.from]++
	}
	fill = nil
	var ready rankHeap
	for r := range n {
		if indeg[r] == 0 {
			ready = append(ready, int32(r))
		}
	}
	heap.Init(&ready)
	order = make([]int32, 0, n)
	for len(ready) > 0 {
		r := heap.Pop(&ready).(int32)
		order = append(order, r)
		for _, f := range out[outAt[r]:outAt[r+1]] {
			if indeg[f]--; indeg[f] == 0 {
				heap.Push(&ready, f)
			}
		}
	}
	if len(order) != n {
		for r := range n {
			if indeg[r] > 0 {
				cyclic = append(cyclic, int32(r))
			}
		}
	}
	return order, cyclic
}

// rankHeap is a min-heap of ranks.
type rankHeap []int32

func (h rankHeap) Len() int           { return len(h) }
func (h rankHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h rankHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rankHeap) Push(x any)        { *h = append(*h, x.(int32)) }
func (h *rankHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// order sorts the events topologically (byLinks) and computes the heads.
func (j *Journal) order() {
	// Sorted by hash, the first eight bytes of each compared as a number
	// first (hex digits sort as their bytes do): a million events.
	type keyed struct {
		key uint64
		e   *Event
	}
	keys := make([]keyed, 0, len(j.ByHash))
	for _, e := range j.ByHash {
		keys = append(keys, keyed{hashKey(e.Hash), e})
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.e.Hash, b.e.Hash)
	})
	evs := make([]*Event, len(keys))
	for r, k := range keys {
		evs[r], k.e.rank = k.e, int32(r)
	}
	rank := func(h string) (int32, bool) {
		if e := j.ByHash[h]; e != nil {
			return e.rank, true
		}
		return 0, false
	}
	followed := make([]bool, len(evs))
	var links []link
	for r, e := range evs {
		for i, p := range e.Prev {
			from, held := rank(p)
			if held {
				followed[from] = true
				e.Prev[i] = evs[from].Hash // one string for both
			}
			if _, prior := j.Prior[p]; prior {
				continue
			}
			if !held {
				j.Problems = append(j.Problems, Problem{Path: e.Path, Msg: l10n.Sprintf("follows event %s, which is missing from the journal", ShortHash(p))})
				continue
			}
			links = append(links, link{from, int32(r)})
		}
	}
	order, cyclic := byLinks(len(evs), links)
	j.Events = j.Events[:0]
	j.followers.reset() // the positions it knew change
	for _, r := range order {
		j.Events = append(j.Events, evs[r])
	}
	for _, r := range cyclic {
		j.Problems = append(j.Problems, Problem{Path: evs[r].Path, Msg: l10n.T("event is part of a link cycle")})
	}
	j.Heads = nil
	for r, e := range evs {
		if !followed[r] {
			j.Heads = append(j.Heads, e.Hash) // sorted, as evs are
		}
	}
	sort.SliceStable(j.Problems, func(a, b int) bool { return j.Problems[a].Path < j.Problems[b].Path })
}

// hashKey is the first eight bytes of a hash's hex as a number: its order
// is the strings' order as far as it goes.
func hashKey(h string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(h) {
			k |= uint64(h[i])
		}
	}
	return k
}

// Links holds what orders a journal's events, their hashes and links,
// without the events: 32 bytes per event and per link. crm log orders a
// journal of a million events with it, then reads them in that order a
// month folder at a time (archive.EventLog).
type Links struct {
	hashes [][32]byte
	prevAt []int32 // event i's links are prevs[prevAt[i]:prevAt[i+1]]
	prevs  [][32]byte
}

// Add adds an event by its hash and the hashes it follows (hex, as an
// Event has them), before Order; false if one is not a SHA-256 hash.
func (l *Links) Add(hash string, prev []string) bool {
	h, err := hexDecode32(hash)
	if err != nil {
		return false
	}
	if len(l.prevAt) == 0 {
		l.prevAt = append(l.prevAt, 0)
	}
	for _, p := range prev {
		ph, err := hexDecode32(p)
		if err != nil {
			l.prevs = l.prevs[:l.prevAt[len(l.prevAt)-1]]
			return false
		}
		l.prevs = append(l.prevs, ph)
	}
	l.hashes = append(l.hashes, h)
	l.prevAt = append(l.prevAt, int32(len(l.prevs)))
	return true
}

// Grow makes room for n more events of one link each (most follow one
// event: the head of the clone that wrote them).
func (l *Links) Grow(n int) {
	l.hashes = slices.Grow(l.hashes, n)
	l.prevAt = slices.Grow(l.prevAt, n+1)
	l.prevs = slices.Grow(l.prevs, n)
}

// Len is how many events were added.
func (l *Links) Len() int { return len(l.hashes) }

// Hash is the hash of the i-th event added.
func (l *Links) Hash(i int) [32]byte { return l.hashes[i] }

// Order returns the indexes (in the order added) of the events in the
// journal's order, as Journal orders them; false if two events have the
// same hash, or one follows an event not added, or is part of a link
// cycle: a journal with a problem, for a full read to report. It lets
// the links go: what Links holds after is the events' hashes.
func (l *Links) Order() ([]int32, bool) {
	defer func() { l.prevs, l.prevAt = nil, nil }()
	n := len(l.hashes)
	// Hashes are compared by their first 8 bytes first: a million of
	// them are sorted, and searched for a million links.
	prefix := func(h *[32]byte) uint64 { return binary.BigEndian.Uint64(h[:8]) }
	byRank := make([]int32, n) // the index of the event of each rank
	for i := range byRank {
		byRank[i] = int32(i)
	}
	slices.SortFunc(byRank, func(a, b int32) int {
		if c := cmp.Compare(prefix(&l.hashes[a]), prefix(&l.hashes[b])); c != 0 {
			return c
		}
		return bytes.Compare(l.hashes[a][:], l.hashes[b][:])
	})
	keys := make([]uint64, n) // of each rank
	rank := make([]int32, n)  // of each event
	for r, i := range byRank {
		keys[r], rank[i] = prefix(&l.hashes[i]), int32(r)
		if r > 0 && l.hashes[byRank[r-1]] == l.hashes[i] {
			return nil, false
		}
	}
	find := func(p *[32]byte) (int, bool) {
		k := prefix(p)
		for r, _ := slices.BinarySearch(keys, k); r < n && keys[r] == k; r++ {
			if l.hashes[byRank[r]] == *p {
				return r, true
			}
		}
		return 0, false
	}
	links := make([]link, 0, len(l.prevs))
	for i := range n {
		for k := l.prevAt[i]; k < l.prevAt[i+1]; k++ {
			r, ok := find(&l.prevs[k])
			if !ok {
				return nil, false
			}
			links = append(links, link{int32(r), rank[i]})
		}
	}
	rank, keys = nil, nil
	order, cyclic := byLinks(n, links)
	if len(cyclic) > 0 {
		return nil, false
	}
	for k, r := range order {
		order[k] = byRank[r]
	}
	return order, true
}
