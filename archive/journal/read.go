package journal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/l10n"
)

// Journal is every event of an archive, in an order consistent with the
// links: an event comes after every event it follows.
type Journal struct {
	Events []*Event
	ByHash map[string]*Event
	Heads  []string // hashes of the events no other event follows, sorted
	// Problems found while reading: unreadable files, names that do not
	// match their content, links to missing events, link cycles.
	Problems []Problem
	// Temps are the temporary files of writes in progress or interrupted
	// (slash paths relative to the archive): not events.
	Temps []string
	// Folders are the folders of events as read (see ReadWith), by path.
	Folders map[string]*Folder
	// Reused counts the events ReadWith took from what it was given
	// instead of reading their files.
	Reused int
	// Prior, when set, stands for events before these that are not held
	// here (a journal read with ReadSince, on top of a state snapshot):
	// every event here follows every one of them (after a merge, every
	// one but some of Merge.Side). It maps the heads among them to their
	// times.
	Prior map[string]time.Time
	// Merge, when set, says how the events held (read since a snapshot)
	// meet the snapshot's when they do not follow all its heads: Prior
	// then holds the old events they link to, the held events follow
	// every old event but some of Merge.Side (Follows tells), and Heads
	// holds the old heads none of them follows.
	Merge *Merge

	root *string // the archive's folder

	followers followMemo // what Follows learnt, by ancestor
}

// Root is the folder of the archive the journal was read from ("" for a
// journal not read from files).
func (j *Journal) Root() string {
	if j.root == nil {
		return ""
	}
	return *j.root
}

// SetRoot sets the folder of the archive the journal's event files are in
// (Root), for a journal made rather than read: a state snapshot's heads.
func (j *Journal) SetRoot(dir string) { j.root = &dir }

// Problem is something wrong with the archive, with the path it concerns.
type Problem struct {
	Path string `json:"path"`
	Msg  string `json:"message"`
	// Next and Arg say what to do about it, as an archive.Next that the
	// command puts in words (a message below cmd/ names no command).
	Next int    `json:"-"`
	Arg  string `json:"-"`
	// En and Zh are Msg in English and in Chinese, when it was made so
	// (a problem of the replay): a state snapshot keeps them, and the
	// command that reads it shows the one of its own language. Empty in
	// a snapshot saved before they were kept: Msg is all there is.
	En string `json:"-"`
	Zh string `json:"-"`
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }

// Read reads every event under dir/journal, on every core.
func Read(ctx context.Context, dir string) (*Journal, error) {
	return ReadWith(ctx, dir, nil)
}

// Folder is one folder of the journal as it was last read: its
// modification time (0: not to be trusted, list it again) and the events
// in it. A folder whose time has not changed since holds the same names
// (adding, removing or renaming a file changes its folder's time), so it is
// not listed again, and in a folder listed again an event whose name was
// read before (the name holds the hash of the content) is not read again
// if its file has the time and size it was read with (git replaces a file
// it changes, an editor rewrites it: either changes its time). Only folders
// of plain event files (no subfolders, links, temporary files or problems)
// are kept.
type Folder struct {
	Rel    string // slash path relative to the archive
	MTime  int64  // modification time in ns when listed; 0: list again
	Events []*Event
	Dirty  bool // read or changed by this process (to save)
}

// racyWindow: a folder changed this shortly before it was listed may
// change again within the same tick of the file system's clock; its time
// is not trusted (git's "racily clean" entries).
var racyWindow = 2 * time.Second

// RacyWindow is how long after its last change a folder's time is not
// trusted (default 2 s).
func RacyWindow() time.Duration { return racyWindow }

// SetRacyWindow sets RacyWindow, for a file system whose times are
// coarser than 2 s (longer) or tests that write and read at once (0). It
// is not safe to call while the journal is being read. The window set
// holds for every folder (SettleWindow too).
func SetRacyWindow(d time.Duration) { racyWindow, racySet = d, true }

// racySet is whether SetRacyWindow was called (CRM_RACY_WINDOW).
var racySet bool

// KeepRacyWindow returns what puts RacyWindow back as it is now, set or
// not (SettleWindow), for tests that set it for a while.
func KeepRacyWindow() (restore func()) {
	w, set := racyWindow, racySet
	return func() { racyWindow, racySet = w, set }
}

// fineWindow is SettleWindow for a folder whose time has a fraction of a
// second.
const fineWindow = 100 * time.Millisecond

// SettleWindow is how long after a folder's last change, at mtime (ns),
// a save of the state snapshot that waits for the folder (settleListed)
// trusts its time: RacyWindow, or 100 ms when mtime has a fraction of a
// second and no window was set. A file system that keeps fractions (ext4,
// XFS, btrfs, tmpfs, APFS, NTFS, exFAT) moves a folder's time in steps of
// a clock tick (1-16 ms), so a change 100 ms after the time read gives
// another time; one that keeps whole seconds (FAT: 2 s, HFS+: 1 s) leaves
// none, and gets the whole window. (A time with no fraction on a file
// system that keeps them, one in a billion, waits the whole window.) A
// script's loop of writes waited ~2.2 s every ~37 writes for the folder
// it writes in, to save the snapshot.
func SettleWindow(mtime int64) time.Duration {
	if !racySet && mtime%int64(time.Second) != 0 {
		return min(racyWindow, fineWindow)
	}
	return racyWindow
}

// ReadWith reads every event under dir/journal as Read does, reusing what
// known (the folders of a journal read before, by this process or from a
// verified cache) says of folders and files that have not changed.
func ReadWith(ctx context.Context, dir string, known map[string]*Folder) (*Journal, error) {
	return readWith(ctx, dir, known, nil, nil)
}

// KeyHint gives the key an actor's events are most likely judged by (as
// the caller last knew it), or nil.
type KeyHint func(actor string) (key string, pub ed25519.PublicKey)

// ReadHinted is ReadWith that checks the signature of each event it reads
// with the key hint gives for its actor, as it reads it, recording the
// verdict with that key (Verdict) and letting go of the signed bytes
// (Compact): a journal of a million events is not held as its files' bytes
// until it is replayed. The verdict is only a hint too: it counts only if
// the key is the one the replay judges the event by, and the bytes are
// read back from the file otherwise.
func ReadHinted(ctx context.Context, dir string, known map[string]*Folder, hint KeyHint) (*Journal, error) {
	return readWith(ctx, dir, known, nil, hint)
}

// Reread is ReadWith given prev's folders, for a journal read before by
// this process: when it finds the same events (Changed is false), it
// returns prev itself, its folders as read now, without ordering the
// events again (~0.4 s for 90,000 events, and growing with them: a write
// under the lock rereads the journal to see what others added).
func Reread(ctx context.Context, dir string, prev *Journal) (*Journal, error) {
	return readWith(ctx, dir, prev.Folders, prev, nil)
}

func readWith(ctx context.Context, dir string, known map[string]*Folder, prev *Journal, hint KeyHint) (*Journal, error) {
	// The maps are made as big as the folders read before make them: at
	// a million events, the one of the known folders' events grown from
	// nothing allocated 235 MB for its 128 MB table, and held two tables
	// at once at each doubling.
	n := 0
	for _, f := range known {
		n += len(f.Events)
	}
	r := &reader{
		j:      &Journal{ByHash: make(map[string]*Event, n), Folders: map[string]*Folder{}},
		known:  known,
		hint:   hint,
		byHash: make(map[string]*Event, n),
		listed: time.Now().Add(-racyWindow).UnixNano(),
	}
	rootDir := dir
	r.j.root = &rootDir
	for _, f := range known {
		r.learn(f)
	}
	if err := r.walk(filepath.Join(dir, Dir), Dir, true); err != nil {
		return nil, l10n.Errorf("reading the journal: %v", err)
	}
	events, err := r.parse(ctx)
	if err != nil {
		return nil, err
	}
	if prev != nil && !r.j.Changed(prev) {
		prev.Folders = r.j.Folders
		return prev, nil
	}
	// A link holds the same string as the hash of the event it names: a
	// million events keep one copy of each hash.
	for _, e := range events {
		for k, p := range e.Prev {
			if q := r.j.ByHash[p]; q != nil {
				e.Prev[k] = q.Hash
			}
		}
	}
	r.j.order()
	return r.j, nil
}

// reader is one ReadWith: the journal it builds, what it was given, and
// the event files it still has to read.
type reader struct {
	j      *Journal
	known  map[string]*Folder // folders read before, by path
	byHash map[string]*Event  // their events, by hash
	listed int64              // folders changed after this are listed again next time
	files  []file             // event files to read and parse
	hint   KeyHint            // ReadHinted's, or nil
	// bundleFiles counts the bundles among files.
	bundleFiles int
	// bundles are the events of the known folders' bundles, by the
	// bundle's path.
	bundles map[string][]*Event
	// read are events ReadSince read already (from bundles), with their
	// folders, for parse to take with the files'.
	read []readEvent
}

type readEvent struct {
	e      *Event
	folder *Folder
}

// file is an event file (or a bundle: hash "") to read, in the folder
// that lists it.
type file struct {
	path, rel, hash string
	folder          *Folder
	size            int64 // a bundle's, as listed: the work of reading it
}

// learn takes in the events of folder f as read before, to reuse those
// whose files have not changed.
func (r *reader) learn(f *Folder) {
	for _, e := range f.Events {
		r.byHash[e.Hash] = e
		if e.bundle != "" {
			if r.bundles == nil {
				r.bundles = map[string][]*Event{}
			}
			rel := f.Rel + "/" + e.bundle
			r.bundles[rel] = append(r.bundles[rel], e)
		}
	}
}

// take adds event e to folder and to the journal, unless the journal has
// it already: an event may be in a bundle and in a file of its own (a
// bundling interrupted, or done in one clone and not the other), or in
// two bundles (clones that bundled different sets). Its hash says it is
// the same event.
func (r *reader) take(folder *Folder, e *Event) bool {
	if r.j.ByHash[e.Hash] != nil {
		return false
	}
	e.root = r.j.root
	if folder != nil {
		folder.Events = append(folder.Events, e)
	}
	r.j.ByHash[e.Hash] = e
	return true
}

// walk reads the folder at p (rel: its slash path in the archive): as
// known has it if its time has not changed, else by listing it.
func (r *reader) walk(p, rel string, top bool) error {
	fi, err := os.Lstat(p)
	if err != nil {
		if os.IsNotExist(err) && top {
			return nil
		}
		return err
	}
	mt := fi.ModTime().UnixNano()
	if f := r.known[rel]; f != nil && f.MTime != 0 && f.MTime == mt {
		r.reuse(f)
		return nil
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return err
	}
	folder := &Folder{Rel: rel, Dirty: true}
	if mt < r.listed {
		folder.MTime = mt
	}
	clean := true
	for _, d := range ents {
		if d.IsDir() {
			clean = false
			if err := r.walk(filepath.Join(p, d.Name()), rel+"/"+d.Name(), false); err != nil {
				return err
			}
			continue
		}
		if !r.entry(p, folder, d) {
			clean = false
		}
	}
	// Only folders of events alone are kept: one with subfolders,
	// temporary files or problems is listed again next time.
	if clean && len(ents) > 0 {
		r.j.Folders[rel] = folder
	}
	return nil
}

// reuse takes folder f as it was read before: its time has not changed,
// so it holds the same files.
func (r *reader) reuse(f *Folder) {
	r.j.Folders[f.Rel] = &Folder{Rel: f.Rel, MTime: f.MTime, Events: slices.Clip(f.Events), Dirty: f.Dirty}
	for _, e := range f.Events {
		e.root = r.j.root
		r.j.ByHash[e.Hash] = e
	}
	r.j.Reused += len(f.Events)
}

// entry takes the file d of the folder at p: a temporary file or a name
// that is not an event's (both reported), an event read before under the
// same name and unchanged since (reused), or an event file to read. It
// returns whether the folder may still be kept as clean (false for those
// reported and for anything but a plain file).
func (r *reader) entry(p string, folder *Folder, d os.DirEntry) bool {
	rel := folder.Rel + "/" + d.Name()
	if isTemp(d.Name()) {
		r.j.Temps = append(r.j.Temps, rel)
		return false
	}
	// A link (or anything but a plain file) may change without its
	// folder: it is read on every load, and its folder is not kept.
	plain := d.Type().IsRegular()
	if _, ok := bundleHash(d.Name()); ok {
		// A bundle read before is not read again if it is the file read
		// then (its time and size).
		if es := r.bundles[rel]; len(es) > 0 && plain && es[0].fileTime != 0 && sameFile(d, es[0]) {
			for _, e := range es {
				if r.take(folder, e) {
					r.j.Reused++
				}
			}
			return true
		}
		var size int64
		if fi, err := d.Info(); err == nil {
			size = fi.Size()
		}
		r.files = append(r.files, file{filepath.Join(p, d.Name()), rel, "", folder, size})
		r.bundleFiles++
		return plain
	}
	h, ok := nameHash(d.Name())
	if !ok {
		r.j.Problems = append(r.j.Problems, Problem{Path: rel, Msg: l10n.T("not an event file name (TIME-SHA256.yaml)")})
		return false
	}
	// A name read before is not read again if the file is the one read
	// then: replacing it (as git does when a pull brings an edited event)
	// or rewriting it changes its time.
	if e := r.byHash[h]; e != nil && e.bundle == "" && e.Path == rel && plain && e.fileTime != 0 && sameFile(d, e) {
		if r.take(folder, e) {
			r.j.Reused++
		}
		return true
	}
	r.files = append(r.files, file{filepath.Join(p, d.Name()), rel, h, folder, 0})
	return plain
}

// parse reads and parses the event files on every core, checks each
// against its name, and returns the events that pass; the others are
// problems, and their folders are listed again next time.
func (r *reader) parse(ctx context.Context) ([]*Event, error) {
	events := make([]*Event, len(r.files))
	problems := make([]string, len(r.files))
	errs := make([]error, len(r.files))
	// A bundle's events and problems, by the bundle's place in r.files
	// (none for a journal of files alone: a million of them cost no more
	// than they did).
	var bundled [][]*Event
	var bundleProblems [][]string
	if r.bundleFiles > 0 {
		bundled, bundleProblems = make([][]*Event, len(r.files)), make([][]string, len(r.files))
	}
	read := func(i int) {
		if f := r.files[i]; f.hash == "" {
			bundled[i], bundleProblems[i], errs[i] = r.readBundle(f)
		} else {
			events[i], problems[i], errs[i] = r.readEvent(f)
		}
	}
	var err error
	if r.bundleFiles > 0 {
		// A month's bundle is thousands of events, and the later months
		// the bigger: the biggest first, one at a time, then the files.
		weight := make([]int64, len(r.files))
		for i, f := range r.files {
			weight[i] = f.size
		}
		err = work.HeaviestFirst(ctx, "", weight, read)
	} else {
		err = work.Each(ctx, "", len(r.files), read)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*Event, 0, len(r.files)+len(r.read))
	for i, f := range r.files {
		if errs[i] != nil {
			return nil, l10n.Errorf("reading the journal: %v", errs[i])
		}
		if f.hash != "" {
			if problems[i] != "" {
				r.problem(f, problems[i])
			} else if r.take(f.folder, events[i]) {
				out = append(out, events[i])
			}
			continue
		}
		for _, p := range bundleProblems[i] {
			r.problem(f, p)
		}
		for _, e := range bundled[i] {
			if r.take(f.folder, e) {
				out = append(out, e)
			}
		}
	}
	for _, x := range r.read {
		if r.take(x.folder, x.e) {
			out = append(out, x.e)
		}
	}
	return out, nil
}

// problem records what is wrong with file f; its folder is listed again
// next time, to find the problem again.
func (r *reader) problem(f file, msg string) {
	r.j.Problems = append(r.j.Problems, Problem{Path: f.rel, Msg: msg})
	if f.folder != nil {
		delete(r.j.Folders, f.folder.Rel)
	}
}

// readBundle reads the bundle file f: its events, what is wrong with it,
// or an error reading it.
func (r *reader) readBundle(f file) ([]*Event, []string, error) {
	b, mt, size, err := readStamped(f.path)
	if err != nil {
		return nil, nil, err
	}
	es, problems := r.bundleEvents(b, f.rel, path.Dir(f.rel))
	for _, e := range es {
		r.checked(e, mt, size)
	}
	return es, problems, nil
}

// checked does what a read does with an event read from a file stamped
// mt and size: checks its signature with the hinted key, and keeps the
// stamp once it can be trusted.
func (r *reader) checked(e *Event, mt, size int64) {
	if r.hint != nil {
		if key, pub := r.hint(e.Actor); pub != nil {
			e.SetVerdict(key, e.Verify(pub))
			e.Compact()
		}
	}
	if mt < r.listed {
		// Its time is trusted only once it is older than the racy window.
		e.fileTime, e.fileSize = mt, size
	}
}

// readEvent reads one event file: the event, or what is wrong with it
// (problem), or an error reading it.
func (r *reader) readEvent(f file) (e *Event, problem string, err error) {
	b, mt, size, err := readStamped(f.path)
	if err != nil {
		return nil, "", err
	}
	e, err = Parse(b)
	switch {
	case err != nil:
		return nil, err.Error(), nil
	case e.Hash != f.hash:
		return nil, l10n.T("content does not match the hash in the file name (edited after it was written)"), nil
	case PathOf(e.Time, e.Hash) != f.rel:
		return nil, l10n.T("event time does not match its folder and name"), nil
	}
	e.setPath(f.rel)
	e.root = r.j.root
	r.checked(e, mt, size)
	return e, "", nil
}

// readStamped reads a file, with its modification time (ns) and size as
// of before the read: a change during or after the read changes them.
func readStamped(p string) ([]byte, int64, int64, error) {
	f, err := sharedfile.Open(p)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), fi.ModTime().UnixNano(), fi.Size(), err
}

// sameFile reports whether the file of d has the time and size e was read
// with.
func sameFile(d fs.DirEntry, e *Event) bool {
	fi, err := d.Info()
	return err == nil && fi.Mode().IsRegular() && fi.ModTime().UnixNano() == e.fileTime && fi.Size() == e.fileSize
}

// Changed reports whether j holds other events than prev (judged by
// their hashes), or either has problems or temporary files.
func (j *Journal) Changed(prev *Journal) bool {
	if prev == nil || len(prev.Problems) > 0 || len(prev.Temps) > 0 || len(j.Problems) > 0 || len(j.Temps) > 0 || len(j.ByHash) != len(prev.ByHash) {
		return true
	}
	for h := range j.ByHash {
		if prev.ByHash[h] == nil {
			return true
		}
	}
	return false
}

// isTemp reports whether name is a temporary file of a write in progress
// (or interrupted: the archive's repair removes those): not an event yet.
func isTemp(name string) bool { return strings.HasPrefix(name, ".tmp-") }

// Add appends a newly written event: the heads it follows are heads no
// more, and it is one.
func (j *Journal) Add(e *Event) {
	j.ByHash[e.Hash] = e
	if j.root != nil {
		e.root = j.root
	}
	if j.Folders != nil {
		rel := path.Dir(e.Path)
		f := j.Folders[rel]
		if f == nil {
			f = &Folder{Rel: rel}
			j.Folders[rel] = f
		}
		// The folder's time changed with this file: list it again.
		f.Events, f.MTime, f.Dirty = append(f.Events, e), 0, true
	}
	j.Events = append(j.Events, e)
	j.followers.added(e, len(j.Events)-1)
	heads := []string{e.Hash}
	for _, h := range j.Heads {
		if !slices.Contains(e.Prev, h) {
			heads = append(heads, h)
		}
	}
	slices.Sort(heads)
	j.Heads = heads
}

// Follows reports whether the event with hash ancestor is reachable from e
// through its links: the journal's only trustworthy order. With Prior,
// every event held (and one about to be written on them) follows every
// event not held (followsPrior), but, after a merge, the events of
// Merge.Side it does not reach (Merge.follows).
func (j *Journal) Follows(e *Event, ancestor string) bool {
	if ancestor == "" {
		return true
	}
	if e == nil {
		return false
	}
	if j.Prior != nil && j.ByHash[ancestor] == nil && j.followsPrior(e) {
		return !j.beside(e, ancestor)
	}
	// An event about to be written on every head follows every event
	// held. A write's checks ask this of old events (the borrower's roles
	// where a loan approval is written: their member.add, years back),
	// and the walk back read the whole journal each time: crmgen spent
	// most of its time there, its writes slowing as the journal grew.
	if j.ByHash[ancestor] != nil && j.ByHash[e.Hash] != e && j.onHeads(e) {
		return true
	}
	// Most questions are about an event a few links back (the approval
	// before this one): a short walk answers them. Past it, and for an
	// ancestor asked about that way before, the memo does.
	a := j.ByHash[ancestor]
	if a == nil || !j.followers.remembers(a, e) {
		if found, done := j.walk(e, ancestor, shortWalk); done {
			return found
		}
	}
	if a != nil {
		if found, ok := j.followers.follows(j, a, e); ok {
			return found
		}
	}
	return j.walkFollows(e, ancestor)
}

// onHeads reports whether e links to every head of j (so follows every
// event j holds).
func (j *Journal) onHeads(e *Event) bool {
	if len(j.Heads) == 0 || len(e.Prev) < len(j.Heads) {
		return false
	}
	for _, h := range j.Heads {
		if !slices.Contains(e.Prev, h) {
			return false
		}
	}
	return true
}

// shortWalk is how many events Follows walks back before it asks its memo
// (a variable for the tests of the memo).
var shortWalk = 256

// walkFollows is Follows by walking the links back from e: what lies
// between the two is read.
func (j *Journal) walkFollows(e *Event, ancestor string) bool {
	found, _ := j.walk(e, ancestor, -1)
	return found
}

// walk walks the links back from e looking for ancestor, reading at most
// limit events (no limit if negative); done is false when it stopped at
// the limit without an answer.
func (j *Journal) walk(e *Event, ancestor string, limit int) (found, done bool) {
	seen := map[string]bool{}
	todo := slices.Clone(e.Prev)
	for len(todo) > 0 {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if h == ancestor {
			return true, true
		}
		if seen[h] {
			continue
		}
		if limit >= 0 && len(seen) >= limit {
			return false, false
		}
		seen[h] = true
		if p := j.ByHash[h]; p != nil {
			todo = append(todo, p.Prev...)
		}
	}
	return false, true
}

// Before reports whether the event with hash h comes before e through
// links, given e's ancestors anc (Ancestors): with Prior, so does every
// event not held.
func (j *Journal) Before(anc map[string]bool, e *Event, h string) bool {
	return anc[h] || j.Prior != nil && j.ByHash[h] == nil && j.followsPrior(e) && !j.beside(e, h)
}

// beside reports whether e (held, or about to be written on held events)
// does not follow h, an old event, after a merge (Merge.follows).
func (j *Journal) beside(e *Event, h string) bool {
	return j.Merge != nil && !j.Merge.follows(e, h)
}

// followsPrior reports whether e follows every event the journal does not
// hold (Prior): a held event does (what Prior means), and so does an event
// about to be written that links to a held event or to every Prior head.
func (j *Journal) followsPrior(e *Event) bool {
	if j.ByHash[e.Hash] == e {
		return true
	}
	heads := map[string]bool{}
	for _, p := range e.Prev {
		if j.ByHash[p] != nil {
			return true
		}
		if _, ok := j.Prior[p]; ok {
			heads[p] = true
		}
	}
	return len(heads) == len(j.Prior)
}

// TimeOf is the time of the event with hash h, held or a Prior head.
func (j *Journal) TimeOf(h string) (time.Time, bool) {
	if e := j.ByHash[h]; e != nil {
		return e.Time, true
	}
	t, ok := j.Prior[h]
	if !ok && j.Merge != nil {
		t, ok = j.Merge.times[h]
	}
	return t, ok
}

// Ancestors returns the hashes of every event e follows, directly or not
// (with Prior, of those held and the Prior heads).
func (j *Journal) Ancestors(e *Event) map[string]bool {
	seen := map[string]bool{}
	todo := slices.Clone(e.Prev)
	for len(todo) > 0 {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		if p := j.ByHash[h]; p != nil {
			todo = append(todo, p.Prev...)
		}
	}
	return seen
}

// AncestorsAmong returns which of targets e follows through links: what
// Ancestors(e) holds of them, for a caller that asks about those only.
// The walk stops once every target held is found. A sign-off at ten
// years asks of its quarter's 核定, which lie near it, where a walk to
// the journal's start went through a million events. A target the walk
// cannot reach (not an ancestor) makes it walk every ancestor.
func (j *Journal) AncestorsAmong(e *Event, targets map[string]bool) map[string]bool {
	found := map[string]bool{}
	seen := map[string]bool{}
	todo := slices.Clone(e.Prev)
	for left := len(targets); len(todo) > 0 && left > 0; {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		if targets[h] { // held or not, as Ancestors has it
			found[h] = true
			left--
		}
		if p := j.ByHash[h]; p != nil {
			todo = append(todo, p.Prev...)
		}
	}
	return found
}

// HashOfPath returns the hash in an event file's path
// (journal/YYYY/MM/TIME-SHA256.yaml), if it is one.
func HashOfPath(rel string) (string, bool) {
	return nameHash(path.Base(rel))
}
