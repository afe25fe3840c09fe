package archive

import (
	"encoding/binary"
	"io"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"crm/classify"
)

// The histories part of a snapshot holds what the reports read of every
// dossier (Histories): its dates, level marks, credit class and tier
// overrides, content updates and 核定, and its entries of the
// classification and 核定 registers at their places. The reports read it
// instead of every dossier's whole state (4,096 gob parts: seconds and a
// gigabyte at 100,000 dossiers). It is one record per dossier, by id,
// each prefixed by its length, so that a snapshot advanced by new events
// about some dossiers (saveAdvancedParts, summaryState) replaces their
// records and copies the others as they are (mergeHistories).

// Histories is what the reports read of the archive: every dossier's
// state with its histories, and the classification and 核定 registers in
// journal order. From a snapshot's histories part the dossiers stay
// encoded, each decoded when it is asked for (Dossier, Each): decoded all
// at once they were 175 MB at 100,000 dossiers, the part is 40 MB. Their
// states then hold only what the reports read (appendHistory): no
// recipients, hash, loans, events, reasons of overrides or fields of
// updates. A Histories is not for use by several goroutines at once.
type Histories struct {
	// Changes is the classification register (State.Changes).
	Changes []Change
	// From the state: its dossiers and its 核定 register (State.Reviews).
	dossiers map[string]*DossierState
	reviews  []ReviewEntry
	// ids are the dossiers' ids, sorted; from a part (part is set),
	// recs are their records' bodies, in the same order, nReviews how
	// many entries the 核定 register has, and strs the strings read so
	// far, shared by the states decoded.
	ids      []string
	part     bool
	recs     [][]byte
	nReviews int
	strs     *strSet
	// workerStrs are the strings read by each core's decoder (each).
	workerStrs []*strSet
	// once: read for one report (SummaryHistoriesOnce), which may let
	// the records go (Release); released: it did.
	once, released bool
}

// Release lets the dossiers' records and the classification register
// (Changes) go (60 MB at 100,000 dossiers: the whole histories part), if
// they were read from a part for one report (SummaryHistoriesOnce), which
// calls it when done with its passes over them and its counts of the
// register, before reading every dossier's content. Without the
// plaintext cache that content is decrypted, which makes garbage fast,
// and the collector keeps the heap under its budget (PaceGC) by running
// the more often the less room is left: at 100,000 dossiers a monthly
// report so took 48 s with 724 collections, 19 s with 233. Otherwise it
// does nothing. IDs and the 核定 register stay; after it, Dossier and
// Each panic and Changes is empty.
func (h *Histories) Release() {
	if h.part && h.once {
		h.recs, h.strs, h.workerStrs, h.released = nil, nil, nil, true
		h.Changes = nil
	}
}

// held panics once the records were let go (Release): a report that read
// them again would otherwise see no dossier at all.
func (h *Histories) held() {
	if h.released {
		panic("archive: Histories read after Release")
	}
}

// IDs are the dossiers' ids, sorted; the caller must not change them.
func (h *Histories) IDs() []string {
	if h.ids == nil && len(h.dossiers) > 0 {
		h.ids = slices.Sorted(maps.Keys(h.dossiers))
	}
	return h.ids
}

// Dossier is dossier id's state with its histories, or nil if there is no
// such dossier. From a part it is decoded afresh, the caller's to keep.
func (h *Histories) Dossier(id string) *DossierState {
	if !h.part {
		return h.dossiers[id]
	}
	h.held()
	k, ok := slices.BinarySearch(h.ids, id)
	if !ok {
		return nil
	}
	d := &DossierState{}
	r := rowReader{b: h.recs[k], strs: h.strs}
	r.history(d, h.ids[k], &histArenas{}, nil, nil)
	return d
}

// Each calls fn with every dossier's state, by id. From a part the state
// is one decoded for the call, whose memory the next call reuses: fn must
// keep nothing of it but its strings.
func (h *Histories) Each(fn func(d *DossierState)) {
	h.each(func(d *DossierState, _ []uint64) { fn(d) })
}

// each is Each, giving with each state from a part the places of its 核定
// in the 核定 register. From a part the records are decoded ahead, in
// batches, on other cores while fn runs over the batches before (a
// report makes three or four passes over 100,000 dossiers); fn is called
// in order, on the caller's goroutine.
func (h *Histories) each(fn func(d *DossierState, seqs []uint64)) {
	if !h.part {
		for _, id := range h.IDs() {
			fn(h.dossiers[id], nil)
		}
		return
	}
	h.held()
	const size = 512 // records a batch
	workers := min(runtime.GOMAXPROCS(0), 4)
	n := (len(h.recs) + size - 1) / size
	if workers < 2 || n < 2*workers {
		b := newHistBatch(size, h.strs)
		for lo := 0; lo < len(h.recs); lo += size {
			b.decode(h, lo, min(lo+size, len(h.recs)))
			b.each(fn)
		}
		return
	}
	// Worker w decodes batches w, w+workers, …, each into slot b%ring,
	// once the batch before in that slot has been used; every slot has
	// one worker.
	ring := 2 * workers
	slots := make([]*histBatch, ring)
	free, ready := make([]chan struct{}, ring), make([]chan struct{}, ring)
	for i := range ring {
		free[i], ready[i] = make(chan struct{}, 1), make(chan struct{}, 1)
		free[i] <- struct{}{}
	}
	for len(h.workerStrs) < workers {
		h.workerStrs = append(h.workerStrs, newStrSet())
	}
	for w := range workers {
		strs := h.workerStrs[w]
		go func() {
			for k := w; k < n; k += workers {
				slot := k % ring
				<-free[slot]
				if slots[slot] == nil {
					slots[slot] = newHistBatch(size, strs)
				}
				slots[slot].decode(h, k*size, min((k+1)*size, len(h.recs)))
				ready[slot] <- struct{}{}
			}
		}()
	}
	for k := range n {
		slot := k % ring
		<-ready[slot]
		slots[slot].each(fn)
		free[slot] <- struct{}{}
	}
}

// histBatch is a run of records decoded together: their states, and the
// places of their 核定 (seqs[i] for states[i], cut from seqBuf).
type histBatch struct {
	states []DossierState
	seqs   [][]uint64
	seqBuf []uint64
	ha     *histArenas
	strs   *strSet
}

// newHistBatch is a batch of up to size records, sharing strings with strs.
func newHistBatch(size int, strs *strSet) *histBatch {
	ha := &histArenas{arena[Review]{chunk: 8 * size}, arena[LevelMark]{chunk: 2 * size}, arena[Mark]{chunk: 2 * size}, arena[Stamp]{chunk: 4 * size}}
	return &histBatch{states: make([]DossierState, size), seqs: make([][]uint64, size), ha: ha, strs: strs}
}

// decode reads records lo to hi (of h's) into the batch.
func (b *histBatch) decode(h *Histories, lo, hi int) {
	b.ha.reset()
	b.states, b.seqs, b.seqBuf = b.states[:hi-lo], b.seqs[:hi-lo], b.seqBuf[:0]
	at := make([]int, 0, hi-lo+1)
	for k := lo; k < hi; k++ {
		d := &b.states[k-lo]
		*d = DossierState{}
		at = append(at, len(b.seqBuf))
		r := rowReader{b: h.recs[k], strs: b.strs}
		b.seqBuf = r.history(d, h.ids[k], b.ha, b.seqBuf, nil)
	}
	// Cut once seqBuf has stopped growing.
	at = append(at, len(b.seqBuf))
	for i := range b.seqs {
		b.seqs[i] = b.seqBuf[at[i]:at[i+1]:at[i+1]]
	}
}

func (b *histBatch) each(fn func(d *DossierState, seqs []uint64)) {
	for i := range b.states {
		fn(&b.states[i], b.seqs[i])
	}
}

// Reviews is the 核定 register (State.Reviews), in journal order.
func (h *Histories) Reviews() []ReviewEntry {
	if h.reviews == nil && h.nReviews > 0 {
		h.reviews = h.ReviewsToSort()
	}
	return h.reviews
}

// ReviewCount is how many entries the 核定 register has.
func (h *Histories) ReviewCount() int {
	if h.part && h.reviews == nil {
		return h.nReviews
	}
	return len(h.reviews)
}

// ReviewsToSort is Reviews in a slice of the caller's own, to reorder:
// made for it from the snapshot's histories (not kept: a copy to sort
// was as much again as the register), else a copy of the register. Its
// entries point at 核定 the state or the histories hold (ReviewEntry): a
// caller that changes one for its own use copies it first.
func (h *Histories) ReviewsToSort() []ReviewEntry {
	if !h.part || h.reviews != nil {
		return slices.Clone(h.reviews)
	}
	// Each batch of dossiers is decoded into the memory of the one before
	// (each): the 核定 are copied out, into one list of their own.
	out := make([]ReviewEntry, h.nReviews)
	held := make([]Review, h.nReviews)
	h.each(func(d *DossierState, seqs []uint64) {
		for i, seq := range seqs {
			held[seq] = d.Reviews[i]
			out[seq] = ReviewEntry{Dossier: d.ID, Review: &held[seq]}
		}
	})
	return out
}

// Histories is what the reports read (see Histories): from the state, or
// from the snapshot's histories part when the command asked for
// SummaryHistories.
func (a *Archive) Histories() *Histories {
	if s := a.State; s.hist != nil {
		return s.hist
	}
	s := a.State
	return &Histories{dossiers: s.Dossiers, Changes: s.Changes, reviews: s.Reviews}
}

// histRecord is one dossier's record of a histories part.
type histRecord struct {
	id string
	b  []byte // with its length
}

// historyRecords are the records of the dossiers of s, by id, with their
// register entries at the places changes and refs give (every entry of
// theirs must be there: false if not).
func historyRecords(s *State, changes []seqChange, refs []reviewRef) ([]histRecord, bool) {
	out := make([]histRecord, 0, len(s.Dossiers))
	err := eachHistory(s, changes, refs, func(id string, rec []byte) error {
		out = append(out, histRecord{id, slices.Clone(rec)})
		return nil
	})
	return out, err == nil
}

// writeHistories writes to w the histories part of the whole state s
// (encodeHistories of historyRecords) as it makes each record, holding
// none: at 100,000 dossiers the records and the part were 140 MB at the
// peak of a replay's snapshot.
func writeHistories(w io.Writer, s *State, changes []seqChange, refs []reviewRef) error {
	if _, err := w.Write(binary.AppendUvarint(nil, uint64(len(s.Dossiers)))); err != nil {
		return err
	}
	return eachHistory(s, changes, refs, func(_ string, rec []byte) error {
		_, err := w.Write(rec)
		return err
	})
}

// eachHistory makes the record of every dossier of s (with its length),
// by id, with their register entries at the places changes and refs give,
// and gives each to emit, which must not keep it. errBadSnapshotPart if an
// entry is not there, before emit is called.
func eachHistory(s *State, changes []seqChange, refs []reviewRef, emit func(id string, rec []byte) error) error {
	byDossier := map[string][]seqChange{}
	for _, c := range changes {
		if s.Dossiers[c.Dossier] == nil {
			return errBadSnapshotPart
		}
		byDossier[c.Dossier] = append(byDossier[c.Dossier], c)
	}
	seqs := map[string][]int{}
	for _, r := range refs {
		d := s.Dossiers[r.Dossier]
		if d == nil || r.Index < 0 || r.Index >= len(d.Reviews) || r.Seq < 0 {
			return errBadSnapshotPart
		}
		q := seqs[r.Dossier]
		if q == nil {
			q = slices.Repeat([]int{-1}, len(d.Reviews))
			seqs[r.Dossier] = q
		}
		if q[r.Index] >= 0 {
			return errBadSnapshotPart
		}
		q[r.Index] = r.Seq
	}
	ds := s.SortedDossiers()
	for _, d := range ds {
		if q := seqs[d.ID]; len(d.Reviews) > 0 && q == nil || slices.Contains(q, -1) {
			return errBadSnapshotPart
		}
	}
	var body, rec []byte
	for _, d := range ds {
		body = appendHistory(body[:0], d, byDossier[d.ID], seqs[d.ID])
		rec = append(binary.AppendUvarint(rec[:0], uint64(len(body))), body...)
		if err := emit(d.ID, rec); err != nil {
			return err
		}
	}
	return nil
}

// appendHistory writes dossier d's record body: its id first, then what
// the reports read (see Histories), its 核定 each with its place in the 核定 register
// (seqs) and its classification register entries.
func appendHistory(b []byte, d *DossierState, changes []seqChange, seqs []int) []byte {
	for _, s := range []string{d.ID, d.Level, d.Status} {
		b = appendString(b, s)
	}
	for _, t := range []time.Time{d.Created, d.Updated, d.Destroyed, d.LevelSetOn, d.Expires} {
		b = appendHTime(b, t)
	}
	b = appendPeriod(b, d.Period)
	b = appendBool(b, d.Declassified)
	b = binary.AppendUvarint(b, uint64(len(d.Levels)))
	for _, m := range d.Levels {
		b = appendString(b, m.Level)
		for _, t := range []time.Time{m.At, m.SetOn, m.Expires} {
			b = appendHTime(b, t)
		}
		b = appendPeriod(b, m.Period)
		b = appendBool(b, m.Declassified)
	}
	for _, ms := range [][]Mark{d.Credits, d.Tiers} {
		b = binary.AppendUvarint(b, uint64(len(ms)))
		for _, m := range ms {
			b = appendHTime(b, m.At)
			b = appendString(b, m.Value)
			// A kept class's reviewed visit (CreditReviewDue): its day
			// and class, "" and "" for none.
			var r CreditReview
			if m.Reviewed != nil {
				r = *m.Reviewed
			}
			b = appendString(b, r.Visit)
			b = appendString(b, r.To)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(d.Updates)))
	for _, u := range d.Updates {
		b = appendHTime(b, u.At)
	}
	b = binary.AppendUvarint(b, uint64(len(d.Reviews)))
	for i, r := range d.Reviews {
		b = binary.AppendUvarint(b, uint64(seqs[i]))
		for _, s := range []string{r.Quarter, r.By, r.Note, r.SignedOffBy, r.Result} {
			b = appendString(b, s)
		}
		b = appendHTime(b, r.Time)
		b = appendHTime(b, r.SignedOff)
	}
	b = binary.AppendUvarint(b, uint64(len(changes)))
	for _, c := range changes {
		b = binary.AppendUvarint(b, uint64(c.Seq))
		b = appendHTime(b, c.At)
		for _, s := range []string{string(c.Kind), c.From, c.To, c.Period, c.Expires, c.Expired, c.Reason, c.By, c.ApprovedBy} {
			b = appendString(b, s)
		}
	}
	return b
}

// appendHTime writes t for a histories record: a tag, then for a time in
// UTC on a whole second (every journal time) its Unix seconds, else
// appendTime's form.
func appendHTime(b []byte, t time.Time) []byte {
	switch {
	case t == time.Time{}:
		return append(b, 0)
	case t.Location() == time.UTC && t.Nanosecond() == 0:
		return binary.AppendVarint(append(b, 1), t.Unix())
	}
	return appendTime(append(b, 2), t)
}

// htime reads what appendHTime wrote.
func (r *rowReader) htime() time.Time {
	tag := r.bytes(1)
	switch {
	case len(tag) == 0:
		r.bad = true
	case tag[0] == 1:
		return time.Unix(r.varint(), 0).UTC()
	case tag[0] == 2:
		return r.time()
	case tag[0] != 0:
		r.bad = true
	}
	return time.Time{}
}

// appendPeriod writes a secrecy period.
func appendPeriod(b []byte, p classify.Period) []byte {
	for _, v := range []int{p.Years, p.Months, p.Days} {
		b = binary.AppendVarint(b, int64(v))
	}
	return appendBool(b, p.Long)
}

// period reads what appendPeriod wrote.
func (r *rowReader) period() classify.Period {
	var p classify.Period
	p.Years, p.Months, p.Days = r.int(), r.int(), r.int()
	p.Long = r.bool()
	return p
}

// encodeHistories is a histories part of records, by id.
func encodeHistories(recs []histRecord) []byte {
	size := binary.MaxVarintLen64
	for _, r := range recs {
		size += len(r.b)
	}
	b := binary.AppendUvarint(make([]byte, 0, size), uint64(len(recs)))
	for _, r := range recs {
		b = append(b, r.b...)
	}
	return b
}

// mergeHistories is histories part old with the records fresh (by id)
// in place of its records of the same dossiers, and added where they
// belong (added counts those); false if old does not read as records by
// id.
func mergeHistories(old []byte, fresh []histRecord) (merged []byte, added int, ok bool) {
	r := rowReader{b: old}
	n := r.uvarint()
	if r.bad || n > uint64(len(old)) {
		return nil, 0, false
	}
	size := binary.MaxVarintLen64 + len(old)
	for _, f := range fresh {
		size += len(f.b)
	}
	out := make([]byte, binary.MaxVarintLen64, size)
	count, added, ok := mergeRecords(n, r.record, recordsOf(fresh), func(rec []byte) { out = append(out, rec...) })
	if !ok || len(r.b) != 0 {
		return nil, 0, false
	}
	head := binary.AppendUvarint(nil, uint64(count))
	start := binary.MaxVarintLen64 - len(head)
	copy(out[start:], head)
	return out[start:], added, true
}

// mergeRecords merges the n records next reads (a histories part's, by
// id) with the records fresh gives (by id), a fresh one in place of the
// one of the same dossier: emit gets each in order. It returns how many
// it emitted and how many fresh ones were added; false if the records do
// not read, or not by id.
func mergeRecords(n uint64, next func() (rec []byte, id string, ok bool), fresh func() (histRecord, bool), emit func(rec []byte)) (count, added int, ok bool) {
	prev, last := "", ""
	f, more := fresh()
	take := func() bool { // emits f and takes the next fresh one
		emit(f.b)
		count, last = count+1, f.id
		if f, more = fresh(); more && f.id <= last {
			return false
		}
		return true
	}
	for i := range n {
		rec, id, ok := next()
		if !ok || i > 0 && id <= prev {
			return 0, 0, false
		}
		prev = id
		for more && f.id < id {
			if added++; !take() {
				return 0, 0, false
			}
		}
		if more && f.id == id {
			if !take() {
				return 0, 0, false
			}
			continue
		}
		emit(rec)
		count++
	}
	for more {
		if added++; !take() {
			return 0, 0, false
		}
	}
	return count, added, true
}

// recordsOf gives the records rs one after the other (mergeRecords).
func recordsOf(rs []histRecord) func() (histRecord, bool) {
	return func() (histRecord, bool) {
		if len(rs) == 0 {
			return histRecord{}, false
		}
		r := rs[0]
		rs = rs[1:]
		return r, true
	}
}

// record reads a record's bytes (with its length) and its dossier's id.
func (r *rowReader) record() (rec []byte, id string, ok bool) {
	at := r.b
	n := r.uvarint()
	body := r.bytes(n)
	if r.bad {
		return nil, "", false
	}
	rec = at[:len(at)-len(r.b)]
	br := rowReader{b: body}
	idb := br.bytes(br.uvarint())
	return rec, string(idb), !br.bad
}

// decodeHistories reads a histories part (encodeHistories): count
// dossiers by id, whose register entries fill the places of a
// classification register of nChanges entries and a 核定 register of
// nReviews, each exactly once. Nil if it does not. Every record is read
// once here, on every core (each core a run of them), to check that and
// to fill the classification register; the dossiers' states are decoded
// again when asked for (Histories). b is kept: the caller must not change
// it.
func decodeHistories(b []byte, count, nChanges, nReviews int) *Histories {
	r := rowReader{b: b}
	n := r.uvarint()
	// The count as encodeHistories and mergeHistories write it, in the
	// fewest bytes: a part is read only in the one form a merge of it
	// writes again (FuzzDecodeHistories found 0x80 0x00 read as 0).
	if r.bad || len(b)-len(r.b) != len(binary.AppendUvarint(nil, n)) || n != uint64(count) || n > uint64(len(b)) || nChanges > len(b) || nReviews > len(b) {
		return nil
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		if bodies[i] = r.bytes(r.uvarint()); r.bad {
			return nil
		}
	}
	if len(r.b) != 0 {
		return nil
	}
	h := &Histories{Changes: make([]Change, nChanges), ids: make([]string, n), part: true, recs: bodies,
		nReviews: nReviews, strs: newStrSet()}
	pl := &histPlaces{changes: make([]atomic.Bool, nChanges), reviews: make([]atomic.Bool, nReviews)}
	runs := max(1, min(runtime.GOMAXPROCS(0), len(bodies)/1024))
	var bad atomic.Bool
	var wg sync.WaitGroup
	for k := range runs {
		lo, hi := k*len(bodies)/runs, (k+1)*len(bodies)/runs
		wg.Go(func() {
			ha := newHistArenas()
			strs := newStrSet()
			var d DossierState
			var seqs []uint64
			change := func(seq uint64, c Change) bool {
				if !claim(pl.changes, seq) {
					return false
				}
				h.Changes[seq] = c
				return true
			}
			for i := lo; i < hi; i++ {
				ha.reset()
				d = DossierState{}
				// The state is read to check the record and let go: its
				// strings are read past, not made and shared through
				// strs (a third of a warm monthly report's open at
				// 100,000 dossiers); the registers' entries are made.
				br := rowReader{b: bodies[i], strs: strs, skipStrs: histCheckSkipsStrs}
				seqs = br.history(&d, "", ha, seqs[:0], change)
				if br.bad || len(br.b) != 0 {
					bad.Store(true)
					return
				}
				for _, seq := range seqs {
					if !claim(pl.reviews, seq) {
						bad.Store(true)
						return
					}
				}
				h.ids[i] = d.ID
			}
		})
	}
	wg.Wait()
	if bad.Load() {
		return nil
	}
	for i := 1; i < len(h.ids); i++ {
		if h.ids[i] <= h.ids[i-1] {
			return nil
		}
	}
	for i := range pl.changes {
		if !pl.changes[i].Load() {
			return nil
		}
	}
	for i := range pl.reviews {
		if !pl.reviews[i].Load() {
			return nil
		}
	}
	return h
}

// histCheckSkipsStrs is whether decodeHistories' check of every record
// reads its state's strings past (skipStrs); false only in a test that
// compares what the check refuses with and without.
var histCheckSkipsStrs = true

// histPlaces are the register places the records read so far took: each
// is taken once, by the first to claim it.
type histPlaces struct {
	changes, reviews []atomic.Bool
}

// claim takes place seq among taken, if it is one and free.
func claim(taken []atomic.Bool, seq uint64) bool {
	return seq < uint64(len(taken)) && taken[seq].CompareAndSwap(false, true)
}

// histArenas are what the dossiers' histories are cut from.
type histArenas struct {
	reviews arena[Review]
	levels  arena[LevelMark]
	marks   arena[Mark]
	stamps  arena[Stamp]
}

// newHistArenas are arenas for states decoded one after another, each
// reset before the next.
func newHistArenas() *histArenas {
	return &histArenas{arena[Review]{chunk: 64}, arena[LevelMark]{chunk: 16}, arena[Mark]{chunk: 16}, arena[Stamp]{chunk: 64}}
}

func (ha *histArenas) reset() {
	ha.reviews.reset()
	ha.levels.reset()
	ha.marks.reset()
	ha.stamps.reset()
}

// arena hands out slices cut from larger ones, of chunk values at least
// (0: each its own).
type arena[T any] struct {
	buf   []T
	used  int
	chunk int
}

// take is a slice of n zero values, with no room to grow into the next.
func (a *arena[T]) take(n int) []T {
	if n == 0 {
		return nil
	}
	if len(a.buf)-a.used < n {
		a.buf, a.used = make([]T, max(n, a.chunk)), 0
	}
	s := a.buf[a.used : a.used+n : a.used+n]
	a.used += n
	clear(s)
	return s
}

// reset hands out the arena's memory again: what was taken from it is
// overwritten.
func (a *arena[T]) reset() { a.used = 0 }

// history reads a record's body into dossier state d (zero), with id as
// its id ("": the one it holds), and appends to seqs the place of each of
// its 核定 in the 核定 register. With change, it then reads its
// classification register entries and gives each with its place to
// change, which says whether the place was free (bad is set if not);
// without, it stops before them.
func (r *rowReader) history(d *DossierState, id string, ha *histArenas, seqs []uint64, change func(seq uint64, c Change) bool) []uint64 {
	if idb := r.bytes(r.uvarint()); id == "" {
		id = string(idb)
	}
	d.ID = id
	d.Level, d.Status = r.str(), r.str()
	d.Created, d.Updated, d.Destroyed, d.LevelSetOn, d.Expires = r.htime(), r.htime(), r.htime(), r.htime(), r.htime()
	d.Period, d.Declassified = r.period(), r.bool()
	d.Levels = ha.levels.take(int(r.count(4)))
	for i := range d.Levels {
		m := &d.Levels[i]
		m.Level = r.str()
		m.At, m.SetOn, m.Expires = r.htime(), r.htime(), r.htime()
		m.Period, m.Declassified = r.period(), r.bool()
	}
	for _, ms := range []*[]Mark{&d.Credits, &d.Tiers} {
		*ms = ha.marks.take(int(r.count(4)))
		for i := range *ms {
			(*ms)[i] = Mark{At: r.htime(), Value: r.str()}
			if visit, to := r.str(), r.str(); visit != "" || to != "" {
				(*ms)[i].Reviewed = &CreditReview{Visit: visit, To: to}
			}
		}
	}
	d.Updates = ha.stamps.take(int(r.count(1)))
	for i := range d.Updates {
		d.Updates[i].At = r.htime()
	}
	d.Reviews = ha.reviews.take(int(r.count(7)))
	for i := range d.Reviews {
		seqs = append(seqs, r.uvarint())
		rv := &d.Reviews[i]
		rv.Quarter, rv.By, rv.Note, rv.SignedOffBy, rv.Result = r.str(), r.str(), r.noteStr(), r.str(), r.str()
		rv.Time, rv.SignedOff = r.htime(), r.htime()
	}
	if change == nil || r.bad {
		return seqs
	}
	// The register's entries are kept: their strings are made even when
	// the state's were read past (skipStrs).
	r.skipStrs = false
	n := r.count(10)
	for range n {
		seq := r.uvarint()
		c := Change{At: r.htime(), Dossier: d.ID, Kind: ChangeKind(r.str())}
		c.From, c.To, c.Period, c.Expires, c.Expired, c.Reason, c.By, c.ApprovedBy = r.str(), r.str(), r.str(), r.str(), r.str(), r.noteStr(), r.str(), r.str()
		if r.bad || !change(seq, c) {
			r.bad = true
			return seqs
		}
	}
	return seqs
}

// count reads how many entries follow, each at least min bytes long.
func (r *rowReader) count(min int) uint64 {
	n := r.uvarint()
	if n > uint64(len(r.b)/min) {
		r.bad = true
		return 0
	}
	return n
}

// noteStr reads a note or a reason: a short one is shared with equal
// ones read before (资料核对无误 on half a million 核定), a long one is
// its own.
func (r *rowReader) noteStr() string {
	b := r.bytes(r.uvarint())
	if len(b) == 0 || r.skipStrs {
		return ""
	}
	if len(b) > 64 {
		return string(b)
	}
	return r.strs.get(b)
}
