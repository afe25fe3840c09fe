package journal

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// reachable is Follows by walking links, as it was before the memo.
func reachable(j *Journal, e *Event, ancestor string) bool { return j.walkFollows(e, ancestor) }

// Follows answers from its memo what walking the links answers, for
// every pair of events of random journals of clones that branch and
// merge, also after events are added, and after the journal is ordered
// again.
func TestFollowsIsReachability(t *testing.T) {
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
// the links back (what Follows did) and from the memo.
func BenchmarkFollows(b *testing.B) {
	const n, asked = 200_000, 10_000
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
