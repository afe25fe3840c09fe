package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A month folder listed within the racy window is listed again by its
// names alone: it stands for the events listed only while it still holds
// exactly their files, plain event files, and its time is trusted.
func TestRelisted(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	var hs []string
	write := func(i int) string {
		sum := sha256.Sum256([]byte{byte(i)})
		h := hex.EncodeToString(sum[:])
		p := filepath.Join(dir, filepath.FromSlash(PathOf(at, h)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i := range 3 {
		write(i)
		sum := sha256.Sum256([]byte{byte(i)})
		hs = append(hs, hex.EncodeToString(sum[:]))
	}
	slices.Sort(hs)
	rel := "journal/2026/12"
	l := Listed{Rel: rel, Hashes: hs}
	t.Cleanup(KeepRacyWindow())

	SetRacyWindow(time.Hour)
	if _, ok := Relisted(dir, l); ok {
		t.Fatal("a folder changed within the racy window was trusted")
	}
	SetRacyWindow(0)
	got, ok := Relisted(dir, l)
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if !ok || got.MTime != fi.ModTime().UnixNano() || !slices.Equal(got.Hashes, hs) {
		t.Fatalf("unchanged folder: %v %+v", ok, got)
	}
	if _, ok := Relisted(dir, Listed{Rel: rel, Hashes: hs, Bundled: true}); ok {
		t.Fatal("a folder with a bundle was listed by its names")
	}
	if _, ok := Relisted(dir, Listed{Rel: rel, Hashes: hs[:2]}); ok {
		t.Fatal("a folder with an event more was trusted")
	}
	extra := write(9)
	if _, ok := Relisted(dir, l); ok {
		t.Fatal("an event added since was not noticed")
	}
	os.Remove(extra)
	tmp := filepath.Join(dir, filepath.FromSlash(rel), ".tmp-1-2")
	os.WriteFile(tmp, nil, 0o644)
	if _, ok := Relisted(dir, Listed{Rel: rel, Hashes: append(slices.Clone(hs), "")}); ok {
		t.Fatal("a temporary file was taken for an event")
	}
	os.Remove(tmp)
	if _, ok := Relisted(dir, Listed{Rel: "journal/2026/11", Hashes: hs}); ok {
		t.Fatal("a folder that is not there was listed")
	}
}

// A save that waits for a folder (settleListed) trusts its time 100 ms
// after it changed where times keep fractions of a second, and only after
// the whole racy window where they are whole seconds (FAT, HFS+) or a
// window was set (CRM_RACY_WINDOW).
func TestSettleWindow(t *testing.T) {
	t.Cleanup(KeepRacyWindow())
	racyWindow, racySet = 2*time.Second, false
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC).UnixNano()
	if w := SettleWindow(at); w != 2*time.Second {
		t.Fatalf("a time in whole seconds: %v, want the racy window", w)
	}
	if w := SettleWindow(at + 123_456_789); w != fineWindow {
		t.Fatalf("a time with a fraction: %v, want %v", w, fineWindow)
	}
	SetRacyWindow(10 * time.Second)
	if w := SettleWindow(at + 123_456_789); w != 10*time.Second {
		t.Fatalf("a window set: %v, want it for every folder", w)
	}
	SetRacyWindow(0)
	if w := SettleWindow(at); w != 0 {
		t.Fatalf("a window of 0 set: %v", w)
	}

	// Relisted: a folder changed 0.3-1.3 s ago (its time with a
	// fraction) is trusted unless a window was set; one changed within
	// the last second, its time in whole seconds, is not.
	dir := t.TempDir()
	rel := "journal/2026/12"
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	racyWindow, racySet = 2*time.Second, false
	ago := time.Now().Add(-300 * time.Millisecond)
	fine := ago.Truncate(time.Second).Add(123_456_789)
	if fine.After(ago) {
		fine = fine.Add(-time.Second)
	}
	if err := os.Chtimes(p, fine, fine); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.ModTime().UnixNano()%int64(time.Second) == 0 {
		t.Skip("skipped: the temporary folder's file system keeps times in whole seconds (FAT, HFS+), so a time with a fraction cannot be set")
	}
	if _, ok := Relisted(dir, Listed{Rel: rel}); !ok {
		t.Fatal("a folder changed 0.3-1.3 s ago, its time with a fraction, was not trusted")
	}
	whole := time.Now().Truncate(time.Second)
	if err := os.Chtimes(p, whole, whole); err != nil {
		t.Fatal(err)
	}
	if _, ok := Relisted(dir, Listed{Rel: rel}); ok {
		t.Fatal("a folder changed within 1 s, its time in whole seconds, was trusted")
	}
	SetRacyWindow(2 * time.Second)
	if err := os.Chtimes(p, fine, fine); err != nil {
		t.Fatal(err)
	}
	if _, ok := Relisted(dir, Listed{Rel: rel}); ok && time.Since(fine) < 2*time.Second {
		t.Fatal("with a window set, a folder changed within it was trusted")
	}
}
