package archive_test

import (
	"slices"
	"testing"
	"time"

	"crm/archive"
)

// maintainBoth runs maintain as the manager the way cron does (the
// command's options: the snapshot, its steps, the rows and registers
// first) and, on a copy of the archive as it was, the way a cold replay
// does, and fails unless both report and write the same
// (maintainBothAfter). It returns the report and the archive maintain ran
// in.
func (f *fixture) maintainBoth() (*archive.MaintainReport, *archive.Archive) {
	f.t.Helper()
	return f.maintainBothAfter(nil)
}

// Maintain, hourly from cron, reads the rows and registers of the
// snapshot and writes nothing when they show nothing to write; when they
// show a loan past due, a secrecy period run out or a file to re-encrypt,
// it takes the parts of those dossiers with every loan (never the whole
// snapshot), does what a cold replay's maintain does, and reports from the
// rows again.
func TestMaintainFromRows(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.create("秘密")
	short := f.createAs("zhang", testDossier, "机密")
	lent := f.create("机密")
	if _, err := f.as("zhang").SetLevel(short, "机密", "3d", "short"); err != nil {
		t.Fatal(err)
	}
	events := func() int { return len(f.cold("li").State.Journal.Events) }

	// Nothing to write: the run keeps to the rows and registers.
	n := events()
	rep, a := f.maintainBoth()
	if !a.SummaryState() || events() != n || len(rep.Reviews) == 0 {
		t.Fatalf("a run with nothing to write took the whole state (%v), wrote %d events, reviews %v", !a.SummaryState(), events()-n, rep.Reviews)
	}

	// A borrower's own return leaves the file encrypted to them: the rows
	// show it, and the run re-encrypts it.
	l := f.lendFor(lent, 2)
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	rep, a = f.maintainBoth()
	if !slices.Equal(rep.Rekeyed, []string{lent}) || a.WholeReads() != 0 || !a.SummaryState() {
		t.Fatalf("rekeyed %v, want [%s] (whole snapshots read: %d, report from the rows: %v)", rep.Rekeyed, lent, a.WholeReads(), a.SummaryState())
	}

	// A loan past due: its access is revoked.
	l = f.lendFor(lent, 1)
	f.now = f.now.Add(25 * time.Hour)
	rep, a = f.maintainBoth()
	if len(rep.Expired) != 1 || rep.Expired[0].ID != l.ID || rep.Declassified != 0 || a.WholeReads() != 0 {
		t.Fatalf("expired %v, declassified %d, whole snapshots read %d", rep.Expired, rep.Declassified, a.WholeReads())
	}

	// The secrecy period ran out: the dossier drops to 内部.
	f.now = f.now.AddDate(0, 0, 3)
	rep, a = f.maintainBoth()
	if rep.Declassified != 1 || len(rep.Expired) != 0 || len(rep.Rekeyed) != 0 || a.WholeReads() != 0 {
		t.Fatalf("declassified %d, expired %v, rekeyed %v, whole snapshots read %d", rep.Declassified, rep.Expired, rep.Rekeyed, a.WholeReads())
	}

	// Then nothing again.
	n = events()
	if _, a = f.maintainBoth(); !a.SummaryState() || events() != n {
		t.Fatalf("the last run took the whole state (%v) or wrote %d events", !a.SummaryState(), events()-n)
	}
	f.verifyClean()
}
