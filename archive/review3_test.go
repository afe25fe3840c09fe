package archive_test

import (
	"time"

	"bytes"
	"crm/archive"
	"os"
	"path/filepath"
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
		evs, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*.yaml"))
		edited := 0
		for _, p := range evs {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("kind: dossier.create")) && bytes.Contains(b, []byte(ids[1])) {
				// Unlink, then create: what git does.
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, bytes.Replace(b, []byte("kind: dossier.create"), []byte("kind: dossier.update"), 1), 0o644); err != nil {
					t.Fatal(err)
				}
				edited++
			}
		}
		if edited != 1 {
			t.Fatalf("edited %d events", edited)
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
	f.settle()
	f.reader("li", f.clock)
	if _, err := f.as("li").ReviewDone(ids[2], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if a := f.reader("li", f.clock); !a.FromSnapshot() {
		t.Fatal("not advanced")
	}
	a := f.readerOf("li", ids[0])
	evs, err := a.DossierLog(ids[0])
	if err != nil || !a.FromSnapshot() || len(evs) == 0 {
		t.Fatalf("log: %d events, %v, snapshot %v", len(evs), err, a.FromSnapshot())
	}
	p := filepath.Join(f.dir, filepath.FromSlash(evs[0].Path))
	dir, _ := os.Stat(filepath.Dir(p))
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte("dossier.create"), []byte("dossier.update"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Dir(p), dir.ModTime(), dir.ModTime())
	a = f.readerOf("li", ids[0])
	if !a.FromSnapshot() {
		t.Fatal("the folder's time was put back: the snapshot should stand")
	}
	if _, err := a.DossierLog(ids[0]); err == nil {
		t.Fatal("the log of a dossier the journal does not create")
	}
}

// An event dated ahead of the clock is a problem whose message names the
// clock of the check: a snapshot taken under one clock and read under
// another in its range says the first clock, a cold replay the second.
func TestReview3FutureProblemNamesTheClock(t *testing.T) {
	t.Skip("HOLE (cosmetic, predates advance): the message of a problem of an event dated ahead of the clock names the clock of the replay that made the snapshot, not this command's; only the text differs (clockRange keeps the verdict right)")
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
	if !a.FromSnapshot() || len(a.State.Problems) != 1 {
		t.Fatalf("snapshot %v, problems %v", a.FromSnapshot(), a.State.Problems)
	}
	sameAsCold(t, f, a)
}
