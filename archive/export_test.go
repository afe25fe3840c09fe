package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crm/archive/journal"
)

// Hooks for the external tests: ways to do what only someone working
// outside crm could (write an event or a file the rules would refuse).

// MonthPartReads is how many times this process read a snapshot's events
// of a changed month folder to list it.
func MonthPartReads() int64 { return monthPartReads.Load() }

// ForgeEvent signs an event of kind about dossier with data as the working
// member, following the heads, and writes it without checking its rule.
func (a *Archive) ForgeEvent(kind journal.Kind, dossier string, data any) error {
	return a.locked(func() error {
		e, b, err := a.forged(kind, dossier, data)
		if err != nil {
			return err
		}
		return writeFileAtomic(a.Dir+"/"+journal.PathOf(e.Time, e.Hash), b, 0o644)
	})
}

// ForgedHash is the hash of the event ForgeEvent would write now, not
// written: a test picks an event's place in the journal's order by it.
func (a *Archive) ForgedHash(kind journal.Kind, dossier string, data any) (string, error) {
	e, _, err := a.forged(kind, dossier, data)
	if err != nil {
		return "", err
	}
	return e.Hash, nil
}

// forged is the event of kind about dossier with data, signed by the
// working member and following the good heads, and its bytes.
func (a *Archive) forged(kind journal.Kind, dossier string, data any) (*journal.Event, []byte, error) {
	b, err := journal.Sign(journal.Header{Kind: kind, Time: a.now, Actor: a.me.ID, Dossier: dossier, Prev: a.State.goodHeads()}, data, a.id.Signer())
	if err != nil {
		return nil, nil, err
	}
	e, err := journal.Parse(b)
	return e, b, err
}

// ForgeFile re-encrypts dossier id to readers and writes the file with an
// event of kind carrying data (whose File it fills in), without checking
// the event's rule: what a hand-made step with a real key would leave.
func (a *Archive) ForgeFile(id string, readers []string, kind journal.Kind, data filePayload) error {
	return a.locked(func() error {
		ct, err := a.reencrypt(a.State.Dossiers[id], readers)
		if err != nil {
			return err
		}
		*data.fileData() = File{SHA256: sha256Hex(ct), Recipients: readers}
		if err := writeFileAtomic(a.dossierFile(id), ct, 0o644); err != nil {
			return err
		}
		b, err := journal.Sign(journal.Header{Kind: kind, Time: a.now, Actor: a.me.ID, Dossier: id, Prev: a.State.goodHeads()}, data, a.id.Signer())
		if err != nil {
			return err
		}
		e, err := journal.Parse(b)
		if err != nil {
			return err
		}
		return writeFileAtomic(a.Dir+"/"+journal.PathOf(e.Time, e.Hash), b, 0o644)
	})
}

// ListFilesRead is how many dossier files the last ListBrief read.
func (a *Archive) ListFilesRead() int { return a.listRead }

// ScanFilesRead is how many dossier files Scan has read.
func (a *Archive) ScanFilesRead() int { return int(a.scanRead.Load()) }

// StateJSON is the state a snapshot keeps, as JSON (maps sorted), to
// compare a state taken from a snapshot with one replayed.
func StateJSON(s *State) ([]byte, error) { return json.Marshal(stripped(s)) }

// SnapshotPartOf is where, in the snapshot file at path, a part lies
// (offset from the file's start, and length), read without checking the
// seal: for tests that damage one part. which is a dossier id (its part)
// or a month folder ("journal/2026/11"), "rows", "registers" or
// "histories".
func SnapshotPartOf(path, which string) (off, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	pre := make([]byte, len(snapMagic)+8)
	if _, err := io.ReadFull(f, pre); err != nil {
		return 0, 0, err
	}
	hl := int64(binary.BigEndian.Uint64(pre[len(snapMagic):]))
	head := make([]byte, hl)
	if _, err := io.ReadFull(f, head); err != nil {
		return 0, 0, err
	}
	snap, ok := decodeHeader(head)
	if !ok {
		return 0, 0, errBadSnapshotPart
	}
	snap.parts = partTable(snap.partTable)
	i := snapBucket(which)
	switch which {
	case "rows":
		i = snap.parts.count() - tailRows
	case "registers":
		i = snap.parts.count() - tailRegisters
	case "histories":
		i = snap.parts.count() - tailHistories
	}
	if strings.HasPrefix(which, journal.Dir+"/") {
		k := slices.Index(snap.Months, which)
		if k < 0 {
			return 0, 0, os.ErrNotExist
		}
		i = snapBuckets + k
	}
	p := snap.parts.at(i)
	return int64(len(pre)) + hl + sha256.Size + p.Off, p.Len, nil
}

// CacheRecords loads every bucket of the plaintext cache and counts its
// records.
func (a *Archive) CacheRecords() int {
	n := 0
	for k := range 256 {
		if b := a.cache.load(byte(k)); b != nil {
			n += len(b.recs)
		}
	}
	return n
}

// SummaryState reports whether the state holds rows and registers, not
// every dossier's state (OpenOptions.Summary).
func (a *Archive) SummaryState() bool { return a.State.summary }

// VerifiedQuick reports whether the last VerifyFast or VerifyPush
// checked the files against the snapshot's rows without reading events.
func (a *Archive) VerifiedQuick() bool { return a.quick }

// SetStampSettle sets how long before a quick check a file must have last
// changed for the check to keep its stamp (stampSettle), and returns what
// puts it back.
func SetStampSettle(d time.Duration) (restore func()) {
	old := stampSettle
	stampSettle = d
	return func() { stampSettle = old }
}

// QuickFilesRead is how many dossier files and bundles the last quick
// verify read, not taken from the user's records of the last one
// (quickStamps).
func (a *Archive) QuickFilesRead() int { return a.quickRead }

// WholeReads is how many times a decoded a whole snapshot.
func (a *Archive) WholeReads() int { return a.wholeReads }

// PartsRead is how many dossiers' parts of the snapshot the state of some
// parts was made of.
func (a *Archive) PartsRead() int { return a.partsRead }

// SnapshotStandsFor reports whether a's saved snapshot stands for the
// journal folders as they are now: the next open reads no events.
func (a *Archive) SnapshotStandsFor() bool {
	f, snap, _ := a.readSnapshot()
	if snap == nil {
		return false
	}
	f.Close()
	dirs, ok := journalDirs(a.Dir)
	return ok && slices.Equal(dirs, snap.Dirs)
}

// LoadSnapshotAbout is the state maintain's steps take about the dossiers
// ids (idsState, else the whole snapshot's), as loadSnapshot gives it.
func (a *Archive) LoadSnapshotAbout(ids []string) (s *State, partial bool) {
	a.onlyIDs = ids
	defer func() { a.onlyIDs = nil }()
	return a.loadSnapshot()
}

// SnapBucketOf is the snapshot part dossier id lies in.
func SnapBucketOf(id string) int { return snapBucket(id) }

// SetMaxSavedParts sets how many parts new events may name for a state of
// some parts to be advanced and saved, past which saveInGroups advances
// the snapshot a run of parts at a time, and returns the old value.
func SetMaxSavedParts(n int) int {
	old := maxSavedParts
	maxSavedParts = n
	return old
}

// SetMaxPartialParts sets how many parts new events may name for a state
// of some parts to be advanced without saving it, and returns the old
// value.
func SetMaxPartialParts(n int) int {
	old := maxPartialParts
	maxPartialParts = n
	return old
}

// RegisterEntries is registerEntries.
func RegisterEntries(k journal.Kind) (changes, reviews int) { return registerEntries(k) }

// SetGroupedParts sets how many parts scoped new events may name for a
// state of some parts to be advanced and saved, past which saveInGroups
// saves the snapshot, and returns the old value.
func SetGroupedParts(n int) int {
	old := groupedParts
	groupedParts = n
	return old
}

// SetBatchRunParts sets how many parts a batch's run holds (batch), and
// returns the old value.
func SetBatchRunParts(n int) int {
	old := batchRunParts
	batchRunParts = n
	return old
}

// HoldsRuns reports whether a still holds a batch's runs (and the
// snapshot file they keep open).
func HoldsRuns(a *Archive) bool { return a.runs != nil }

// RunBatches is how many batches this process took in runs.
func RunBatches() int64 { return runBatches.Load() }

// RacyWaits is how many reads this process made wait for the racy window.
func RacyWaits() int64 { return racyWaits.Load() }

// GroupedSaves is how many snapshots this process saved with saveInGroups.
func GroupedSaves() int64 { return groupedSaves.Load() }

// StateReuses counts the steps taken on the state loaded at open.
func StateReuses() int64 { return stateReuses.Load() }

// HistoriesText is what the reports read of a (Histories), as JSON: each
// dossier's history as the histories part keeps it (historyOf), and the
// two registers, 核定 without their events' hashes. A state from a
// snapshot's histories part and one from a replay say the same.
func HistoriesText(a *Archive) string {
	h := a.Histories()
	ds := map[string]*DossierState{}
	for id, d := range h.all() {
		ds[id] = historyOf(d)
	}
	var reviews []ReviewEntry
	for _, r := range h.Reviews() {
		rv := *r.Review // a copy: the entry is the dossier's own
		rv.Event = ""
		reviews = append(reviews, ReviewEntry{r.Dossier, &rv})
	}
	b, err := json.Marshal(struct {
		Dossiers map[string]*DossierState
		Changes  []Change
		Reviews  []ReviewEntry
	}{ds, h.Changes, reviews})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// all is every dossier of h, each decoded on its own (Dossier).
func (h *Histories) all() map[string]*DossierState {
	m := map[string]*DossierState{}
	for _, id := range h.IDs() {
		m[id] = h.Dossier(id)
	}
	return m
}

// HistoriesFromPart reports whether a's histories were read from its
// snapshot's histories part.
func HistoriesFromPart(a *Archive) bool { return a.State.hist != nil }

// historyOf is what a histories record keeps of dossier d
// (appendHistory): what a state read from the part is compared with.
func historyOf(d *DossierState) *DossierState {
	h := &DossierState{ID: d.ID, Level: d.Level, Status: d.Status, Created: d.Created, Updated: d.Updated,
		Destroyed: d.Destroyed, LevelSetOn: d.LevelSetOn, Period: d.Period, Expires: d.Expires,
		Declassified: d.Declassified, Levels: d.Levels}
	for _, m := range d.Credits {
		h.Credits = append(h.Credits, Mark{At: m.At, Value: m.Value, Reviewed: m.Reviewed})
	}
	for _, m := range d.Tiers {
		h.Tiers = append(h.Tiers, Mark{At: m.At, Value: m.Value})
	}
	for _, u := range d.Updates {
		h.Updates = append(h.Updates, Stamp{At: u.At})
	}
	for _, r := range d.Reviews {
		r.Event = ""
		h.Reviews = append(h.Reviews, r)
	}
	return h
}

// SnapMagic starts a snapshot file of this version.
const SnapMagic = snapMagic

// MapPartsFrom maps the snapshot's parts of n bytes or more from its file
// rather than reading them, until restore.
func MapPartsFrom(n int64) (restore func()) {
	old := mapFrom.Swap(n)
	return func() { mapFrom.Store(old) }
}

// bucketPartOfAnotherBuild is snapBucketPart as another build of crm
// might have had it: one field more, so that its gob types, and the
// Prelude, differ, while its parts still decode into this build's type.
type bucketPartOfAnotherBuild struct {
	Dossiers     map[string]*DossierState
	Changes      []seqChange
	Reviews      []reviewRef
	Events       map[string][]string
	Destructions map[string]*Destruction
	Gone         string
}

// EncodeSnapshotAsAnotherBuild rewrites a's saved snapshot as another
// build would have written it (an upgrade since): every dossiers' part
// encoded with bucketPartOfAnotherBuild, the header sealed again.
func (a *Archive) EncodeSnapshotAsAnotherBuild() error {
	f, snap, base := a.readSnapshot()
	if snap == nil {
		return os.ErrNotExist
	}
	defer f.Close()
	var parts [][]byte
	var prelude []byte
	for i := range snap.parts.count() {
		b, ok := snap.rawPart(f, base, i)
		if !ok {
			return fmt.Errorf("part %d of %d: %w", i, snap.parts.count(), errBadSnapshotPart)
		}
		if i < snapBuckets {
			var p snapBucketPart
			if !snap.decodeParts([][]byte{b}, []*snapBucketPart{&p}) {
				return fmt.Errorf("decode part %d (%d bytes): %w", i, len(b), errBadSnapshotPart)
			}
			var buf bytes.Buffer
			enc := gob.NewEncoder(&buf)
			if err := enc.Encode(&bucketPartOfAnotherBuild{}); err != nil {
				return err
			}
			n := buf.Len()
			if err := enc.Encode(&bucketPartOfAnotherBuild{p.Dossiers, p.Changes, p.Reviews, p.Events, p.Destructions, "x"}); err != nil {
				return err
			}
			prelude, b = buf.Bytes()[:n:n], buf.Bytes()[n:]
		}
		parts = append(parts, b)
	}
	var off int64
	table := make([]snapPart, len(parts))
	for i, b := range parts {
		table[i] = snapPart{Off: off, Len: int64(len(b)), Sum: sha256.Sum256(b)}
		off += int64(len(b))
	}
	snap.parts = partTable(packParts(table))
	snap.Prelude, snap.partTable, snap.state.Decided = prelude, snap.parts, nil
	head, ok := encodeHeader(snap)
	if !ok {
		return errBadSnapshotPart
	}
	out := binary.BigEndian.AppendUint64([]byte(snapMagic), uint64(len(head)))
	out = a.jc.sealSnapshot(append(out, head...))
	for _, b := range parts {
		out = append(out, b...)
	}
	return os.WriteFile(a.jc.snapPath(), out, 0o600)
}

// ResealSnapshotAs rewrites a's saved snapshot as one that starts with
// magic (of the same length as snapMagic), its header sealed again: a
// snapshot of another version, as a release that wrote it would have.
func (a *Archive) ResealSnapshotAs(magic string) error {
	if len(magic) != len(snapMagic) {
		return fmt.Errorf("magic %q is not %d bytes", magic, len(snapMagic))
	}
	b, err := os.ReadFile(a.jc.snapPath())
	if err != nil {
		return err
	}
	end := len(snapMagic) + 8 + int(binary.BigEndian.Uint64(b[len(snapMagic):]))
	out := a.jc.sealSnapshot(append([]byte(magic), b[len(snapMagic):end]...))
	out = append(out, b[end+sha256.Size:]...)
	return os.WriteFile(a.jc.snapPath(), out, 0o600)
}

// SnapshotEncodedHere reports whether a's saved snapshot's parts were
// encoded by this build.
func (a *Archive) SnapshotEncodedHere() bool {
	f, snap, _ := a.readSnapshot()
	if snap == nil {
		return false
	}
	f.Close()
	return snap.encodedHere()
}

// LeftBehind reports whether this process may have left a file it meant
// to remove or move, and clears the mark (it is the process's, and tests
// share one).
func LeftBehind() bool { return leftBehind.Swap(false) }

// Replays is how many times this process replayed the whole journal.
func Replays() int64 { return replays.Load() }

// SavedTail is the tail of the journal's order the state snapshot of a
// keeps (by hash), if it has one that reads.
func SavedTail(a *Archive) ([]string, bool) {
	f, snap, base := a.readSnapshot()
	if snap == nil {
		return nil, false
	}
	defer f.Close()
	t, ok := snap.orderTail(f, base)
	hs := make([]string, len(t))
	for i, e := range t {
		hs[i] = e.Hash
	}
	return hs, ok
}

// PartRun is how many parts a run of saveInGroups holds.
const PartRun = partRun

// SeenAfterGroupedSave reads the user's snapshot again as loadSnapshot
// does right after saveInGroups saved one advanced from a snapshot whose
// good heads were from: the one saved (its parts those read), or, with
// !same, another (other parts). It reports whether heads from then count
// as seen (snapshotHas).
func (a *Archive) SeenAfterGroupedSave(from []string, same bool) bool {
	f, snap, _ := a.readSnapshot()
	if snap == nil {
		return false
	}
	f.Close()
	parts := slices.Clone(snap.parts)
	if !same {
		parts = append([]byte{1}, parts...)
	}
	a.grouped = &groupedSave{parts: parts, from: from}
	if s, _ := a.loadSnapshot(); s == nil {
		return false
	}
	return slices.ContainsFunc(a.seenGood, func(hs []string) bool { return slices.Equal(hs, from) })
}

// RegisterSizes is registerSizes: what a replay of j makes its registers
// hold at once.
func RegisterSizes(j *journal.Journal) (changes, reviews int) {
	changes, reviews, _ = registerSizes(j)
	return changes, reviews
}

// SetPastAll makes the analysis of refused steps replay every ancestor
// (all) or only those that can change what the step's rule reads, and
// returns what puts it back.
func SetPastAll(all bool) (restore func()) {
	old := pastAll
	pastAll = all
	return func() { pastAll = old }
}

// RolesAtForTest is s.rolesAt(id, t).
func RolesAtForTest(s *State, id string, t time.Time) []string { return s.rolesAt(id, t) }

// SetBatchBundleMin sets how many event files a Bulk must write into a
// month folder for them to be bundled (batchBundleMin), and returns what
// puts it back.
func SetBatchBundleMin(n int) (restore func()) {
	old := batchBundleMin
	batchBundleMin = n
	return func() { batchBundleMin = old }
}

// DigestsLack is digestsLack: whether a maintain run would decrypt
// PaceDigests files or more for their digests.
func (a *Archive) DigestsLack() bool { return a.digestsLack() }

// SetPaceDigests sets paceDigests to n for the test.
func SetPaceDigests(t testing.TB, n int) {
	old := paceDigests
	paceDigests = n
	t.Cleanup(func() { paceDigests = old })
}

// CacheBucketsHeld is how many buckets of the plaintext cache are in
// memory.
func (a *Archive) CacheBucketsHeld() int {
	if a.cache == nil {
		return 0
	}
	return len(a.cache.b)
}

// StaleOfRows is, of every active dossier, the keys its file still opens
// with that were changed since (member.rotate): from a summary state's
// rows, else from the state's dossiers (StaleKeys). Dossiers with none are
// left out.
func StaleOfRows(a *Archive) map[string][]string {
	out := map[string][]string{}
	if a.State.summary {
		for _, r := range a.State.sortedRows() {
			if r.Status == StatusActive && len(r.Stale) > 0 {
				out[r.ID] = r.Stale
			}
		}
		return out
	}
	for _, d := range a.State.SortedDossiers() {
		if st := a.State.StaleKeys(d); d.Status == StatusActive && len(st) > 0 {
			out[d.ID] = st
		}
	}
	return out
}

// ReplayPasses is how many passes Replay made in this process.
func ReplayPasses() int64 { return replayPasses.Load() }

// SetTwoPasses makes Replay run its second pass whenever a member was
// removed (as before leaverEscapes); the returned func puts it back.
func SetTwoPasses(on bool) (restore func()) {
	old := twoPasses
	twoPasses = on
	return func() { twoPasses = old }
}

// StateRemovals is the removals a state refuses a leaver's steps by.
func StateRemovals(s *State) map[string][]string { return s.removals }

// PassesAgree reports whether a replay's two passes refused the same.
func PassesAgree(s *State) bool { return s.passesAgree }

// CountPreludes makes thisPrelude afresh, counting how many times this
// process makes it from here on (at most once), until restore.
func CountPreludes() (made func() int, restore func()) {
	old, n := thisPrelude, 0
	thisPrelude = sync.OnceValues(func() ([]byte, bool) {
		n++
		return old()
	})
	return func() int { return n }, func() { thisPrelude = old }
}

// PinParses is how many times CheckPin parsed the pin file itself in this
// process (not taking CheckPinnedFiles' parse of the same bytes).
func PinParses() int64 { return pinParses.Load() }

// StaleEarlyListing makes the listing loadSnapshot starts before it reads
// the snapshot's header one a writer has since changed (the journal
// folder's time moved back a second), until restore.
func StaleEarlyListing() (restore func()) {
	old := earlyDirs
	earlyDirs = func(dir string) ([]dirStamp, bool) {
		dirs, ok := old(dir)
		if ok && len(dirs) > 0 {
			dirs = slices.Clone(dirs)
			dirs[0].MTime -= int64(time.Second)
		}
		return dirs, ok
	}
	return func() { earlyDirs = old }
}

// LockFile takes the archive lock's kind of lock (flock(2), LockFileEx on
// Windows) on f, waiting for it: another process holding the lock.
func LockFile(f *os.File) error { return lockFileWait(f) }

// CleanMarks reports whether the lock leaves a clean mark for the archive
// at dir: not where a folder's identity or its time in ns cannot be had
// (Windows: lock_windows.go, fileIdentity).
func CleanMarks(dir string) bool {
	_, ok := folderStamp(filepath.Join(dir, DossiersDir))
	return ok
}

// RememberDecrypted makes the process remember what each identity
// decrypted (decryptRemembered), for the tests: not for benchmarks, whose
// figures are of decrypting.
func RememberDecrypted() { testDecrypted = &decryptMemo{m: map[decryptKey][]byte{}} }

// IndexedMiss is indexedMiss: whether the customers index answered for
// the organisation named name (and how many dossiers it did not check).
func (a *Archive) IndexedMiss(name string) (unread int, ok bool) { return a.indexedMiss(name) }
