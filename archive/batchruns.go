package archive

import (
	"errors"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"crm/archive/journal"
	"crm/l10n"
)

// A batch of steps on most of an archive's dossiers (review done
// --all-readable: 78,073 核定 at 100,000 dossiers; classify's batches of
// thousands) names thousands of the snapshot's parts, and its steps took
// the whole state (1.02 GB for the quarterly batch), or a state of up to
// 2,048 parts (idsState). When each new event since the snapshot can be
// replayed in the run of its dossier's part (runScoped: it reads and
// changes only its own dossier, or also reads every loan's id), a batch
// that names more parts than a run holds (batchRunParts) takes its steps
// a run at a time instead (runLoad), under its one lock:
//
//   - the runs hold the parts of the batch's dossiers and those the new
//     events name, so that every new event is replayed in one of them;
//   - every run's state is its parts read from the snapshot as it was when
//     the lock was taken (the file is kept open: a snapshot another
//     command saves meanwhile is a new file), with every loan, advanced by
//     the new events about its dossiers (their rules checked as any
//     advance checks them; the others stay linked, not replayed), its
//     good heads those the run before left: the batch's own steps go on
//     from there, each run's held by that run's journal only;
//   - every step is checked first, run by run, and nothing is written
//     unless every one passes; then the steps are taken, run by run. A
//     new event that fails its checks, or a dossier a run does not find
//     under a short form the rows did not resolve at open, has the batch
//     take the whole state instead, before anything is written;
//   - the steps are written in the order of their runs (by part), not in
//     the order given: ties in time are listed by dossier in the registers
//     (report), so the order a batch was split in does not show.
//
// The next command finds the batch's events new and advances its snapshot
// in runs too (saveInGroups).

// batchRunParts is how many parts a batch's run holds (a variable for
// tests).
var batchRunParts = partRun

// runBatches counts the batches whose steps were taken in runs, and
// racyWaits the reads that waited for the racy window (settleListed), for
// the tests.
var runBatches, racyWaits atomic.Int64

// runLoad is a batch's runs and what their states are made from.
type runLoad struct {
	l    *snapLoad
	orig State            // the snapshot's header state, as read
	j    *journal.Journal // the new events before the batch (nil: none)
	// members: j has steps on members (memberStep), which every run
	// replays.
	members bool
	good    map[string]bool // the good heads, shared by every run's state
	// runs are the indexes (into the batch's ids) of each run's dossiers,
	// parts the parts of each run.
	runs  [][]int
	parts [][]int
}

// errRunFailed is a run's state that could not be had: the batch takes
// the whole state.
var errRunFailed = errors.New("a batch's run could not be read from the snapshot")

// partRuns groups ids by their part (snapBucket), with the parts also
// names, into runs of at most batchRunParts parts, parts in order: the
// indexes of each run's ids, and each run's parts.
func partRuns(ids []string, also []int) (runs [][]int, parts [][]int) {
	byPart := map[int][]int{}
	for _, k := range also {
		byPart[k] = nil
	}
	for i, id := range ids {
		k := snapBucket(id)
		byPart[k] = append(byPart[k], i)
	}
	ks := slices.Sorted(maps.Keys(byPart))
	for lo := 0; lo < len(ks); lo += batchRunParts {
		run := ks[lo:min(lo+batchRunParts, len(ks))]
		var idx []int
		for _, k := range run {
			idx = append(idx, byPart[k]...)
		}
		slices.Sort(idx)
		runs, parts = append(runs, idx), append(parts, run)
	}
	return runs, parts
}

// runsState is the state of the first run of a batch on dossiers
// a.onlyIDs after the new events j (runScoped), and keeps the runs (a.runs,
// with l's file open); nil if it cannot be had that way.
func (a *Archive) runsState(l *snapLoad, j *journal.Journal) *State {
	if len(l.parts) > 0 || l.advanced {
		return nil
	}
	// The header's maps (members, submissions, roles set…) are shared by
	// every run's state: the batch's steps (scoped) do not change them,
	// and each run replays the new steps on members on maps of its own.
	r := &runLoad{l: l, orig: *l.snap.state, j: j}
	var also []int
	if j != nil {
		for _, e := range j.Events {
			if memberStep(e) {
				r.members = true // about no dossier: in every run
				continue
			}
			also = append(also, snapBucket(e.Dossier))
		}
	}
	r.runs, r.parts = partRuns(a.onlyIDs, also)
	s := r.state(a, 0, nil)
	if s == nil {
		l.advanced = true // its header's state was changed: read afresh
		return nil
	}
	// The good heads after the new events, which a pin may now name
	// (CheckPin, at open): the runs' states hold none of those events,
	// and the journal was replayed whole at the end of the batch. So may
	// any of the new events, pinned by the command that wrote it, when
	// this process wrote one after them (a member's step before its
	// re-encryption: from a measurement, which found the journal replayed
	// at the end of member add, 2.1 GB at 100,000 dossiers).
	a.seenGood = append(a.seenGood, s.goodHeads())
	if j != nil {
		hs := make([]string, len(j.Events))
		for i, e := range j.Events {
			hs[i] = e.Hash
		}
		a.seenGood = append(a.seenGood, hs)
	}
	a.runs = r
	return s
}

// state is the state of run k (see above), the batch's events so far
// being those of prev, the journal of the run before (nil: none); nil if
// it cannot be had.
func (r *runLoad) state(a *Archive, k int, prev *journal.Journal) *State {
	l := r.l
	h := r.orig
	if r.members {
		h.ownMembers()
	}
	l.snap.state, l.parts = &h, map[int]*snapBucketPart{}
	if !l.readParts(r.parts[k]) {
		return nil
	}
	regs, ok := l.registers()
	if !ok {
		return nil
	}
	s := l.state(a, true)
	if s == nil || l.bad {
		return nil
	}
	s.otherLoans(regs.Loans)
	if prev == nil {
		prev = s.Journal // the snapshot's heads
	}
	if r.j != nil {
		in := make(map[int]bool, len(r.parts[k]))
		for _, p := range r.parts[k] {
			in[p] = true
		}
		mv, ok := l.moves(r.j)
		if !ok || !a.advance(s, l.snap, r.j, mv, func(i int) bool { e := r.j.Events[i]; return in[snapBucket(e.Dossier)] || memberStep(e) }) {
			return nil
		}
		if r.good == nil {
			// Every new event is followed, each checked in its run
			// before the batch writes anything.
			for _, e := range r.j.Events {
				s.markGood(e)
			}
			prev = r.j
		}
	}
	if r.good == nil {
		r.good = s.good
	}
	// The batch's steps go on from the good heads, their events held by
	// their run's journal only (at 100,000 dossiers, 78,073 held to the
	// end took 150 MB).
	prior := make(map[string]time.Time, len(r.good))
	for h := range r.good {
		t, ok := prev.TimeOf(h)
		if !ok {
			return nil
		}
		prior[h] = t
	}
	s.Journal = &journal.Journal{ByHash: map[string]*journal.Event{}, Heads: slices.Clone(prev.Heads), Prior: prior}
	s.Journal.SetRoot(a.Dir)
	s.good, s.skipped = r.good, false
	return s
}

// close lets go of the snapshot's file.
func (r *runLoad) close() { r.l.f.Close() }

// endRuns ends a batch's runs (a.runs).
func (a *Archive) endRuns() {
	if a.runs != nil {
		a.runs.close()
		a.runs = nil
	}
}

// batch takes a batch's steps on dossiers ids (as typed) under one lock
// (Bulk): check of every dossier first, and nothing is written unless all
// pass (the error joins every refusal, in the order given), then step of
// each. It returns the dossiers' full ids in the order given (an id given
// twice counts once). The steps work on those dossiers' parts of the
// snapshot with every loan, in runs past batchRunParts parts (see above),
// else on the whole state.
//
// Until it returns the collector keeps the heap under PaceGC's budget,
// or at paceGC's pace if the whole state is taken.
func (a *Archive) batch(ids []string, check func(d *DossierState) error, step func(id string) error) ([]string, error) {
	return a.batchAhead(ids, check, nil, step)
}

// aheadChunk is how many steps a batch's ahead is given at a time.
const aheadChunk = 1024

// batchAhead is batch with ahead, when not nil: it is given the full ids
// of the next steps (up to aheadChunk, all in the state at hand, in the
// order they are taken) before they are taken, for the work of those
// steps that can be done on every core first (rekeyBatch re-encrypts
// their files).
func (a *Archive) batchAhead(ids []string, check func(d *DossierState) error, ahead func(ids []string), step func(id string) error) ([]string, error) {
	canon := make([]string, len(ids))
	for i, id := range ids {
		canon[i] = a.CanonicalID(id)
	}
	a.summary, a.onlyIDs, a.inRuns = 0, canon, true
	unpace := PaceGC()
	defer func() {
		a.endRuns() // also when the lock's checks refused to run the steps
		a.onlyIDs, a.inRuns = nil, false
		unpace()
	}()
	var done []string
	err := a.Bulk(func() error {
		if r := a.runs; r != nil {
			var err error
			done, err = a.runSteps(r, ids, canon, check, ahead, step)
			a.endRuns()
			switch {
			case errors.Is(err, errRunFailed):
				// Nothing written: the state of those dossiers'
				// parts, or the whole state, decides.
				a.inRuns = false
				if _, err := a.refresh(); err != nil {
					return err
				}
			case a.State == nil:
				// A run could not be read again, steps written.
				return errors.Join(err, a.reload())
			default:
				runBatches.Add(1)
				return err
			}
		}
		var err error
		if done, err = a.checkEach(ids, check); err != nil {
			return err
		}
		return stepsAhead(done, ahead, step)
	})
	return done, err
}

// stepsAhead takes step on each of ids in order, giving ahead (if not
// nil) each chunk of them first.
func stepsAhead(ids []string, ahead func(ids []string), step func(id string) error) error {
	for lo := 0; lo < len(ids); lo += aheadChunk {
		chunk := ids[lo:min(lo+aheadChunk, len(ids))]
		if ahead != nil {
			ahead(chunk)
		}
		for _, id := range chunk {
			if err := step(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// runSteps is batch's work in runs r on dossiers typed (as given) and
// ids (their full ids, as resolved against the rows at open):
// errRunFailed if a run's state cannot be had, or a dossier is not found
// under a short form of an id not resolved at open (of a dossier created
// since, or of none: the whole state says which; a full id's part is
// read), while nothing is written yet.
func (a *Archive) runSteps(r *runLoad, typed, ids []string, check func(d *DossierState) error, ahead func(ids []string), step func(id string) error) ([]string, error) {
	full := make([]string, len(ids))
	errs := make([]error, len(ids))
	for k, run := range r.runs {
		if k > 0 {
			if a.State = r.state(a, k, a.State.Journal); a.State == nil {
				return nil, errRunFailed
			}
		}
		for _, i := range run {
			if a.State.Dossiers[ids[i]] == nil && ids[i] == typed[i] && canonicalID(a.Policy.IDScheme.Prefix, typed[i]) != typed[i] {
				return nil, errRunFailed // a short form not resolved at open
			}
			d, err := a.Lookup(ids[i])
			if err == nil {
				full[i], err = d.ID, check(d)
			}
			errs[i] = err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	first := map[string]int{} // where each dossier was first given
	var done []string
	for i, id := range full {
		if _, ok := first[id]; !ok {
			first[id] = i
			done = append(done, id)
		}
	}
	for k, run := range r.runs {
		if !slices.ContainsFunc(run, func(i int) bool { return first[full[i]] == i }) {
			continue // the new events' parts only: checked above
		}
		if a.State = r.state(a, k, a.State.Journal); a.State == nil {
			return done, &Error{Code: Failed, Err: l10n.Errorf("the state snapshot could not be read again; the steps before this one were recorded: run the command again for the rest")}
		}
		var todo []string
		for _, i := range run {
			if first[full[i]] == i {
				todo = append(todo, full[i])
			}
		}
		if err := stepsAhead(todo, ahead, step); err != nil {
			return done, err
		}
	}
	return done, nil
}
