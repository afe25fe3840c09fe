package archive

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crm/archive/journal"
)

// What TestJournalDirsAsByPath leaves out: the journal folder itself a
// link to a journal, and a file with a month's name. journalDirs (times
// by name from the open journal folder) refuses both, as the listing by
// whole paths does.
func TestJournalDirsAsByPathLinkedJournalAndFileMonth(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "elsewhere")
	for _, m := range []string{"2025/11", "2026/01"} {
		if err := os.MkdirAll(filepath.Join(real, m), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	arch := filepath.Join(dir, "arch")
	os.MkdirAll(arch, 0o755)
	check := func(what string, wantOK bool) {
		t.Helper()
		got, ok := journalDirs(arch)
		want, wok := journalDirsByPath(arch)
		if ok != wok || ok != wantOK || !slices.Equal(got, want) {
			t.Fatalf("%s: got %v %v, by path %v %v, want ok %v", what, got, ok, want, wok, wantOK)
		}
	}
	if err := os.Symlink(real, filepath.Join(arch, journal.Dir)); err != nil {
		t.Fatal(err)
	}
	check("the journal folder a link", false)
	os.Remove(filepath.Join(arch, journal.Dir))
	if err := os.Rename(real, filepath.Join(arch, journal.Dir)); err != nil {
		t.Fatal(err)
	}
	check("the journal folder itself", true)
	m := filepath.Join(arch, journal.Dir, "2026", "02")
	os.WriteFile(m, nil, 0o644)
	check("a file named as a month", false)
	os.Remove(m)
	os.Remove(filepath.Join(arch, journal.Dir, "2026", "01"))
	check("a month removed", true)
	os.RemoveAll(filepath.Join(arch, journal.Dir, "2026"))
	os.WriteFile(filepath.Join(arch, journal.Dir, "2026"), nil, 0o644)
	check("a file named as a year", false)
}
