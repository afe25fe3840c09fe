package archive

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"crm/archive/journal"
	"crm/classify"
)

// dossierRow is what the queries over every dossier that read the journal
// alone (List without decryption, ReviewsDue, ReviewsMissed) need of one
// dossier. A snapshot keeps a row per dossier in a part of its own
// (encodeRows), so that those queries read that part, not every dossier's
// whole state with its histories (OpenOptions.Summary). What many rows
// have alike is their rowKind, shared (rowKinds): a department's 100,000
// rows are 20 MB, not 46.
type dossierRow struct {
	ID string
	*rowKind
	Created, Updated, Expires time.Time
	// MarkAt, MarkSetOn and MarkExpires are the times of the level mark in
	// force at the state's clock when the kind's HasMark says there is one
	// (mark).
	MarkAt, MarkSetOn, MarkExpires time.Time

	// The hash of the pinned file, for a listing with the key
	// (Archive.ListBrief).
	SHA [32]byte
	// Reviewed are the quarters (quarterIndex) with a 核定 recorded under
	// the quarter's own name (what ReviewedIn matches), ascending.
	Reviewed []uint16
}

// rowKind is what a row has that many others have too; rows never change
// theirs in place (a shared one), they are given another.
type rowKind struct {
	Level, Status, CreatedBy string
	// LastReview is the latest quarter a 核定 was recorded for (lastQuarter).
	LastReview string
	// What a listing with the key needs (Archive.ListBrief) besides: whom
	// the file was last encrypted to, the borrowers it must be encrypted
	// to besides its level's readers (open loans), and the credit class and
	// tier set in the journal, with the credit's reason.
	Recipients, Borrowers      []string
	Credit, CreditReason, Tier string
	// Hold is set while the dossier is under a legal hold (冻结): a
	// listing shows it without the dossiers' state.
	Hold bool
	// Stale are the recipients whose keys were rotated since the file was
	// written (State.StaleKeys): maintain finds files to re-encrypt from
	// the rows alone.
	Stale []string
	// HasMark is set when a level mark is in force at the state's clock
	// (levelAt); MarkLevel, MarkPeriod and MarkDeclassified are its level,
	// secrecy period and whether a declassification set it. The effective
	// level is computed from the mark at the reader's clock (the secrecy
	// period may have run out since, R7.2.4).
	HasMark          bool
	MarkLevel        string
	MarkPeriod       classify.Period
	MarkDeclassified bool
}

// mark is the row's level mark (HasMark).
func (r *dossierRow) mark() LevelMark {
	return LevelMark{At: r.MarkAt, Level: r.MarkLevel, SetOn: r.MarkSetOn, Period: r.MarkPeriod,
		Expires: r.MarkExpires, Declassified: r.MarkDeclassified}
}

// setMark gives the row level mark m, or none; its kind must be its own.
func (r *dossierRow) setMark(m LevelMark, has bool) {
	r.HasMark = has
	if has {
		r.MarkAt, r.MarkLevel, r.MarkSetOn, r.MarkPeriod, r.MarkExpires, r.MarkDeclassified = m.At, m.Level, m.SetOn, m.Period, m.Expires, m.Declassified
	}
}

// rowKinds shares equal kinds among the rows made or read together.
type rowKinds map[rowKindKey]*rowKind

// rowKindKey is a kind with its lists joined by newlines (listable).
type rowKindKey struct {
	level, status, createdBy, lastReview, credit, creditReason, tier string
	recipients, borrowers, stale                                     string
	hold                                                             bool
	hasMark                                                          bool
	markLevel                                                        string
	markPeriod                                                       classify.Period
	markDeclassified                                                 bool
}

func (k *rowKind) key() rowKindKey {
	return rowKindKey{k.Level, k.Status, k.CreatedBy, k.LastReview, k.Credit, k.CreditReason, k.Tier,
		listKey(k.Recipients), listKey(k.Borrowers), listKey(k.Stale), k.Hold,
		k.HasMark, k.MarkLevel, k.MarkPeriod, k.MarkDeclassified}
}

// listKey is ids joined by newlines, as a rows part writes them; a list
// that could not be written so (listable) is keyed apart, starting with a
// newline no listable list's key starts with, so that no row is given
// another's list (nor passes encodeRows' check with it).
func listKey(ids []string) string {
	if listable(ids) {
		return strings.Join(ids, "\n")
	}
	return "\n" + fmt.Sprintf("%q", ids)
}

// share returns the kind equal to k kept before, or keeps k.
func (ks rowKinds) share(k *rowKind) *rowKind {
	key := k.key()
	if old, ok := ks[key]; ok {
		return old
	}
	ks[key] = k
	return k
}

// quarterIndex numbers quarter q for a compact row; ok is false for a
// quarter outside the years a Quarter may have.
func quarterIndex(q classify.Quarter) (uint16, bool) {
	if !q.Valid() {
		return 0, false
	}
	return uint16((q.Year-1900)*4 + q.Q - 1), true
}

// quarterAt is the quarter numbered i by quarterIndex.
func quarterAt(i uint16) classify.Quarter {
	return classify.Quarter{Year: int(i)/4 + 1900, Q: int(i)%4 + 1}
}

// parseQuarter is classify.ParseQuarter, without its regular expression
// for a quarter written as it writes one (2026Q4): a row is made of every
// 核定 of a dossier, forty in its first ten years.
func parseQuarter(s string) (classify.Quarter, error) {
	if len(s) == 6 && s[4] == 'Q' && s[5] >= '1' && s[5] <= '4' {
		y := 0
		for _, c := range s[:4] {
			if c < '0' || c > '9' {
				return classify.ParseQuarter(s)
			}
			y = y*10 + int(c-'0')
		}
		if q := (classify.Quarter{Year: y, Q: int(s[5] - '0')}); q.Valid() {
			return q, nil
		}
	}
	return classify.ParseQuarter(s)
}

// rowOf is dossier d's row at time t (the state's clock), its kind shared
// through ks.
func (s *State) rowOf(d *DossierState, t time.Time, ks rowKinds) dossierRow {
	k := &rowKind{Level: d.Level, Status: d.Status, CreatedBy: d.CreatedBy, LastReview: lastQuarter(d),
		Recipients: d.Recipients, Borrowers: d.borrowers(""),
		Credit: d.Credit, CreditReason: d.CreditReason, Tier: d.Tier, Stale: s.StaleKeys(d), Hold: d.OnHold()}
	r := dossierRow{ID: d.ID, rowKind: k, Created: d.Created, Updated: d.Updated, Expires: d.Expires}
	hex.Decode(r.SHA[:], []byte(d.SHA256))
	r.setMark(d.levelAt(t.Add(time.Nanosecond)))
	r.rowKind = ks.share(k)
	for _, rv := range d.Reviews {
		q, err := parseQuarter(rv.Quarter)
		if err != nil || q.String() != rv.Quarter {
			continue
		}
		if i, ok := quarterIndex(q); ok {
			if k, found := slices.BinarySearch(r.Reviewed, i); !found {
				r.Reviewed = slices.Insert(r.Reviewed, k, i)
			}
		}
	}
	return r
}

// reviewedIn reports whether the row's dossier has a 核定 for quarter q
// (DossierState.ReviewedIn).
func (r *dossierRow) reviewedIn(q classify.Quarter) bool {
	i, ok := quarterIndex(q)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(r.Reviewed, i)
	return found
}

// state is as much of the row's dossier's state as assess, EffectiveLevel
// and the checks before a decryption read: its level as the row's mark
// has it (rowLevelAt), credit and tier set in the journal, recipients and
// stale keys. It has no loans and no histories.
func (r *dossierRow) state() *DossierState {
	d := &DossierState{}
	r.fill(d)
	return d
}

// fill makes d the row's state (state), in place: a scan over every
// dossier (AssessAll) fills one state again and again instead of making
// 100,000 of them (65 MB). d's level marks' room is reused.
func (r *dossierRow) fill(d *DossierState) {
	levels := d.Levels[:0]
	*d = DossierState{ID: r.ID, Level: r.Level, Status: r.Status, Created: r.Created, CreatedBy: r.CreatedBy,
		Updated: r.Updated, Expires: r.Expires, SHA256: hex.EncodeToString(r.SHA[:]), Recipients: r.Recipients,
		Credit: r.Credit, CreditReason: r.CreditReason, Tier: r.Tier, Stale: r.Stale}
	if r.HasMark {
		m := r.mark()
		d.Level, d.LevelSetOn, d.Period, d.Expires, d.Declassified = m.Level, m.SetOn, m.Period, m.Expires, m.Declassified
		// One mark before any time: levelAt gives the fields above.
		d.Levels = append(levels, LevelMark{})
	}
}

// rowByID is dossier id's row in a summary state (nil in a whole state, or
// when it has none).
func (s *State) rowByID(id string) *dossierRow {
	if !s.summary {
		return nil
	}
	i, ok := findRow(s.rows, id)
	if !ok {
		return nil
	}
	return &s.rows[i]
}

// findRow is where id's row is among rows (by id), or would be.
func findRow(rows []dossierRow, id string) (int, bool) {
	return slices.BinarySearchFunc(rows, id, func(r dossierRow, id string) int { return strings.Compare(r.ID, id) })
}

// hasDossier reports whether the state knows dossier id: from its rows
// in a summary state.
func (s *State) hasDossier(id string) bool {
	return s.Dossiers[id] != nil || s.rowByID(id) != nil
}

// dossierStatus is dossier id's status ("" when the state knows no such
// dossier), from its row in a summary state.
func (s *State) dossierStatus(id string) string {
	if d := s.Dossiers[id]; d != nil {
		return d.Status
	}
	if r := s.rowByID(id); r != nil {
		return r.Status
	}
	return ""
}

// dossierIDs are the ids of every dossier the state knows, rows included.
func (s *State) dossierIDs() iter.Seq[string] {
	return func(yield func(string) bool) {
		for id := range s.Dossiers {
			if !yield(id) {
				return
			}
		}
		if s.summary {
			for i := range s.rows {
				if s.Dossiers[s.rows[i].ID] == nil && !yield(s.rows[i].ID) {
					return
				}
			}
		}
	}
}

// rowReadable is whether the working member may read the dossier of a row
// and its file is encrypted to them (CanRead, from the row alone).
func (a *Archive) rowReadable() func(r *dossierRow) bool {
	reads := a.readsLevel()
	return func(r *dossierRow) bool {
		if a.me == nil || r.Status != StatusActive || !slices.Contains(r.Recipients, a.me.ID) {
			return false
		}
		if len(r.Borrowers) > 0 {
			return slices.Contains(a.State.recipientsWith(r.Level, r.Borrowers), a.me.ID)
		}
		return reads(r.Level)
	}
}

// readsLevel is whether the working member reads every dossier of a
// level (Readers), worked out once per level.
func (a *Archive) readsLevel() func(level string) bool {
	byLevel := map[string]bool{}
	return func(level string) bool {
		can, ok := byLevel[level]
		if !ok {
			can = slices.Contains(a.State.Readers(level), a.me.ID)
			byLevel[level] = can
		}
		return can
	}
}

// rowOpens is rowReadable for reading a dossier's content (list, search,
// reports): a member who reads it only through loans all past due does
// not (R7.1, lapsedLoan), though their key opens the file until maintain
// revokes the loans. Rows do not hold a loan's due time: the first row
// that turns on it takes the loans (lapsedLoans).
func (a *Archive) rowOpens() func(r *dossierRow) bool {
	can, reads := a.rowReadable(), a.readsLevel()
	var lapsed map[string]bool
	return func(r *dossierRow) bool {
		if !can(r) {
			return false
		}
		if !slices.Contains(r.Borrowers, a.me.ID) || reads(r.Level) {
			return true
		}
		if lapsed == nil {
			lapsed = a.lapsedLoans()
		}
		return !lapsed[r.ID]
	}
}

// lapsedLoans are the dossiers the working member borrowed whose every
// loan with access is past due (State.lapsedLoan, without the level). A
// summary's state without the loans (OpenOptions.Summary) takes the whole
// state first; if that fails, every borrowed dossier counts as lapsed
// (not read).
func (a *Archive) lapsedLoans() map[string]bool {
	out := map[string]bool{}
	if a.State.summary && a.summary&SummaryLoans == 0 {
		if err := a.fullState(); err != nil || a.State.summary && a.summary&SummaryLoans == 0 {
			for _, r := range a.State.rows {
				if slices.Contains(r.Borrowers, a.me.ID) {
					out[r.ID] = true
				}
			}
			return out
		}
	}
	mine := map[string][]*Loan{}
	for _, l := range a.State.Loans {
		if l.Borrower == a.me.ID {
			mine[l.Dossier] = append(mine[l.Dossier], l)
		}
	}
	for id, ls := range mine {
		if lapsedOf(ls, a.me.ID, a.now) != nil {
			out[id] = true
		}
	}
	return out
}

// rowLevelAt is the row's effective level at time t
// (State.EffectiveLevelAt, for t after every level mark).
func (s *State) rowLevelAt(r *dossierRow, t time.Time) string {
	if !r.HasMark {
		return ""
	}
	return s.markLevelAt(r.mark(), t)
}

// rowLevelNow is the level the row's dossier has at t by R7.2.4, as list
// shows it (内部 once its secrecy period has run out, before crm maintain
// journals the declassification), or the recorded level when the row has
// no level mark.
func (s *State) rowLevelNow(r *dossierRow, t time.Time) string {
	if lv := s.rowLevelAt(r, t); lv != "" {
		return lv
	}
	return r.Level
}

// sortedRows is a row for every dossier of the state, by id: the snapshot's
// rows for a summary state (OpenOptions.Summary; none unless SummaryRows
// was asked for), else made from the dossiers.
func (s *State) sortedRows() []dossierRow {
	if s.summary {
		return s.rows
	}
	if s.rowsMemo == nil || !s.rowsMemoAt.Equal(s.now) {
		s.rowsMemo, s.rowsMemoAt = s.rowsAt(s.now), s.now
	}
	return s.rowsMemo
}

// rowsAt is a row for every dossier of the state, by id, at time t.
func (s *State) rowsAt(t time.Time) []dossierRow {
	out := make([]dossierRow, 0, len(s.Dossiers))
	ks := rowKinds{}
	for _, d := range s.SortedDossiers() {
		out = append(out, s.rowOf(d, t, ks))
	}
	return out
}

// rowsToSave is the rows a snapshot of state s saves at time t: those it
// was read with for a summary state, else a row for every dossier.
func (s *State) rowsToSave(t time.Time) []dossierRow {
	if s.summary {
		return s.rows
	}
	return s.rowsAt(t)
}

// encodeRows is the rows part and the registers part of a snapshot of
// state s: the rows at time t (the clock, or the latest event if that is
// later) in a compact form of their own (gob took seconds and hundreds of
// megabytes for a department's 100,000 rows), every loan and destruction
// request in gob.
func encodeRows(s *State, t time.Time) (rows, registers []byte, ok bool) {
	var b bytes.Buffer
	if writeRows(&b, s.rowsToSave(t)) != nil {
		return nil, nil, false
	}
	rb, ok := encodeRegisters(s, s.SortedDestructions())
	if !ok {
		return nil, nil, false
	}
	return b.Bytes(), rb, true
}

// writeRows writes the rows part of rows rs to w as it makes it (a
// department's 100,000 rows are 25 MB): their count, the rows, then the
// length in bytes of each chunk of rowsChunk rows, and the length of that
// index as four bytes, so that decodeRows reads the chunks on every core.
func writeRows(w io.Writer, rs []dossierRow) error {
	return writeRowsOf(w, len(rs), func(i int) dossierRow { return rs[i] })
}

// writeStateRows writes the rows part of state s at time t as
// rowsToSave's rows would be written (writeRows), each row made as it is
// written, none held: at 100,000 dossiers, ~60 MB less at the peak of a
// replay's snapshot.
func writeStateRows(w io.Writer, s *State, t time.Time) error {
	if s.summary {
		return writeRows(w, s.rows)
	}
	ds, ks := s.SortedDossiers(), rowKinds{}
	return writeRowsOf(w, len(ds), func(i int) dossierRow { return s.rowOf(ds[i], t, ks) })
}

// writeRowsOf is writeRows of the n rows row gives, by index.
func writeRowsOf(w io.Writer, n int, row func(i int) dossierRow) error {
	b := binary.AppendUvarint(nil, uint64(n))
	var index []byte
	chunk := 0 // bytes of the chunk being written
	for i := range n {
		r := row(i)
		if !listable(r.Recipients) || !listable(r.Borrowers) || !listable(r.Stale) {
			return errBadSnapshotPart
		}
		at := len(b)
		b = appendRow(b, &r)
		chunk += len(b) - at
		if (i+1)%rowsChunk == 0 || i == n-1 {
			index, chunk = binary.AppendUvarint(index, uint64(chunk)), 0
		}
		if len(b) >= 1<<16 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, index...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(index)))
	_, err := w.Write(b)
	return err
}

// rowsChunk is how many rows a chunk of a rows part has (writeRows): at
// 100,000 dossiers, 13 chunks for two cores to share.
const rowsChunk = 8192

// listable reports whether ids can be written joined by newlines and read
// back as they were (rowReader.list).
func listable(ids []string) bool {
	for _, id := range ids {
		if id == "" || strings.Contains(id, "\n") {
			return false
		}
	}
	return true
}

// snapRegisters is the registers part of a snapshot: every loan and every
// destruction request (a few per dossier at most, kept also with their
// dossiers' parts).
type snapRegisters struct {
	Loans        []*Loan
	Destructions []*Destruction
}

// decodeRows reads a rows part (encodeRows), its chunks (writeRows) on
// every core. A chunk's rows' ids and quarters are cut from one string and
// one slice: a few allocations for all. The ids are then detached from b
// (1.2 MB at 100,000 dossiers), so that b, which the rows do not hold, is
// not kept alive by them (18 MB). Rows of two chunks share no kinds nor
// strings: each chunk's reader keeps its own.
func decodeRows(b []byte) ([]dossierRow, bool) {
	if len(b) < 4 {
		return nil, false
	}
	il := int(binary.BigEndian.Uint32(b[len(b)-4:]))
	if il > len(b)-4 {
		return nil, false
	}
	index := rowReader{b: b[len(b)-4-il : len(b)-4]}
	body := b[:len(b)-4-il]
	r := rowReader{b: body}
	n := r.uvarint()
	if r.bad || n > uint64(len(body)/minRowSize) {
		return nil, false
	}
	// Each chunk's place in b.
	type chunk struct{ lo, hi, from int } // rows lo to hi, from byte from
	var chunks []chunk
	at := len(body) - len(r.b)
	for lo := 0; lo < int(n); lo += rowsChunk {
		size := index.uvarint()
		if index.bad || size > uint64(len(body)-at) {
			return nil, false
		}
		chunks = append(chunks, chunk{lo, min(lo+rowsChunk, int(n)), at})
		at += int(size)
	}
	if at != len(body) || len(index.b) != 0 {
		return nil, false
	}
	chunks = append(chunks, chunk{from: at}) // where the last ends
	out := make([]dossierRow, n)
	var bad atomic.Bool
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)-1) {
		wg.Go(func() {
			shared := rowReader{strs: newStrSet()} // what the chunks a worker reads share
			for {
				k := int(next.Add(1) - 1)
				if k >= len(chunks)-1 || bad.Load() {
					return
				}
				c, end := chunks[k], chunks[k+1].from
				r := rowReader{b: body[c.from:end], strs: shared.strs, lists: shared.lists, kinds: shared.kinds}
				if !r.rows(body, out[c.lo:c.hi], end) {
					bad.Store(true)
					return
				}
				shared.lists, shared.kinds = r.lists, r.kinds
			}
		})
	}
	wg.Wait()
	if bad.Load() {
		return nil, false
	}
	return out, true
}

// rows reads rows out, all of r's bytes, which end at end in body.
func (r *rowReader) rows(body []byte, out []dossierRow, end int) bool {
	ids := make([][2]int, len(out)) // each id's place in body
	counts := make([]int, len(out)) // how many quarters each row has
	for i := range out {
		ids[i], counts[i] = r.row(&out[i], end)
	}
	if r.bad || len(r.b) != 0 {
		return false
	}
	all := unsafe.String(unsafe.SliceData(body), len(body)) // the ids only, detached below
	quarters := r.quarters
	own := make([]*string, len(out))
	for i, at := range ids {
		k := counts[i]
		out[i].ID, own[i] = all[at[0]:at[1]], &out[i].ID
		if k > 0 {
			out[i].Reviewed, quarters = quarters[:k:k], quarters[k:]
		}
	}
	detach(own)
	return true
}

// detach copies the strings ps point to into one allocation of their own:
// cut from a buffer read for them, they then keep nothing else of it alive.
func detach(ps []*string) {
	size := 0
	for _, p := range ps {
		size += len(*p)
	}
	arena := make([]byte, 0, size)
	for _, p := range ps {
		arena = append(arena, *p...)
	}
	all := unsafe.String(unsafe.SliceData(arena), len(arena)) // never written again
	at := 0
	for _, p := range ps {
		*p, at = all[at:at+len(*p)], at+len(*p)
	}
}

// minRowSize is the fewest bytes appendRow writes for a row: eleven empty
// strings, three times of four bytes, two flags (mark, hold), a hash and
// a count.
const minRowSize = 11 + 3*4 + 2 + 32 + 1

// appendRow writes row d: its strings with their lengths, its times as
// time.Time.MarshalBinary writes them (zone offset kept, as gob keeps it),
// packed, its quarters as differences.
func appendRow(b []byte, d *dossierRow) []byte {
	for _, s := range []string{d.ID, d.Level, d.Status, d.CreatedBy, d.LastReview} {
		b = appendString(b, s)
	}
	for _, t := range []time.Time{d.Created, d.Updated, d.Expires} {
		b = appendTime(b, t)
	}
	b = appendBool(b, d.HasMark)
	if d.HasMark {
		m := d.mark()
		b = appendString(b, m.Level)
		for _, t := range []time.Time{m.At, m.SetOn, m.Expires} {
			b = appendTime(b, t)
		}
		for _, v := range []int{m.Period.Years, m.Period.Months, m.Period.Days} {
			b = binary.AppendVarint(b, int64(v))
		}
		b = appendBool(b, m.Period.Long)
		b = appendBool(b, m.Declassified)
	}
	b = append(b, d.SHA[:]...)
	b = appendString(b, strings.Join(d.Recipients, "\n"))
	b = appendString(b, strings.Join(d.Borrowers, "\n"))
	for _, s := range []string{d.Credit, d.CreditReason, d.Tier} {
		b = appendString(b, s)
	}
	b = appendString(b, strings.Join(d.Stale, "\n"))
	b = appendBool(b, d.Hold)
	b = binary.AppendUvarint(b, uint64(len(d.Reviewed)))
	prev := uint16(0)
	for _, q := range d.Reviewed {
		b = binary.AppendUvarint(b, uint64(q-prev))
		prev = q
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendTime writes t's MarshalBinary form (version, seconds, nanoseconds,
// zone offset in minutes, and in seconds for version 2) as varints.
func appendTime(b []byte, t time.Time) []byte {
	tb, err := t.MarshalBinary()
	if err != nil { // an offset that is not whole minutes: not from a journal
		tb, _ = t.UTC().MarshalBinary()
	}
	b = append(b, tb[0])
	b = binary.AppendVarint(b, int64(binary.BigEndian.Uint64(tb[1:9])))
	b = binary.AppendUvarint(b, uint64(binary.BigEndian.Uint32(tb[9:13])))
	b = binary.AppendVarint(b, int64(int16(binary.BigEndian.Uint16(tb[13:15]))))
	return append(b, tb[15:]...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// rowReader reads what appendRow wrote; bad is set, never a panic, when
// the bytes end early or do not parse.
type rowReader struct {
	b        []byte
	bad      bool
	strs     *strSet // the strings read, so that rows share equal ones
	lists    map[string][]string
	kinds    rowKinds // the kinds read, so that rows share equal ones
	quarters []uint16 // every row's quarters, one after another
	// skipStrs: str and noteStr read past a string, checked as ever, and
	// give "" instead of making it (decodeHistories' check of every
	// record keeps none of the states it decodes).
	skipStrs bool
}

// row reads a row but its id and quarters (see decodeRows), and returns
// where its id is in the part of length size and how many quarters it has.
func (r *rowReader) row(d *dossierRow, size int) (id [2]int, quarters int) {
	n := r.uvarint()
	id[0] = size - len(r.b)
	r.bytes(n)
	id[1] = size - len(r.b)
	var k rowKindKey
	k.level, k.status, k.createdBy, k.lastReview = r.str(), r.str(), r.str(), r.str()
	d.Created, d.Updated, d.Expires = r.time(), r.time(), r.time()
	if k.hasMark = r.bool(); k.hasMark {
		k.markLevel = r.str()
		d.MarkAt, d.MarkSetOn, d.MarkExpires = r.time(), r.time(), r.time()
		p := &k.markPeriod
		p.Years, p.Months, p.Days = r.int(), r.int(), r.int()
		p.Long, k.markDeclassified = r.bool(), r.bool()
	}
	copy(d.SHA[:], r.bytes(32))
	k.recipients, k.borrowers = r.str(), r.str()
	k.credit, k.creditReason, k.tier = r.str(), r.str(), r.str()
	k.stale = r.str()
	k.hold = r.bool()
	d.rowKind = r.kind(k)
	n = r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad = true
		return id, 0
	}
	q := uint64(0)
	for range n {
		q += r.uvarint()
		r.bad = r.bad || q > 0xffff
		r.quarters = append(r.quarters, uint16(q))
	}
	return id, int(n)
}

// skip moves past a varint of n bytes (binary.Uvarint's n: not one if <= 0).
func (r *rowReader) skip(n int) bool {
	if n <= 0 {
		r.bad, r.b = true, nil
		return false
	}
	r.b = r.b[n:]
	return true
}

func (r *rowReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if !r.skip(n) {
		return 0
	}
	return v
}

func (r *rowReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if !r.skip(n) {
		return 0
	}
	return v
}

func (r *rowReader) int() int {
	v := r.varint()
	if int64(int(v)) != v {
		r.bad = true
	}
	return int(v)
}

func (r *rowReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// str reads a string; an equal string read before is returned.
func (r *rowReader) str() string {
	b := r.bytes(r.uvarint())
	if r.skipStrs {
		return ""
	}
	return r.strs.get(b)
}

// strSet holds the strings a decoder read, so that equal ones are shared.
// The few most recent, by a hash of their length and a few of their bytes,
// are looked at before the set: the 核定's and the rows' fields repeat a
// handful of values (quarters, results, levels, members) millions of times
// at 100,000 dossiers, and a map lookup was most of a report's decoding.
type strSet struct {
	m      map[string]string
	recent [512]string
}

func newStrSet() *strSet { return &strSet{m: map[string]string{}} }

// get is b as a string: the one held if an equal one is, else b's, held.
func (t *strSet) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	h := uint(len(b))*0x9e3779b1 ^ uint(b[0])*0x85ebca77 ^ uint(b[len(b)/2])*0xc2b2ae3d ^ uint(b[len(b)-1])*0x27d4eb2f
	slot := &t.recent[(h^h>>16)%uint(len(t.recent))]
	if s := *slot; s == string(b) {
		return s
	}
	s, ok := t.m[string(b)]
	if !ok {
		s = string(b)
		t.m[s] = s
	}
	*slot = s
	return s
}

// kind is the row kind k stands for, shared by the rows read with r.
func (r *rowReader) kind(k rowKindKey) *rowKind {
	if x, ok := r.kinds[k]; ok {
		return x
	}
	x := &rowKind{Level: k.level, Status: k.status, CreatedBy: k.createdBy, LastReview: k.lastReview,
		Recipients: r.list(k.recipients), Borrowers: r.list(k.borrowers),
		Credit: k.credit, CreditReason: k.creditReason, Tier: k.tier, Stale: r.list(k.stale), Hold: k.hold,
		HasMark: k.hasMark, MarkLevel: k.markLevel, MarkPeriod: k.markPeriod, MarkDeclassified: k.markDeclassified}
	if r.kinds == nil {
		r.kinds = rowKinds{}
	}
	r.kinds[k] = x
	return x
}

// list is a list of member ids, written joined by newlines (no member id
// has one: CheckMemberID); rows share equal lists.
func (r *rowReader) list(s string) []string {
	if s == "" {
		return nil
	}
	if l, ok := r.lists[s]; ok {
		return l
	}
	l := strings.Split(s, "\n")
	if r.lists == nil {
		r.lists = map[string][]string{}
	}
	r.lists[s] = l
	return l
}

// secondsToUnix is the seconds from the year 1, from which MarshalBinary
// counts, to the Unix epoch.
const secondsToUnix = 62135596800

// time reads what appendTime wrote.
func (r *rowReader) time() time.Time {
	var t time.Time
	var tb [16]byte
	v := r.bytes(1)
	if len(v) == 0 || v[0] != 1 && v[0] != 2 {
		r.bad = true
		return t
	}
	tb[0] = v[0]
	binary.BigEndian.PutUint64(tb[1:9], uint64(r.varint()))
	ns := r.uvarint()
	off := r.varint()
	if ns > 0xffffffff || off != int64(int16(off)) {
		r.bad = true
		return t
	}
	if off == -1 && tb[0] == 1 {
		// UTC, as UnmarshalBinary would make it, without its checks.
		return time.Unix(int64(binary.BigEndian.Uint64(tb[1:9]))-secondsToUnix, int64(ns)).UTC()
	}
	binary.BigEndian.PutUint32(tb[9:13], uint32(ns))
	binary.BigEndian.PutUint16(tb[13:15], uint16(int16(off)))
	n := 15
	if tb[0] == 2 {
		if sec := r.bytes(1); len(sec) == 1 {
			tb[15] = sec[0]
		}
		n = 16
	}
	if t.UnmarshalBinary(tb[:n]) != nil {
		r.bad = true
	}
	return t
}

func (r *rowReader) bool() bool {
	b := r.bytes(1)
	if len(b) == 0 || b[0] > 1 {
		r.bad = true
		return false
	}
	return b[0] == 1
}

// summaryState is the state of a snapshot for the queries over every
// dossier that read rows and loans only (OpenOptions.Summary): the header's
// state, the parts of the dossiers the new events j name, advanced by them
// (advancedParts), and the rows or loans of every dossier asked for, the
// rows of the dossiers read remade from their state. Nil if it cannot be
// had that way.
func (a *Archive) summaryState(l *snapLoad, j *journal.Journal) *State {
	// The rows and the loans asked for are decoded side by side.
	wantRows := a.summary&SummaryRows != 0
	if wantRows && a.now.Before(l.snap.Latest) {
		// An event is dated after this clock (a writer's clock ahead,
		// within the skew replay accepts): the rows hold its effect.
		return nil
	}
	var wg sync.WaitGroup
	if a.summary&(SummaryLoans|SummaryDestructions) != 0 {
		wg.Go(func() { l.registers() })
	}
	var rows []dossierRow
	rowsOK := !wantRows
	if wantRows {
		rows, rowsOK = l.rowsPart()
	}
	wg.Wait()
	if !rowsOK {
		return nil
	}
	s := a.advancedParts(l, j)
	if s == nil {
		return nil
	}
	s.summary = true
	if a.summary&SummaryHistories != 0 {
		if s.hist = l.histories(s); s.hist == nil {
			return nil
		}
		s.hist.once = a.summary&SummaryHistoriesOnce != 0
	}
	if !wantRows {
		return s
	}
	s.rows = mergeRows(rows, s)
	if s.hist != nil && !sameDossiers(s.hist, s.rows) {
		return nil
	}
	return s
}

// sameDossiers reports whether h holds the dossiers of rows, no other:
// the reports then count what the digests read.
func sameDossiers(h *Histories, rows []dossierRow) bool {
	ids := h.IDs()
	if len(ids) != len(rows) {
		return false
	}
	for i := range rows {
		if _, ok := slices.BinarySearch(ids, rows[i].ID); !ok {
			return false
		}
	}
	return true
}

// histories reads the histories part, with the records of the dossiers
// of s (a state of some parts, advanced) made again from their state; nil
// if it does not add up: a record for every dossier the snapshot counted
// and every dossier added since, every register place taken once.
func (l *snapLoad) histories(s *State) *Histories {
	// Read, not mapped (viewPart): the reports then allocate more than the
	// part's 40 MB at 100,000 dossiers in the memory its bytes leave free;
	// mapped, the peak of report monthly was 485 MB against 411 MB.
	raw, ok := l.historiesPart()
	if !ok {
		return nil
	}
	changes, refs, n, ok := registerPlaces(s, true)
	if !ok {
		return nil
	}
	added := 0
	if len(s.Dossiers) > 0 {
		recs, ok := historyRecords(s, changes, refs)
		if !ok {
			return nil
		}
		if raw, added, ok = mergeHistories(raw, recs); !ok {
			return nil
		}
	}
	return decodeHistories(raw, l.snap.Count+added, n[regChanges], n[regReviews])
}

// mergeRows merges into rows (every dossier's, by id, as a snapshot saved
// them) the rows of the dossiers of s, a state of some parts, remade from
// their state (every dossier of a part read is in s.Dossiers). A row is
// replaced where it is; only new dossiers make the rows be copied
// (100,000 rows are 40 MB).
func mergeRows(rows []dossierRow, s *State) []dossierRow {
	fresh := make([]dossierRow, 0, len(s.Dossiers))
	ks := rowKinds{}
	for _, d := range s.SortedDossiers() {
		fresh = append(fresh, s.rowOf(d, s.now, ks))
	}
	var added []dossierRow
	for _, f := range fresh {
		if i, ok := findRow(rows, f.ID); ok {
			rows[i] = f
		} else {
			added = append(added, f)
		}
	}
	if len(added) == 0 {
		return rows
	}
	out := make([]dossierRow, 0, len(rows)+len(added))
	for i := range rows {
		for len(added) > 0 && added[0].ID < rows[i].ID {
			out, added = append(out, added[0]), added[1:]
		}
		out = append(out, rows[i])
	}
	return append(out, added...)
}
