package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
)

// A dossier file whose rename fails after its event is journaled (on
// Windows: another program, a colleague's crm or a virus scanner, holds
// the old file open past the retries) stays under its temporary name, as
// the warning says: the next locked step puts it in place, and the text
// the journal records is not lost. Failed before: the temporary file was
// removed, and the dossier was left "changed outside crm" for good.
func TestUnfinishedRenameKeepsTheNewFile(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		f := newFixture(t)
		id := f.create("秘密")
		a := f.as("li")
		o, err := a.Read(id)
		if err != nil {
			t.Fatal(err)
		}
		final := filepath.Join(f.dir, archive.DossierPath(id))
		blocked := false
		archive.SetCrashHook(func(p string) {
			if p == "rename "+final && !blocked {
				blocked = true // the old file is busy: the rename fails
				os.Rename(final, final+".old")
				os.MkdirAll(filepath.Join(final, "x"), 0o755)
			}
		})
		text := []byte(strings.Replace(string(o.Text), "测试", "测试改", 1))
		update := func() error {
			_, _, err := a.Update(id, o.SHA256, o.Text, text)
			return err
		}
		if bulk {
			err = a.Bulk(update)
		} else {
			err = update()
		}
		archive.SetCrashHook(nil)
		archive.LeftBehind()
		if !blocked || archive.CodeOf(err) != archive.Unfinished {
			t.Fatalf("bulk=%v: the rename failed %v, error %v (code %d)", bulk, blocked, err, archive.CodeOf(err))
		}
		// The other program lets go of the old file.
		for _, p := range []string{filepath.Join(final, "x"), final} {
			if err := os.Remove(p); err != nil { // not RemoveAll: Wine lacks what Go's needs
				t.Fatal(err)
			}
		}
		if err := os.Rename(final+".old", final); err != nil {
			t.Fatal(err)
		}
		f.create("秘密") // the next locked step: repairCrash
		got, err := f.as("li").Read(id)
		if err != nil {
			t.Fatalf("bulk=%v: Read after the repair: %v", bulk, err)
		}
		if string(got.Text) != string(text) {
			t.Fatalf("bulk=%v: the dossier after the repair is\n%s\nwant the journaled text\n%s", bulk, got.Text, text)
		}
		f.verifyClean()
	}
}

// So with the file of a create accepted under a new id (Decide): its
// rename after the decision is journaled fails (a virus scanner holds the
// new file on Windows), and the file waits under its temporary name for
// the next locked step, which puts it in place. Failed before: the file
// was removed, and the accepted dossier's text was gone.
func TestAcceptedCreateKeepsItsFileWhenTheRenameFails(t *testing.T) {
	f, one, find := collidedCreates(t)
	a := f.as("zhang")
	dossiers := filepath.Join(f.dir, "dossiers") + string(filepath.Separator)
	blocked := ""
	archive.SetCrashHook(func(p string) {
		to, ok := strings.CutPrefix(p, "rename "+dossiers)
		if !ok || blocked != "" {
			return
		}
		if _, err := os.Stat(dossiers + to); os.IsNotExist(err) {
			blocked = dossiers + to // the new id's file: the rename fails
			os.MkdirAll(filepath.Join(blocked, "x"), 0o755)
		}
	})
	newID, err := a.Decide(archive.DecideOptions{Event: a.State.Problems[0].Path, Decision: archive.DecisionAccept, Reason: "撞号", Find: find})
	archive.SetCrashHook(nil)
	archive.LeftBehind()
	if blocked == "" || archive.CodeOf(err) != archive.Unfinished || newID == "" || newID == one {
		t.Fatalf("the rename failed at %q; new id %q, error %v (code %d)", blocked, newID, err, archive.CodeOf(err))
	}
	for _, p := range []string{filepath.Join(blocked, "x"), blocked} {
		if err := os.Remove(p); err != nil { // not RemoveAll: Wine lacks what Go's needs
			t.Fatal(err)
		}
	}
	f.create("秘密") // the next locked step: repairCrash
	b := f.as("li")
	var all string
	for _, id := range []string{one, newID} {
		o, err := b.ReadAny(id)
		if o == nil {
			t.Fatalf("%s after the repair: %v", id, err)
		}
		all += string(o.Text)
	}
	if !strings.Contains(all, "甲方") || !strings.Contains(all, "乙方") {
		t.Fatalf("content lost: %q", all)
	}
	f.verifyClean()
}
