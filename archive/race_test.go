package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive/journal"
)

// race writes two steps as two people do who have not synced: first in
// one clone of f, second in another, both from f's state, and merges the
// second's clone into the first's (fixture.pull). Neither step follows
// the other, so the merged journal orders them by hash. Each try writes
// both at other seconds (first at 2i s past f's clock, second at i+1 s),
// so the order is a coin toss each try: with one side the same bytes
// every try, a hash near either end left one order out of reach (a CI
// failure, fb76df3). race tries until check has run once for each order
// in want (true: the first step's event of kind firstKind comes before
// the second's of kind secondKind), and fails the test after 40 tries.
// check gets the merged clone.
func (f *fixture) race(t *testing.T, want []bool,
	firstKind journal.Kind, first func(c *fixture),
	secondKind journal.Kind, second func(c *fixture),
	check func(m *fixture, firstBefore bool)) {
	t.Helper()
	before := f.eventHashes()
	done := map[bool]bool{}
	for i := 0; ; i++ {
		left := 0
		for _, w := range want {
			if !done[w] {
				left++
			}
		}
		if left == 0 {
			return
		}
		if i == 40 {
			t.Fatalf("in 40 tries, the orders wanted (%s before %s: %v) came only as %v", firstKind, secondKind, want, done)
		}
		a, g, base := f.clone(), f.clone(), f.clone()
		a.now = a.now.Add(time.Duration(2*i) * time.Second)
		first(a)
		mine := a.eventHashes()
		g.now = g.now.Add(time.Duration(i+1) * time.Second)
		second(g)
		theirs := g.eventHashes()
		a.pull(g, base.dir)
		p, q := 0, 0 // 1 + the place in the merged order of each side's step
		for j, e := range a.as("zhang").State.Journal.Events {
			switch {
			case before[e.Hash]:
			case e.Kind == firstKind && mine[e.Hash] && !theirs[e.Hash]:
				p = j + 1
			case e.Kind == secondKind && theirs[e.Hash] && !mine[e.Hash]:
				q = j + 1
			}
		}
		if p == 0 || q == 0 {
			t.Fatalf("try %d: no %s event of the first step (%d) or no %s of the second (%d) in the merged journal", i, firstKind, p, secondKind, q)
		}
		firstBefore := p < q
		if done[firstBefore] || !slices.Contains(want, firstBefore) {
			continue
		}
		done[firstBefore] = true
		check(a, firstBefore)
	}
}

// eventHashes is the set of the hashes of the events f's journal holds.
func (f *fixture) eventHashes() map[string]bool {
	f.t.Helper()
	m := map[string]bool{}
	for _, e := range f.as("zhang").State.Journal.Events {
		m[e.Hash] = true
	}
	return m
}

// race's wants: each order once, or only the one where the second step's
// event comes after (before) the first's.
var (
	bothOrders   = []bool{true, false}
	secondAfter  = []bool{true}
	secondBefore = []bool{false}
)

// pendingUntilRekey checks that dossier id's file is encrypted to member,
// a former reader the journal no longer lets read it (a file pending,
// not a problem: verify passes), and that a manager's rekey writes it
// without them.
func (f *fixture) pendingUntilRekey(id, member string) {
	f.t.Helper()
	s := f.as("zhang").State
	d := s.Dossiers[id]
	if !slices.Contains(d.Recipients, member) || slices.Contains(s.ExpectedRecipients(d), member) {
		f.t.Fatalf("dossier %s: encrypted to %v, expected %v", id, d.Recipients, s.ExpectedRecipients(d))
	}
	f.verifyClean()
	if _, err := f.as("zhang").Rekey(ctx); err != nil {
		f.t.Fatal(err)
	}
	if d := f.as("zhang").State.Dossiers[id]; slices.Contains(d.Recipients, member) {
		f.t.Fatalf("still encrypted to %s after rekey: %v", member, d.Recipients)
	}
	f.verifyClean()
}
