package work

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

// Each runs every piece exactly once, for counts around the runs it
// hands out, and reports each to the progress.
func TestEachRunsEveryPieceOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 15, 16, 17, 63, 64, 65, 1000, 1025, 4099} {
		seen := make([]atomic.Int32, n)
		var p counting
		if err := Each(WithProgress(context.Background(), &p), "x", n, func(i int) { seen[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("n=%d: piece %d ran %d times", n, i, c)
			}
		}
		if int(p.n.Load()) != n {
			t.Fatalf("n=%d: progress counted %d", n, p.n.Load())
		}
	}
}

// Each stops handing out pieces once its context is cancelled, and says
// so; pieces started finish.
func TestEachStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := Each(ctx, "", 100000, func(i int) {
		if ran.Add(1) == 10 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Fatalf("Each returned %v, want context.Canceled", err)
	}
	if r := ran.Load(); r >= 100000 || r < 10 {
		t.Fatalf("%d pieces ran after the cancel at the 10th", r)
	}
	// Cancelled after every piece was handed out: done, no error.
	ctx, cancel = context.WithCancel(context.Background())
	if err := Each(ctx, "", 3, func(i int) {
		if i == 2 {
			cancel()
		}
	}); err != nil {
		t.Fatalf("cancelled at the last piece: %v", err)
	}
}

type counting struct{ n atomic.Int64 }

func (c *counting) Start(string, int) {}
func (c *counting) Add(k int)         { c.n.Add(int64(k)) }
func (c *counting) Done()             {}

// HeaviestFirst runs every piece once, reports each, and hands them out
// heaviest first (ties in their order): on one core, that is the order
// they run in.
func TestHeaviestFirst(t *testing.T) {
	weight := []int64{5, 900, 0, 0, 7000, 5, 12, 0}
	var p counting
	seen := make([]atomic.Int32, len(weight))
	if err := HeaviestFirst(WithProgress(context.Background(), &p), "x", weight, func(i int) { seen[i].Add(1) }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Fatalf("piece %d ran %d times", i, c)
		}
	}
	if p.n.Load() != int64(len(weight)) {
		t.Fatalf("progress counted %d, want %d", p.n.Load(), len(weight))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var order []int
	if err := HeaviestFirst(context.Background(), "", weight, func(i int) { order = append(order, i) }); err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 1, 6, 0, 5, 2, 3, 7}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if err := HeaviestFirst(context.Background(), "", nil, func(int) { t.Fatal("a piece of none ran") }); err != nil {
		t.Fatal(err)
	}
}
