package archive

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// The per-user caches are read sharing deletion (sharedfile): a read
// goes through while another crm renames a new version over the file or
// removes it, which holds the file open with DELETE access. A read that
// did not share deletion (os.ReadFile) was refused then, with a sharing
// violation: the cache missed and was made again; and, the other way
// round, a read under way held up that crm's rename (busy.go) for as long
// as it lasted. Each case reads through the function crm reads the file
// with, while a handle with DELETE access is open on it.
func TestCacheReadsShareDeletionWindows(t *testing.T) {
	dir := t.TempDir()
	c := testPlainCache(t, dir)

	// The digests file (ListBrief's).
	rec := &digestRec{ID: "C-000001", Digest: Digest{Name: "测试客户", Owner: "李四", Relationship: "一般往来", Tier: "普通", Class: "B"}}
	if err := c.saveDigests([]*digestRec{rec}); err != nil {
		t.Fatal(err)
	}
	whileDeleting(t, c.digestPath(), func() {
		if got := c.digests(); len(got) != 1 || got[0].ID != rec.ID || got[0].Digest.Name != rec.Digest.Name {
			t.Errorf("the digests file read while another crm replaces it gives %+v, want the record of %s", got, rec.ID)
		}
	})

	// A bucket of the plaintext cache: first looked into for one record
	// (peekBucket), then loaded whole (plainCache.load).
	sum := strings.Repeat("ab", 32)
	c.put(sum, []byte("customer:\n  name: 测试客户\n"))
	k, _ := bucketOf(sum)
	if err := c.write(k, c.b[k]); err != nil {
		t.Fatal(err)
	}
	fresh := &plainCache{dir: c.dir, aead: c.aead, b: map[byte]*bucket{}, peeked: map[byte]bool{}}
	whileDeleting(t, c.path(k), func() {
		for _, how := range []string{"looked into", "loaded"} {
			if plain, ok := fresh.get(sum); !ok || !strings.Contains(string(plain), "测试客户") {
				t.Errorf("a bucket %s while another crm replaces it: %q, %v; want the record", how, plain, ok)
			}
		}
	})

	// The key of the journal cache for commands run without an identity.
	key := filepath.Join(dir, "journal.key")
	if err := os.WriteFile(key, make([]byte, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	whileDeleting(t, key, func() {
		if b, err := readPrivateKey(key); err != nil || len(b) != 32 {
			t.Errorf("the journal cache's key read while another crm replaces it: %d bytes, %v", len(b), err)
		}
	})
}

// testPlainCache is a plaintext cache in dir under a random key.
func testPlainCache(t *testing.T, dir string) *plainCache {
	t.Helper()
	k := make([]byte, 32)
	rand.Read(k)
	blk, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		t.Fatal(err)
	}
	return &plainCache{dir: filepath.Join(dir, "cache"), aead: aead, b: map[byte]*bucket{}, peeked: map[byte]bool{}}
}

// whileDeleting runs read while the file at path is open with DELETE
// access, as it is in a process renaming over it or removing it. It fails
// the test if os.ReadFile reads the file meanwhile: then the test could
// not tell a read that shares deletion from one that does not.
func whileDeleting(t *testing.T, path string, read func()) {
	t.Helper()
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.DELETE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatalf("opening %s with DELETE access: %v", path, err)
	}
	defer windows.CloseHandle(h)
	if _, err := os.ReadFile(path); err == nil {
		t.Fatalf("os.ReadFile read %s while a handle with DELETE access was open: the test cannot tell a shared read from another", path)
	}
	read()
}
