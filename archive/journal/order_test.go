package journal

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// referenceOrder is the journal's order as it was first written, with
// maps and a ready list sorted at every step: the order byLinks must keep.
func referenceOrder(j *Journal) (events []string, heads []string, problems []Problem) {
	followed := map[string]bool{}
	indeg := map[string]int{}
	next := map[string][]string{}
	for h, e := range j.ByHash {
		indeg[h] += 0
		for _, p := range e.Prev {
			followed[p] = true
			if _, prior := j.Prior[p]; prior {
				continue
			}
			if _, ok := j.ByHash[p]; !ok {
				problems = append(problems, Problem{Path: e.Path, Msg: "missing " + p})
				continue
			}
			indeg[h]++
			next[p] = append(next[p], h)
		}
	}
	var ready []string
	for h, d := range indeg {
		if d == 0 {
			ready = append(ready, h)
		}
	}
	for len(ready) > 0 {
		slices.Sort(ready)
		h := ready[0]
		ready = ready[1:]
		events = append(events, h)
		for _, n := range next[h] {
			indeg[n]--
			if indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	for h, d := range indeg {
		if d > 0 {
			problems = append(problems, Problem{Path: j.ByHash[h].Path, Msg: "cycle"})
		}
	}
	for h := range j.ByHash {
		if !followed[h] {
			heads = append(heads, h)
		}
	}
	slices.Sort(heads)
	return events, heads, problems
}

// randomJournal is a journal of clones that branch and merge, with links
// to events not held (some of them Prior), links twice to one event and,
// if cycles, events that follow each other.
func randomJournal(r *rand.Rand, n int, cycles, missing bool) *Journal {
	j := &Journal{ByHash: map[string]*Event{}, Prior: map[string]time.Time{}}
	var all []*Event
	for i := range 3 {
		j.Prior[fmt.Sprintf("%064x", int64(1)<<40+int64(i))] = time.Time{}
	}
	for i := range n {
		e := &Event{Hash: fmt.Sprintf("%016x%048x", r.Uint64()%5, r.Uint64()), Path: fmt.Sprintf("journal/e%04d", i)}
		for k := 0; k < 1+r.IntN(3) && len(all) > 0; k++ {
			e.Prev = append(e.Prev, all[len(all)-1-r.IntN(min(len(all), 8))].Hash)
		}
		switch {
		case missing && i%13 == 4:
			e.Prev = append(e.Prev, fmt.Sprintf("%064x", i)) // missing
		case i%11 == 3:
			e.Prev = append(e.Prev, fmt.Sprintf("%064x", int64(1)<<40+int64(i%3))) // prior
		case i%7 == 2 && len(e.Prev) > 0:
			e.Prev = append(e.Prev, e.Prev[0]) // the same link twice
		}
		all = append(all, e)
		j.ByHash[e.Hash] = e
	}
	if cycles && n > 10 {
		a, b := all[2], all[n-3]
		a.Prev = append(a.Prev, b.Hash) // b follows a through others
	}
	return j
}

// The journal's order is the order it was first written with: the same
// events, heads and problems, for journals with branches, merges, missing
// and prior links, and cycles. Links orders the same journals the same,
// from their hashes alone, or refuses those with a problem.
func TestOrderKeepsTheReferenceOrder(t *testing.T) {
	var sawCycle, sawMissing, sawOrdered bool
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		j := randomJournal(r, 1+r.IntN(300), seed%4 == 3, seed%3 == 0)
		wantEvents, wantHeads, wantProblems := referenceOrder(j)
		j.order()
		var got []string
		for _, e := range j.Events {
			got = append(got, e.Hash)
		}
		if !slices.Equal(got, wantEvents) {
			t.Fatalf("seed %d: order differs from the reference", seed)
		}
		if !slices.Equal(j.Heads, wantHeads) {
			t.Fatalf("seed %d: heads %v, want %v", seed, j.Heads, wantHeads)
		}
		if len(j.Problems) != len(wantProblems) {
			t.Fatalf("seed %d: %d problems, want %d", seed, len(j.Problems), len(wantProblems))
		}
		paths := func(ps []Problem) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Path)
			}
			sort.Strings(out)
			return out
		}
		if !slices.Equal(paths(j.Problems), paths(wantProblems)) {
			t.Fatalf("seed %d: problems at %v, want %v", seed, paths(j.Problems), paths(wantProblems))
		}

		// Links, given the events in another order, and the prior
		// links dropped (they stand for events before these).
		var l Links
		var added []*Event
		for _, e := range j.ByHash {
			prev := slices.DeleteFunc(slices.Clone(e.Prev), func(p string) bool { _, prior := j.Prior[p]; return prior })
			if !l.Add(e.Hash, prev) {
				t.Fatalf("seed %d: Add refused %s", seed, e.Hash)
			}
			added = append(added, e)
		}
		order, ok := l.Order()
		missing := slices.ContainsFunc(wantProblems, func(p Problem) bool { return p.Msg != "cycle" })
		cyclic := slices.ContainsFunc(wantProblems, func(p Problem) bool { return p.Msg == "cycle" })
		sawCycle, sawMissing = sawCycle || cyclic, sawMissing || missing
		if ok == (missing || cyclic) {
			t.Fatalf("seed %d: Links.Order ok = %v with problems %v", seed, ok, wantProblems)
		}
		if ok {
			sawOrdered = sawOrdered || len(order) > 100
			var byLinks []string
			for _, i := range order {
				byLinks = append(byLinks, added[i].Hash)
			}
			if !slices.Equal(byLinks, wantEvents) {
				t.Fatalf("seed %d: Links orders differently from the journal", seed)
			}
		}
	}
	if !sawCycle || !sawMissing || !sawOrdered {
		t.Fatalf("the journals had no cycle (%v), no missing link (%v) or none Links ordered (%v)", sawCycle, sawMissing, sawOrdered)
	}
}

// Links refuses two events with one hash, and hashes that are not hashes.
func TestLinksRefuses(t *testing.T) {
	h := func(i int) string { return fmt.Sprintf("%064x", i) }
	var l Links
	if l.Add("abc", nil) || l.Add(h(1), []string{"xyz"}) || l.Len() != 0 {
		t.Fatal("Add took a hash that is not one")
	}
	l.Add(h(1), nil)
	l.Add(h(2), []string{h(1)})
	if order, ok := l.Order(); !ok || !slices.Equal(order, []int32{0, 1}) {
		t.Fatalf("Order = %v, %v", order, ok)
	}
	l.Add(h(1), nil)
	if _, ok := l.Order(); ok {
		t.Fatal("Order took two events with one hash")
	}
}
