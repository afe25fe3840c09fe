package archive

import (
	"fmt"
	"sync/atomic"
)

// Work this process did that grows with the archive's history, counted
// for measurements and for tests that check a command took the snapshot
// (crm's CRM_STATS).
var (
	journalReads atomic.Int64 // the whole journal read (from the cache or its files) for a replay
	replays      atomic.Int64 // replays of the whole journal (open, reload, verify)
	wholeStates  atomic.Int64 // snapshots read whole: every dossier's state decoded (loadSnapshot)
	dirListings  atomic.Int64 // dossiers/ or members/ listed for a crash's leftovers (crashLeftovers)
	groupedSaves atomic.Int64 // snapshots advanced and saved a run of parts at a time (saveInGroups)
	stateReuses  atomic.Int64 // steps under the lock on the state taken at open (stillCurrent)
	// monthPartReads: a snapshot's events of a changed month folder read
	// to list the folder (readSince); none when its listing memo stands
	// for it.
	monthPartReads atomic.Int64
	// customerReads: every active dossier's customer read for the rule of
	// one dossier per customer (Customers), where the customers index
	// could not answer.
	customerReads atomic.Int64
)

// ProcessStats says how many times this process read the whole journal
// and replayed it, read every dossier's state from a snapshot, and listed
// dossiers/ or members/ for a crash's leftovers, and advanced a snapshot
// a run of parts at a time, and read every dossier's customer, as
// "journal_reads=N replays=N whole_states=N dir_listings=N grouped_saves=N
// customer_reads=N".
func ProcessStats() string {
	return fmt.Sprintf("journal_reads=%d replays=%d whole_states=%d dir_listings=%d grouped_saves=%d customer_reads=%d",
		journalReads.Load(), replays.Load(), wholeStates.Load(), dirListings.Load(), groupedSaves.Load(), customerReads.Load())
}
