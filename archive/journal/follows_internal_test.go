package journal

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// memoOnly makes Follows ask its memo at once, for the test.
func memoOnly(t testing.TB) {
	old := shortWalk
	shortWalk = 0
	t.Cleanup(func() { shortWalk = old })
}

// reachable is Follows by walking links, as it was before the memo.
func reachable(j *Journal, e *Event, ancestor string) bool { return j.walkFollows(e, ancestor) }

// Follows answers from its memo what walking the links answers, for
// every pair of events of random journals of clones that branch and
// merge, also after events are added, and after the journal is ordered
// again.
func TestFollowsIsReachability(t *testing.T) {
	memoOnly(t)
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 1))
		j := &Journal{ByHash: map[string]*Event{}}
		var all []*Event
		mk := func(i int) *Event {
			e := &Event{Hash: fmt.Sprintf("%064x", r.Uint64())}
			for k := 0; k < 1+r.IntN(3) && len(all) > 0; k++ {
				e.Prev = append(e.Prev, all[r.IntN(len(all))].Hash)
			}
			if i%17 == 5 { // a link to an event not held
				e.Prev = append(e.Prev, fmt.Sprintf("%064x", i))
			}
			return e
		}
		for i := range 150 {
			e := mk(i)
			all = append(all, e)
			j.ByHash[e.Hash] = e
		}
		j.order()
		check := func(when string) {
			t.Helper()
			for _, e := range all {
				for _, a := range all {
					if got, want := j.Follows(e, a.Hash), reachable(j, e, a.Hash); got != want {
						t.Fatalf("seed %d, %s: Follows(%.8s, %.8s) = %v, want %v", seed, when, e.Hash, a.Hash, got, want)
					}
				}
			}
		}
		check("ordered")
		for i := range 40 { // written on the heads, or on older events
			e := mk(1000 + i)
			if i%2 == 0 {
				e.Prev = append([]string(nil), j.Heads...)
			}
			// Before it is added: an event about to be written (on
			// the heads or not) asks of those held.
			for _, a := range all {
				if got, want := j.Follows(e, a.Hash), reachable(j, e, a.Hash); got != want {
					t.Fatalf("seed %d, about to be written: Follows(%.8s, %.8s) = %v, want %v", seed, e.Hash, a.Hash, got, want)
				}
			}
			all = append(all, e)
			j.Add(e)
		}
		check("added")
		j.order()
		check("ordered again")
	}
}

// BenchmarkFollows asks, for the last 10,000 events of a journal of
// 200,000 written one after another, whether each follows the 1,000th,
// as StaleKeys does for every dossier after a key rotation: by walking
// the links back (what Follows did) and from the memo; and whether the
// last event follows each of 10,000 across the journal, as the removal
// rule asks of a removed member's events.
func BenchmarkFollows(b *testing.B) {
	n, asked := 200_000, 10_000
	if testing.Short() {
		// CI's run at small N: the walk alone took 8 s at 200,000.
		n = 20_000
	}
	j := &Journal{ByHash: map[string]*Event{}}
	var prev []string
	for i := range n {
		e := &Event{Hash: fmt.Sprintf("%064x", i)}
		e.Prev = prev
		j.ByHash[e.Hash] = e
		prev = []string{e.Hash}
	}
	j.order()
	a := j.Events[1000].Hash
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			for _, e := range j.Events[n-asked/100:] { // a hundredth: the walk is slow
				if !reachable(j, e, a) {
					b.Fatal("no")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*asked/100), "ns/question")
	})
	// The removal rule's question: does the last event (a removal) follow
	// each of 10,000 events across the journal?
	b.Run("memo-past", func(b *testing.B) {
		last := j.Events[n-1]
		for b.Loop() {
			j.followers.reset()
			for i := range asked {
				if !j.Follows(last, j.Events[i*(n/asked)].Hash) {
					b.Fatal("no")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*asked), "ns/question")
	})
	// A write's check: does the event about to be written on the head
	// follow an event near the journal's start (a member's add)?
	b.Run("about-to-be-written", func(b *testing.B) {
		next := &Event{Hash: fmt.Sprintf("%064x", n)}
		next.Prev = j.Heads
		for b.Loop() {
			j.followers.reset()
			if !j.Follows(next, j.Events[3].Hash) {
				b.Fatal("no")
			}
		}
	})
	b.Run("memo", func(b *testing.B) {
		for b.Loop() {
			j.followers.reset()
			for _, e := range j.Events[n-asked:] {
				if !j.Follows(e, a) {
					b.Fatal("no")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*asked), "ns/question")
	})
}

// Journals of one archive read again share their events (ReadWith): one
// ordered while another answers Follows, from other goroutines, neither
// races (go test -race) nor answers wrong, even when the second holds
// fewer events (a rollback) in another order.
func TestFollowsWithSharedEvents(t *testing.T) {
	memoOnly(t)
	j1 := &Journal{ByHash: map[string]*Event{}}
	var prev []string
	var all []*Event
	for i := range 2000 {
		e := &Event{Hash: fmt.Sprintf("%064x", i)}
		e.Prev = prev
		j1.ByHash[e.Hash] = e
		all = append(all, e)
		prev = []string{e.Hash}
	}
	j1.order()
	var wg sync.WaitGroup
	var stop atomic.Bool
	wg.Go(func() {
		for k := 0; !stop.Load(); k++ {
			if !j1.Follows(all[len(all)-1-k%1000], all[10].Hash) {
				t.Error("wrong answer")
				return
			}
		}
	})
	for range 20 {
		j2 := &Journal{ByHash: map[string]*Event{}}
		for _, e := range all[:1500] {
			j2.ByHash[e.Hash] = e
		}
		j2.order()
		j2.Follows(all[1400], all[5].Hash)
	}
	stop.Store(true)
	wg.Wait()

	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		mk := func(pool []*Event) *Event {
			e := &Event{Hash: fmt.Sprintf("%064x", r.Uint64())}
			for k := 0; k < 1+r.IntN(2) && len(pool) > 0; k++ {
				e.Prev = append(e.Prev, pool[r.IntN(len(pool))].Hash)
			}
			return e
		}
		var all []*Event
		for range 12 {
			all = append(all, mk(all))
		}
		j1 := &Journal{ByHash: map[string]*Event{}}
		for _, e := range all {
			j1.ByHash[e.Hash] = e
		}
		j1.order()
		j1.Follows(all[11], all[0].Hash) // the memo is made
		// j2: some of j1's events and new ones, ordered.
		j2 := &Journal{ByHash: map[string]*Event{}}
		var pool []*Event
		for _, e := range all[:r.IntN(12)] {
			j2.ByHash[e.Hash] = e
			pool = append(pool, e)
		}
		for range 4 {
			e := mk(pool)
			pool = append(pool, e)
			j2.ByHash[e.Hash] = e
		}
		j2.order()
		for _, e := range all {
			for _, a := range all {
				if got, want := j1.Follows(e, a.Hash), reachable(j1, e, a.Hash); got != want {
					t.Fatalf("seed %d: Follows(%.8s, %.8s) = %v after another journal was ordered, want %v", seed, e.Hash, a.Hash, got, want)
				}
			}
		}
	}
}

// AncestorsAmong finds of its targets what Ancestors holds of them, on
// random journals with links to events not held, for target sets that
// are all ancestors (the walk stops early), some not, and some not held.
func TestAncestorsAmongIsAncestors(t *testing.T) {
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 2))
		j := &Journal{ByHash: map[string]*Event{}}
		var all []*Event
		for i := range 200 {
			e := &Event{Hash: fmt.Sprintf("%064x", r.Uint64())}
			for k := 0; k < 1+r.IntN(3) && len(all) > 0; k++ {
				e.Prev = append(e.Prev, all[r.IntN(len(all))].Hash)
			}
			if i%13 == 4 {
				e.Prev = append(e.Prev, fmt.Sprintf("%064x", i)) // not held
			}
			all = append(all, e)
			j.ByHash[e.Hash] = e
		}
		for _, e := range all[150:] {
			anc := j.Ancestors(e)
			for n := range 4 {
				targets := map[string]bool{}
				for range 1 + r.IntN(20) {
					switch h := all[r.IntN(len(all))].Hash; {
					case n == 0 && !anc[h]: // ancestors only
					case n == 3:
						targets[fmt.Sprintf("%064x", r.IntN(200))] = true // perhaps not held
					default:
						targets[h] = true
					}
				}
				got := j.AncestorsAmong(e, targets)
				for h := range targets {
					if got[h] != anc[h] {
						t.Fatalf("seed %d: AncestorsAmong(%.8s) says %.8s is %v, Ancestors %v", seed, e.Hash, h, got[h], anc[h])
					}
				}
				for h := range got {
					if !targets[h] {
						t.Fatalf("seed %d: AncestorsAmong gave %.8s, not a target", seed, h)
					}
				}
			}
		}
	}
}
