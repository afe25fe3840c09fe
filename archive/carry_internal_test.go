package archive

import (
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Carrying the journal cache to new keys (an own change of keys) seals
// under the new key only what verified under the old one: a segment
// changed on disk stays behind.
func TestCarryToSealsOnlyWhatVerifies(t *testing.T) {
	ident := func() *Identity {
		_, id, err := GenerateIdentityText(false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	dir, abs := t.TempDir(), "/srv/archive"
	c, next := newJournalCache(dir, abs, ident()), ident()
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	seal := func(key []byte, body string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(body))
		return m.Sum([]byte(body))
	}
	good, bad := seal(c.key[:], jcacheMagic+"good"), seal(c.key[:], jcacheMagic+"bad")
	bad[len(jcacheMagic)] ^= 1 // changed after it was sealed
	os.WriteFile(filepath.Join(c.dir, "journal_2026_11.seg"), good, 0o600)
	os.WriteFile(filepath.Join(c.dir, "journal_2026_12.seg"), bad, 0o600)
	os.WriteFile(filepath.Join(c.dir, "state.snap"), []byte("not a snapshot"), 0o600)
	c.carryTo(next)
	d := newJournalCache(dir, abs, next)
	got, err := os.ReadFile(filepath.Join(d.dir, "journal_2026_11.seg"))
	if want := seal(d.key[:], jcacheMagic+"good"); err != nil || string(got) != string(want) {
		t.Fatalf("the good segment under the new key: %q, %v", got, err)
	}
	for _, name := range []string{"journal_2026_12.seg", "state.snap"} {
		if _, err := os.Stat(filepath.Join(d.dir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s carried though it does not verify (%v)", name, err)
		}
	}
}
