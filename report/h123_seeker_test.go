package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// seeker finds every id of a sorted list, and says where an id not in it
// would go, whether asked in order (the walk the reports' lists by id
// make beside the digests: contents) or not (a search).
func TestSeeker(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 23))
	var list []string
	for i := range 300 {
		if r.IntN(3) > 0 {
			list = append(list, fmt.Sprintf("C-%05d", i))
		}
	}
	var asks []string
	for i := range 320 {
		asks = append(asks, fmt.Sprintf("C-%05d", i))
	}
	check := func(how string, asks []string) {
		t.Helper()
		s := seeker{list: list}
		for _, id := range asks {
			k, ok := s.find(id)
			wk, wok := slices.BinarySearch(list, id)
			if k != wk || ok != wok {
				t.Fatalf("%s: find(%s) = %d, %v; want %d, %v", how, id, k, ok, wk, wok)
			}
		}
	}
	check("in order", asks)
	var some []string // in order, with gaps
	for _, id := range asks {
		if r.IntN(4) == 0 {
			some = append(some, id)
		}
	}
	check("some in order", some)
	check("repeated", []string{"C-00005", "C-00005", "C-00004", "C-00300", "C-00000"})
	r.Shuffle(len(asks), func(i, j int) { asks[i], asks[j] = asks[j], asks[i] })
	check("shuffled", asks)
	check("empty list", nil)
	if k, ok := (&seeker{}).find("C-1"); k != 0 || ok {
		t.Fatalf("find in no list = %d, %v", k, ok)
	}
}
