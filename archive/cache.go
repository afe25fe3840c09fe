package archive

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// plainCache is a per-user cache of decrypted dossiers, keyed by the
// SHA-256 of the ciphertext they came from (DESIGN.md principle 7). It is
// kept on disk as one age file encrypted to the user's own key, so opening
// it costs one decryption instead of one per dossier, and it holds nothing
// its owner could not decrypt from the archive: a ciphertext opened once by
// a key stays openable by it. Entries whose ciphertext is no longer pinned
// by an active dossier (edited, re-encrypted, destroyed) are dropped when
// the cache is saved.
type plainCache struct {
	path    string
	load    func() // fills entries; run once, under mu
	mu      sync.Mutex
	entries map[string][]byte
	dirty   bool
	hits    int
}

// cacheMagic starts the cache's plaintext (format version 1).
const cacheMagic = "crm-plaintext-cache-v1\n"

// EnableCache turns on the per-user plaintext cache in dir (e.g.
// $XDG_CACHE_HOME/crm) for the working identity; SaveCache writes it back.
// A cache that cannot be read (another key, damage) is started afresh.
func (a *Archive) EnableCache(dir string) {
	if a.id == nil || a.me == nil || dir == "" {
		return
	}
	id := a.id
	c := &plainCache{path: filepath.Join(dir, a.State.ArchiveID+"-"+a.me.ID+".age")}
	// Loaded on first use: commands that read no dossier pay nothing.
	c.load = func() {
		c.entries = map[string][]byte{}
		if ct, err := os.ReadFile(c.path); err == nil {
			if plain, err := Decrypt(ct, id.Age); err == nil {
				c.entries, _ = decodeCache(plain)
			}
		}
	}
	a.cache = c
}

// SaveCache writes the cache back if it changed, encrypted to the working
// identity, keeping only entries for files the journal pins now.
func (a *Archive) SaveCache() error {
	c := a.cache
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		return nil // never used
	}
	pinned := map[string]bool{}
	for _, d := range a.State.Dossiers {
		if d.Status == StatusActive {
			pinned[d.SHA256] = true
		}
	}
	for k := range c.entries {
		if !pinned[k] {
			delete(c.entries, k)
			c.dirty = true
		}
	}
	if !c.dirty {
		return nil
	}
	r, err := ParseRecipient(a.id.Recipient)
	if err != nil {
		return err
	}
	ct, err := Encrypt(encodeCache(c.entries), r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	if err := writeFileAtomic(c.path, ct, 0o600); err != nil {
		return err
	}
	c.dirty = false
	return nil
}

func (c *plainCache) get(sum string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.load()
	}
	p, ok := c.entries[sum]
	if ok {
		c.hits++
	}
	return p, ok
}

func (c *plainCache) put(sum string, plain []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.load()
	}
	c.entries[sum] = plain
	c.dirty = true
}

// encodeCache: magic, then per entry the 32-byte hash, a uvarint length and
// the plaintext.
func encodeCache(m map[string][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(cacheMagic)
	for k, v := range m {
		h, err := hex.DecodeString(k)
		if err != nil || len(h) != 32 {
			continue
		}
		b.Write(h)
		b.Write(binary.AppendUvarint(nil, uint64(len(v))))
		b.Write(v)
	}
	return b.Bytes()
}

var errBadCache = errors.New("malformed plaintext cache")

func decodeCache(b []byte) (map[string][]byte, error) {
	m := map[string][]byte{}
	if !bytes.HasPrefix(b, []byte(cacheMagic)) {
		return m, errBadCache
	}
	r := bytes.NewReader(b[len(cacheMagic):])
	for {
		h := make([]byte, 32)
		if _, err := io.ReadFull(r, h); err == io.EOF {
			return m, nil
		} else if err != nil {
			return map[string][]byte{}, errBadCache
		}
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return map[string][]byte{}, errBadCache
		}
		v := make([]byte, n)
		io.ReadFull(r, v)
		m[hex.EncodeToString(h)] = v
	}
}
