package journal

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

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
}

// Problem is something wrong with the archive, with the path it concerns.
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }

// Read reads every event under dir/journal, on every core.
func Read(ctx context.Context, dir string) (*Journal, error) {
	j := &Journal{ByHash: map[string]*Event{}}
	root := filepath.Join(dir, Dir)
	type file struct{ path, rel, hash string }
	var files []file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if isTemp(d.Name()) {
			j.Temps = append(j.Temps, rel)
			return nil
		}
		h, ok := nameHash(d.Name())
		if !ok {
			j.Problems = append(j.Problems, Problem{rel, l10n.T("not an event file name (TIME-SHA256.yaml)")})
			return nil
		}
		files = append(files, file{p, rel, h})
		return nil
	})
	if err != nil {
		return nil, l10n.Errorf("reading the journal: %v", err)
	}
	events := make([]*Event, len(files))
	problems := make([]string, len(files))
	errs := make([]error, len(files))
	err = work.Each(ctx, "", len(files), func(i int) {
		f := files[i]
		b, err := os.ReadFile(f.path)
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
			continue
		}
		j.ByHash[events[i].Hash] = events[i]
	}
	j.order()
	return j, nil
}

// isTemp reports whether name is a temporary file of a write in progress
// (or interrupted: the archive's repair removes those): not an event yet.
func isTemp(name string) bool { return strings.HasPrefix(name, ".tmp-") }

// Unchanged reports whether the journal folder of dir holds exactly the
// events of prev, judging by the file names (which contain the hashes), so
// that an archive already loaded is not read and replayed again.
func Unchanged(dir string, prev *Journal) bool {
	if prev == nil || len(prev.Problems) > 0 || len(prev.Temps) > 0 {
		return false
	}
	n := 0
	same := true
	filepath.WalkDir(filepath.Join(dir, Dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !same {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if isTemp(d.Name()) {
			// Read again, so that Temps says it.
			same = false
			return filepath.SkipAll
		}
		n++
		h, ok := nameHash(d.Name())
		if !ok || prev.ByHash[h] == nil {
			same = false
			return filepath.SkipAll
		}
		return nil
	})
	return same && n == len(prev.ByHash)
}

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
