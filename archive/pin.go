package archive

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// Pin is what a user's machine remembers of an archive it has used: the
// genesis event and the journal heads it last saw.
type Pin struct {
	Genesis string   `yaml:"genesis"`
	Heads   []string `yaml:"heads,flow"`
	// Files are the event files of the heads whose times were known
	// (journal.PathOf): CheckPinnedFiles finds a rolled-back journal by
	// them before it is read. A pin written before they were kept has none.
	Files []string `yaml:"files,omitempty"`
}

// CheckPin compares the archive with what pinFile (a YAML map of absolute
// archive paths to pins, kept in the user's config folder) remembers of it,
// as ssh does with host keys:
//
//   - a different genesis means the journal was replaced wholesale;
//   - a head seen before that is no longer in the journal means events were
//     deleted (the journal rolled back, e.g. to undo a reclassification).
//
// Either is an integrity error (exit 4). Otherwise the current genesis and
// heads are remembered, but only while the journal checks out, so a forged
// head is never pinned. It reports whether the archive was new to pinFile.
//
// Processes of one user share the pin file, and other processes write the
// journal meanwhile: the pin file is read, compared and written under its
// own lock, and a remembered head missing from the journal this process
// read is looked for again in a fresh reading before it counts as a
// rollback (another process may have written and pinned it since).
func (a *Archive) CheckPin(pinFile string) (pinned bool, err error) {
	pinned, _, err = a.checkPin(pinFile, false)
	return pinned, err
}

// PinNew pins the archive Init has just made at its folder, in place of
// any archive pinFile remembers there: that one is gone (Init makes an
// archive only in a folder without one), and its entry would refuse the
// new one as a replaced journal on every command. It returns the genesis
// of the entry it replaced, "" if none.
func (a *Archive) PinNew(pinFile string) (forgot string, err error) {
	_, forgot, err = a.checkPin(pinFile, true)
	return forgot, err
}

// checkPin is CheckPin; with fresh, the entry for a's folder is replaced,
// not checked (PinNew), and forgot is its genesis.
func (a *Archive) checkPin(pinFile string, fresh bool) (pinned bool, forgot string, err error) {
	if err := os.MkdirAll(filepath.Dir(pinFile), 0o700); err != nil {
		return false, "", err
	}
	unlock, err := flockPath(pinFile + ".lock")
	if err != nil {
		return false, "", err
	}
	defer unlock()
	pins := map[string]Pin{}
	b, err := sharedfile.ReadFile(pinFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, "", err
	}
	if err == nil {
		if p, ok := lastPins.of(b); ok {
			pins = p
		} else if err := yaml.Unmarshal(b, &pins); err != nil {
			return false, "", l10n.Errorf("%s: %v", pinFile, err)
		} else {
			pinParses.Add(1)
		}
		if pins == nil {
			// A null document ("~", "null"): yaml.v3 sets the map to
			// nil. It holds no archive, as the parse CheckPinnedFiles
			// kept (lastPins) says; this one is pinned into it.
			pins = map[string]Pin{}
		}
	}
	old, known := pins[a.Dir]
	if fresh && known {
		forgot, known = old.Genesis, false
	}
	if a.fromSnapshot && !(known && old.Genesis == a.State.Genesis && a.missingHead(old.Heads) == "") {
		// Only the journal itself can say whether what was seen before
		// is still in it.
		if err := a.fullState(); err != nil {
			return false, "", err
		}
	}
	if known {
		if err := a.checkSeen(pinFile, old); err != nil {
			return false, "", err
		}
	}
	if a.fromSnapshot && a.State.skipped {
		// Its good heads leave out the events it did not replay: pinned,
		// they would forget heads seen before, whose rollback would then
		// go unnoticed. What it checked is in the pin already, or is
		// pinned by the next command that replays it.
		return false, forgot, nil
	}
	p := Pin{Genesis: a.State.Genesis, Heads: a.State.goodHeads()}
	for _, h := range p.Heads {
		if t, ok := a.State.Journal.TimeOf(h); ok {
			p.Files = append(p.Files, journal.PathOf(t, h))
		}
	}
	if known && slices.Equal(old.Heads, p.Heads) && slices.Equal(old.Files, p.Files) {
		return false, forgot, nil
	}
	pins[a.Dir] = p
	out, err := yaml.Marshal(pins)
	if err != nil {
		return false, "", err
	}
	out = append([]byte("# crm: 已知档案库的创世事件与最近所见日志头 (genesis and last-seen heads)\n"), out...)
	if bytes.Equal(b, out) {
		return !known, forgot, nil
	}
	return !known, forgot, writeFileAtomic(pinFile, out, 0o600)
}

// CheckPinnedFiles is the part of CheckPin that needs no journal read: it
// fails at once, with CheckPin's error, if an event file pinFile remembers
// for the archive at dir is no longer there. An event is in the journal
// only in the file its time and hash name (journal.PathOf), so a missing
// one is a rollback, found before the journal is read and replayed (at a
// department's ten years that is ~45 s on every command, to be refused
// after it). Files that are there prove nothing yet: CheckPin after the
// read still checks every head.
func CheckPinnedFiles(dir, pinFile string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	b, err := sharedfile.ReadFile(pinFile)
	if err != nil {
		return nil // no pin yet, or none readable: CheckPin says why
	}
	var pins map[string]Pin
	if yaml.Unmarshal(b, &pins) != nil {
		return nil
	}
	lastPins.keep(b, pins)
	old := pins[abs]
	for _, f := range old.Files {
		if !strings.HasPrefix(f, journal.Dir+"/") || strings.Contains(f, "..") {
			continue // not a path CheckPin writes
		}
		if _, err := os.Lstat(filepath.Join(abs, filepath.FromSlash(f))); !errors.Is(err, fs.ErrNotExist) || journal.Has(abs, f) {
			continue // there, or in a bundle of its month
		}
		// Nothing there at all (an archive moved or removed) is OpenWith's
		// to say: no crm archive, exit 1, not a replaced journal.
		if _, err := os.Stat(filepath.Join(abs, PolicyFile)); err != nil {
			return nil
		}
		// A journal without the pinned genesis was replaced, not rolled
		// back (looked for on this path only: it lists every month). The
		// pattern is matched below abs only: abs may hold [ * ? \.
		if journal.IsHash(old.Genesis) {
			m, _ := fs.Glob(os.DirFS(abs), journal.Dir+"/*/*/*-"+old.Genesis+".yaml")
			if len(m) == 0 {
				return pinErr(l10n.Errorf("the archive at %s no longer has the genesis event %s that %s pinned when you first used it: its journal was replaced. If that was intended, remove its entry from %s", abs, journal.ShortHash(old.Genesis), pinFile, pinFile))
			}
		}
		return rolledBack(strings.TrimSuffix(f[strings.LastIndexByte(f, '-')+1:], ".yaml"), pinFile)
	}
	return nil
}

// lastPins is the pin file as CheckPinnedFiles read it (before the lock),
// for CheckPin (under it) to take again if the file holds the same bytes
// then: a second yaml.v3 decoding of the same text was ~0.07 ms of every
// command. The file is still read again under the lock; only its parse is
// spared, and only for exactly the bytes parsed.
var lastPins pinsRead

// pinParses counts CheckPin's own parses of the pin file (for the tests).
var pinParses atomic.Int64

type pinsRead struct {
	sync.Mutex
	b    []byte
	pins map[string]Pin
}

func (r *pinsRead) keep(b []byte, pins map[string]Pin) {
	r.Lock()
	defer r.Unlock()
	r.b, r.pins = bytes.Clone(b), clonePins(pins)
}

// clonePins is a copy of pins sharing nothing with it.
func clonePins(pins map[string]Pin) map[string]Pin {
	out := make(map[string]Pin, len(pins))
	for k, p := range pins {
		p.Heads, p.Files = slices.Clone(p.Heads), slices.Clone(p.Files)
		out[k] = p
	}
	return out
}

// of is a copy of the pins parsed from b, if b is what was kept.
func (r *pinsRead) of(b []byte) (map[string]Pin, bool) {
	r.Lock()
	defer r.Unlock()
	if r.pins == nil || !bytes.Equal(b, r.b) {
		return nil, false
	}
	return clonePins(r.pins), true
}

// pinErr is an integrity error of the journal found against the pin. Its
// message says what to do: it names no `crm verify`, which is refused the
// same way.
func pinErr(err error) *Error { return &Error{Code: Integrity, Path: journal.Dir, Err: err} }

// rolledBack is the error for event h, pinned in pinFile, gone.
func rolledBack(h, pinFile string) error {
	e := pinErr(l10n.Errorf("event %s, which you saw in this archive before, is gone from its journal: the journal was rolled back or an event deleted (if that was intended, remove the archive's entry from %s)", journal.ShortHash(h), pinFile))
	return e.then(NextRestoreEvent, h)
}

// checkSeen fails if the journal lacks what pin old says this user saw:
// another genesis (a replaced journal), or a head gone (a rollback).
func (a *Archive) checkSeen(pinFile string, old Pin) error {
	if old.Genesis != a.State.Genesis {
		return pinErr(l10n.Errorf("the archive at %s has genesis %s, but %s pinned %s when you first used it: its journal was replaced. If that was intended, remove its entry from %s", a.Dir, journal.ShortHash(a.State.Genesis), pinFile, journal.ShortHash(old.Genesis), pinFile))
	}
	if h := a.missingHead(old.Heads); h != "" {
		if err := a.reload(); err != nil {
			return err
		}
		if h := a.missingHead(old.Heads); h != "" {
			if p, why := a.editedEvent(h); p != "" {
				// A committed edit comes back with every checkout:
				// only the bytes the name gives mend it, wherever
				// git history or a backup holds them.
				e := pinErr(l10n.Errorf("event %s, which you saw in this archive before, was changed in its file %s (%s)", journal.ShortHash(h), p, why))
				return e.then(NextRestoreEvent, h)
			}
			return rolledBack(h, pinFile)
		}
	}
	return nil
}

// editedEvent returns the journal file named for event h, and why the
// journal read does not hold it as that event, if it is there: its
// content was changed since it was written (so h is not gone, as a
// rollback would have it).
func (a *Archive) editedEvent(h string) (path, why string) {
	if j := a.State.Journal; j != nil && journal.IsHash(h) {
		for _, p := range j.Problems {
			if strings.HasSuffix(p.Path, "-"+h+".yaml") {
				return p.Path, p.Msg
			}
		}
	}
	return "", ""
}

// missingHead returns a hash of heads that the journal read lacks, or "".
func (a *Archive) missingHead(heads []string) string {
	for _, h := range heads {
		if a.fromSnapshot && a.snapshotHas(h) {
			continue
		}
		if a.State.Journal.ByHash[h] == nil {
			return h
		}
	}
	return ""
}

// snapshotHas reports whether event h is in the journal a state taken
// from a snapshot stands for: a good head of a snapshot it was taken
// from, or an event read since or written by this process. (A snapshot
// is used only while every event it knew is still there.)
func (a *Archive) snapshotHas(h string) bool {
	return a.State.good[h] || a.State.Journal.ByHash[h] != nil ||
		slices.ContainsFunc(a.seenGood, func(hs []string) bool { return slices.Contains(hs, h) })
}

// goodHeads are the heads of the journal's good events (those that are no
// problem): what new events follow and what the pin remembers. A
// quarantined event may be taken out without it being a rollback; a good
// one may not. Kept up to date as events are replayed and written.
func (s *State) goodHeads() []string {
	heads := make([]string, 0, len(s.good))
	for h := range s.good {
		heads = append(heads, h)
	}
	slices.Sort(heads)
	return heads
}

// markGood records that event e counts (applied or superseded): it is a
// good head, and what it follows is not.
func (s *State) markGood(e *journal.Event) {
	if s.good == nil {
		s.good = map[string]bool{}
	}
	for _, h := range e.Prev {
		delete(s.good, h)
	}
	s.good[e.Hash] = true
}
