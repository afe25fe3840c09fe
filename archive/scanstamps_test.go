package archive_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"crm/archive"
)

// scanTexts is what Scan gives member id of dossiers ids, as `crm search`
// opens the archive (the snapshot's rows, the plaintext cache), and how
// many files it read.
func (f *fixture) scanTexts(id string, ids []string) (map[string][]byte, int, error) {
	f.t.Helper()
	a := f.openAs(id, archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	a.EnableCache(f.cache)
	var mu sync.Mutex
	got := map[string][]byte{}
	_, err := a.Scan(ctx, "", ids, func(d *archive.DossierState, text []byte) error {
		mu.Lock()
		defer mu.Unlock()
		got[d.ID] = bytes.Clone(text)
		return nil
	})
	if serr := a.SaveCache(); serr != nil {
		f.t.Fatal(serr)
	}
	return got, a.ScanFilesRead(), err
}

// A scan (search, export) takes a dossier's plaintext from the cache
// without reading its file when the list cache vouches for the file by
// its stamp, as list does; a file changed since is read, and one that is
// not the file the journal pinned is still an error.
func TestScanTrustsListStamps(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: no file stamps on Windows (stamp_other.go), so every file is read")
	}
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)

	// Before any list: every readable file is read.
	first, read, err := f.scanTexts("li", ids)
	if err != nil || read == 0 || read != len(first) {
		t.Fatalf("the first scan read %d files for %d dossiers (%v)", read, len(first), err)
	}
	// A list records the stamps: the next scan reads no file, and gives
	// the same texts as a cold one.
	f.sameBriefAsList("li")
	again, read, err := f.scanTexts("li", ids)
	if err != nil || read != 0 {
		t.Fatalf("after a list the scan read %d files (%v)", read, err)
	}
	cold := f.cold("li")
	want := map[string][]byte{}
	if _, err := cold.Scan(ctx, "", ids, func(d *archive.DossierState, text []byte) error {
		want[d.ID] = bytes.Clone(text)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(again) != len(want) || len(want) == 0 {
		t.Fatalf("scan gave %d dossiers, a cold one %d", len(again), len(want))
	}
	for id, text := range want {
		if !bytes.Equal(again[id], text) {
			t.Fatalf("%s: the scan on stamps gave another text than a cold scan", id)
		}
	}

	// A list and a scan in one process (export register): the scan does
	// not stat what the list just found, nor read the list cache again.
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	a.EnableCache(f.cache)
	if _, err := a.ListBrief(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.cacheFolderOf(t, "li"), "digests")); err != nil {
		t.Fatal(err)
	}
	n := 0
	if _, err := a.Scan(ctx, "", ids, func(*archive.DossierState, []byte) error { n++; return nil }); err != nil || n != len(want) || a.ScanFilesRead() != 0 {
		t.Fatalf("a scan after a list in the same process: %d texts, %d files read (%v)", n, a.ScanFilesRead(), err)
	}
	f.sameBriefAsList("li") // the list cache again

	// A file changed outside crm, its size and modification time put
	// back: its change time is not the stamp's, so it is read, and named.
	path := filepath.Join(f.dir, archive.DossierPath(ids[0]))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	time.Sleep(10 * time.Millisecond) // a change time after the stamp's
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	got, read, err := f.scanTexts("li", ids)
	if err == nil || !strings.Contains(err.Error(), "changed outside crm") || archive.CodeOf(err) != archive.Integrity {
		t.Fatalf("a tampered file scanned without an error: %v", err)
	}
	if read != 1 || got[ids[0]] != nil || len(got) != len(want)-1 {
		t.Fatalf("with one file tampered the scan read %d files and gave %d texts (the tampered one: %v)", read, len(got), got[ids[0]] != nil)
	}
	// Put back (a new stamp), it is read once more, then trusted again
	// after a list.
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, read, err := f.scanTexts("li", ids); err != nil || read != 1 {
		t.Fatalf("the file put back: the scan read %d files (%v)", read, err)
	}
}
