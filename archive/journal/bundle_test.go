package journal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// bundleJournal writes a chain of n events, a few a day from 1 October
// 2026 (three month folders), as files of their own under dir.
func bundleJournal(t *testing.T, dir string, n int) (pub ed25519.PublicKey, events []*Event) {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	var prev []string
	for i := range n {
		at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 31 * time.Hour)
		b, err := Sign(Header{Kind: "dossier.update", Time: at, Actor: "li", Dossier: "C-1", Prev: prev}, map[string]any{"fields": []string{"note"}, "i": i}, key)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(PathOf(e.Time, e.Hash)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
		prev = []string{e.Hash}
	}
	return pub, events
}

// bundleNow bundles month folder rel as the archive does: the bundle
// written, then the files it replaces removed.
func bundleNow(t *testing.T, dir, rel string, removeReplaced bool) Month {
	t.Helper()
	m, ok, err := BundleMonth(dir, rel, func(string) bool { return false })
	if err != nil || !ok {
		t.Fatalf("BundleMonth %s: %v %v", rel, ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel), m.Name), m.Bytes, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Replaced {
		if removeReplaced {
			os.Remove(filepath.Join(dir, filepath.FromSlash(r)))
		}
	}
	return m
}

func hashesOf(es []*Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Hash)
	}
	return out
}

// A month in a bundle reads as the files it replaced: the same events in
// the same order under the same names, their signatures checked from the
// bundle once let go, and the files found by ReadFile and Has; a bundling
// interrupted before the files were removed, and bundles that overlap,
// read as the set of their events.
func TestBundledMonthReadsAsItsFiles(t *testing.T) {
	racy := racyWindow
	racyWindow = 0
	defer func() { racyWindow = racy }()
	dir := t.TempDir()
	pub, _ := bundleJournal(t, dir, 60)
	before, err := Read(context.Background(), dir)
	if err != nil || len(before.Problems) > 0 || len(before.Events) != 60 {
		t.Fatalf("read: %v %v %d", err, before.Problems, len(before.Events))
	}
	const oct = Dir + "/2026/10"
	same := func(what string, j *Journal) {
		t.Helper()
		if len(j.Problems) > 0 || !slices.Equal(hashesOf(j.Events), hashesOf(before.Events)) || !slices.Equal(j.Heads, before.Heads) {
			t.Fatalf("%s: problems %v, %d events, heads %v", what, j.Problems, len(j.Events), j.Heads)
		}
		for i, e := range j.Events {
			if e.Path != before.Events[i].Path {
				t.Fatalf("%s: event %d is named %s, not %s", what, i, e.Path, before.Events[i].Path)
			}
		}
	}
	// Interrupted: the bundle is there, and so are the files.
	m := bundleNow(t, dir, oct, false)
	if m.Events != 24 || len(m.Replaced) != 24 {
		t.Fatalf("bundle of October: %d events, replacing %v", m.Events, m.Replaced)
	}
	j, err := Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	same("bundle and files", j)
	if f := j.Folders[oct]; f == nil || len(f.Events) != 24 {
		t.Fatalf("October's folder holds %d events, want 24", len(f.Events))
	}
	// The next bundling makes the same bundle and removes the files.
	if again := bundleNow(t, dir, oct, true); again.Name != m.Name || len(again.Replaced) != 24 {
		t.Fatalf("bundled again: %s replacing %d files, want %s", again.Name, len(again.Replaced), m.Name)
	}
	if _, ok, _ := BundleMonth(dir, oct, func(string) bool { return false }); ok {
		t.Fatal("a month in one bundle was bundled again")
	}
	j, err = ReadHinted(context.Background(), dir, nil, func(string) (string, ed25519.PublicKey) { return "k", pub })
	if err != nil {
		t.Fatal(err)
	}
	same("bundle alone", j)
	for _, e := range j.Events {
		inOct := strings.HasPrefix(e.Path, oct+"/")
		if inOct != (e.Bundle() == m.Name) {
			t.Fatalf("%s: bundle %q", e.Path, e.Bundle())
		}
		if ok, known := e.Verdict("k"); !ok || !known || e.raw() != nil {
			t.Fatalf("%s: verdict %v %v, body kept %v", e.Path, ok, known, e.raw() != nil)
		}
		if !e.Verify(pub) { // read back from the bundle
			t.Fatalf("%s does not verify from its bundle", e.Path)
		}
	}
	first := before.Events[0]
	if got, err := ReadFile(dir, first.Path); err != nil || got.Hash != first.Hash {
		t.Fatalf("ReadFile of a bundled event: %v", err)
	}
	if !Has(dir, first.Path) || Has(dir, PathOf(first.Time, strings.Repeat("0", 64))) {
		t.Fatal("Has")
	}
	// Which bundle holds it (the merge driver asks whether the other side
	// has that bundle too).
	if got := BundleHolding(dir, first.Path); got != m.Name {
		t.Fatalf("BundleHolding of a bundled event: %q, want %q", got, m.Name)
	}
	if got := BundleHolding(dir, PathOf(first.Time, strings.Repeat("0", 64))); got != "" {
		t.Fatalf("BundleHolding of an event in no bundle: %q", got)
	}
	// Two clones bundled different sets of November: the bundles overlap.
	const nov = Dir + "/2026/11"
	var files [][]byte
	var names []string
	ents, _ := os.ReadDir(filepath.Join(dir, nov))
	for _, d := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, nov, d.Name()))
		files, names = append(files, b), append(names, d.Name())
	}
	for _, part := range [][][]byte{files[:15], files[10:]} {
		b := MakeBundle(part)
		os.WriteFile(filepath.Join(dir, nov, BundleName(b)), b, 0o644)
	}
	for _, n := range names {
		os.Remove(filepath.Join(dir, nov, n))
	}
	j, err = Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	same("overlapping bundles", j)
	if m := bundleNow(t, dir, nov, true); m.Events != len(files) || len(m.Replaced) != 2 {
		t.Fatalf("November bundled again: %d events replacing %v", m.Events, m.Replaced)
	}
	j, err = Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	same("November in one bundle", j)
}

// A bundle is known again by its file's time and size: a folder listed
// again reuses its events, and reads it again once it changed.
func TestBundleReadAgainOnlyWhenChanged(t *testing.T) {
	racy := racyWindow
	racyWindow = 0
	defer func() { racyWindow = racy }()
	dir := t.TempDir()
	bundleJournal(t, dir, 30)
	const oct = Dir + "/2026/10"
	bundleNow(t, dir, oct, true)
	j, err := Read(context.Background(), dir)
	if err != nil || len(j.Problems) > 0 {
		t.Fatal(err, j.Problems)
	}
	// A file added to the folder changes its time: the folder is listed
	// again, and the bundle's events are reused.
	os.WriteFile(filepath.Join(dir, oct, "stray.txt"), []byte("x"), 0o644)
	j2, err := ReadWith(context.Background(), dir, j.Folders)
	if err != nil {
		t.Fatal(err)
	}
	if j2.Reused != 30 {
		t.Fatalf("reused %d events, want 30", j2.Reused)
	}
	os.Remove(filepath.Join(dir, oct, "stray.txt"))
	// An edited bundle is read again, and found.
	ents, _ := os.ReadDir(filepath.Join(dir, oct))
	var bundle string
	for _, d := range ents {
		if strings.HasPrefix(d.Name(), bundlePrefix) {
			bundle = filepath.Join(dir, oct, d.Name())
		}
	}
	b, _ := os.ReadFile(bundle)
	b = bytes.Replace(b, []byte("i: 3\n"), []byte("i: 4\n"), 1)
	os.WriteFile(bundle, b, 0o644)
	future := time.Now().Add(time.Hour)
	os.Chtimes(bundle, future, future)
	j3, err := ReadWith(context.Background(), dir, j2.Folders)
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(j3, filepath.Base(bundle), "does not match the hash") {
		t.Fatalf("edited bundle not found: %v", j3.Problems)
	}
}

func hasProblem(j *Journal, pathPart, msgPart string) bool {
	return slices.ContainsFunc(j.Problems, func(p Problem) bool {
		return strings.Contains(p.Path, pathPart) && strings.Contains(p.Msg, msgPart)
	})
}

// What is wrong with a bundle is named, and does not lose the events
// that read: an edited event (the bundle's name and the links to it go
// stale), an event dated in another month, pieces out of order, a piece
// that is not an event.
func TestBundleProblems(t *testing.T) {
	dir := t.TempDir()
	bundleJournal(t, dir, 60)
	const oct, nov = Dir + "/2026/10", Dir + "/2026/11"
	m := bundleNow(t, dir, oct, true)
	octBundle := filepath.Join(dir, oct, m.Name)
	b, _ := os.ReadFile(octBundle)
	pieces, err := SplitBundle(b)
	if err != nil || len(pieces) != 24 || !bytes.Equal(MakeBundle(pieces), b) {
		t.Fatalf("split: %v, %d pieces", err, len(pieces))
	}
	// Edited in place.
	os.WriteFile(octBundle, bytes.Replace(b, []byte("i: 3\n"), []byte("i: 4\n"), 1), 0o644)
	j, err := Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(j, m.Name, "does not match the hash") || !slices.ContainsFunc(j.Problems, func(p Problem) bool { return strings.Contains(p.Msg, "missing from the journal") }) {
		t.Fatalf("problems of an edited bundle: %v", j.Problems)
	}
	if len(j.Events) != 60 {
		t.Fatalf("%d events read, want 60 (the edited one is another event)", len(j.Events))
	}
	// Out of order, an October event in November's folder, and a piece
	// that is not an event.
	os.WriteFile(octBundle, b, 0o644)
	var wrong []byte
	for _, p := range slices.Backward(pieces[:3]) {
		wrong = append(append(wrong, docStart...), p...)
	}
	wrong = append(wrong, "---\nnot: an event\n"...)
	os.WriteFile(filepath.Join(dir, nov, BundleName(wrong)), wrong, 0o644)
	j, err = Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"out of order", "not in the month", "event 4 of the bundle"} {
		if !hasProblem(j, BundleName(wrong), want) {
			t.Fatalf("no problem %q: %v", want, j.Problems)
		}
	}
	if len(j.Events) != 60 {
		t.Fatalf("%d events, want 60", len(j.Events))
	}
	// BundleMonth leaves a month with a problem as it is.
	if _, ok, err := BundleMonth(dir, nov, func(string) bool { return false }); ok || err != nil {
		t.Fatalf("a month with a bad bundle was bundled: %v", err)
	}
}

// Only bytes that split back into themselves go in a bundle.
func TestBundlable(t *testing.T) {
	for _, c := range []struct {
		b  string
		ok bool
	}{
		{"kind: x\nsignature: y\n", true},
		{"kind: x\nsignature: y", false},
		{"---\nkind: x\n", false},
		{"kind: x\n--- \nsignature: y\n", false},
		{"kind: x\n...\nsignature: y\n", false},
		{"kind: x\n  ---\nsignature: y\n", true},
	} {
		if Bundlable([]byte(c.b)) != c.ok {
			t.Errorf("Bundlable(%q) = %v", c.b, !c.ok)
		}
	}
}

// FuzzSplitBundle: any bytes split or are refused, never a panic; bytes
// that can go in a bundle come back out of it exactly.
func FuzzSplitBundle(f *testing.F) {
	f.Add([]byte("kind: x\nsignature: y\n"), []byte("kind: z\n"))
	f.Add([]byte("---\n"), []byte("\n---\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		SplitBundle(a)
		BundleHashes(a, BundleName(a))
		if !Bundlable(a) || !Bundlable(b) || bytes.Equal(a, b) {
			return
		}
		got, err := SplitBundle(MakeBundle([][]byte{a, b}))
		if err != nil || len(got) != 2 {
			t.Fatalf("split %q %q: %v %q", a, b, err, got)
		}
		if !(bytes.Equal(got[0], a) && bytes.Equal(got[1], b) || bytes.Equal(got[0], b) && bytes.Equal(got[1], a)) {
			t.Fatalf("split %q %q into %q", a, b, got)
		}
	})
}

// seekInBundle finds every event of a bundle by bisection, whatever the
// sizes of its pieces (some larger than the window it reads), and finds
// none that is not there; in a bundle out of order readFromBundle still
// finds each, by reading it whole.
func TestSeekInBundle(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 2, 3, 7, 64, 300} {
		var files [][]byte
		for i := range n {
			files = append(files, seekPiece(n*1000+i))
		}
		b := MakeBundle(files)
		p := filepath.Join(dir, fmt.Sprintf("b%d.yaml", n))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if got := seekInBundle(p, hashHex(f), seekAt); !bytes.Equal(got, f) {
				t.Fatalf("%d pieces: %s not found (%d bytes)", n, hashHex(f)[:8], len(got))
			}
		}
		for i := range 20 {
			if got := seekInBundle(p, hashHex(seekPiece(1_000_000+i)), seekAt); got != nil {
				t.Fatalf("%d pieces: found a piece that is not there", n)
			}
		}
		// Out of order: the pieces reversed.
		pieces, err := SplitBundle(b)
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(pieces)
		var rev []byte
		for _, x := range pieces {
			rev = append(append(rev, docStart...), x...)
		}
		q := filepath.Join(dir, fmt.Sprintf("r%d.yaml", n))
		if err := os.WriteFile(q, rev, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if got := readFromBundle(q, hashHex(f), seekAt); !bytes.Equal(got, f) {
				t.Fatalf("%d pieces out of order: %s not found", n, hashHex(f)[:8])
			}
		}
	}
}

var seekAt = time.Date(2026, 10, 3, 8, 0, 0, 0, time.UTC)

// seekPiece is an event-like piece dated seekAt, 0-12 KB long.
func seekPiece(i int) []byte {
	pad := strings.Repeat("x", (i*977)%(3*bundleWindow))
	return []byte(fmt.Sprintf("kind: test\ntime: %s\nn: %d\npad: %q\n", seekAt.Format(TimeLayout), i, pad))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A hostile bundle (thousands of tiny pieces all hashing below the one
// looked for, then a long tail with no "---" line) is not read again and
// again: bisection reads about what the whole file's scan does. (The first
// version read the tail once per piece: 6 s for 2 MB.)
func TestSeekInBundleReadsLittleOfAHostileFile(t *testing.T) {
	h := "f" + strings.Repeat("0", 63)
	const size = 2 << 20
	var b bytes.Buffer
	b.WriteString(docStart)
	for n := 0; b.Len() < size*2/5; n++ {
		s := fmt.Sprintf("%x\n", n)
		if hashHex([]byte(s)) < h {
			b.WriteString(s + docStart)
		}
	}
	b.WriteString("tail")
	b.Write(bytes.Repeat([]byte("y"), size-b.Len()))
	p := filepath.Join(t.TempDir(), "q.yaml")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &bundleAt{f: f, size: size, buf: make([]byte, bundleWindow)}
	if got := r.seek(h, seekAt); got != nil {
		t.Fatal("found a piece that is not there")
	}
	if r.read > 3*size {
		t.Fatalf("read %d bytes of a %d-byte bundle", r.read, size)
	}
}

// Whatever two bundle files of a month hold, the lookups give exactly
// what reading them whole gives (scanBundle, the lookup before
// bisection), for the hash of any piece they split into, of any slice of
// them, or of nothing there.
func FuzzSeekInBundle(f *testing.F) {
	ts := seekAt.Format(TimeLayout)
	ev := func(s string) []byte { return []byte("time: " + ts + "\n" + s + "\n") }
	f.Add(MakeBundle([][]byte{ev("a"), ev("b"), ev("c"), ev("d")}), []byte("---\n"+ts+"\n"), uint16(1), uint16(0), uint16(0))
	f.Add([]byte("---\n"+ts+"\n---\n---\n"+ts+"\n"), []byte{}, uint16(1), uint16(14), uint16(41))
	f.Add([]byte("---\nx "+ts+"\n---\n"), []byte("---\na\n---\n---\ny "+ts+"\n"), uint16(0), uint16(4), uint16(30))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b1, b2 []byte, k, i, j uint16) {
		p1, p2 := filepath.Join(dir, "1.yaml"), filepath.Join(dir, "2.yaml")
		for p, b := range map[string][]byte{p1: b1, p2: b2} {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var hs []string
		for _, b := range [][]byte{b1, b2} {
			ps, _ := SplitBundle(b)
			for _, p := range ps {
				hs = append(hs, hashHex(p))
			}
		}
		if a, z := int(i)%(len(b1)+1), int(j)%(len(b1)+1); a <= z {
			hs = append(hs, hashHex(b1[a:z]))
		}
		hs = append(hs, strings.Repeat("0", 64))
		h := hs[int(k)%len(hs)]
		if got, want := readFromBundle(p1, h, seekAt), scanBundle(p1, h, seekAt); !bytes.Equal(got, want) {
			t.Fatalf("readFromBundle gave %q, the whole file's scan %q", got, want)
		}
		want := scanBundle(p1, h, seekAt)
		if want == nil {
			want = scanBundle(p2, h, seekAt)
		}
		got := seekInBundle(p1, h, seekAt)
		if got == nil {
			got = seekInBundle(p2, h, seekAt)
		}
		if got == nil {
			got = want // findInBundles scans after bisecting
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("bisecting both gave %q, scanning both %q", got, want)
		}
	})
}
