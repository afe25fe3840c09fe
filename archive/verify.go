package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"crm/archive/journal"
	"crm/l10n"
)

// Problem is something wrong with the archive, with the path it concerns.
type Problem = journal.Problem

// Verify recomputes everything the journal claims (DESIGN.md principle 5):
// each event's name matches its content and its signature verifies with its
// actor's key as of its place in the chain; each step was taken by a member
// holding the role for it; members/*.yaml and crm.yaml say what the journal
// says; each dossier file is the ciphertext the last event pinned, encrypted
// to the recipients the policy gives; no destroyed dossier remains. It needs
// no key. The problems are sorted by path.
func (a *Archive) Verify(ctx context.Context) ([]Problem, error) {
	// Finish any write a crashed process journaled but did not put in place.
	if err := a.lockOnly(func() error { return nil }); err != nil {
		return nil, err
	}
	// Every load replays with signature and role checks, so the state just
	// reloaded is what verify needs, unless this process wrote events since
	// (those are applied unchecked): then read the journal afresh.
	s, j := a.State, a.State.Journal
	if a.wrote {
		var err error
		if j, err = journal.Read(ctx, a.Dir); err != nil {
			return nil, err
		}
		s = Replay(ctx, j, a.Policy, a.now, true)
	}
	c := &checker{a: a, s: s, ps: append(slices.Clone(j.Problems), s.Problems...)}
	if sha256Hex(a.PolicyRaw) != s.PolicySHA256 {
		c.add(PolicyFile, "differs from the policy the journal recorded (edited without a signed policy.update)")
	}
	c.members()
	c.recipients(c.dossierFiles())
	ps := c.ps
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps, nil
}

// checker collects what Verify finds, against a state replayed with every
// check.
type checker struct {
	a  *Archive
	s  *State
	ps []Problem
}

func (c *checker) add(path, format string, args ...any) {
	c.ps = append(c.ps, Problem{Path: path, Msg: l10n.Sprintf(format, args...)})
}

// members checks that members/*.yaml say what the journal says.
func (c *checker) members() {
	seen := map[string]bool{}
	entries, _ := os.ReadDir(filepath.Join(c.a.Dir, MembersDir))
	for _, e := range entries {
		rel := MembersDir + "/" + e.Name()
		id, ok := strings.CutSuffix(e.Name(), ".yaml")
		m := c.s.Members[id]
		if !ok || m == nil {
			c.add(rel, "no member event in the journal adds this member")
			continue
		}
		seen[id] = true
		b, err := os.ReadFile(filepath.Join(c.a.Dir, MembersDir, e.Name()))
		want, _ := memberFileBytes(m)
		if err != nil || !bytes.Equal(b, want) {
			c.add(rel, "differs from what the journal says of member %s (edited by hand?)", id)
		}
	}
	for id := range c.s.Members {
		if !seen[id] {
			c.add(MembersDir+"/"+id+".yaml", "missing: the journal has member %s", id)
		}
	}
}

// dossierFiles checks every file of dossiers/ against the journal, and
// returns the ids of the dossiers that have one.
func (c *checker) dossierFiles() map[string]bool {
	files := map[string]bool{}
	entries, _ := os.ReadDir(filepath.Join(c.a.Dir, DossiersDir))
	for _, e := range entries {
		rel := DossiersDir + "/" + e.Name()
		if strings.HasPrefix(e.Name(), ".tmp-") {
			c.add(rel, "left by an interrupted write or destruction")
			continue
		}
		id, ok := strings.CutSuffix(e.Name(), ".age")
		d := c.s.Dossiers[id]
		if !ok || d == nil {
			c.add(rel, "no dossier event in the journal creates this file")
			continue
		}
		files[id] = true
		if d.Status == StatusDestroyed {
			c.add(rel, "dossier %s was destroyed, but its file is still here", id)
			continue
		}
		b, err := os.ReadFile(filepath.Join(c.a.Dir, DossiersDir, e.Name()))
		if err != nil {
			c.add(rel, "unreadable: %v", err)
			continue
		}
		if got := sha256Hex(b); got != d.SHA256 && d.WrittenBy != nil {
			c.add(rel, "sha256 %s is not %s, pinned by %s (changed, replaced or rolled back outside crm)", journal.ShortHash(got), journal.ShortHash(d.SHA256), d.WrittenBy.Path)
		}
	}
	return files
}

// recipients checks that every active dossier has a file, encrypted to
// the recipients the policy gives.
func (c *checker) recipients(files map[string]bool) {
	for _, d := range c.s.SortedDossiers() {
		if d.Status != StatusActive {
			continue
		}
		if !files[d.ID] {
			c.add(DossierPath(d.ID), "missing: the journal says dossier %s exists", d.ID)
		}
		if want := c.s.ExpectedRecipients(d); !slices.Equal(d.Recipients, want) {
			c.add(DossierPath(d.ID), "encrypted to %v, but the policy gives %v: re-encrypt it (rekey)", d.Recipients, want)
		}
		if old := c.s.StaleKeys(d); len(old) > 0 {
			c.add(DossierPath(d.ID), l10n.N("still opens with the old keys of %v (changed by %s since it was written): re-encrypt it (rekey)"), old, KindMemberRotate)
		}
	}
}
