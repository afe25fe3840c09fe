package archive_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// maintainBothAfter is maintainBoth with steps taken after the snapshot an
// earlier command saved (between: events the snapshot does not hold), and
// it also fails unless what the two runs wrote gives the same dossiers and
// loans (levels, recipients, statuses) and as many events.
func (f *fixture) maintainBothAfter(between func()) (*archive.MaintainReport, *archive.Archive) {
	f.t.Helper()
	f.settle()
	f.reader("zhang", f.clock) // the snapshot an earlier command saved
	if between != nil {
		between()
	}
	f.settle()
	dir := filepath.Join(f.t.TempDir(), "copy")
	copyTree(f.t, f.dir, dir)
	c, err := archive.OpenWith(ctx, dir, archive.OpenOptions{Clock: f.clock, Identity: f.ids["zhang"]})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := c.SetIdentity(f.ids["zhang"]); err != nil {
		f.t.Fatal(err)
	}
	want, werr := c.Maintain(ctx, classify.Period{Months: 3})
	a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryNone})
	got, gerr := a.Maintain(ctx, classify.Period{Months: 3})
	if (werr == nil) != (gerr == nil) {
		f.t.Fatalf("maintain from the snapshot: %v; from a replay: %v", gerr, werr)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		f.t.Fatalf("maintain from the snapshot:\n got %s\nwant %s", g, w)
	}
	f.settle()
	gs, ws := outcome(f, f.dir), outcome(f, dir)
	if gs != ws {
		f.t.Fatalf("what maintain from the snapshot wrote differs from a cold replay's maintain:\n got %s\nwant %s", gs, ws)
	}
	return got, a
}

// outcome is what a cold replay of the archive at dir says of every
// dossier and loan, and how many events it has.
func outcome(f *fixture, dir string) string {
	f.t.Helper()
	a, err := archive.Open(ctx, dir, f.clock)
	if err != nil {
		f.t.Fatal(err)
	}
	s := a.State
	out := fmt.Sprintf("events %d problems %d\n", len(s.Journal.Events), len(s.Problems))
	for _, d := range s.SortedDossiers() {
		out += fmt.Sprintf("%s %s %s decl=%v rcpt=%v stale=%v\n", d.ID, d.Level, d.Status, d.Declassified, d.Recipients, s.StaleKeys(d))
	}
	for _, l := range s.SortedLoans() {
		out += fmt.Sprintf("%s %s %s\n", l.ID, l.Dossier, l.Status())
	}
	return out
}

// Several kinds of candidate in one run, across many parts: loans past
// due, secrecy periods run out (one of them held), a borrower's own
// return, a file still encrypted to a rotated key; the rows path writes
// what a cold replay's maintain writes and reports the same.
func TestMaintainManyKindsAtOnce(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	stale, _ := f.rotateLiWhile("zhang") // encrypted to li's old key
	f.bulkCreate(30)
	var short, lent []string
	for range 4 {
		id := f.create("机密")
		if _, err := f.as("zhang").SetLevel(id, "机密", "3d", "short"); err != nil {
			t.Fatal(err)
		}
		short = append(short, id)
	}
	if err := f.as("zhang").SetHold(short[0], true, "诉讼"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		lent = append(lent, f.create("机密"))
	}
	for _, id := range lent {
		f.lendFor(id, 1)
	}
	// The borrower's own return: the file stays encrypted to them.
	l := f.lendFor(f.create("机密"), 3)
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(4 * 24 * time.Hour)
	rep, a := f.maintainBothAfter(nil)
	t.Logf("expired %d declassified %d rekeyed %v whole reads %d", len(rep.Expired), rep.Declassified, rep.Rekeyed, a.WholeReads())
	if len(rep.Expired) != 3 || rep.Declassified < 3 || !slices.Contains(rep.Rekeyed, stale) {
		t.Fatalf("expired %d, declassified %d, rekeyed %v (want %s among them)", len(rep.Expired), rep.Declassified, rep.Rekeyed, stale)
	}
	if _, a = f.maintainBothAfter(nil); !a.SummaryState() {
		t.Fatal("the second run took a state to write against")
	}
}

// Candidates made by events the snapshot does not hold yet: a borrower's
// own return, a loan due in a day, a secrecy period set, then the clock
// moves on.
func TestMaintainCandidatesAfterSnapshot(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.bulkCreate(10)
	ret, lent, short := f.create("机密"), f.create("机密"), f.create("机密")
	rep, a := f.maintainBothAfter(func() {
		l := f.lendFor(ret, 3)
		if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	})
	if !slices.Equal(rep.Rekeyed, []string{ret}) || a.WholeReads() != 0 {
		t.Fatalf("rekeyed %v, want [%s]; whole reads %d", rep.Rekeyed, ret, a.WholeReads())
	}
	rep, a = f.maintainBothAfter(func() {
		f.lendFor(lent, 1)
		if _, err := f.as("zhang").SetLevel(short, "机密", "3d", "short"); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(4 * 24 * time.Hour)
	})
	if len(rep.Expired) != 1 || rep.Declassified != 1 || a.WholeReads() != 0 {
		t.Fatalf("expired %v, declassified %d, whole reads %d", rep.Expired, rep.Declassified, a.WholeReads())
	}
}

// When the state of maintain's dossiers was advanced and then not used
// (one of them is not there), the whole state is read afresh from the
// snapshot, once: the fallback must not take the parts path again. Open
// files are bounded here so that a fallback that recurses ends (each
// level holds the snapshot file open) instead of exhausting the machine.
func TestMaintainIDsStateFallbackReadsWhole(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.create("秘密")
	f.settle()
	f.reader("zhang", f.clock) // the snapshot
	f.create("秘密")             // a new event: the parts are advanced
	f.settle()
	// Where the limit cannot be lowered (Windows has none) the test runs
	// unbounded: the assertion below is the same.
	limitOpenFiles(t) // 256
	a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryNone})
	before := a.WholeReads()
	s, partial := a.LoadSnapshotAbout([]string{"C-999999"})
	if s == nil || partial || a.WholeReads() != before+1 {
		t.Fatalf("fallback from an unused state of some parts: state %v, partial %v, whole reads %d (want one)", s != nil, partial, a.WholeReads()-before)
	}
}
