package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"crm/archive/sharedfile"
	"crm/archive/work"
)

// plainCache is a per-user cache of decrypted dossiers, keyed by the
// SHA-256 of the ciphertext they came from (DESIGN.md principle 7).
//
// It lives in a folder of its own (per archive and member) as 256 bucket
// files, one per first byte of the key. Each record is sealed on its own
// with AES-256-GCM under a key derived from the user's identity
// (Identity.cacheKey, HKDF), with the ciphertext hash as associated data, so
// looking up one dossier reads one bucket and opens one record: no public
// key operation and no other dossier's plaintext. It holds nothing its
// owner could not decrypt from the archive. Records whose ciphertext is no
// longer pinned by an active dossier (edited, re-encrypted, destroyed) are
// dropped when their bucket is next saved.
type plainCache struct {
	dir  string
	aead cipher.AEAD
	mu   sync.Mutex
	b    map[byte]*bucket
	hits int
	// peeked: buckets a lookup has scanned for one record without
	// loading them. The next lookup in such a bucket loads it whole: one
	// dossier (show, edit, textconv) reads one record; a scan reads each
	// bucket once, and at most half of it again.
	peeked map[byte]bool
}

// bucket is one bucket file: its records by key, sealed, and whether it
// changed since it was read.
type bucket struct {
	recs  map[string][]byte // hex key → nonce ‖ sealed plaintext
	dirty bool
}

// cacheMagic starts every bucket file (format version 2).
const cacheMagic = "crm-plaintext-cache-v2\n"

// EnableCache turns on the per-user plaintext cache under dir (e.g.
// $XDG_CACHE_HOME/crm) for the working identity; SaveCache writes it back.
// A bucket that cannot be read (another key, damage) is started afresh.
func (a *Archive) EnableCache(dir string) {
	if a.id == nil || a.me == nil || dir == "" {
		return
	}
	blk, err := aes.NewCipher(a.id.cacheKey[:])
	if err != nil {
		return
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return
	}
	name := a.State.ArchiveID + "-" + a.me.ID
	// The single-file cache of earlier versions is not read any more.
	os.Remove(filepath.Join(dir, name+".age"))
	a.cache = &plainCache{dir: filepath.Join(dir, name), aead: aead, b: map[byte]*bucket{}, peeked: map[byte]bool{}}
}

// SaveCache writes back the buckets that changed, keeping only records
// for files the journal pins now (all records, when the state is Partial).
func (a *Archive) SaveCache() error {
	if a.State != nil && !a.fromSnapshot {
		a.jc.save(a.Dir, a.State.Journal)
	}
	a.followCustomers()
	c := a.cache
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var pinned map[string]bool
	if !a.partial { // a partial state does not know every pinned file: keep all
		pinned = a.State.pinnedSet()
	}
	for k, b := range c.b {
		for sum := range b.recs {
			if pinned != nil && !pinned[sum] {
				delete(b.recs, sum)
				b.dirty = true
			}
		}
		if !b.dirty {
			continue
		}
		if err := c.write(k, b); err != nil {
			return err
		}
		b.dirty = false
	}
	return nil
}

// pinnedSet is the set of ciphertext hashes the journal pins now: what
// the plaintext cache may keep.
func (s *State) pinnedSet() map[string]bool {
	if s.summary { // no dossier's state: its row has the hash
		pinned := make(map[string]bool, len(s.rows))
		for i := range s.rows {
			if s.rows[i].Status == StatusActive {
				pinned[hex.EncodeToString(s.rows[i].SHA[:])] = true
			}
		}
		return pinned
	}
	pinned := make(map[string]bool, len(s.Dossiers))
	for _, d := range s.Dossiers {
		if d.Status == StatusActive {
			pinned[d.SHA256] = true
		}
	}
	return pinned
}

// release writes bucket k back if it changed (keeping only pinned
// records) and lets it go from memory: a scan's memory stays flat.
func (c *plainCache) release(k byte, pinned map[string]bool) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.b[k]
	if b == nil {
		return nil
	}
	for sum := range b.recs {
		if !pinned[sum] {
			delete(b.recs, sum)
			b.dirty = true
		}
	}
	if b.dirty {
		if err := c.write(k, b); err != nil {
			return err
		}
	}
	delete(c.b, k)
	return nil
}

// eachBucket runs do for items 0…n-1 on every core, bucket of the
// plaintext cache by bucket (keyOf gives an item's), writing each bucket
// back, with only the pinned records, and letting it go once its items
// are done: memory stays flat however many dossiers there are (Scan,
// ListBrief). released joins the errors of writing buckets back; err is
// the work's own (the context's).
func (a *Archive) eachBucket(ctx context.Context, n int, keyOf func(i int) byte, pinned map[string]bool, do func(i int)) (released, err error) {
	groups := map[byte][]int{}
	for i := range n {
		k := keyOf(i)
		groups[k] = append(groups[k], i)
	}
	keys := slices.Sorted(maps.Keys(groups))
	var mu sync.Mutex
	var errs []error
	err = work.Each(ctx, "", len(keys), func(k int) {
		for _, i := range groups[keys[k]] {
			do(i)
		}
		if err := a.cache.release(keys[k], pinned); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	return errors.Join(errs...), err
}

func (c *plainCache) path(k byte) string {
	return filepath.Join(c.dir, hex.EncodeToString([]byte{k})+".cache")
}

// load returns bucket k, reading it on first use. The caller holds mu.
func (c *plainCache) load(k byte) *bucket {
	if b := c.b[k]; b != nil {
		return b
	}
	b := &bucket{recs: map[string][]byte{}}
	if raw, err := sharedfile.ReadFile(c.path(k)); err == nil {
		if recs, err := decodeBucket(raw); err == nil {
			b.recs = recs
		}
	}
	c.b[k] = b
	return b
}

func bucketOf(sum string) (byte, bool) {
	if len(sum) != 64 {
		return 0, false
	}
	k, err := hex.DecodeString(sum[:2])
	return k[0], err == nil
}

func (c *plainCache) get(sum string) ([]byte, bool) { return c.lookup(sum, true) }

// held is get from the buckets already in memory only. Re-encrypting
// most dossiers (a member added, given other roles or removed) looked
// every one up: every bucket was loaded and held to the end, 186 MB at
// 100,000 dossiers, to save an X25519 unwrap a file (~4 s of CPU of the
// 95 s its wraps take). Such a batch decrypts the files instead.
func (c *plainCache) held(sum string) ([]byte, bool) { return c.lookup(sum, false) }

// lookup is get, reading a bucket not in memory only when read is set.
func (c *plainCache) lookup(sum string, read bool) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	k, ok := bucketOf(sum)
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	var rec []byte
	switch b := c.b[k]; {
	case b != nil:
		rec, ok = b.recs[sum]
	case !read:
		ok = false
	case !c.peeked[k]:
		c.peeked[k] = true
		rec, ok = peekBucket(c.path(k), sum)
	default:
		rec, ok = c.load(k).recs[sum]
	}
	c.mu.Unlock()
	return c.open(sum, rec, ok)
}

// open opens record rec of the plaintext whose file has SHA-256 sum, if
// found.
func (c *plainCache) open(sum string, rec []byte, found bool) ([]byte, bool) {
	if !found || len(rec) < c.aead.NonceSize() {
		return nil, false
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, rec[:n], rec[n:], []byte(sum))
	if err != nil {
		return nil, false
	}
	c.mu.Lock()
	c.hits++
	c.mu.Unlock()
	return plain, true
}

func (c *plainCache) put(sum string, plain []byte) {
	if c == nil {
		return
	}
	k, ok := bucketOf(sum)
	if !ok {
		return
	}
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return
	}
	rec := c.aead.Seal(nonce, nonce, plain, []byte(sum))
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.load(k)
	b.recs[sum] = rec
	b.dirty = true
}

// write replaces bucket k's file (mode 0600, in a 0700 folder); an empty
// bucket removes it.
func (c *plainCache) write(k byte, b *bucket) error {
	if len(b.recs) == 0 {
		if err := os.Remove(c.path(k)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	return writeFileAtomic(c.path(k), encodeBucket(b.recs), 0o600)
}

// encodeBucket: magic, then per record the 32-byte key, a uvarint length
// and the nonce ‖ sealed plaintext.
func encodeBucket(m map[string][]byte) []byte {
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

var errBadCache = errors.New("malformed plaintext cache bucket")

// peekBucket reads the bucket file at path up to the record of key sum,
// skipping the others unread, and returns that record. A missing or
// malformed file, or no such record, is a miss.
func peekBucket(path, sum string) ([]byte, bool) {
	want, err := hex.DecodeString(sum)
	if err != nil || len(want) != 32 {
		return nil, false
	}
	f, err := sharedfile.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 32<<10)
	head := make([]byte, 32)
	if _, err := io.ReadFull(r, head[:len(cacheMagic)]); err != nil || string(head[:len(cacheMagic)]) != cacheMagic {
		return nil, false
	}
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return nil, false
		}
		n, err := binary.ReadUvarint(r)
		if err != nil || n > 1<<30 {
			return nil, false
		}
		if !bytes.Equal(head, want) {
			if _, err := r.Discard(int(n)); err != nil {
				return nil, false
			}
			continue
		}
		rec := make([]byte, n)
		if _, err := io.ReadFull(r, rec); err != nil {
			return nil, false
		}
		return rec, true
	}
}

func decodeBucket(b []byte) (map[string][]byte, error) {
	m := map[string][]byte{}
	if !bytes.HasPrefix(b, []byte(cacheMagic)) {
		return m, errBadCache
	}
	b = b[len(cacheMagic):]
	for len(b) > 0 {
		if len(b) < 32 {
			return map[string][]byte{}, errBadCache
		}
		key := hex.EncodeToString(b[:32])
		n, w := binary.Uvarint(b[32:])
		if w <= 0 || n > uint64(len(b)-32-w) {
			return map[string][]byte{}, errBadCache
		}
		start := 32 + w
		// The records share b, which only this bucket holds.
		m[key] = b[start : start+int(n) : start+int(n)]
		b = b[start+int(n):]
	}
	return m, nil
}
