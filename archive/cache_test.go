package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPlaintextCache(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC) }
	_, id, err := GenerateIdentityText(false, now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, err := Init(context.Background(), filepath.Join(dir, "arc"), id, InitOptions{Founder: Member{ID: "zhang", Name: "张三"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	const canary = "CACHE-CANARY-4242"
	text := []byte("customer:\n  name: " + canary + "\nowner: y\n")
	cid, err := a.Create(text, "")
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := filepath.Join(dir, "cache")
	open := func() *Archive {
		b, err := Open(context.Background(), a.Dir, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.SetIdentity(id); err != nil {
			t.Fatal(err)
		}
		b.EnableCache(cacheDir)
		return b
	}
	b := open()
	if o, err := b.Read(cid); err != nil || !bytes.Equal(o.Text, text) || b.cache.hits != 0 {
		t.Fatalf("first read: %v, hits %d", err, b.cache.hits)
	}
	if err := b.SaveCache(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "*.age"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	if bytes.Contains(raw, []byte(canary)) {
		t.Fatal("the cache holds plaintext")
	}
	if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
		t.Fatalf("cache mode %v", st.Mode().Perm())
	}

	// A second process reads from the cache.
	c := open()
	if o, err := c.Read(cid); err != nil || !bytes.Equal(o.Text, text) || c.cache.hits != 1 {
		t.Fatalf("cached read: %v, hits %d", err, c.cache.hits)
	}
	// The file is still checked against the journal first.
	path := filepath.Join(a.Dir, "dossiers", cid+".age")
	good, _ := os.ReadFile(path)
	os.WriteFile(path, append(append([]byte{}, good...), 'x'), 0o644)
	if _, err := c.Read(cid); CodeOf(err) != Integrity {
		t.Fatalf("a changed file was served from the cache: %v", err)
	}
	os.WriteFile(path, good, 0o644)

	// After an edit the old entry is dropped on save.
	o, _ := c.Read(cid)
	newText := append(append([]byte{}, text...), "notes: n\n"...)
	if _, _, err := c.Update(cid, o.SHA256, o.Text, newText); err != nil {
		t.Fatal(err)
	}
	c.Read(cid)
	if err := c.SaveCache(); err != nil {
		t.Fatal(err)
	}
	d := open()
	d.cache.get("")
	if n := len(d.cache.entries); n != 1 {
		t.Fatalf("%d cache entries after an edit, want 1", n)
	}
	if _, ok := d.cache.entries[o.SHA256]; ok {
		t.Fatal("the old version stayed in the cache")
	}

	// A damaged cache is ignored, not trusted.
	os.WriteFile(files[0], []byte("garbage"), 0o600)
	e := open()
	e.cache.get("")
	if len(e.cache.entries) != 0 {
		t.Fatal("a damaged cache was loaded")
	}
	if _, err := e.Read(cid); err != nil {
		t.Fatal(err)
	}
}

func TestCacheCodecRoundTrip(t *testing.T) {
	m := map[string][]byte{
		"00" + string(bytes.Repeat([]byte("ab"), 31)): []byte("第一"),
		string(bytes.Repeat([]byte("cd"), 32)):        {},
	}
	got, err := decodeCache(encodeCache(m))
	if err != nil || len(got) != 2 || string(got["00"+string(bytes.Repeat([]byte("ab"), 31))]) != "第一" {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for _, bad := range [][]byte{nil, []byte("x"), []byte(cacheMagic + "short"), append([]byte(cacheMagic), bytes.Repeat([]byte{1}, 32)...)} {
		if _, err := decodeCache(bad); err == nil {
			t.Errorf("decodeCache(%q) accepted", bad)
		}
	}
}
