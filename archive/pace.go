package archive

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Reading and checking every event of a journal (no cache yet), or
// decoding a whole snapshot, makes garbage much faster than it keeps.
// Paced at GOGC's default (100%) the heap grew to 5-6× what stays: 6.5 GB
// for a user's first command at 100,000 dossiers. Paced at 25% the same
// command took 3.2 GB in the same time (208 s against 157-228 s); at 10,000
// dossiers 370 MB against 600 MB, 12-13 s both; maintain's whole snapshot
// 0.94 GB against 1.26 GB, and less time. Where most of what is made is
// kept (a replay from the journal cache) a pace of 25% slowed the work
// more than it saved: it is paced at 50% (replayPace). The list's
// decryption is not paced. A GOGC the user set is left alone.

var pace struct {
	sync.Mutex
	n   int // work in progress that asked for the pace
	old int // the percentage to put back when the last is done
	cur int // the percentage set: the lowest any asked for
}

// replayPace is the pace of a replay from the journal cache. At 100,000
// dossiers it held 1.3 GB at its end: at GOGC's 100% the heap grew to
// 2.57–2.75 GB (10.8–14.3 s), at 50% 2.02–2.08 GB (12.3–12.6 s), at 25%
// 1.87 GB (15.7 s).
const replayPace = 50

// paceGC sets the collector's pace for heavy work and returns what puts it
// back once every such work in the process is done.
func paceGC() (restore func()) { return paceAt(25) }

// paceAt is paceGC at pct percent; nested, the lowest pace asked for holds
// until every such work is done.
func paceAt(pct int) (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	endLight()
	pace.Lock()
	if pace.n == 0 {
		pace.old, pace.cur = debug.SetGCPercent(pct), pct
	} else if pct < pace.cur {
		debug.SetGCPercent(pct)
		pace.cur = pct
	}
	pace.n++
	pace.Unlock()
	return func() {
		pace.Lock()
		if pace.n--; pace.n == 0 {
			debug.SetGCPercent(pace.old)
		}
		pace.Unlock()
	}
}

// heapBudget is the soft limit PaceGC keeps a command's memory under:
// the 256 MB the issue gives a command at 100,000 dossiers, less what
// the process holds beside the Go runtime's memory (the binary's pages
// and the snapshot parts mapped while they are read: 25-30 MB). A
// variable for the tests.
var heapBudget int64 = 220 << 20

var budget struct {
	sync.Mutex
	n     int
	on    bool  // the limit is set (not yet given up for the pace)
	gen   int   // which PaceGC the watch is for
	limit int64 // the limit to put back
	// unpace puts the collector's pace back, once the limit was given
	// up for paceGC's.
	unpace func()
}

// PaceGC bounds the heap for a command whose whole run keeps most of a
// large heap alive while it makes garbage (the reports, classify suggest
// --all), until restore: the collector at its default pace under a soft
// memory limit (heapBudget), so that it collects often only near the
// limit. Paced at 25% all along instead (paceGC), at 100,000 dossiers
// report monthly took 1.46 s and 229 MB against 1.24 s and 224 MB so,
// report quarterly 268 MB against 247 MB. Once the live heap is over the
// limit (the whole 核定 register holds 400 MB) the limit would have the
// collector run all the time: it is given up for paceGC's pace
// (watchLive). A GOGC or GOMEMLIMIT the user set is left alone.
func PaceGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	endLight()
	budget.Lock()
	if budget.n == 0 {
		budget.limit = debug.SetMemoryLimit(heapBudget)
		budget.on = true
		budget.gen++
		watchLive(budget.gen)
	}
	budget.n++
	budget.Unlock()
	return func() {
		budget.Lock()
		if budget.n--; budget.n == 0 {
			if budget.on {
				debug.SetMemoryLimit(budget.limit)
				budget.on = false
			}
			if budget.unpace != nil {
				budget.unpace()
				budget.unpace = nil
			}
		}
		budget.Unlock()
	}
}

// watchLive looks at the live heap after each collection while PaceGC's
// limit (of PaceGC gen) is on, and gives the limit up for paceGC's pace
// when the live heap is over it.
func watchLive(gen int) {
	runtime.AddCleanup(new([64]byte), func(int) {
		budget.Lock()
		defer budget.Unlock()
		if !budget.on || budget.gen != gen {
			return
		}
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		if live[0].Value.Kind() == metrics.KindUint64 && live[0].Value.Uint64() > uint64(heapBudget) {
			debug.SetMemoryLimit(budget.limit)
			budget.on = false
			budget.unpace = paceGC()
			return
		}
		watchLive(gen)
	}, 0)
}

// lightLimit is the memory a command takes before its first collection
// (StartLight). Most commands make less than this in their whole run: at
// 100,000 dossiers `show` makes 8 MB and was collected twice (2-3 ms of
// its 16-19 ms), `review due` 140 MB and spent a third of its time
// collecting. Below the 256 MB with what the process holds
// beside the Go runtime's memory (heapBudget).
var lightLimit int64 = 160 << 20

var light struct {
	sync.Mutex
	on    bool
	pct   int   // the pace to put back
	limit int64 // the memory limit to put back
}

// StartLight turns the collector off until the process's memory reaches
// lightLimit; then, after the first collection, or as soon as heavy work
// asks for its own pace (paceAt, PaceGC), the collector goes back to its
// pace. A command that stays small is never collected; one that grows is
// collected as it would have been once past the limit. A GOGC or
// GOMEMLIMIT the user set is left alone. Called once by the command's
// main, before any work.
func StartLight() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	light.Lock()
	defer light.Unlock()
	if light.on {
		return
	}
	light.on = true
	light.pct = debug.SetGCPercent(-1)
	light.limit = debug.SetMemoryLimit(lightLimit)
	runtime.AddCleanup(new([64]byte), func(int) { endLight() }, 0)
}

// endLight puts the collector's pace back if StartLight took it away.
func endLight() {
	light.Lock()
	defer light.Unlock()
	if !light.on {
		return
	}
	light.on = false
	debug.SetGCPercent(light.pct)
	debug.SetMemoryLimit(light.limit)
}
