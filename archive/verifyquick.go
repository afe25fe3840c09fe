package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
)

// VerifyCounts are what a verify went through: events, members and
// dossiers (active or not).
type VerifyCounts struct{ Events, Members, Dossiers int }

// Verified returns the counts of the last Verify, VerifyFast or
// VerifyPush that found no error.
func (a *Archive) Verified() VerifyCounts { return a.verified }

// VerifyPush is the check before a push (crm sync, the pre-push hook):
// VerifyFast, where every event file the push carries (carried: paths
// relative to the archive, as git names them) is read again and must hash
// to the name it has, and every month folder must hold exactly the events
// the snapshot stands for. A file rewritten in place under its old name,
// or one added to a folder whose time was put back, which VerifyFast
// alone does not see, is not pushed unnoticed: then the whole journal is
// read and checked afresh (Verify).
func (a *Archive) VerifyPush(ctx context.Context, carried []string) ([]Problem, error) {
	if !a.carriedIntact(carried) {
		return a.Verify(ctx)
	}
	if ok, err := a.quickVerify(ctx); err != nil || ok {
		return nil, err
	}
	if a.journalDiffers {
		// The cache does not stand for what the folders hold: read all.
		return a.Verify(ctx)
	}
	return a.verify(ctx, true)
}

// quickVerify checks the archive from the user's state snapshot alone,
// when the archive was opened from one with its rows (OpenOptions.Summary
// with SummaryRows): the snapshot stands for a journal this user's crm
// read and checked (every event's name, signature, role and rule, as a
// replay does), so what is left to check is every file against it, as
// Verify does. It returns true only when nothing is found, not a problem
// nor a note; on anything else (or a state it cannot judge from) it
// returns false and the caller checks the way that names what is wrong.
// It holds the lock, like Verify, to check what no write is changing.
func (a *Archive) quickVerify(ctx context.Context) (ok bool, err error) {
	a.journalDiffers = false
	if !a.fromSnapshot || a.wrote || a.summary&SummaryRows == 0 {
		return false, nil
	}
	// A whole state (events the rows alone cannot be advanced by, such as
	// a pulled hand-in) is taken again under the lock: the snapshot its
	// advance saved gives the rows.
	steps := a.snapSteps
	a.snapSteps = true // refresh takes the snapshot again, under the lock
	err = a.lockOnly(func() error {
		ok = a.usableForQuick() && a.quickCheck(ctx)
		return nil
	})
	a.snapSteps = steps
	if err != nil && readOnly(err) {
		// An archive this user may not write is checked as it is.
		return a.usableForQuick() && a.quickCheck(ctx), nil
	}
	return ok, err
}

// usableForQuick reports whether the state is a snapshot's rows that
// quickCheck can judge the archive from.
func (a *Archive) usableForQuick() bool {
	return a.fromSnapshot && !a.wrote && a.State != nil && a.State.summary && a.summary&SummaryRows != 0
}

// quickCheck is quickVerify's work, on the snapshot's state.
func (a *Archive) quickCheck(ctx context.Context) bool {
	s := a.State
	if sha256Hex(a.PolicyRaw) != s.PolicySHA256 || len(s.Problems) > 0 {
		return false
	}
	// Superseded steps are printed as the snapshot holds them: in both
	// languages, or (a snapshot saved before both were kept) in its own
	// only.
	if !sayable(s.Superseded, a.snapChinese) {
		return false
	}
	_, expect, done := a.monthsKnown()
	if expect == nil {
		return false
	}
	defer done()
	stamps := a.jc.loadQuickStamps(a.Dir)
	c := &checker{a: a, s: s, expect: expect, stamps: stamps}
	c.tree()
	if c.differs {
		// Event files the snapshot does not stand for, or events gone,
		// in a folder whose time was put back.
		a.journalDiffers = true
		return false
	}
	c.members()
	c.submissionFiles()
	c.templates()
	if len(c.ps) > 0 || len(c.notes) > 0 || !c.onlyEvents || !a.rowFilesClean(ctx, s, stamps) {
		return false
	}
	stamps.save(a.jc)
	a.quickRead = int(stamps.read.Load())
	a.notes, a.quick = nil, true
	a.verified = VerifyCounts{Events: c.events, Members: len(s.Members), Dossiers: len(s.rows)}
	return true
}

// monthsKnown returns what the state's snapshot stands for in each month
// folder of the journal: the folders (sorted), and the hashes of each
// one's events, packed (packHashes), from the folders listed since the
// snapshot was made, else from the snapshot's month parts; nil if the
// snapshot cannot be read. done closes the snapshot.
func (a *Archive) monthsKnown() (months []string, expect func(month string) ([]byte, bool), done func()) {
	f, snap, base := a.readSnapshot()
	if snap == nil {
		return nil, nil, nil
	}
	listed := map[string]journal.Listed{}
	for _, l := range a.sinceListed {
		listed[l.Rel] = l
	}
	months = slices.Clone(snap.Months)
	for rel := range listed {
		if !slices.Contains(months, rel) {
			months = append(months, rel)
		}
	}
	slices.Sort(months)
	part := make(map[string]int, len(snap.Months))
	for i, rel := range snap.Months {
		part[rel] = snapBuckets + i
	}
	return months, func(month string) ([]byte, bool) {
		i, inSnap := part[month]
		if l, ok := listed[month]; ok && l.Memo && !bytes.Equal(snap.mac, a.sinceMAC) {
			// A memo's listing adds its new files to the events the
			// snapshot it was made on knew there. Another command saved
			// a snapshot since: one saved over the folders as they were
			// listed (the same journal) knows those files too.
			if !inSnap || !slices.Equal(snap.Dirs, a.sinceDirs) {
				return nil, false
			}
			return snap.rawPart(f, base, i)
		}
		if l, ok := listed[month]; ok {
			var known []string // a memo's listing adds its new files to these
			if l.Memo && inSnap {
				b, ok := snap.rawPart(f, base, i)
				if ok {
					known, ok = unpackHashes(b)
				}
				if !ok {
					return nil, false
				}
			}
			hs, ok := journal.MemoHashes(l, known)
			if !ok {
				return nil, false
			}
			return packHashes(slices.Clone(hs))
		}
		if !inSnap {
			return nil, false
		}
		return snap.rawPart(f, base, i)
	}, func() { f.Close() }
}

// carriedIntact reports whether every event file of carried that exists
// still holds the event its name gives (its SHA-256).
func (a *Archive) carriedIntact(carried []string) bool {
	for _, rel := range carried {
		if !strings.HasPrefix(rel, journal.Dir+"/") {
			continue
		}
		b, err := sharedfile.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
		if os.IsNotExist(err) {
			continue
		}
		if journal.IsBundlePath(rel) {
			if _, ok := journal.BundleHashes(b, path.Base(rel)); err != nil || !ok {
				return false
			}
			continue
		}
		h, isEvent := journal.HashOfPath(rel)
		if err != nil || !isEvent {
			return false
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != h {
			return false
		}
	}
	return true
}

// isDigits reports whether s is n decimal digits.
func isDigits(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789") == ""
}

// rowFilesClean checks every file of dossiers/ against the rows of
// summary state s, as dossierFiles and recipients check them against the
// dossiers' states: true if neither would find a problem or note
// anything. Files are read on every core, but those whose stamps say
// they are as the last clean check read them (quickStamps).
func (a *Archive) rowFilesClean(ctx context.Context, s *State, stamps *quickStamps) bool {
	rows := s.sortedRows()
	entries, err := os.ReadDir(filepath.Join(a.Dir, DossiersDir))
	if err != nil {
		return false
	}
	// Each row has at most one file, each file one row: a file is named
	// after an id the rows have, and every active dossier has its file.
	has := make([]int32, len(rows)) // index of its entry, plus one
	for k, e := range entries {
		id, isAge := strings.CutSuffix(e.Name(), ".age")
		i, found := findRow(rows, id)
		if !isAge || !found || !e.Type().IsRegular() {
			return false
		}
		has[i] = int32(k + 1)
	}
	readers := map[string][]string{} // each level's, made once
	var todo []int
	for i := range rows {
		r := &rows[i]
		switch {
		case r.Status == StatusDestroyed:
			if has[i] != 0 {
				return false
			}
			continue
		case r.Status == StatusActive:
			if has[i] == 0 || s.rowStale(r, readers) {
				return false
			}
		}
		if has[i] != 0 {
			todo = append(todo, i)
		}
	}
	const chunk = 256
	var bad atomic.Bool
	err = work.Each(ctx, "", (len(todo)+chunk-1)/chunk, func(k int) {
		c := &checker{a: a, s: s}
		for _, i := range todo[k*chunk : min(len(todo), (k+1)*chunk)] {
			if bad.Load() {
				return
			}
			r := &rows[i]
			rel := DossiersDir + "/" + entries[has[i]-1].Name()
			fi, err := entries[has[i]-1].Info()
			if err != nil || !c.entry(rel, fi) || len(c.ps) > 0 {
				bad.Store(true)
				return
			}
			stanzas, same, ok := stamps.dossierFile(rel, c.abs(rel), r.SHA)
			if !ok || !same || stanzas == nil {
				bad.Store(true)
				return
			}
			if msg, _ := stanzaTypesProblem(a.Policy, r.Recipients, "", stanzas); msg != "" {
				bad.Store(true)
				return
			}
		}
	})
	return err == nil && !bad.Load()
}
