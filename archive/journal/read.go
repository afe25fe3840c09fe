package journal

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

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

	root *string // the archive's folder
}

// Problem is something wrong with the archive, with the path it concerns.
type Problem struct {
	Path string
	Msg  string
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
const racyWindow = 2 * time.Second

// ReadWith reads every event under dir/journal as Read does, reusing what
// known (the folders of a journal read before, by this process or from a
// verified cache) says of folders and files that have not changed.
func ReadWith(ctx context.Context, dir string, known map[string]*Folder) (*Journal, error) {
	j := &Journal{ByHash: map[string]*Event{}, Folders: map[string]*Folder{}}
	root := filepath.Join(dir, Dir)
	rootDir := dir
	j.root = &rootDir
	byHash := map[string]*Event{}
	for _, f := range known {
		for _, e := range f.Events {
			byHash[e.Hash] = e
		}
	}
	type file struct {
		path, rel, hash string
		folder          *Folder
	}
	var files []file
	listed := time.Now().Add(-racyWindow).UnixNano()
	var walk func(p, rel string) error
	walk = func(p, rel string) error {
		fi, err := os.Lstat(p)
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return nil
			}
			return err
		}
		mt := fi.ModTime().UnixNano()
		if f := known[rel]; f != nil && f.MTime != 0 && f.MTime == mt {
			nf := &Folder{Rel: rel, MTime: mt, Events: slices.Clip(f.Events), Dirty: f.Dirty}
			j.Folders[rel] = nf
			for _, e := range f.Events {
				e.root = j.root
				j.ByHash[e.Hash] = e
			}
			j.Reused += len(f.Events)
			return nil
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		folder := &Folder{Rel: rel, Dirty: true}
		if mt < listed {
			folder.MTime = mt
		}
		clean := true
		for _, d := range ents {
			cp, crel := filepath.Join(p, d.Name()), rel+"/"+d.Name()
			if d.IsDir() {
				clean = false
				if err := walk(cp, crel); err != nil {
					return err
				}
				continue
			}
			if isTemp(d.Name()) {
				clean = false
				j.Temps = append(j.Temps, crel)
				continue
			}
			if !d.Type().IsRegular() {
				// A link (or anything but a plain file) may change
				// without its folder: read it on every load.
				clean = false
			}
			h, ok := nameHash(d.Name())
			if !ok {
				clean = false
				j.Problems = append(j.Problems, Problem{crel, l10n.T("not an event file name (TIME-SHA256.yaml)")})
				continue
			}
			// A name read before is not read again if the file is the
			// one read then: replacing it (as git does when a pull
			// brings an edited event) or rewriting it changes its time.
			if e := byHash[h]; e != nil && e.Path == crel && d.Type().IsRegular() && e.fileTime != 0 && sameFile(d, e) {
				e.root = j.root
				folder.Events = append(folder.Events, e)
				j.ByHash[h] = e
				j.Reused++
				continue
			}
			files = append(files, file{cp, crel, h, folder})
		}
		if clean && len(ents) > 0 {
			j.Folders[rel] = folder
		}
		if f := known[rel]; f != nil && !folder.Dirty {
			folder.Dirty = f.Dirty
		}
		return nil
	}
	if err := walk(root, Dir); err != nil {
		return nil, l10n.Errorf("reading the journal: %v", err)
	}
	events := make([]*Event, len(files))
	problems := make([]string, len(files))
	errs := make([]error, len(files))
	err := work.Each(ctx, "", len(files), func(i int) {
		f := files[i]
		b, mt, size, err := readStamped(f.path)
		if err != nil {
			errs[i] = err
			return
		}
		e, err := Parse(b)
		switch {
		case err != nil:
			problems[i] = err.Error()
		case e.Hash != f.hash:
			problems[i] = l10n.T("content does not match the hash in the file name (edited after it was written)")
		case PathOf(e.Time, e.Hash) != f.rel:
			problems[i] = l10n.T("event time does not match its folder and name")
		default:
			e.Path = f.rel
			e.root = j.root
			if mt < listed {
				e.fileTime, e.fileSize = mt, size
			}
			events[i] = e
		}
	})
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		if errs[i] != nil {
			return nil, l10n.Errorf("reading the journal: %v", errs[i])
		}
		if problems[i] != "" {
			j.Problems = append(j.Problems, Problem{f.rel, problems[i]})
			delete(j.Folders, f.folder.Rel) // list it again next time, to find the problem again
			continue
		}
		f.folder.Events = append(f.folder.Events, events[i])
		j.ByHash[events[i].Hash] = events[i]
	}
	// A link holds the same string as the hash of the event it names: a
	// million events keep one copy of each hash.
	for _, e := range events {
		if e == nil {
			continue
		}
		for k, p := range e.Prev {
			if q := j.ByHash[p]; q != nil {
				e.Prev[k] = q.Hash
			}
		}
	}
	j.order()
	return j, nil
}

// readStamped reads a file, with its modification time (ns) and size as
// of before the read: a change during or after the read changes them.
func readStamped(p string) ([]byte, int64, int64, error) {
	f, err := os.Open(p)
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

// order sorts the events topologically and computes the heads. Events that
// neither follows the other are ordered by hash, never by time: clocks lie,
// and every clone must replay the same journal in the same order.
func (j *Journal) order() {
	followed := map[string]bool{}
	indeg := map[string]int{}
	next := map[string][]string{}
	for h, e := range j.ByHash {
		indeg[h] += 0
		for _, p := range e.Prev {
			followed[p] = true
			if _, ok := j.ByHash[p]; !ok {
				j.Problems = append(j.Problems, Problem{e.Path, l10n.Sprintf("follows event %s, which is missing from the journal", ShortHash(p))})
				continue
			}
			indeg[h]++
			next[p] = append(next[p], h)
		}
	}
	var ready []string
	for h, d := range indeg {
		if d == 0 {
			ready = append(ready, h)
		}
	}
	j.Events = j.Events[:0]
	for len(ready) > 0 {
		slices.Sort(ready)
		h := ready[0]
		ready = ready[1:]
		j.Events = append(j.Events, j.ByHash[h])
		for _, n := range next[h] {
			indeg[n]--
			if indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	if len(j.Events) != len(j.ByHash) {
		for h, d := range indeg {
			if d > 0 {
				j.Problems = append(j.Problems, Problem{j.ByHash[h].Path, l10n.T("event is part of a link cycle")})
			}
		}
	}
	j.Heads = nil
	for h := range j.ByHash {
		if !followed[h] {
			j.Heads = append(j.Heads, h)
		}
	}
	slices.Sort(j.Heads)
	sort.SliceStable(j.Problems, func(a, b int) bool { return j.Problems[a].Path < j.Problems[b].Path })
}

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
// through its links: the journal's only trustworthy order.
func (j *Journal) Follows(e *Event, ancestor string) bool {
	if ancestor == "" {
		return true
	}
	seen := map[string]bool{}
	todo := slices.Clone(e.Prev)
	for len(todo) > 0 {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if h == ancestor {
			return true
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		if p := j.ByHash[h]; p != nil {
			todo = append(todo, p.Prev...)
		}
	}
	return false
}

// Ancestors returns the hashes of every event e follows, directly or not.
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

// HashOfPath returns the hash in an event file's path
// (journal/YYYY/MM/TIME-SHA256.yaml), if it is one.
func HashOfPath(rel string) (string, bool) {
	return nameHash(path.Base(rel))
}
