package archive

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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
	other, err := a.Create([]byte("customer:\n  name: other\nowner: y\n"), "")
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
	if _, err := b.Read(other); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveCache(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "*", "*.cache"))
	if len(files) == 0 {
		t.Fatalf("no cache buckets")
	}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if bytes.Contains(raw, []byte(canary)) {
			t.Fatal("the cache holds plaintext")
		}
		// Windows has no file modes to check (every writable file is 0666).
		if st, _ := os.Stat(f); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Fatalf("cache mode %v", st.Mode().Perm())
		}
	}

	// A second process reads from the cache, reading only the record of
	// the dossier it opens; a second lookup in that bucket loads it.
	c := open()
	if o, err := c.Read(cid); err != nil || !bytes.Equal(o.Text, text) || c.cache.hits != 1 {
		t.Fatalf("cached read: %v, hits %d", err, c.cache.hits)
	}
	if len(c.cache.b) != 0 || len(c.cache.peeked) != 1 {
		t.Fatalf("%d buckets loaded, %d peeked to read one dossier", len(c.cache.b), len(c.cache.peeked))
	}
	if o, err := c.Read(cid); err != nil || !bytes.Equal(o.Text, text) || c.cache.hits != 2 || len(c.cache.b) != 1 {
		t.Fatalf("second cached read: %v, hits %d, %d buckets loaded", err, c.cache.hits, len(c.cache.b))
	}
	// The file is still checked against the journal first.
	path := filepath.Join(a.Dir, "dossiers", cid+".age")
	good, _ := os.ReadFile(path)
	os.WriteFile(path, append(append([]byte{}, good...), 'x'), 0o644)
	if _, err := c.Read(cid); CodeOf(err) != Integrity {
		t.Fatalf("a changed file was served from the cache: %v", err)
	}
	os.WriteFile(path, good, 0o644)

	// After an edit the old record is dropped on save.
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
	if _, ok := d.cache.get(o.SHA256); ok {
		t.Fatal("the old version stayed in the cache")
	}
	if n := d.State.Dossiers[cid].SHA256; func() bool { _, ok := d.cache.get(n); return !ok }() {
		t.Fatal("the new version is not in the cache")
	}

	// A damaged bucket is ignored, not trusted; a record sealed for
	// another key does not open.
	for _, f := range files {
		os.WriteFile(f, []byte("garbage"), 0o600)
	}
	e := open()
	if _, ok := e.cache.get(e.State.Dossiers[other].SHA256); ok {
		t.Fatal("a damaged bucket was used")
	}
	if _, err := e.Read(other); err != nil {
		t.Fatal(err)
	}
}

func TestCacheBucketRoundTrip(t *testing.T) {
	k1 := string(bytes.Repeat([]byte("ab"), 32))
	k2 := string(bytes.Repeat([]byte("cd"), 32))
	m := map[string][]byte{k1: []byte("第一"), k2: {}}
	got, err := decodeBucket(encodeBucket(m))
	if err != nil || len(got) != 2 || string(got[k1]) != "第一" {
		t.Fatalf("round trip: %v %v", got, err)
	}
	bads := [][]byte{nil, []byte("x"), []byte(cacheMagic + "short"), append([]byte(cacheMagic), bytes.Repeat([]byte{1}, 32)...)}
	for _, bad := range bads {
		if _, err := decodeBucket(bad); err == nil {
			t.Errorf("decodeBucket(%q) accepted", bad)
		}
	}

	// peekBucket finds every record of a bucket wherever it is, and
	// nothing in a damaged one.
	for i := range 50 {
		m[fmt.Sprintf("%064x", i)] = bytes.Repeat([]byte{byte(i)}, i*997)
	}
	path := filepath.Join(t.TempDir(), "00.cache")
	raw := encodeBucket(m)
	os.WriteFile(path, raw, 0o600)
	for k, v := range m {
		if got, ok := peekBucket(path, k); !ok || !bytes.Equal(got, v) {
			t.Fatalf("peekBucket(%s…) = %d bytes, %v; want %d", k[:8], len(got), ok, len(v))
		}
	}
	if _, ok := peekBucket(path, strings.Repeat("ef", 32)); ok {
		t.Fatal("peekBucket found a key the bucket does not hold")
	}
	for _, bad := range append(bads, raw[:len(raw)-1]) {
		os.WriteFile(path, bad, 0o600)
		for k := range m {
			if got, ok := peekBucket(path, k); ok && !bytes.Equal(got, m[k]) {
				t.Fatalf("peekBucket of a damaged bucket returned a wrong record")
			}
		}
	}
}
