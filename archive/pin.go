package archive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"crm/archive/journal"
	"crm/l10n"
)

// Pin is what a user's machine remembers of an archive it has used: the
// genesis event and the journal heads it last saw.
type Pin struct {
	Genesis string   `yaml:"genesis"`
	Heads   []string `yaml:"heads,flow"`
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
	if err := os.MkdirAll(filepath.Dir(pinFile), 0o700); err != nil {
		return false, err
	}
	unlock, err := flockPath(pinFile + ".lock")
	if err != nil {
		return false, err
	}
	defer unlock()
	pins := map[string]Pin{}
	b, err := os.ReadFile(pinFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err == nil {
		if err := yaml.Unmarshal(b, &pins); err != nil {
			return false, l10n.Errorf("%s: %v", pinFile, err)
		}
	}
	old, known := pins[a.Dir]
	if a.fromSnapshot && !(known && old.Genesis == a.State.Genesis && a.missingHead(old.Heads) == "") {
		// Only the journal itself can say whether what was seen before
		// is still in it.
		if err := a.fullState(); err != nil {
			return false, err
		}
	}
	if known {
		if err := a.checkSeen(pinFile, old); err != nil {
			return false, err
		}
	}
	p := Pin{Genesis: a.State.Genesis, Heads: a.State.goodHeads()}
	if known && slices.Equal(old.Heads, p.Heads) {
		return false, nil
	}
	pins[a.Dir] = p
	out, err := yaml.Marshal(pins)
	if err != nil {
		return false, err
	}
	out = append([]byte("# crm: 已知档案库的创世事件与最近所见日志头 (genesis and last-seen heads)\n"), out...)
	if bytes.Equal(b, out) {
		return !known, nil
	}
	return !known, writeFileAtomic(pinFile, out, 0o600)
}

// checkSeen fails if the journal lacks what pin old says this user saw:
// another genesis (a replaced journal), or a head gone (a rollback).
func (a *Archive) checkSeen(pinFile string, old Pin) error {
	if old.Genesis != a.State.Genesis {
		return integrityErr(journal.Dir, l10n.Errorf("the archive at %s has genesis %s, but %s pinned %s when you first used it: its journal was replaced. If that was intended, remove its entry from %s", a.Dir, journal.ShortHash(a.State.Genesis), pinFile, journal.ShortHash(old.Genesis), pinFile))
	}
	if h := a.missingHead(old.Heads); h != "" {
		if err := a.reload(); err != nil {
			return err
		}
		if h := a.missingHead(old.Heads); h != "" {
			return integrityErr(journal.Dir, l10n.Errorf("event %s, which you saw in this archive before, is gone from its journal: the journal was rolled back or an event deleted. Restore it from git or a backup; if the rollback was intended, remove the archive's entry from %s", journal.ShortHash(h), pinFile))
		}
	}
	return nil
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
