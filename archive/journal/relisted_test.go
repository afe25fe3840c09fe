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
	old := RacyWindow()
	t.Cleanup(func() { SetRacyWindow(old) })

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
