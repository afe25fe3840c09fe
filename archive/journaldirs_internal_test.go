package archive

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crm/archive/journal"
)

// journalDirsByPath is journalDirs as it was, every folder's time taken by
// its whole path: the listing journalDirs must still give.
func journalDirsByPath(dir string) ([]dirStamp, bool) {
	var out []dirStamp
	var walk func(p, rel string, depth int) bool
	walk = func(p, rel string, depth int) bool {
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			return false
		}
		out = append(out, dirStamp{rel, fi.ModTime().UnixNano()})
		if depth == 2 {
			return true
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return false
		}
		for _, e := range ents {
			if !e.IsDir() || !walk(filepath.Join(p, e.Name()), rel+"/"+e.Name(), depth+1) {
				return false
			}
		}
		return true
	}
	if !walk(filepath.Join(dir, journal.Dir), journal.Dir, 0) {
		return nil, false
	}
	return out, true
}

// journalDirs takes each folder's time by name in its open parent; what
// it lists, in what order, and what it refuses (a file beside the month
// folders, a link for a month or a year, no journal) are the listing by
// whole paths.
func TestJournalDirsAsByPath(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, journal.Dir)
	for _, m := range []string{"2017/01", "2017/12", "2016/11", "2026/02", "2026/10", "2026/03"} {
		if err := os.MkdirAll(filepath.Join(j, m), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(j, m, "x.yaml"), nil, 0o644)
	}
	os.MkdirAll(filepath.Join(j, "2018"), 0o755) // a year without months
	old := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	os.Chtimes(filepath.Join(j, "2017", "12"), old, old)
	check := func(what string, wantOK bool) {
		t.Helper()
		got, ok := journalDirs(dir)
		want, wok := journalDirsByPath(dir)
		if ok != wok || ok != wantOK || !slices.Equal(got, want) {
			t.Fatalf("%s: got %v %v, by path %v %v, want ok %v", what, got, ok, want, wok, wantOK)
		}
	}
	check("folders only", true)
	if got, _ := journalDirs(dir); len(got) != 1+4+6 || got[0].Rel != journal.Dir || got[1].Rel != journal.Dir+"/2016" || got[2].Rel != journal.Dir+"/2016/11" {
		t.Fatalf("listing %v", got)
	}

	os.WriteFile(filepath.Join(j, "2017", "stray.yaml"), nil, 0o644)
	check("a file beside the month folders", false)
	os.Remove(filepath.Join(j, "2017", "stray.yaml"))
	check("the file removed", true)

	if err := os.Symlink(filepath.Join(j, "2017", "01"), filepath.Join(j, "2017", "02")); err != nil {
		t.Fatal(err)
	}
	check("a link for a month", false)
	os.Remove(filepath.Join(j, "2017", "02"))

	os.Symlink(filepath.Join(j, "2017"), filepath.Join(j, "2019"))
	check("a link for a year", false)
	os.Remove(filepath.Join(j, "2019"))
	check("the links removed", true)

	os.WriteFile(filepath.Join(j, "README"), nil, 0o644)
	check("a file in the journal folder", false)

	os.RemoveAll(j)
	check("no journal", false)
}
