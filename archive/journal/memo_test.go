package journal

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// memoJournal writes a journal of 20 events in October 2026 with the
// racy window off, and returns the folder and an hour ago, to the second
// (the time a test gives the folder).
func memoJournal(t *testing.T) (dir string, evs []*Event, folder string, then time.Time) {
	t.Helper()
	racy := racyWindow
	racyWindow = 0
	t.Cleanup(func() { racyWindow = racy })
	dir = t.TempDir()
	_, evs = bundleJournal(t, dir, 20)
	folder = filepath.Join(dir, filepath.FromSlash(Dir+"/2026/10"))
	return dir, evs, folder, time.Now().Add(-time.Hour).Truncate(time.Second)
}

// A listing kept in a memo stands for a month folder whose time has not
// changed: the folder is not listed again (a stranger slipped in under the
// same time is not seen, as a folder known to a snapshot is not listed),
// and the files it names are read. A memo of another time is not used;
// one naming a known event as new gives no hashes (MemoHashes).
func TestReadSinceMemo(t *testing.T) {
	dir, evs, folder, then := memoJournal(t)
	const oct = Dir + "/2026/10"
	if err := os.Chtimes(folder, then, then); err != nil {
		t.Fatal(err)
	}
	var known []string
	for _, e := range evs[:15] {
		known = append(known, e.Hash)
	}
	slices.Sort(known)
	since := func(memo func(string) (MemoFolder, bool)) Since {
		return Since{
			Heads: map[string]time.Time{evs[14].Hash: evs[14].Time},
			Known: func(rel string) []string { return known },
			MTime: func(rel string) int64 { return then.Add(-time.Hour).UnixNano() },
			Memo:  memo,
		}
	}
	read := func(memo func(string) (MemoFolder, bool)) (*Journal, []Listed, bool) {
		t.Helper()
		j, listed, ok, err := ReadSince(context.Background(), dir, []string{oct}, since(memo))
		if err != nil {
			t.Fatal(err)
		}
		return j, listed, ok
	}
	before := MonthListings()
	j, listed, ok := read(nil)
	if !ok || len(j.Events) != 5 || len(listed) != 1 || listed[0].Memo || listed[0].MTime != then.UnixNano() || MonthListings() != before+1 {
		t.Fatalf("listed: ok %v, listed %+v", ok, listed)
	}
	var want []string
	for _, e := range evs[15:] {
		want = append(want, path.Base(PathOf(e.Time, e.Hash)))
	}
	slices.Sort(want)
	if !slices.Equal(listed[0].New, want) {
		t.Fatalf("new files %v, want %v", listed[0].New, want)
	}
	memo := func(rel string) (MemoFolder, bool) {
		return MemoFolder{MTime: listed[0].MTime, New: listed[0].New}, rel == oct
	}

	// A stranger under the same time: a listing sees it, the memo does not.
	if err := os.WriteFile(filepath.Join(folder, "stranger.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(folder, then, then); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := read(nil); ok {
		t.Fatal("a listing took a folder holding a stranger")
	}
	before = MonthListings()
	j, got, ok := read(memo)
	if !ok || len(j.Events) != 5 || !got[0].Memo || MonthListings() != before {
		t.Fatalf("from the memo: ok %v, %d events, %+v, %d listings", ok, len(j.Events), got, MonthListings()-before)
	}
	var all []string
	for _, e := range evs {
		all = append(all, e.Hash)
	}
	slices.Sort(all)
	if got[0].Hashes != nil {
		t.Fatal("a memo's listing took the known events")
	}
	if hs, ok := MemoHashes(got[0], known); !ok || !slices.Equal(hs, all) {
		t.Fatal("the memo's listing does not hold every event of the folder")
	}

	// Another time: listed again, and the stranger seen.
	later := then.Add(time.Minute)
	if err := os.Chtimes(folder, later, later); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := read(memo); ok {
		t.Fatal("a memo of another time was used")
	}
	if err := os.Chtimes(folder, then, then); err != nil {
		t.Fatal(err)
	}
	// A memo naming a known event as new was not made on these known
	// events (it is sealed with their snapshot's name, so only a bug
	// makes one): its listing gives no hashes, so no snapshot or check
	// stands for it.
	bad := func(rel string) (MemoFolder, bool) {
		return MemoFolder{MTime: then.UnixNano(), New: append(slices.Clone(want), path.Base(PathOf(evs[0].Time, evs[0].Hash)))}, true
	}
	if _, got, ok := read(bad); ok {
		if _, ok := MemoHashes(got[0], known); ok {
			t.Fatal("a memo naming a known event as new gave the folder's hashes")
		}
	}
	// The files a memo names are read and checked against their names.
	os.Remove(filepath.Join(folder, "stranger.txt"))
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(PathOf(evs[16].Time, evs[16].Hash))), []byte("kind: dossier.update\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(folder, then, then); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := read(memo); ok {
		t.Fatal("a file the memo names was taken without being checked")
	}
}
