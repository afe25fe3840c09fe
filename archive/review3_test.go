package archive_test

import (
	"time"

	"bytes"
	"crm/archive"
	"crm/archive/journal"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Holes found reviewing the snapshot's advance (advance.go), each shown
// against a cold replay.

// An event known to the snapshot replaced under its name by an edited
// file (as a git pull bringing an edited event does) in a month folder
// that also gets a new event: the folder is listed again for the new
// event, but the old one must not be taken as the snapshot knew it by its
// name alone. A full read finds that its content does not match its
// name (a problem); so must the advanced state.
func TestReview3AdvanceSeesReplacedKnownEvent(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advanced(false, func() {
		if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
			t.Fatal(err)
		}
		// Unlink, then create: what git does.
		p, b := f.creationEvent(ids[1])
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Replace(b, []byte("kind: dossier.create"), []byte("kind: dossier.update"), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	})
}

// A dossier's log from a snapshot whose creation event was edited in place
// (its folder's time put back): the log reads the journal, where the
// dossier was never created (its creation is a problem). It must say so,
// not crash. Here the snapshot was advanced past the journal cache, so the
// edited file is read again by the full read.
func TestReview3LogOfADossierTheJournalLacks(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advancedByAReview(ids[2])
	f.editCreationInPlace(ids[0])
	a := f.readerOf("li", ids[0])
	if _, err := a.DossierLog(ids[0]); err == nil {
		t.Fatal("the log of a dossier the journal does not create")
	}
}

// An event dated ahead of the clock is a problem whose message names the
// clock of the check: a snapshot taken under one clock and read under
// another in its range would say the first clock, a cold replay the
// second. No snapshot is kept while such an event exists.
func TestReview3FutureProblemNamesTheClock(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	base := f.now
	f.now = base.Add(time.Hour)
	f.writeEvent("su", archive.KindDossierCredit, ids[2], map[string]string{"class": "A", "reason": "x"})
	f.now = base
	f.settle()
	f.reader("li", f.clock)
	f.now = base.Add(time.Minute)
	a := f.reader("li", f.clock)
	if a.FromSnapshot() || len(a.State.Problems) != 1 || !strings.Contains(a.State.Problems[0].Msg, "2026-11-22T01:01:00Z") {
		t.Fatalf("snapshot %v, problems %v", a.FromSnapshot(), a.State.Problems)
	}
	sameAsCold(t, f, a)
}

// A step works on the snapshot loaded under the lock. If the journal was
// rolled back since the command opened (a head it pinned deleted) and
// another command saved a snapshot of the rolled-back journal meanwhile,
// the pin check after the step must still find the pinned head gone: the
// good heads of the snapshot the command opened are not in the journal
// the new one stands for.
func TestReview3PinAfterStepOnAnotherSnapshot(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advancedByAReview(ids[0])
	pin := filepath.Join(t.TempDir(), "pin.yaml")
	if _, err := f.stepper("li", ids[2]).CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	a := f.stepper("li", ids[2])
	if _, err := a.CheckPin(pin); err != nil || !a.FromSnapshot() {
		t.Fatalf("pin: %v, snapshot %v", err, a.FromSnapshot())
	}
	// The rollback: the head (the last 核定) is deleted.
	heads := a.State.Journal.Heads
	if len(heads) != 1 {
		t.Fatalf("heads %v", heads)
	}
	evs, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*"+heads[0]+".yaml"))
	if len(evs) != 1 {
		t.Fatalf("head files %v", evs)
	}
	if err := os.Remove(evs[0]); err != nil {
		t.Fatal(err)
	}
	f.settle()
	// Another command (show, list) saves the rolled-back journal's snapshot.
	if b := f.reader("li", f.clock); b.FromSnapshot() {
		t.Fatal("the rolled-back journal was taken from the snapshot")
	}
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot of the rolled-back journal")
	}
	o, err := a.Read(ids[2])
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Update(ids[2], o.SHA256, o.Text, append(bytes.Clone(o.Text), "# 改\n"...)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPin(pin); archive.CodeOf(err) != archive.Integrity {
		t.Fatalf("pin after the step: %v (snapshot %v)", err, a.FromSnapshot())
	}
}

// A new event that follows the snapshot's head and also an old event that
// is no head (both known to the snapshot): a cold replay takes it, and so
// does the snapshot, which finds the old event in the tail of the
// journal's order it keeps (journal.Tail); the state is the cold one.
func TestReview3NewEventAlsoFollowsAnOldEvent(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advanced(true, func() {
		j := f.cold("li").State.Journal
		var old string
		for _, e := range j.Events {
			if e.Kind == archive.KindDossierCreate && e.Dossier == ids[1] {
				old = e.Hash
			}
		}
		prev := append(slices.Clone(j.Heads), old)
		slices.Sort(prev)
		b, err := journal.Sign(journal.Header{Kind: archive.KindDossierCredit, Time: f.now, Actor: "su", Dossier: ids[2], Prev: prev}, map[string]string{"class": "A", "reason": "x"}, f.ids["su"].Signer())
		if err != nil {
			t.Fatal(err)
		}
		e, err := journal.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash))), b, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if d := f.cold("li").State.Dossiers[ids[2]]; d.Credit != "A" {
		t.Fatalf("the event did not take effect: %q", d.Credit)
	}
}

// Steps in a new month and a new year (new folders) advance the snapshot
// like a replay, and the snapshot saved then stands for the journal.
func TestReview3NewMonthAndYear(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.now = f.now.AddDate(0, 0, 12) // December
	f.advanced(true, func() {
		if _, _, err := f.as("su").SetCredit(ids[2], "A", "付款及时"); err != nil {
			t.Fatal(err)
		}
	})
	f.now = f.now.AddDate(0, 1, 0) // January
	f.advanced(true, func() {
		if _, err := f.as("li").ReviewDone(ids[0], "新年"); err != nil {
			t.Fatal(err)
		}
	})
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() {
		t.Fatal("no snapshot saved after the new folders")
	}
	sameAsCold(t, f, a)
}
