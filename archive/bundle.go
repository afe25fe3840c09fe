package archive

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
)

// Bundled is one month of the journal that BundleJournal put in a bundle.
type Bundled struct {
	Month  string `json:"month"`  // the folder, journal/YYYY/MM
	File   string `json:"file"`   // the bundle's file name
	Events int    `json:"events"` // the events it holds
	Files  int    `json:"files"`  // the files it replaced
}

// closedMonths is how many whole months a month waits after its end
// before it is bundled: events dated in it still come in a while after
// (clocks up to ClockSkew apart, clones that sync late), and a bundled
// month that receives one has it in a file of its own until the next
// bundling.
const closedMonths = 1

// BundleJournal puts the events of every closed month of the journal
// (ended more than closedMonths whole months before the clock's month) in
// one bundle file (journal.BundleMonth, FORMAT.md "Bundles"), and removes
// the files it replaces. The genesis event stays in its own file. It
// changes no event, so it needs no role: the events keep their names and
// signatures, and a reader reads a bundle as the files it replaced.
// A month with anything but events in it is left as it is (verify names
// what). It runs under the lock; the bundle is written and synced before
// any file it replaces is removed, so an interruption leaves every event
// at least once.
func (a *Archive) BundleJournal() ([]Bundled, error) {
	var out []Bundled
	err := a.lockOnly(func() error {
		months := a.closedMonthFolders()
		genesis := ""
		if a.State != nil {
			genesis = a.State.Genesis
		}
		// A month at a time on every core: a department's ten years
		// bundled at once are a million files read and removed.
		done := make([]*Bundled, len(months))
		errs := make([]error, len(months))
		err := work.Each(a.ctx, "", len(months), func(i int) {
			done[i], errs[i] = a.bundleMonth(months[i], genesis)
		})
		for i, b := range done {
			if b != nil {
				// The month's folder is what changed, for a commit: it
				// holds nothing but events and bundles (BundleMonth), and
				// git given its ~8,000 removed files one by one matches
				// every path against each (an hour at 100,000 dossiers).
				a.touch(months[i])
				out = append(out, *b)
			}
		}
		if err != nil {
			return err
		}
		return errors.Join(errs...)
	})
	return out, err
}

// bundleMonth bundles the month folder rel, leaving the genesis event in
// its file: the bundle written and synced, then the files it replaces
// removed. It returns nil when there was nothing to do.
func (a *Archive) bundleMonth(rel, genesis string) (*Bundled, error) {
	m, ok, err := journal.BundleMonth(a.Dir, rel, func(h string) bool { return h == genesis })
	if err != nil || !ok {
		return nil, err
	}
	dir := filepath.Join(a.Dir, filepath.FromSlash(rel))
	if err := writeFileAtomic(filepath.Join(dir, m.Name), m.Bytes, 0o644); err != nil {
		return nil, err
	}
	for _, r := range m.Replaced {
		p := filepath.Join(a.Dir, filepath.FromSlash(r))
		crashPoint("remove", p)
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	syncDir(dir)
	return &Bundled{Month: rel, File: m.Name, Events: m.Events, Files: len(m.Replaced)}, nil
}

// batchBundleMin is how many event files one Bulk must have written into
// a month folder for them to go into a bundle of their own when it ends.
// A quarter's 核定 of a department's 100,000 dossiers wrote ~80,000 files
// into the month: every command then listed them and checked their
// times while anything new came in (0.2 s each), and every commit wrote
// that folder's git tree object (5.6 MB at 49,000 files).
var batchBundleMin = 1000

// bundleWritten puts the event files a Bulk wrote (the event paths of
// a.touched from index from on) into one bundle per month folder that
// got at least batchBundleMin of them, and removes the files it replaces,
// as BundleJournal does for a closed month: the bundle written and
// synced first, so an interruption leaves every event at least once (a
// reader reads an event in a bundle and in a file of its own as one). It
// changes no event. A file that cannot go in a bundle (journal.Bundlable)
// stays as it is; so does everything when the bundle cannot be written:
// it only saves time.
func (a *Archive) bundleWritten(from int) {
	byFolder := map[string][]string{}
	for _, rel := range a.touched[from:] {
		if _, ok := journal.HashOfPath(rel); ok {
			byFolder[path.Dir(rel)] = append(byFolder[path.Dir(rel)], rel)
		}
	}
	for _, folder := range slices.Sorted(maps.Keys(byFolder)) {
		rels := byFolder[folder]
		if len(rels) < batchBundleMin {
			continue
		}
		// Sorted by hash, as journal.MakeBundle orders them, and written
		// as a stream, one file read at a time: 100,000 event files are
		// 30 MB, and the batch's state is in memory beside them.
		type named struct{ hash, rel string }
		evs := make([]named, len(rels))
		for i, rel := range rels {
			h, _ := journal.HashOfPath(rel)
			evs[i] = named{h, rel}
		}
		slices.SortFunc(evs, func(x, y named) int { return strings.Compare(x.hash, y.hash) })
		dir := filepath.Join(a.Dir, filepath.FromSlash(folder))
		var replaced []string
		sum := sha256.New()
		tmp, err := writeTempSync(dir, tempPattern(""), 0o644, func(w io.Writer) error {
			bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 1<<20)
			for _, ev := range evs {
				b, err := sharedfile.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(ev.rel)))
				if err != nil {
					return err
				}
				if s := sha256.Sum256(b); !journal.Bundlable(b) || hex.EncodeToString(s[:]) != ev.hash {
					continue // stays a file of its own
				}
				bw.WriteString(journal.BundleDocStart)
				bw.Write(b)
				replaced = append(replaced, ev.rel)
			}
			return bw.Flush()
		}, true)
		if err != nil {
			return
		}
		if len(replaced) < batchBundleMin {
			removeTemp(tmp)
			continue
		}
		if err := renameSync(tmp, filepath.Join(dir, journal.BundleNameOfSum(sum.Sum(nil))), true); err != nil {
			removeTemp(tmp)
			return
		}
		a.touch(folder)
		for _, rel := range replaced {
			p := filepath.Join(a.Dir, filepath.FromSlash(rel))
			crashPoint("remove", p)
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				break
			}
			if a.bundledAway == nil {
				a.bundledAway = map[string]bool{}
			}
			a.bundledAway[rel] = true
		}
		syncDir(dir)
	}
}

// closedMonthFolders lists the month folders of the journal (sorted) whose
// month ended more than closedMonths whole months before the clock's; none
// when the journal holds anything but year and month folders (verify
// names what).
func (a *Archive) closedMonthFolders() []string {
	now := a.now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -closedMonths, 0)
	dirs, _ := journalDirs(a.Dir)
	var out []string
	for _, d := range dirs {
		m, err := time.Parse("2006/01", strings.TrimPrefix(d.Rel, journal.Dir+"/"))
		if err == nil && strings.Count(d.Rel, "/") == 2 && !m.AddDate(0, 1, 0).After(first) {
			out = append(out, d.Rel)
		}
	}
	slices.Sort(out)
	return out
}

// ownBundle: a bundle under its own name whose events are all the
// journal's, each in the month of the bundle's folder.
func (a *Archive) ownBundle(rel string) bool {
	b := a.readRel(rel)
	hs, ok := journal.BundleHashes(b, path.Base(rel))
	if !ok {
		return false
	}
	for _, h := range hs {
		e := a.State.Journal.ByHash[h]
		if e == nil || path.Dir(e.Path) != path.Dir(rel) {
			return false
		}
	}
	return true
}
