package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"crm/archive/journal"
	"crm/archive/sharedfile"
)

// quickStamps is what the last quickCheck that found nothing wrong read of
// the files it reads (every dossier file and every bundle: ~870 MB at
// 100,000 dossiers, most of a sync's time), each with the file's stamp
// then (fileStamp): a dossier file's SHA-256 and its age recipient
// stanzas, and for a month folder holding bundles, that its events were
// the ones the snapshot stood for. The next quickCheck takes a file whose
// stamp is unchanged from here instead of reading it. Writing a file in
// place, replacing or renaming it changes its change time, which no user
// can set on a local file system. A file changed less than stampSettle
// before the check is not kept: besides a change within the clock's tick
// (the racy window), a write through a memory mapping changes the times
// only when its page first turns dirty, and further writes to that page
// change none until the system has written it back (~35 s by default).
// The record is the user's own, sealed under the journal cache's key and
// bound to the archive's folder; `crm verify` reads every file afresh.
type quickStamps struct {
	old stampRecords // as loaded
	mu  sync.Mutex
	now stampRecords // what this check read or took, to save
	// trusted is when the check began, less stampSettle (UnixNano).
	trusted int64
	dir     string       // the archive's folder, which the seal covers
	read    atomic.Int64 // files read, not taken from old
}

type stampRecords struct {
	files  map[string]fileRec  // dossier files, by path relative to the archive
	months map[string]monthRec // month folders holding bundles, by path
}

// fileRec is a dossier file as read: its stamp, its SHA-256, and its
// recipient stanzas (n of one type; files of mixed types are not kept).
type fileRec struct {
	stamp fileStamp
	sha   [32]byte
	kind  string
	n     int
}

// monthRec is a month folder whose events were the ones the snapshot stood
// for: the hashes it stood for (packed, summed), the loose event files'
// (summed), and each bundle's name and stamp.
type monthRec struct {
	want, loose [32]byte
	bundles     []bundleStamp
}

type bundleStamp struct {
	name  string
	stamp fileStamp
}

// stampSettle is how long before a check a file must have last changed
// for its stamp to be kept (quickStamps): well past the time a dirty page
// of a memory mapping is written back. A variable for the tests.
var stampSettle = 10 * time.Minute

// quickStampsMagic starts the file (cache folder, "quick.stamps"): then
// the records (encodeStamps) and an HMAC-SHA-256 of all that before it.
const (
	quickStampsMagic = "crm-quick-stamps-v1\n"
	quickStampsSeal  = "quick stamps\n"
)

func (c *journalCache) quickStampsPath() string { return filepath.Join(c.dir, "quick.stamps") }

// loadQuickStamps reads the user's records: none when there are none, or
// they do not verify (another key, damage, an edit).
func (c *journalCache) loadQuickStamps(archiveDir string) *quickStamps {
	q := &quickStamps{now: stampRecords{files: map[string]fileRec{}, months: map[string]monthRec{}},
		trusted: time.Now().Add(-max(journal.RacyWindow(), stampSettle)).UnixNano(), dir: archiveDir}
	if c == nil {
		return q
	}
	b, err := sharedfile.ReadFile(c.quickStampsPath())
	if err != nil || len(b) < len(quickStampsMagic)+sha256.Size || !bytes.HasPrefix(b, []byte(quickStampsMagic)) {
		return q
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !c.sealedWith(q.sealed(), body, sum) {
		return q
	}
	if r, ok := decodeStamps(body[len(quickStampsMagic):]); ok {
		q.old = r
	}
	return q
}

// save replaces the user's records with what this check read or took,
// when it read more than a few files: a few more read again next time cost
// less than writing the records (~10 MB at 100,000 dossiers).
func (q *quickStamps) save(c *journalCache) {
	n := q.read.Load()
	if c == nil || n == 0 || q.old.files != nil && n*100 < int64(len(q.now.files)) || os.MkdirAll(c.dir, 0o700) != nil {
		return
	}
	out := c.seal(q.sealed(), encodeStamps([]byte(quickStampsMagic), q.now))
	tmp, err := writeTempSync(c.dir, tempPattern(""), 0o600, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	}, false)
	if err == nil {
		renameCache(tmp, c.quickStampsPath(), false)
	}
}

// sealed is what the records' HMAC covers besides them: their kind and
// the archive's folder.
func (q *quickStamps) sealed() string { return quickStampsSeal + q.dir + "\n" }

// dossierFile reports whether the dossier file at rel hashes to sum, and
// the types of its age recipient stanzas (nil: not an age header), from
// the records when its stamp is unchanged.
func (q *quickStamps) dossierFile(rel, abs string, sum [32]byte) (stanzas []string, same, ok bool) {
	st, _ := statStamp(abs) // taken before the file is read: a change after is seen next time
	if r, found := q.old.files[rel]; found && st != (fileStamp{}) && r.stamp == st && r.sha == sum {
		q.keepFile(rel, r)
		stanzas = make([]string, r.n)
		for i := range stanzas {
			stanzas[i] = r.kind
		}
		return stanzas, true, true
	}
	q.read.Add(1)
	b, err := sharedfile.ReadFile(abs)
	if err != nil {
		return nil, false, false
	}
	if sha256.Sum256(b) != sum {
		return nil, false, true
	}
	if stanzas, err = stanzaTypes(b); err != nil {
		return nil, true, true
	}
	if len(stanzas) > 0 && !slices.ContainsFunc(stanzas, func(t string) bool { return t != stanzas[0] }) {
		q.keepFile(rel, fileRec{stamp: trustedStamp(st, q.trusted), sha: sum, kind: stanzas[0], n: len(stanzas)})
	}
	return stanzas, true, true
}

func (q *quickStamps) keepFile(rel string, r fileRec) {
	if r.stamp == (fileStamp{}) {
		return
	}
	q.mu.Lock()
	q.now.files[rel] = r
	q.mu.Unlock()
}

// monthSame reports whether month folder month, holding the loose event
// files of hashes loose and the bundles bundles (names), holds the events
// want, as it did when the records were made: the same events stood for,
// the same loose files, every bundle unchanged. abs gives a bundle's path
// on disk.
func (q *quickStamps) monthSame(month string, want []byte, loose, bundles []string, abs func(string) string) bool {
	r, found := q.old.months[month]
	if !found || len(r.bundles) != len(bundles) || r.want != sha256.Sum256(want) || r.loose != looseSum(loose) {
		return false
	}
	for i, name := range bundles {
		st, _ := statStamp(abs(month + "/" + name))
		if r.bundles[i].name != name || st == (fileStamp{}) || r.bundles[i].stamp != st {
			return false
		}
	}
	q.mu.Lock()
	q.now.months[month] = r
	q.mu.Unlock()
	return true
}

// keepMonth records a month folder found to hold the events want: its
// loose files' hashes, its bundles' names and stamps (taken before they
// were read).
func (q *quickStamps) keepMonth(month string, want []byte, loose []string, bundles []bundleStamp) {
	for i := range bundles {
		if bundles[i].stamp = trustedStamp(bundles[i].stamp, q.trusted); bundles[i].stamp == (fileStamp{}) {
			return
		}
	}
	q.mu.Lock()
	q.now.months[month] = monthRec{want: sha256.Sum256(want), loose: looseSum(loose), bundles: bundles}
	q.mu.Unlock()
}

// looseSum sums the hashes of loose event files, in any order, packed as
// a month part packs them (packHashes); zero if one is not a hash.
func looseSum(hs []string) [32]byte {
	packed, ok := packHashes(slices.Clone(hs))
	if !ok {
		return [32]byte{}
	}
	return sha256.Sum256(packed)
}

// encodeStamps appends the records to b: the files, then the months, each
// sorted by path.
func encodeStamps(b []byte, r stampRecords) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	stamp := func(s fileStamp) {
		for _, v := range []uint64{uint64(s.Size), uint64(s.Mtime), uint64(s.Ctime), s.Ino, s.Dev} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(r.files)))
	for _, rel := range slices.Sorted(maps.Keys(r.files)) {
		f := r.files[rel]
		str(rel)
		stamp(f.stamp)
		b = append(b, f.sha[:]...)
		str(f.kind)
		b = binary.AppendUvarint(b, uint64(f.n))
	}
	b = binary.AppendUvarint(b, uint64(len(r.months)))
	for _, m := range slices.Sorted(maps.Keys(r.months)) {
		x := r.months[m]
		str(m)
		b = append(b, x.want[:]...)
		b = append(b, x.loose[:]...)
		b = binary.AppendUvarint(b, uint64(len(x.bundles)))
		for _, bs := range x.bundles {
			str(bs.name)
			stamp(bs.stamp)
		}
	}
	return b
}

// decodeStamps reads what encodeStamps wrote; false for anything else.
func decodeStamps(b []byte) (stampRecords, bool) {
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	take := func(n uint64) []byte {
		if bad || n > uint64(len(b)) {
			bad = true
			return nil
		}
		out := b[:n]
		b = b[n:]
		return out
	}
	str := func() string { return string(take(uv())) }
	stamp := func() fileStamp {
		p := take(40)
		if p == nil {
			return fileStamp{}
		}
		u := func(i int) uint64 { return binary.LittleEndian.Uint64(p[8*i:]) }
		return fileStamp{Size: int64(u(0)), Mtime: int64(u(1)), Ctime: int64(u(2)), Ino: u(3), Dev: u(4)}
	}
	r := stampRecords{files: map[string]fileRec{}, months: map[string]monthRec{}}
	for n := uv(); n > 0 && !bad; n-- {
		rel := str()
		f := fileRec{stamp: stamp()}
		copy(f.sha[:], take(32))
		f.kind = str()
		f.n = int(min(uv(), 1<<16))
		r.files[rel] = f
	}
	for n := uv(); n > 0 && !bad; n-- {
		m := str()
		var x monthRec
		copy(x.want[:], take(32))
		copy(x.loose[:], take(32))
		for k := uv(); k > 0 && !bad; k-- {
			x.bundles = append(x.bundles, bundleStamp{name: str(), stamp: stamp()})
		}
		r.months[m] = x
	}
	if bad || len(b) != 0 {
		return stampRecords{}, false
	}
	return r, true
}
