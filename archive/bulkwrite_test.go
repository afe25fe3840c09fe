package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// Inside Bulk the files are written on another goroutine (bulkwrite.go):
// a step that reads a dossier file a step before it wrote still reads
// that file, not the one before it or none. Here each new dossier is
// edited and then reclassified, which decrypts the file the edit wrote,
// at once.
func TestBulkStepsReadWhatTheStepsBeforeWrote(t *testing.T) {
	f := newFixture(t)
	a := f.as("zhang")
	var ids []string
	err := a.Bulk(func() error {
		for i := range 30 {
			old := []byte("customer:\n  name: 批量\nowner: 李四\n")
			id, err := a.Create(old, "秘密")
			if err != nil {
				return err
			}
			text := []byte("customer:\n  name: 批量" + strings.Repeat("改", i+1) + "\nowner: 李四\n")
			if _, _, err := a.Update(id, a.State.Dossiers[id].SHA256, old, text); err != nil {
				return err
			}
			if _, err := a.SetLevel(id, "机密", "", "重要业务往来 (R7.2.3)"); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	b := f.as("zhang")
	for i, id := range ids {
		o, err := b.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		if want := "批量" + strings.Repeat("改", i+1) + "\n"; !strings.Contains(string(o.Text), want) || o.State.Level != "机密" {
			t.Fatalf("%s: level %s, text %q", id, o.State.Level, o.Text)
		}
	}
}

// A file a Bulk cannot write stops the batch there: the steps before it
// are on disk and in the state, the one it belongs to and those after it
// are in neither, Bulk says which file failed, and the next step cleans
// up the temporary file it left.
func TestBulkWriteFailureStopsTheBatch(t *testing.T) {
	f := newFixture(t)
	before := f.create("秘密")
	next, month := blockNextMonth(t, f)
	a := f.as("li")
	var first string
	err := a.Bulk(func() error {
		id, err := a.Create([]byte("customer:\n  name: 之前\nowner: 李四\n"), "秘密")
		if err != nil {
			return err
		}
		first = id
		a.SetClock(next)
		for range 5 {
			if _, err := a.Create([]byte("customer:\n  name: 之后\nowner: 李四\n"), "秘密"); err != nil {
				return err
			}
			if _, err := a.ReviewDone(first, "核对"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "writing journal event") || !strings.Contains(err.Error(), filepath.Join(next.Format("2006"), next.Format("01"))) {
		t.Fatalf("Bulk: %v", err)
	}
	// The lock was let go without its clean mark, so that the next step
	// looks for what the batch left.
	if !archive.LeftBehind() {
		t.Fatal("the failed batch did not mark what it may have left")
	}
	if n := len(a.State.Dossiers); n != 2 || a.State.Dossiers[first] == nil || a.State.Dossiers[before] == nil {
		t.Fatalf("the state after the failure has %d dossiers", n)
	}
	if err := os.Remove(month); err != nil {
		t.Fatal(err)
	}
	f.now = next.Add(time.Hour)
	f.create("秘密") // takes the lock: repairs what the batch left
	left, err := filepath.Glob(filepath.Join(f.dir, archive.DossiersDir, ".tmp-*"))
	if err != nil || len(left) > 0 {
		t.Fatalf("left behind: %v %v", left, err)
	}
	f.verifyClean()
	if got := len(f.as("li").State.Dossiers); got != 3 {
		t.Fatalf("%d dossiers, want 3", got)
	}
}
