package archive

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
)

// journalCache is a user's verified-journal cache (DESIGN.md principle 7):
// for each folder of an archive's journal, the events in it as this user's
// crm read them (the content matched the hash in the file's name) and the
// verdict on each signature, with the folder's modification time and each
// file's time and size. The next command lists only the folders whose time
// changed and reads and checks only the events it has not seen, or whose
// file is not the one it read: parsing and signature checks are paid
// once per event, not once per command.
//
// It is derived and rebuildable, and trusted only as far as its owner's
// own checks went: every segment (one folder) carries an HMAC-SHA-256 under
// a key only its owner has, and a segment that does not verify (edited,
// another user's, another identity's, damaged) is ignored, so the folder
// is read afresh. Replay (roles, rules, links, time bounds) runs in full on
// every load: the cache saves the reading, parsing and signatures, not the
// judgement, so old-dated events brought by a git merge land in their
// place in the order like any other. What the cache cannot see is an event
// file rewritten in place under its old name (its folder's time does not
// change): commands go on with the event as verified, and `crm verify`,
// which reads everything afresh, reports the file.
//
// The key is derived from the identity (HKDF, like the plaintext cache's);
// a command run without an identity (cron: review due, list --no-decrypt)
// uses a random key kept in the user's cache folder (journal.key, 0600),
// created on first use.
type journalCache struct {
	dir string   // this archive's segments, for this key
	key [32]byte // HMAC key
	// The user's cache folder and the archive's, which name dir: another
	// key's cache of the archive is beside it (carryTo).
	cacheDir, abs string
}

// jcacheMagic starts every segment (format version 3: events carry
// their file's time and size, and the bundle it is). Segments of version
// 2 (the same without the bundle) are still read: their events were read
// from files of their own, and a folder bundled since has another time.
const (
	jcacheMagic   = "crm-journal-cache-v3\n"
	jcacheMagicV2 = "crm-journal-cache-v2\n"
)

// newJournalCache returns the cache of the archive at abs in cacheDir for
// the identity id (nil: the user's keyless key), or nil if there is none.
func newJournalCache(cacheDir, abs string, id *Identity) *journalCache {
	if cacheDir == "" {
		return nil
	}
	var secret []byte
	if id != nil {
		secret = id.cacheKey[:]
	} else {
		k, err := keylessKey(cacheDir)
		if err != nil {
			return nil
		}
		secret = k
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "crm journal cache key v1", 32)
	if err != nil {
		return nil
	}
	c := &journalCache{cacheDir: cacheDir, abs: abs}
	copy(c.key[:], key)
	// One folder per archive and key: another identity's cache is never
	// even opened (and would not verify).
	tag := hmac.New(sha256.New, c.key[:])
	tag.Write([]byte(abs))
	c.dir = filepath.Join(cacheDir, "journal", hex.EncodeToString(tag.Sum(nil)[:12]))
	return c
}

// keylessKey is the random key of commands run without an identity,
// created on first use. A key file that others could read (or that is not
// a plain file of 32 bytes) is replaced: whoever reads it could seal
// segments the user's cron commands trust. A new key is written aside and
// linked into place, so no process ever reads half a key.
func keylessKey(cacheDir string) ([]byte, error) {
	p := filepath.Join(cacheDir, "journal.key")
	for range 2 {
		if b, err := readPrivateKey(p); err == nil {
			return b, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			os.Remove(p)
		}
		if err := os.MkdirAll(cacheDir, 0o700); err != nil {
			return nil, err
		}
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		tmp, err := os.CreateTemp(cacheDir, ".journal.key-*") // mode 0600
		if err != nil {
			return nil, err
		}
		_, err = tmp.Write(k)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			if err = os.Link(tmp.Name(), p); err != nil && !errors.Is(err, os.ErrExist) {
				err = rename(tmp.Name(), p) // no hard links here
			}
		}
		os.Remove(tmp.Name())
		if err == nil {
			return k, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		// Another process made it first: read it.
	}
	return nil, errors.New("no keyless journal cache key")
}

var errBadKeyFile = errors.New("journal cache key file is not a private 32-byte file")

// readPrivateKey reads a key file only its owner can read.
func readPrivateKey(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != 32 || (runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0) {
		return nil, errBadKeyFile
	}
	b, err := sharedfile.ReadFile(p)
	if err == nil && len(b) != 32 {
		err = errBadKeyFile
	}
	return b, err
}

// segName is the file of a journal folder (journal/2026/11 → journal_2026_11.seg).
func segName(rel string) string { return strings.ReplaceAll(rel, "/", "_") + ".seg" }

// load returns the folders whose segments verify, by path. Segments are
// read and checked on every core.
func (c *journalCache) load(ctx context.Context, abs string) map[string]*journal.Folder {
	if c == nil {
		return nil
	}
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return nil
	}
	root := abs
	folders := make([]*journal.Folder, len(ents))
	work.Each(ctx, "", len(ents), func(i int) {
		if strings.HasSuffix(ents[i].Name(), ".seg") {
			folders[i] = c.segment(ents[i].Name(), abs, &root)
		}
	})
	out := map[string]*journal.Folder{}
	for _, f := range folders {
		if f != nil {
			out[f.Rel] = f
		}
	}
	return out
}

// segment reads the segment in file name of the cache's folder: nil if
// there is none, or it does not verify or is not that file's.
func (c *journalCache) segment(name, abs string, root *string) *journal.Folder {
	b, err := sharedfile.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		return nil
	}
	f, err := c.decode(b, abs, root)
	if err != nil || segName(f.Rel) != name {
		return nil
	}
	return f
}

var errBadSegment = errors.New("journal cache segment does not verify")

// decode checks a segment's MAC and reads it: magic, the archive's folder,
// the journal folder's path and time, the table of signing keys, then the
// events, then the MAC of all that.
func (c *journalCache) decode(b []byte, abs string, root *string) (*journal.Folder, error) {
	read := journal.ReadPacked
	if bytes.HasPrefix(b, []byte(jcacheMagicV2)) {
		read = journal.ReadPackedUnbundled
	} else if !bytes.HasPrefix(b, []byte(jcacheMagic)) {
		return nil, errBadSegment
	}
	if len(b) < len(jcacheMagic)+sha256.Size {
		return nil, errBadSegment
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	m := hmac.New(sha256.New, c.key[:])
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), sum) {
		return nil, errBadSegment
	}
	r := segReader{b: body[len(jcacheMagic):]}
	if r.str() != abs {
		return nil, errBadSegment
	}
	f := &journal.Folder{Rel: r.str(), MTime: r.varint()}
	keys := make([]string, r.count())
	for i := range keys {
		keys[i] = r.str()
	}
	n := r.count()
	if r.err != nil {
		return nil, r.err
	}
	f.Events = make([]*journal.Event, 0, n)
	rest := r.b
	for range n {
		e, next, err := read(rest, root, keys)
		if err != nil {
			return nil, err
		}
		f.Events = append(f.Events, e)
		rest = next
	}
	if len(rest) != 0 {
		return nil, errBadSegment
	}
	return f, nil
}

// save writes the segments of the folders j read or changed, and removes
// those of folders it no longer has. Errors are ignored: the cache only
// saves time.
func (c *journalCache) save(abs string, j *journal.Journal) {
	if c == nil || j == nil {
		return
	}
	var dirty []*journal.Folder
	for _, f := range j.Folders {
		if f.Dirty {
			dirty = append(dirty, f)
		}
	}
	if len(dirty) == 0 {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	work.Each(context.Background(), "", len(dirty), func(i int) { c.saveFolder(abs, dirty[i]) })
	if ents, err := os.ReadDir(c.dir); err == nil {
		for _, e := range ents {
			if rel := strings.TrimSuffix(strings.ReplaceAll(e.Name(), "_", "/"), ".seg"); strings.HasSuffix(e.Name(), ".seg") && j.Folders[rel] == nil {
				os.Remove(filepath.Join(c.dir, e.Name()))
			}
		}
	}
}

// saveFolder writes the segment of folder f, read or changed since it was
// saved, into a cache folder that exists.
func (c *journalCache) saveFolder(abs string, f *journal.Folder) {
	buf := segBuffers.Get().(*[]byte)
	defer segBuffers.Put(buf)
	b, ok := c.encodeTo((*buf)[:0], abs, f)
	if cap(b) <= maxPooledSegment {
		*buf = b
	}
	if ok && writeFileAtomic(filepath.Join(c.dir, segName(f.Rel)), b, 0o600) == nil {
		f.Dirty = false
	}
}

// segBuffers are the buffers segments are encoded into before they are
// written: a user's first command writes every month's (3 MB each at
// 100,000 dossiers, 395 MB in all), which, each fresh, the collector then
// had to keep up with.
var segBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledSegment bounds a buffer segBuffers keeps.
const maxPooledSegment = 64 << 20

// encodeTo writes folder f's segment into b (its bytes are written over;
// grown if it must be); events that cannot be packed make the folder
// uncacheable.
func (c *journalCache) encodeTo(b []byte, abs string, f *journal.Folder) ([]byte, bool) {
	keys := map[string]int{}
	var table []string
	for _, e := range f.Events {
		if k := e.SigKey(); k != "" {
			if _, ok := keys[k]; !ok {
				keys[k] = len(table)
				table = append(table, k)
			}
		}
	}
	size := len(jcacheMagic) + len(abs) + len(f.Rel) + 64 + sha256.Size
	for _, k := range table {
		size += len(k) + 10
	}
	for _, e := range f.Events {
		size += journal.PackedSize(e)
	}
	b = append(slices.Grow(b[:0], size), jcacheMagic...)
	b = appendStr(b, abs)
	b = appendStr(b, f.Rel)
	b = binary.AppendVarint(b, f.MTime)
	b = binary.AppendUvarint(b, uint64(len(table)))
	for _, k := range table {
		b = appendStr(b, k)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Events)))
	for _, e := range f.Events {
		idx := -1
		if k := e.SigKey(); k != "" {
			idx = keys[k]
		}
		var ok bool
		if b, ok = journal.AppendPacked(b, e, idx); !ok {
			return nil, false
		}
	}
	m := hmac.New(sha256.New, c.key[:])
	m.Write(b)
	return m.Sum(b), true
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// segReader reads the header of a segment; the first error sticks.
type segReader struct {
	b   []byte
	err error
}

func (r *segReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadSegment
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *segReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadSegment
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length that cannot exceed what is left.
func (r *segReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errBadSegment
		return 0
	}
	return int(n)
}

func (r *segReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// carryTo copies what c holds (the journal's segments and the state
// snapshot) into this archive's cache for identity id, each checked under
// c's key and sealed under id's: after a change of one's own keys
// (RotateOwnKeys), the first command under the new keys starts from them
// instead of reading and checking the whole journal again (at 100,000
// dossiers, two minutes and 2 GB). What does not verify is left behind;
// errors are ignored, as everywhere in the cache.
func (c *journalCache) carryTo(id *Identity) {
	if c == nil || id == nil {
		return
	}
	d := newJournalCache(c.cacheDir, c.abs, id)
	if d == nil || d.dir == c.dir {
		return
	}
	ents, err := os.ReadDir(c.dir)
	if err != nil || os.MkdirAll(d.dir, 0o700) != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".seg"):
			c.carryFile(d, name, "", 0)
		case name == filepath.Base(c.snapPath()):
			c.carrySnapshot(d)
		}
	}
}

// carryFile copies file name of c's cache into d's as it streams by: its
// first n bytes then the HMAC of what and them, checked under c's key and
// sealed under d's, then the rest of the file (n 0: the whole file but
// its HMAC, a segment). Nothing is written unless the HMAC checks.
func (c *journalCache) carryFile(d *journalCache, name, what string, n int64) {
	f, err := sharedfile.Open(filepath.Join(c.dir, name))
	if err != nil {
		return
	}
	defer f.Close()
	if n == 0 {
		st, err := f.Stat()
		if err != nil || st.Size() < sha256.Size {
			return
		}
		n = st.Size() - sha256.Size
	}
	t, err := os.CreateTemp(d.dir, ".tmp-carry-")
	if err != nil {
		return
	}
	defer os.Remove(t.Name())
	defer t.Close()
	was, now := hmac.New(sha256.New, c.key[:]), hmac.New(sha256.New, d.key[:])
	was.Write([]byte(what))
	now.Write([]byte(what))
	if _, err := io.CopyN(io.MultiWriter(t, was, now), f, n); err != nil {
		return
	}
	sum := make([]byte, sha256.Size)
	if _, err := io.ReadFull(f, sum); err != nil || !hmac.Equal(was.Sum(nil), sum) {
		return
	}
	if _, err := t.Write(now.Sum(nil)); err != nil {
		return
	}
	if _, err := io.Copy(t, f); err != nil || t.Close() != nil {
		return
	}
	renameOS(t.Name(), filepath.Join(d.dir, name)) // a cache: not waited for (renameCache)
}

// carrySnapshot writes c's state snapshot into d's cache, its header
// checked under c's key and sealed under d's as it is copied (the parts
// are checked against the header, as they are read). It streams the file:
// at 100,000 dossiers the parts are hundreds of megabytes.
func (c *journalCache) carrySnapshot(d *journalCache) {
	f, err := sharedfile.Open(c.snapPath())
	if err != nil {
		return
	}
	pre := make([]byte, len(snapMagic)+8)
	_, err = io.ReadFull(f, pre)
	f.Close()
	if err != nil || !bytes.HasPrefix(pre, []byte(snapMagic)) {
		return
	}
	n := binary.BigEndian.Uint64(pre[len(snapMagic):])
	if n > snapHeaderMax {
		return
	}
	c.carryFile(d, filepath.Base(c.snapPath()), snapSeal, int64(len(pre))+int64(n))
}
