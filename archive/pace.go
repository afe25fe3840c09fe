package archive

import (
	"os"
	"runtime/debug"
	"sync"
)

// Reading and checking every event of a journal (no cache yet), or
// decoding a whole snapshot, makes garbage much faster than it keeps.
// Paced at GOGC's default (100%) the heap grew to 5-6× what stays: 6.5 GB
// for a user's first command at 100,000 dossiers. Paced at 25% the same
// command took 3.2 GB in the same time (208 s against 157-228 s); at 10,000
// dossiers 370 MB against 600 MB, 12-13 s both; maintain's whole snapshot
// 0.94 GB against 1.26 GB, and less time. Where most of what is made is
// kept (a replay from the journal cache, the list's decryption) pacing only
// slowed the work, so it is not done there. A GOGC the user set is left
// alone.

var pace struct {
	sync.Mutex
	n   int // work in progress that asked for the pace
	old int // the percentage to put back when the last is done
}

// paceGC sets the collector's pace for heavy work and returns what puts it
// back once every such work in the process is done.
func paceGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	pace.Lock()
	if pace.n == 0 {
		pace.old = debug.SetGCPercent(25)
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

// PaceGC paces the collector as for heavy work (paceGC) until restore,
// for a command whose whole run keeps most of a large heap alive while it
// makes garbage: the reports (their histories and facts).
func PaceGC() (restore func()) { return paceGC() }
