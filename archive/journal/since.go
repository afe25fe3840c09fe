package journal

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"crm/archive/work"
	"crm/l10n"
)

// Since is what a journal read before (the one a state snapshot was
// replayed from) says of the events ReadSince may take as known.
type Since struct {
	// Heads are the heads of the journal read before, with their times.
	Heads map[string]time.Time
	// Known returns the hashes of the events the journal read before held
	// in month folder rel, sorted (none for a folder it did not have).
	Known func(rel string) []string
	// MTime returns the time (ns) month folder rel had when the journal
	// was read before (0 for a folder it did not have). A known event's
	// file newer than that was replaced or rewritten since (as git does
	// when a pull brings an edited event): it is read again and checked
	// against its name.
	MTime func(rel string) int64
	// Hint, if set, gives the key each actor's new events are most likely
	// judged by: they are checked as they are read (ReadHinted).
	Hint KeyHint
	// Tail, if set, gives the end of the order of the journal read
	// before: with it, new events that do not follow every head known
	// before are placed among the old ones (Journal.Merge).
	Tail func() (Tail, bool)
	// Memo, if set, gives a listing of month folder rel made before on
	// top of the same known events (Listed.New): the time the folder had
	// then and the names of the event files in it that Known lacks. A
	// folder whose time is still that one is not listed again: its known
	// events are taken as they were and the files named are read. At
	// 100,000 dossiers the month of a quarter's 核定 holds ~80,000 event
	// files, and listing them and checking their times took 0.2 s of
	// every command until the next snapshot.
	Memo func(rel string) (MemoFolder, bool)
}

// MemoFolder is a month folder as a listing before found it (Since.Memo):
// its time, the names of the event files in it that Known lacked, and,
// when it held bundles whose events were all known, their stamps and the
// known events that were in files of their own. A listing of the folder
// after it changed (a new file) takes such a bundle as it was while its
// name, time and size are unchanged (its name is its content's hash),
// without reading it: at 100,000 dossiers a quarter's bundle is 30 MB,
// read and hashed twice by every listing.
type MemoFolder struct {
	MTime      int64
	New        []string
	Bundles    []BundleStamp
	LooseKnown []string // sorted
}

// BundleStamp is a bundle file's name, time (ns) and size as listed.
type BundleStamp struct {
	Name        string
	MTime, Size int64
}

// Listed is a month folder as ReadSince listed it: the time it had when
// listed (0 if that was within the racy window: it must be listed again)
// and the hashes of every event in it, sorted (unset when taken from a
// memo: MemoHashes).
type Listed struct {
	Rel    string
	MTime  int64
	Hashes []string
	// Bundled: the folder holds a bundle, which was read to list it;
	// BundledNew: one that holds events not known before (they were
	// parsed from it: no memo of the folder names them).
	Bundled, BundledNew bool
	// New are the names of the event files in it that the events known
	// before lacked (sorted), and Memo whether the listing was taken from
	// Since.Memo rather than made now.
	New  []string
	Memo bool
	// Bundles and LooseKnown are as MemoFolder's: set when every bundle
	// in the folder held only known events and had a trusted time.
	Bundles    []BundleStamp
	LooseKnown []string
}

// monthListings counts the month folders ReadSince listed (not taken from
// a memo), for tests.
var monthListings atomic.Int64

// MonthListings is how many month folders ReadSince listed in this
// process.
func MonthListings() int64 { return monthListings.Load() }

// bundleReads counts the bundles ReadSince's listings read, for tests.
var bundleReads atomic.Int64

// BundleReads is how many bundles ReadSince's listings read in this
// process.
func BundleReads() int64 { return bundleReads.Load() }

// ReadSince reads the events a journal read before lacks, from the month
// folders rels (those whose time changed since): the journal it returns
// holds those events only (perhaps none: folders whose events went into a
// bundle), with Prior set to since.Heads. It returns false
// unless the journal is one a replay on top of the one before can stand
// for: every folder holds only plain event files, none of the events known
// before is gone, every new event reads without a problem, and either it
// links only to new events and to heads known before and follows every
// one of those heads (so that each comes after every known event in the
// journal's order, whatever the order of the others), or, with
// since.Tail, the new events can be placed among the known ones from the
// tail of their order: then Prior holds the known events they link to
// and Merge says how the two meet (Tail.merge). Anything else is for a
// full read to find and report.
func ReadSince(ctx context.Context, dir string, rels []string, since Since) (*Journal, []Listed, bool, error) {
	r := &reader{
		j:      &Journal{ByHash: map[string]*Event{}, Prior: since.Heads},
		listed: time.Now().Add(-racyWindow).UnixNano(),
		hint:   since.Hint,
	}
	rootDir := dir
	r.j.root = &rootDir
	var listed []Listed
	for _, rel := range rels {
		var old int64
		if since.MTime != nil {
			old = since.MTime(rel)
		}
		var memo *MemoFolder
		if since.Memo != nil {
			if m, ok := since.Memo(rel); ok {
				if l, ok := r.fromMemo(dir, rel, m); ok {
					listed = append(listed, l)
					continue
				}
				memo = &m
			}
		}
		l, ok, err := r.listSince(filepath.Join(dir, filepath.FromSlash(rel)), rel, since.Known(rel), old, memo)
		if err != nil || !ok {
			return nil, nil, false, err
		}
		listed = append(listed, l)
	}
	events, err := r.parse(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	if len(r.j.Problems) > 0 {
		return nil, nil, false, nil
	}
	for _, e := range events {
		for k, p := range e.Prev {
			if q := r.j.ByHash[p]; q != nil {
				e.Prev[k] = q.Hash
			}
		}
	}
	// The old events the new ones link to: heads known before, or, in a
	// merge, events of the tail of the journal read before.
	linked := map[string]bool{}
	for _, e := range events {
		for _, p := range e.Prev {
			if r.j.ByHash[p] == nil {
				linked[p] = true
			}
		}
	}
	known := true
	for p := range linked {
		if _, ok := since.Heads[p]; !ok {
			known = false
		}
	}
	if known {
		r.j.order()
		if len(r.j.Problems) > 0 {
			return nil, nil, false, nil
		}
		if r.j.followsAllPrior() {
			if len(r.j.Events) == 0 {
				// Folders changed without a new event (their events
				// went into bundles): the heads are those known before.
				r.j.Heads = slices.Sorted(maps.Keys(since.Heads))
			}
			return r.j, listed, true, nil
		}
	}
	if since.Tail == nil || len(events) == 0 {
		return nil, nil, false, nil
	}
	t, ok := since.Tail()
	if !ok {
		return nil, nil, false, nil
	}
	// Prior then holds the old events they link to, with their times.
	times := make(map[string]time.Time, len(t))
	for _, e := range t {
		times[e.Hash] = e.Time
	}
	r.j.Prior = make(map[string]time.Time, len(linked))
	for p := range linked {
		tm, ok := times[p]
		if !ok {
			return nil, nil, false, nil
		}
		r.j.Prior[p] = tm
	}
	r.j.order()
	if len(r.j.Problems) > 0 {
		return nil, nil, false, nil
	}
	if _, ok := t.merge(r.j, slices.Sorted(maps.Keys(since.Heads))); !ok {
		return nil, nil, false, nil
	}
	return r.j, listed, true, nil
}

// listSince lists the month folder at p and queues the files of events
// not in known (sorted). It returns false if the folder holds anything
// but plain event files and bundles or lacks an event of known, or if the
// file of an event of known is newer than the folder was when it was
// known (old, in ns) and no longer holds that event. With memo (the
// folder as a listing before found it), its bundles of known events are
// taken as they were, unread, while every bundle in the folder is one of
// them with the same time and size.
func (r *reader) listSince(p, rel string, known []string, old int64, memo *MemoFolder) (Listed, bool, error) {
	l := Listed{Rel: rel}
	fi, err := os.Lstat(p)
	if err != nil || !fi.IsDir() {
		return l, false, nil
	}
	if mt := fi.ModTime().UnixNano(); mt < r.listed {
		l.MTime = mt
	}
	monthListings.Add(1)
	ents, err := os.ReadDir(p)
	if err != nil {
		return l, false, err
	}
	dirf, err := os.Open(p) // for the files' times
	if err != nil {
		return l, false, nil
	}
	defer dirf.Close()
	folder := &Folder{Rel: rel}
	var bundles []string
	files := ents[:0:0] // the others: event files, or strangers
	for _, d := range ents {
		if _, ok := bundleHash(d.Name()); ok && d.Type().IsRegular() {
			bundles = append(bundles, d.Name())
		} else {
			files = append(files, d)
		}
	}
	skip := r.sameBundles(dirf, bundles, memo)
	read := bundles // the bundles read now: none when taken as the memo saw them
	if skip {
		read = nil
	}
	var inBundles []string // the hashes of the bundles read, when all are known
	allKnown := true
	for _, name := range read {
		// A bundle's events are read now: its name does not give them.
		bundleReads.Add(1)
		b, mt, size, err := readStamped(filepath.Join(p, name))
		if err != nil {
			return l, false, nil
		}
		// The events known before are known by their hashes: only
		// the new ones are parsed.
		l.Bundled = true
		pieces, hs, ok := bundlePieces(b, name)
		if !ok {
			return l, false, nil
		}
		l.Hashes = append(l.Hashes, hs...)
		inBundles = append(inBundles, hs...)
		if mt < r.listed {
			l.Bundles = append(l.Bundles, BundleStamp{name, mt, size})
		} else {
			allKnown = false // its time is not trusted yet
		}
		var fresh []int // the pieces of events not known before
		for i, h := range hs {
			if _, was := slices.BinarySearch(known, h); !was {
				fresh = append(fresh, i)
			}
		}
		// Parsed and checked on every core, as event files are: a
		// batch's bundle holds ~100,000.
		got := make([]*Event, len(fresh))
		var bad atomic.Bool
		work.Each(context.Background(), "", len(fresh), func(k int) {
			e, problem := r.bundled(pieces[fresh[k]], fresh[k], name, rel)
			if e == nil || problem != "" {
				bad.Store(true)
				return
			}
			r.checked(e, mt, size)
			got[k] = e
		})
		if bad.Load() {
			return l, false, nil
		}
		for _, e := range got {
			r.read = append(r.read, readEvent{e, folder})
			l.BundledNew = true
		}
	}
	var loose []string
	for _, d := range files {
		h, ok := nameHash(d.Name())
		if !ok || isTemp(d.Name()) || !d.Type().IsRegular() {
			return l, false, nil
		}
		loose = append(loose, h)
		// Its paths are made only for a file to be read: the current
		// month may hold ~100,000 known ones.
		f := func() file { return file{filepath.Join(p, d.Name()), rel + "/" + d.Name(), h, folder, 0} }
		if _, was := slices.BinarySearch(known, h); !was {
			r.files = append(r.files, f())
			l.New = append(l.New, d.Name())
			continue
		}
		// A known event's file written after the folder was known was
		// replaced or edited since: it must still be that event.
		mt, err := modTimeAt(dirf, d.Name())
		if err != nil {
			return l, false, nil
		}
		if mt > old {
			if _, problem, err := r.readEvent(f()); err != nil || problem != "" {
				return l, false, nil
			}
		}
	}
	slices.Sort(loose)
	slices.Sort(l.New)
	if skip {
		// The bundles hold what they held: known events. Every other
		// known event was in a file of its own, and must still be.
		for _, h := range memo.LooseKnown {
			if _, ok := slices.BinarySearch(loose, h); !ok {
				return l, false, nil
			}
		}
		l.Hashes = slices.Concat(known, loose)
		l.Bundles, l.LooseKnown = memo.Bundles, memo.LooseKnown
	} else {
		l.Hashes = append(l.Hashes, loose...)
	}
	slices.Sort(l.Hashes)
	l.Hashes = slices.Compact(l.Hashes) // an event both in a bundle and in a file of its own
	for _, h := range known {
		if _, ok := slices.BinarySearch(l.Hashes, h); !ok {
			return l, false, nil
		}
	}
	if !skip {
		if len(bundles) == 0 || !allKnown || l.BundledNew || len(l.Bundles) != len(bundles) {
			l.Bundles = nil
		} else {
			// The known events outside every bundle, for the next
			// listing that takes the bundles unread.
			slices.Sort(inBundles)
			for _, h := range known {
				if _, in := slices.BinarySearch(inBundles, h); !in {
					l.LooseKnown = append(l.LooseKnown, h)
				}
			}
		}
	}
	return l, true, nil
}

// sameBundles reports whether bundles (the names of the bundles in the
// folder open as dirf) are exactly memo's, each with the time and size
// it had then.
func (r *reader) sameBundles(dirf *os.File, bundles []string, memo *MemoFolder) bool {
	if memo == nil || len(bundles) == 0 || len(bundles) != len(memo.Bundles) {
		return false
	}
	for _, b := range memo.Bundles {
		if !slices.Contains(bundles, b.Name) {
			return false
		}
		mt, size, err := stampAt(dirf, b.Name)
		if err != nil || mt != b.MTime || size != b.Size || mt >= r.listed {
			return false
		}
	}
	return true
}

// fromMemo is the listing of month folder rel that memo gives, if the
// folder's time is still the one it had then and past the racy window:
// the folder has gained, lost and replaced no file since, as every such
// change sets its time. Its known events are known, and the files named
// are queued to be read (and checked against their names) as a listing
// queues them.
//
// The events known there are not looked at: the memo was made on the
// same known events (it is sealed with the snapshot's name), so the
// files it names are those they lack. Its Hashes are left unset
// (MemoHashes gives them): a quarter's month knows ~100,000 events,
// and taking them made `show` 1.6× slower there (40 against 24 ms).
func (r *reader) fromMemo(dir, rel string, memo MemoFolder) (Listed, bool) {
	mt := memo.MTime
	if mt == 0 || mt >= r.listed {
		return Listed{}, false
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil || !fi.IsDir() || fi.ModTime().UnixNano() != mt {
		return Listed{}, false
	}
	l := Listed{Rel: rel, MTime: mt, Memo: true, New: slices.Clone(memo.New), Bundles: memo.Bundles, LooseKnown: memo.LooseKnown}
	folder := &Folder{Rel: rel}
	for _, name := range memo.New {
		h, ok := nameHash(name)
		if !ok || isTemp(name) {
			return Listed{}, false
		}
		r.files = append(r.files, file{filepath.Join(p, name), rel + "/" + name, h, folder, 0})
	}
	return l, true
}

// MemoHashes is the hashes of every event in the folder of listing l,
// sorted, where known are those the events known before held there (as
// Since.Known gives them): l's Hashes, or for a listing taken from a
// memo (which leaves them unset), known and those of its new files. It
// returns false if a new file was already known: then the memo was not
// made on these known events.
func MemoHashes(l Listed, known []string) ([]string, bool) {
	if !l.Memo {
		return l.Hashes, true
	}
	var added []string
	for _, name := range l.New {
		h, ok := nameHash(name)
		if !ok {
			return nil, false
		}
		if _, was := slices.BinarySearch(known, h); was {
			return nil, false
		}
		added = append(added, h)
	}
	// known is sorted and holds none of the few added: merged, not
	// sorted again.
	slices.Sort(added)
	return mergeSorted(known, slices.Compact(added)), true
}

// mergeSorted is the sorted union of a and b, each sorted and without
// duplicates, which have no element in common.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// Recheck lists month folder l.Rel of the archive at dir again, as
// ReadSince lists a folder that changed since the events known were
// (their folder's time then: old): every known event file newer than
// that is read again and checked against its name. It returns the
// listing made now, or false unless the folder still has l's time and
// events and no bundle in it holds an event not known before. A listing
// taken from a memo (l.Memo) is checked so before a snapshot comes to
// stand for it: the memo does not look at the known files, and one
// rewritten in place since leaves its folder's time as it was.
func Recheck(dir string, l Listed, known []string, old int64) (Listed, bool) {
	r := &reader{j: &Journal{ByHash: map[string]*Event{}}, listed: time.Now().Add(-racyWindow).UnixNano()}
	root := dir
	r.j.root = &root
	got, ok, err := r.listSince(filepath.Join(dir, filepath.FromSlash(l.Rel)), l.Rel, known, old, nil)
	if err != nil || !ok || got.BundledNew || got.MTime == 0 || got.MTime != l.MTime {
		return l, false
	}
	if want, ok := MemoHashes(l, known); !ok || !slices.Equal(got.Hashes, want) {
		return l, false
	}
	return got, true
}

// Relisted is l, a month folder of the archive at dir that ReadSince
// listed within the racy window (MTime 0), listed again: with the time it
// has now if that is older than the racy window and it still holds
// exactly the event files it held (false if not, or it holds a bundle).
// Older than the racy window is older than SettleWindow here: it serves
// the snapshot's saves that wait for the folder (settleListed).
// Its events were read and checked against their names then; a folder
// whose time is trusted once listed stands for them as any listed later.
func Relisted(dir string, l Listed) (Listed, bool) {
	if l.Bundled {
		return l, false
	}
	p := filepath.Join(dir, filepath.FromSlash(l.Rel))
	fi, err := os.Lstat(p)
	if err != nil || !fi.IsDir() {
		return l, false
	}
	mt := fi.ModTime().UnixNano()
	if mt >= time.Now().Add(-SettleWindow(mt)).UnixNano() || !holdsExactly(p, l.Hashes) {
		return l, false
	}
	l.MTime = mt
	return l, true
}

// SameFiles reports whether the month folder of listing l, made by
// ReadSince in the archive at dir, holds now exactly the event files it
// held then, whatever the folder's time: no file added, removed or left
// half-written. It is false for a folder that held a bundle or was taken
// from a memo (neither listing names its files), and for one that cannot
// be listed. An event file is named for its bytes, which were checked
// against the name when read: the same names are the same events.
func SameFiles(dir string, l Listed) bool {
	if l.Bundled || l.Memo {
		return false
	}
	return holdsExactly(filepath.Join(dir, filepath.FromSlash(l.Rel)), l.Hashes)
}

// holdsExactly reports whether the folder at p holds one plain event file
// for each of hashes (sorted) and nothing else.
func holdsExactly(p string, hashes []string) bool {
	ents, err := os.ReadDir(p)
	if err != nil || len(ents) != len(hashes) {
		return false
	}
	hs := make([]string, 0, len(ents))
	for _, d := range ents {
		h, ok := nameHash(d.Name())
		if !ok || isTemp(d.Name()) || !d.Type().IsRegular() {
			return false
		}
		hs = append(hs, h)
	}
	slices.Sort(hs)
	return slices.Equal(hs, hashes)
}

// followsAllPrior reports whether every event follows every Prior head.
func (j *Journal) followsAllPrior() bool {
	reach := make(map[string]map[string]bool, len(j.Events))
	for _, e := range j.Events { // in order: what an event follows comes first
		got := map[string]bool{}
		for _, p := range e.Prev {
			if _, prior := j.Prior[p]; prior {
				got[p] = true
				continue
			}
			for h := range reach[p] {
				got[h] = true
			}
		}
		if len(got) != len(j.Prior) {
			return false
		}
		reach[e.Hash] = got
	}
	return true
}

// ReadFolder reads month folder rel of the archive at dir as a full read
// does (ReadWith), given known, the folder as read before (or nil): every
// event file in it, checked against its name, where a file unchanged
// since known read it is not read again. It returns false if the folder
// holds anything but plain event files, or a file with a problem: those
// are for a full read to report.
func ReadFolder(ctx context.Context, dir, rel string, known *Folder) (*Folder, bool, error) {
	r := &reader{
		j:      &Journal{ByHash: map[string]*Event{}, Folders: map[string]*Folder{}},
		byHash: map[string]*Event{},
		listed: time.Now().Add(-racyWindow).UnixNano(),
	}
	root := dir
	r.j.root = &root
	if known != nil {
		r.known = map[string]*Folder{rel: known}
		r.learn(known)
	}
	if err := r.walk(filepath.Join(dir, filepath.FromSlash(rel)), rel, false); err != nil {
		return nil, false, err
	}
	if _, err := r.parse(ctx); err != nil {
		return nil, false, err
	}
	f := r.j.Folders[rel]
	if f == nil || len(r.j.Problems) > 0 || len(r.j.Temps) > 0 {
		return nil, false, nil
	}
	return f, true, nil
}

// ReadFile reads the event file at rel (a slash path in the archive at
// dir) and checks it against its name, as a full read does.
func ReadFile(dir, rel string) (*Event, error) {
	h, ok := HashOfPath(rel)
	if !ok {
		return nil, l10n.Errorf("%s: %s", rel, l10n.T("not an event file name (TIME-SHA256.yaml)"))
	}
	r := &reader{j: &Journal{}}
	root := dir
	r.j.root = &root
	e, problem, err := r.readEvent(file{filepath.Join(dir, filepath.FromSlash(rel)), rel, h, nil, 0})
	if os.IsNotExist(err) {
		// The event may be in a bundle of its month.
		if b := findInBundles(dir, rel); b != nil {
			if e, err := Parse(b); err == nil && e.Hash == h && PathOf(e.Time, e.Hash) == rel {
				e.setPath(rel)
				e.root = r.j.root
				return e, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if problem != "" {
		return nil, l10n.Errorf("%s: %s", rel, problem)
	}
	return e, nil
}
