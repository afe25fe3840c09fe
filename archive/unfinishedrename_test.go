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
