package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crm/archive/sharedfile"
	"crm/l10n"
)

// A bundle holds the event files of one closed month in one file
// (FORMAT.md, "Bundles"): a git index and a work tree of a department's
// ten years hold ~120 bundles instead of a million event files, which is
// what makes git status and add take a second rather than ten.
//
// Its name is bundle-<sha256>.yaml, after the SHA-256 of all its bytes,
// in the month folder of its events. Its bytes are a YAML stream: for each
// event, sorted by hash, a line "---" and then the event file's exact
// bytes. Two clones that bundle the same events write the same file under
// the same name, so bundling never makes a git conflict; bundles that
// overlap (clones that bundled different sets) are read as the set of
// their events, and the next bundling of the month makes one of them.
//
// An event keeps its name (Path) in a bundle: its hash says what it is,
// and the bundle only says where its bytes are.

const (
	bundlePrefix = "bundle-"
	docStart     = "---\n"
)

// BundleName is the file name of a bundle with these bytes.
func BundleName(b []byte) string {
	sum := sha256.Sum256(b)
	return bundlePrefix + hex.EncodeToString(sum[:]) + ".yaml"
}

// BundleNameOfSum is the file name of a bundle whose bytes have SHA-256
// sum: BundleName of a bundle written as a stream.
func BundleNameOfSum(sum []byte) string {
	return bundlePrefix + hex.EncodeToString(sum) + ".yaml"
}

// BundleDocStart is the line before each event file in a bundle.
const BundleDocStart = docStart

// bundleHash returns the hash part of a bundle's file name, cheaply.
func bundleHash(name string) (string, bool) {
	const n = len(bundlePrefix) + 64 + len(".yaml")
	if len(name) != n || !strings.HasPrefix(name, bundlePrefix) || !strings.HasSuffix(name, ".yaml") {
		return "", false
	}
	h := name[len(bundlePrefix) : len(bundlePrefix)+64]
	if !IsHash(h) {
		return "", false
	}
	return h, true
}

// HashOfBundlePath returns the hash a bundle's path names (the SHA-256
// of its bytes), if rel names one.
func HashOfBundlePath(rel string) (string, bool) { return bundleHash(path.Base(rel)) }

// IsBundlePath reports whether rel (a slash path) names a bundle.
func IsBundlePath(rel string) bool {
	_, ok := bundleHash(path.Base(rel))
	return ok
}

// Bundlable reports whether an event file's bytes can go in a bundle: they
// end with a newline and hold no line a YAML stream reads as the end of a
// document ("---" or "..." at its start), so that the bundle splits back
// into exactly these bytes.
func Bundlable(b []byte) bool {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return false
	}
	for _, m := range []string{"---", "..."} {
		if bytes.HasPrefix(b, []byte(m)) || bytes.Contains(b, []byte("\n"+m)) {
			return false
		}
	}
	return true
}

// MakeBundle returns the bytes of the bundle of event files files (each
// Bundlable, their hashes all different): sorted by hash, each after a
// "---" line.
func MakeBundle(files [][]byte) []byte {
	type piece struct {
		hash string
		b    []byte
	}
	ps := make([]piece, len(files))
	n := 0
	for i, b := range files {
		sum := sha256.Sum256(b)
		ps[i] = piece{hex.EncodeToString(sum[:]), b}
		n += len(docStart) + len(b)
	}
	slices.SortFunc(ps, func(x, y piece) int { return strings.Compare(x.hash, y.hash) })
	out := make([]byte, 0, n)
	for _, p := range ps {
		out = append(out, docStart...)
		out = append(out, p.b...)
	}
	return out
}

// SplitBundle returns the event files of a bundle's bytes (sub-slices of
// b), or an error if b is not a bundle's form.
func SplitBundle(b []byte) ([][]byte, error) {
	if !bytes.HasPrefix(b, []byte(docStart)) {
		return nil, l10n.Errorf("a bundle starts with a %q line", "---")
	}
	var out [][]byte
	rest := b[len(docStart):]
	for {
		i := bytes.Index(rest, []byte("\n"+docStart))
		if i < 0 {
			break
		}
		out = append(out, rest[:i+1:i+1])
		rest = rest[i+1+len(docStart):]
	}
	out = append(out, rest)
	return out, nil
}

// bundleEvents parses the bundle at rel in folder folderRel from its bytes
// b: the events that read and belong there, and what is wrong (the name
// not the content's hash, a piece that is not an event or is dated in
// another month, pieces out of order or given twice). Events that read
// are taken even if something else is wrong: each is known by its own
// hash.
func (r *reader) bundleEvents(b []byte, rel, folderRel string) ([]*Event, []string) {
	var problems []string
	if BundleName(b) != path.Base(rel) {
		problems = append(problems, l10n.T("content does not match the hash in the file name (edited after it was written)"))
	}
	pieces, err := SplitBundle(b)
	if err != nil {
		return nil, append(problems, err.Error())
	}
	var events []*Event
	prev := ""
	for i, p := range pieces {
		e, problem := r.bundled(p, i, path.Base(rel), folderRel)
		if e == nil {
			problems = append(problems, problem)
			continue
		}
		if e.Hash <= prev {
			problems = append(problems, l10n.Sprintf("event %s is out of order or given twice in the bundle", ShortHash(e.Hash)))
		}
		prev = max(prev, e.Hash)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		events = append(events, e)
	}
	return events, problems
}

// bundled parses piece i of the bundle named bundle in folder folderRel:
// the event, and a problem if it is dated in another month (then the
// event is not to be taken); or no event and what is wrong.
func (r *reader) bundled(p []byte, i int, bundle, folderRel string) (*Event, string) {
	e, err := parse(p, true)
	if err != nil {
		return nil, l10n.Sprintf("event %d of the bundle: %v", i+1, err)
	}
	if path.Dir(e.Path) != folderRel {
		return e, l10n.Sprintf("event %s is dated %s, not in the month of the bundle's folder", ShortHash(e.Hash), e.Time.UTC().Format(TimeLayout))
	}
	e.bundle = bundle
	e.root = r.j.root
	return e, ""
}

// Bundle is the file name of the bundle the event was read from ("" for
// an event read from a file of its own).
func (e *Event) Bundle() string { return e.bundle }

// readFromBundle returns the bytes of the event with hash h dated t in the
// bundle at abs, or nil. Only the events that hold t's text are hashed (a
// month's bundle at 100,000 dossiers is ~8,000 events).
func readFromBundle(abs, h string, t time.Time) []byte {
	if p := seekInBundle(abs, h, t); p != nil {
		return p
	}
	return scanBundle(abs, h, t)
}

// scanBundle is readFromBundle by reading the whole bundle: for one whose
// events are not in order.
func scanBundle(abs, h string, t time.Time) []byte {
	b, err := sharedfile.ReadFile(abs)
	if err != nil {
		return nil
	}
	pieces, err := SplitBundle(b)
	if err != nil {
		return nil
	}
	at := []byte(t.UTC().Format(TimeLayout))
	for _, p := range pieces {
		if !bytes.Contains(p, at) {
			continue
		}
		if sum := sha256.Sum256(p); hex.EncodeToString(sum[:]) == h {
			return p
		}
	}
	return nil
}

// findInBundles returns the bytes of the event file rel (a slash path in
// the archive at dir) from any bundle of its month folder, or nil.
func findInBundles(dir, rel string) []byte {
	_, b := findBundle(dir, rel)
	return b
}

// findBundle is findInBundles with the name of the bundle that holds the
// event ("" when none does).
func findBundle(dir, rel string) (string, []byte) {
	h, ok := HashOfPath(rel)
	if !ok {
		return "", nil
	}
	t, err := time.Parse("20060102T150405Z", strings.TrimSuffix(path.Base(rel), "-"+h+".yaml"))
	if err != nil {
		return "", nil
	}
	folder := filepath.Join(dir, filepath.FromSlash(path.Dir(rel)))
	ents, err := os.ReadDir(folder)
	if err != nil {
		return "", nil
	}
	var bundles []string
	for _, d := range ents {
		if _, ok := bundleHash(d.Name()); ok && d.Type().IsRegular() {
			bundles = append(bundles, filepath.Join(folder, d.Name()))
		}
	}
	// Looked up by bisection in each bundle first; read whole only if it
	// is in none that way (a bundle out of order).
	for _, b := range bundles {
		if p := seekInBundle(b, h, t); p != nil {
			return filepath.Base(b), p
		}
	}
	for _, b := range bundles {
		if p := scanBundle(b, h, t); p != nil {
			return filepath.Base(b), p
		}
	}
	return "", nil
}

// BundleHolding is the name of the bundle in its month's folder that holds
// the event stored as rel in the archive at dir, or "" when none does (it
// has a file of its own, or is not there).
func BundleHolding(dir, rel string) string {
	name, _ := findBundle(dir, rel)
	return name
}

// seekInBundle returns the bytes of the event with hash h dated t in the
// bundle at abs, found by bisection: a bundle's events are in the order of
// their hashes (MakeBundle), so ~13 of a month's ~8,000 are read and
// hashed, not the whole file (~5 MB at 100,000 dossiers). Nil if it is not
// found that way, which in a bundle out of order does not mean it is not
// there; it gives only what the whole file's scan (scanBundle) would.
func seekInBundle(abs, h string, t time.Time) []byte {
	f, err := sharedfile.Open(abs)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	r := &bundleAt{f: f, size: fi.Size(), buf: make([]byte, bundleWindow)}
	return r.seek(h, t)
}

// seek is seekInBundle in the bundle r reads.
func (r *bundleAt) seek(h string, t time.Time) []byte {
	head := make([]byte, len(docStart))
	if _, err := r.readAt(head, 0); err != nil || string(head) != docStart {
		return nil
	}
	// Pieces starting in [lo, hi) are left to look at; lo is where one
	// starts. Each step halves the range or passes a piece, and reads no
	// further than hi: a hostile file costs what reading it does.
	lo, hi := int64(len(docStart)), r.size
	for lo < hi {
		mid := lo + (hi-lo)/2
		start, ok := r.next(mid, hi)
		if !ok {
			hi = mid // none starts in [mid, hi)
			continue
		}
		p, end, ok := r.piece(start)
		if !ok {
			return nil
		}
		sum := sha256.Sum256(p)
		switch c := strings.Compare(hex.EncodeToString(sum[:]), h); {
		case c == 0:
			if !Bundlable(p) || !bytes.Contains(p, []byte(t.UTC().Format(TimeLayout))) || !r.splitsAt(start) {
				return nil // for the scan to say
			}
			return p
		case c < 0:
			lo = end + int64(len(docStart))
		default:
			hi = start
		}
	}
	return nil
}

// bundleAt reads a bundle's pieces where they lie, a window at a time.
type bundleAt struct {
	f    *os.File
	size int64
	buf  []byte // bundleWindow bytes
	read int64  // how many bytes were read
}

func (r *bundleAt) readAt(b []byte, off int64) (int, error) {
	n, err := r.f.ReadAt(b, off)
	r.read += int64(n)
	return n, err
}

// bundleWindow is how much of a bundle is read at a time to find where a
// piece starts or ends (pieces are ~0.5-1 KB), and maxPiece the largest
// piece bisection reads (a larger one is left to the whole file's scan).
const (
	bundleWindow = 4096
	maxPiece     = 1 << 20
)

// next returns where the first piece starting in [off, limit) starts (just
// after a "---" line).
func (r *bundleAt) next(off, limit int64) (int64, bool) {
	limit = min(limit, r.size)
	if off <= int64(len(docStart)) {
		return int64(len(docStart)), int64(len(docStart)) < limit
	}
	sep := []byte("\n" + docStart)
	// From where the line before a piece starting at off would be.
	for at := off - int64(len(sep)); at < limit; at += int64(bundleWindow - len(sep)) {
		n, err := r.readAt(r.buf, at)
		if n <= 0 && err != nil {
			return 0, false
		}
		if i := bytes.Index(r.buf[:n], sep); i >= 0 {
			start := at + int64(i+len(sep))
			return start, start < limit
		}
		if at+int64(n) >= r.size {
			break
		}
	}
	return 0, false
}

// piece returns the piece starting at start and where it ends (the next
// "---" line, or the end of the bundle).
func (r *bundleAt) piece(start int64) ([]byte, int64, bool) {
	end := r.size
	if next, ok := r.next(start+1, start+1+maxPiece); ok {
		end = next - int64(len(docStart))
	} else if r.size-start > maxPiece {
		return nil, 0, false
	}
	if end <= start {
		return nil, 0, false
	}
	p := make([]byte, end-start)
	if _, err := r.readAt(p, start); err != nil {
		return nil, 0, false
	}
	return p, end, true
}

// splitsAt reports whether SplitBundle starts a piece at start, just after
// a "\n---\n": unless that separator shares its first newline with one
// right before it ("---" on the line before), which SplitBundle takes
// instead, or with the bundle's first line.
func (r *bundleAt) splitsAt(start int64) bool {
	if start == int64(len(docStart)) {
		return true
	}
	if start < 9 {
		return false
	}
	before := make([]byte, 4)
	if _, err := r.readAt(before, start-9); err != nil {
		return false
	}
	return string(before) != "\n---"
}

// BundleHashes returns the hashes of the events in the bundle with bytes b
// and file name name, if b is a bundle's form under its own name with its
// events in order.
func BundleHashes(b []byte, name string) ([]string, bool) {
	_, hs, ok := bundlePieces(b, name)
	return hs, ok
}

// bundlePieces returns the event files of the bundle with bytes b and
// file name name and their hashes, if b is a bundle's form under its own
// name with its events in order: its events are then known by their
// hashes without being parsed.
func bundlePieces(b []byte, name string) ([][]byte, []string, bool) {
	if BundleName(b) != name {
		return nil, nil, false
	}
	pieces, err := SplitBundle(b)
	if err != nil {
		return nil, nil, false
	}
	hs := make([]string, len(pieces))
	for i, p := range pieces {
		sum := sha256.Sum256(p)
		hs[i] = hex.EncodeToString(sum[:])
		if i > 0 && hs[i] <= hs[i-1] {
			return nil, nil, false
		}
	}
	return pieces, hs, true
}

// Has reports whether the event file rel (a slash path in the archive at
// dir) is there, on its own or in a bundle of its month.
func Has(dir, rel string) bool {
	if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
		return true
	}
	return findInBundles(dir, rel) != nil
}

// Month is what BundleMonth makes of a month folder: the bundle's name and
// bytes, how many events it holds, and the files it replaces (slash paths
// in the archive; the bundle itself is not among them).
type Month struct {
	Rel      string // the month folder
	Name     string
	Bytes    []byte
	Events   int
	Replaced []string
}

// BundleMonth makes the bundle of the month folder rel of the archive at
// dir: of every event in it, in a file of its own or in bundles, but
// those leave says to leave in their files (the genesis, which a user's
// pin looks for by name) and those that cannot go in a bundle
// (Bundlable). It returns false when there is nothing to do (the month is
// one bundle already, or holds no event to bundle) and when the folder
// holds anything but events that read without a problem: a temporary
// file, a file that is not an event's or whose content is not what its
// name says (those are for verify to report, and stay as they are).
func BundleMonth(dir, rel string, leave func(hash string) bool) (Month, bool, error) {
	m := Month{Rel: rel}
	abs := filepath.Join(dir, filepath.FromSlash(rel))
	ents, err := os.ReadDir(abs)
	if err != nil {
		return m, false, err
	}
	// By the names first: a month in one bundle already is not read (an
	// hourly maintain would read the whole journal).
	bundles, loose := 0, 0
	for _, d := range ents {
		if _, ok := bundleHash(d.Name()); ok {
			bundles++
		} else if h, ok := nameHash(d.Name()); !ok || !d.Type().IsRegular() {
			return m, false, nil // a temporary file, a stranger
		} else if !leave(h) {
			loose++
		}
	}
	if loose == 0 && bundles <= 1 {
		return m, false, nil
	}
	files := map[string][]byte{}
	add := func(p []byte) bool {
		e, err := Parse(p)
		if err != nil || !Bundlable(p) || path.Dir(PathOf(e.Time, e.Hash)) != rel {
			return false
		}
		files[e.Hash] = p
		return true
	}
	for _, d := range ents {
		name, frel := d.Name(), rel+"/"+d.Name()
		if !d.Type().IsRegular() {
			return m, false, nil
		}
		if _, ok := bundleHash(name); ok {
			b, err := sharedfile.ReadFile(filepath.Join(abs, name))
			if err != nil {
				return m, false, err
			}
			if BundleName(b) != name {
				return m, false, nil
			}
			pieces, err := SplitBundle(b)
			if err != nil {
				return m, false, nil
			}
			for _, p := range pieces {
				if !add(p) {
					return m, false, nil
				}
			}
			m.Replaced = append(m.Replaced, frel)
			continue
		}
		h, _ := nameHash(name) // every name is a bundle's or an event's (above)
		if leave(h) {
			continue
		}
		b, err := sharedfile.ReadFile(filepath.Join(abs, name))
		if err != nil {
			return m, false, err
		}
		e, err := Parse(b)
		if err != nil || e.Hash != h || PathOf(e.Time, e.Hash) != frel {
			return m, false, nil
		}
		if !Bundlable(b) {
			continue
		}
		files[h] = b
		m.Replaced = append(m.Replaced, frel)
	}
	if len(files) == 0 {
		return m, false, nil
	}
	all := make([][]byte, 0, len(files))
	for _, b := range files {
		all = append(all, b)
	}
	m.Bytes = MakeBundle(all)
	m.Name, m.Events = BundleName(m.Bytes), len(files)
	// An interrupted bundling left the bundle it was making: it stays.
	m.Replaced = slices.DeleteFunc(m.Replaced, func(r string) bool { return r == rel+"/"+m.Name })
	return m, len(m.Replaced) > 0, nil
}
