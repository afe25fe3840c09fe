package archive

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// The collector's pace is set while any heavy work runs, and put back
// when the last one is done, however they overlap.
func TestPaceGC(t *testing.T) {
	t.Setenv("GOGC", "")
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	first := paceGC()
	second := paceGC()
	if p := debug.SetGCPercent(25); p != 25 {
		t.Fatalf("pace %d during the work, want 25", p)
	}
	first()
	if p := debug.SetGCPercent(25); p != 25 {
		t.Fatalf("pace %d while the second work runs, want 25", p)
	}
	second()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("pace %d after the work, want 100 back", p)
	}
	// A replay from the cache (50%) that turns out to read every event
	// (25%): the lower pace holds until both are done.
	replay := paceAt(replayPace)
	if p := debug.SetGCPercent(replayPace); p != replayPace {
		t.Fatalf("pace %d during a replay, want %d", p, replayPace)
	}
	read := paceGC()
	if p := debug.SetGCPercent(25); p != 25 {
		t.Fatalf("pace %d while every event is read, want 25", p)
	}
	read()
	replay()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("pace %d after the replay, want 100 back", p)
	}
	// A GOGC the user set is left alone.
	t.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	paceGC()()
	if p := debug.SetGCPercent(100); p != 200 {
		t.Fatalf("pace %d, want the user's 200", p)
	}
}

// PaceGC holds the heap under the budget while the live heap fits in it,
// gives the budget up for paceGC's pace when it does not, and puts both
// back when the last work is done.
func TestPaceGCBudget(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer func(b int64) { heapBudget = b }(heapBudget)
	heapBudget = 8 << 20
	origGC := debug.SetGCPercent(100)
	defer debug.SetGCPercent(origGC)
	origLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(origLimit)

	restore := PaceGC()
	if l := debug.SetMemoryLimit(-1); l != heapBudget {
		t.Fatalf("limit %d during the work, want %d", l, heapBudget)
	}
	// More live than the budget: after a collection the limit is given
	// up for the 25% pace.
	live := make([][]byte, 24)
	for i := range live {
		live[i] = make([]byte, 1<<20)
		live[i][0] = 1
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) != math.MaxInt64 {
		if time.Now().After(deadline) {
			t.Fatalf("limit %d kept with %d MB live", debug.SetMemoryLimit(-1), len(live))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := debug.SetGCPercent(-1); p != 25 {
		t.Fatalf("pace %d once the budget is given up, want 25", p)
	} else {
		debug.SetGCPercent(p)
	}
	runtime.KeepAlive(live)
	restore()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("limit %d after the work, want none", l)
	}
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Fatalf("pace %d after the work, want 100 back", p)
	} else {
		debug.SetGCPercent(p)
	}

	// Within the budget the limit stays; it goes when the work is done.
	heapBudget = 1 << 30
	restore = PaceGC()
	runtime.GC()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if l := debug.SetMemoryLimit(-1); l != heapBudget {
		t.Fatalf("limit %d with little live, want %d", l, heapBudget)
	}
	restore()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("limit %d after the work, want none", l)
	}
	// A GOMEMLIMIT the user set is left alone.
	t.Setenv("GOMEMLIMIT", "1GiB")
	PaceGC()()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("limit %d set over the user's GOMEMLIMIT", l)
	}
}

// StartLight turns the collector off under a limit until the first
// collection, or until heavy work asks for its own pace; then the pace
// and limit are what they were.
func TestStartLight(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	origGC := debug.SetGCPercent(100)
	defer debug.SetGCPercent(origGC)
	origLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(origLimit)

	StartLight()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Fatalf("pace %d after StartLight, want off (-1)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != lightLimit {
		t.Fatalf("limit %d after StartLight, want %d", l, lightLimit)
	}
	// The first collection puts the pace back (a cleanup, run soon after).
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetGCPercent(-1) != 100 {
		if time.Now().After(deadline) {
			t.Fatal("the collector is still off after a collection")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	debug.SetGCPercent(100)
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("limit %d after the first collection, want none", l)
	}

	// Heavy work before any collection: its pace, then the usual one.
	StartLight()
	restore := paceGC()
	if p := debug.SetGCPercent(-1); p != 25 {
		t.Fatalf("pace %d during heavy work after StartLight, want 25", p)
	}
	debug.SetGCPercent(25)
	restore()
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Fatalf("pace %d after the work, want 100 back", p)
	}
	debug.SetGCPercent(100)
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("limit %d after the work, want none", l)
	}
	runtime.GC() // the first StartLight's cleanup, if not run yet, finds it ended

	// A GOGC the user set is left alone.
	t.Setenv("GOGC", "200")
	StartLight()
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Fatalf("pace %d: StartLight changed it over the user's GOGC", p)
	}
	debug.SetGCPercent(100)
}
