package archive_test

import (
	"bytes"
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
