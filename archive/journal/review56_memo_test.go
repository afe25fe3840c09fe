package journal

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// review56: a known event's file rewritten in place after a memo was made
// (no entry added, removed or renamed: the folder's time is unchanged). A
// listing sees the file is newer than the folder was when known
// (Since.MTime) and reads it again: ReadSince refuses. fromMemo takes the
// known events as they were, by design (the stats are the cost it saves;
// SECURITY.md): the reviewer's last assertion, that it refuses too, is
// turned around, and the archive does not save a snapshot from a memo's
// listing (advancedMonths; TestReview56MemoSnapshotSavedOverRewrittenEvent).
func TestReview56ReadSinceMemoKnownFileRewrittenInPlace(t *testing.T) {
	dir, evs, folder, then := memoJournal(t)
	const oct = Dir + "/2026/10"
	known := []string{}
	for _, e := range evs[:15] {
		known = append(known, e.Hash)
	}
	slices.Sort(known)
	// Every file older than the folder was when known: none is read again.
	older := then.Add(-2 * time.Hour)
	for _, e := range evs {
		p := filepath.Join(dir, filepath.FromSlash(PathOf(e.Time, e.Hash)))
		if err := os.Chtimes(p, older, older); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(folder, then, then); err != nil {
		t.Fatal(err)
	}
	read := func(memo func(string) (MemoFolder, bool)) ([]Listed, bool) {
		t.Helper()
		_, listed, ok, err := ReadSince(context.Background(), dir, []string{oct}, Since{
			Heads: map[string]time.Time{evs[14].Hash: evs[14].Time},
			Known: func(string) []string { return known },
			MTime: func(string) int64 { return then.Add(-time.Hour).UnixNano() },
			Memo:  memo,
		})
		if err != nil {
			t.Fatal(err)
		}
		return listed, ok
	}
	listed, ok := read(nil)
	if !ok || len(listed) != 1 || listed[0].MTime != then.UnixNano() {
		t.Fatalf("listed: %v %+v", ok, listed)
	}
	memo := func(rel string) (MemoFolder, bool) {
		return MemoFolder{MTime: listed[0].MTime, New: listed[0].New}, rel == oct
	}

	// evs[3], known, rewritten in place under its name.
	p := filepath.Join(dir, filepath.FromSlash(PathOf(evs[3].Time, evs[3].Hash)))
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("kind: dossier.update\n"))
	w.Close()
	if fi, _ := os.Stat(folder); !fi.ModTime().Equal(then) {
		t.Fatal("the folder's time changed: not what this tests")
	}
	if _, ok := read(nil); ok {
		t.Fatal("control: a listing took the rewritten known event")
	}
	if got, ok := read(memo); !ok || !got[0].Memo {
		t.Fatal("the memo was not used")
	}
}
