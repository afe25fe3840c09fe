package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// forkedJournal is a random journal of three parts: a common past, this
// clone's side on top of it, and other clones' new events, which follow
// one to three roots (each linked to every head of the common past, or to
// some of its events, and perhaps to an event of the side) and some of
// which also link to other events of the common past.
func forkedJournal(r *rand.Rand) (common, side, news []*Event) {
	n := 0
	mk := func(prev []string) *Event {
		n++
		h := sha256.Sum256(fmt.Appendf(nil, "%d-%d", n, r.Uint64()))
		return &Event{Header: Header{Kind: "dossier.update", Time: time.Unix(int64(n), 0).UTC(), Dossier: fmt.Sprintf("C-%d", n), Prev: prev}, Hash: hex.EncodeToString(h[:])}
	}
	pick := func(from []*Event, k int) []string {
		var out []string
		for range k {
			if len(from) > 0 {
				h := from[r.IntN(len(from))].Hash
				if !slices.Contains(out, h) {
					out = append(out, h)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	common = append(common, mk(nil))
	for range 1 + r.IntN(30) {
		common = append(common, mk(pick(common, 1+r.IntN(2))))
	}
	heads := headsOf(common)
	for i := range r.IntN(12) {
		prev := pick(append(slices.Clone(common), side...), 1+r.IntN(2))
		if i == 0 && r.IntN(2) == 0 {
			prev = heads
		}
		side = append(side, mk(prev))
	}
	// One to three roots (clones), each on all the common past's heads or
	// some of its events.
	for range 1 + r.IntN(3) {
		first := heads
		if r.IntN(3) == 0 {
			first = pick(common, 1+r.IntN(len(heads)))
		}
		if len(side) > 0 && r.IntN(4) == 0 {
			// A clone that had pulled some of this clone's side.
			first = append(slices.Clone(first), pick(side, 1)...)
			slices.Sort(first)
			first = slices.Compact(first)
		}
		news = append(news, mk(first))
	}
	for range r.IntN(12) {
		prev := append(pick(news, 1), pick(common, r.IntN(2))...)
		slices.Sort(prev)
		news = append(news, mk(slices.Compact(prev)))
	}
	return common, side, news
}

func headsOf(evs []*Event) []string {
	followed := map[string]bool{}
	for _, e := range evs {
		for _, p := range e.Prev {
			followed[p] = true
		}
	}
	var heads []string
	for _, e := range evs {
		if !followed[e.Hash] {
			heads = append(heads, e.Hash)
		}
	}
	slices.Sort(heads)
	return heads
}

// ordered is a journal of evs, ordered as a read orders it (with Prior
// for the events it links to outside evs).
func ordered(evs []*Event, prior map[string]time.Time) *Journal {
	j := &Journal{ByHash: map[string]*Event{}, Prior: prior}
	for _, e := range evs {
		c := *e
		c.Prev = slices.Clone(e.Prev)
		j.ByHash[c.Hash] = &c
	}
	j.order()
	return j
}

// readSince is the journal of news read since old, as ReadSince orders
// it before a merge: Prior holds the old events they link to.
func readSince(old *Journal, news []*Event) *Journal {
	linked := map[string]time.Time{}
	for _, e := range news {
		for _, p := range e.Prev {
			if o := old.ByHash[p]; o != nil {
				linked[p] = o.Time
			}
		}
	}
	return ordered(news, linked)
}

func hashes[T any](xs []T, h func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = h(x)
	}
	return out
}

// mergedAsWhole merges news into the journal of common and side, as
// ReadSince does, with the tail TailLen keeps, and fails unless what the
// merge says is what the whole journal ordered says: the tail of the
// merged order, the new events' order, the heads, this clone's side, the
// old events that come after a new one, and what each new event follows
// (Follows, and Before as sign-offs ask it). It returns the merge and
// the old tail, or false if the merge refused (only with a tail shorter
// than the journal).
func mergedAsWhole(t *testing.T, round int, common, side, news []*Event) (*Merge, *Journal, Tail, bool) {
	t.Helper()
	byHash := func(e *Event) string { return e.Hash }
	ofTail := func(e TailEvent) string { return e.Hash }
	whole := ordered(slices.Concat(common, side, news), nil)
	old := ordered(slices.Concat(common, side), nil)
	isNew := map[string]bool{}
	for _, e := range news {
		isNew[e.Hash] = true
	}
	j := readSince(old, news)
	if len(j.Problems) > 0 {
		t.Fatalf("round %d: %v", round, j.Problems)
	}
	tail := Tail(nil).Append(old.Events)
	m, ok := tail.merge(j, old.Heads)
	if !ok {
		if TailLen >= len(whole.Events) {
			t.Fatalf("round %d: refused with the whole journal in the tail", round)
		}
		return nil, nil, tail, false
	}
	want := hashes(whole.Events, byHash)
	if got := hashes(m.Tail, ofTail); !slices.Equal(got, want[max(len(want)-TailLen, 0):]) {
		t.Fatalf("round %d (tail %d): merged tail\n%v\nwant\n%v", round, TailLen, got, want)
	}
	var wantNew, wantAfter []string
	var wantAt []int
	for i, h := range want {
		if isNew[h] {
			wantNew = append(wantNew, h)
		} else if slices.ContainsFunc(want[:i], func(x string) bool { return isNew[x] }) {
			wantAfter = append(wantAfter, h)
			wantAt = append(wantAt, len(wantNew))
		}
	}
	if got := hashes(j.Events, byHash); !slices.Equal(got, wantNew) {
		t.Fatalf("round %d: new events in order %v, want %v", round, got, wantNew)
	}
	if got := hashes(m.After, ofTail); !slices.Equal(got, wantAfter) {
		t.Fatalf("round %d: after %v, want %v", round, got, wantAfter)
	}
	if !slices.Equal(m.AfterAt, wantAt) {
		t.Fatalf("round %d: new events before each of after %v, want %v", round, m.AfterAt, wantAt)
	}
	if !slices.Equal(j.Heads, whole.Heads) {
		t.Fatalf("round %d: heads %v, want %v", round, j.Heads, whole.Heads)
	}
	// This clone's side: the old events some new one does not follow;
	// and what each new one follows, as the whole journal says.
	var wantSide []string
	ancs := map[*Event]map[string]bool{}
	for _, n := range j.Events {
		ancs[n] = j.Ancestors(n)
	}
	for _, x := range old.Events {
		some := false
		for _, n := range j.Events {
			f := whole.Follows(whole.ByHash[n.Hash], x.Hash)
			if j.Follows(n, x.Hash) != f || j.Before(ancs[n], n, x.Hash) != f {
				t.Fatalf("round %d: %s follows %s: %v, want %v", round, ShortHash(n.Hash), ShortHash(x.Hash), !f, f)
			}
			some = some || !f
		}
		if some {
			wantSide = append(wantSide, x.Hash)
		}
	}
	if got := hashes(m.Side, ofTail); !slices.Equal(got, wantSide) {
		t.Fatalf("round %d: side %v, want %v", round, got, wantSide)
	}
	return m, j, tail, true
}

// Merge places the new events where a read of the whole journal does,
// whatever the fork, or says it cannot tell (an event before the tail),
// on two thousand random forks and tails of every length
// (mergedAsWhole).
func TestMergeIsTheWholeOrder(t *testing.T) {
	defer func(n int) { TailLen = n }(TailLen)
	r := rand.New(rand.NewPCG(7, 11))
	merged, refused := 0, 0
	for round := range 2000 {
		common, side, news := forkedJournal(r)
		TailLen = 1 + r.IntN(len(common)+len(side)+len(news)+4)
		if _, _, _, ok := mergedAsWhole(t, round, common, side, news); ok {
			merged++
		} else {
			refused++
		}
	}
	// An event that links to nothing old (a second genesis) has no place.
	common, side, _ := forkedJournal(r)
	old := ordered(slices.Concat(common, side), nil)
	lone := ordered([]*Event{{Header: Header{Kind: "archive.init"}, Hash: strings.Repeat("0", 64)}}, map[string]time.Time{})
	if _, ok := Tail(nil).Append(old.Events).merge(lone, old.Heads); ok {
		t.Fatal("an event that follows nothing was merged")
	}
	if merged < 300 || refused < 50 {
		t.Fatalf("%d merged, %d refused: the rounds do not try both", merged, refused)
	}
}

// A tail packs and unpacks to itself; a byte more or fewer, or a count
// it does not hold, is refused.
func TestTailPacks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	common, side, news := forkedJournal(r)
	j := ordered(slices.Concat(common, side, news), nil)
	tail := Tail(nil).Append(j.Events)
	b, ok := tail.Pack()
	if !ok {
		t.Fatal("not packed")
	}
	back, ok := UnpackTail(b)
	if !ok || len(back) != len(tail) {
		t.Fatalf("unpacked %v, %d events of %d", ok, len(back), len(tail))
	}
	for i := range tail {
		a, z := tail[i], back[i]
		if a.Hash != z.Hash || !a.Time.Equal(z.Time) || a.Kind != z.Kind || a.Dossier != z.Dossier || !slices.Equal(a.Prev, z.Prev) {
			t.Fatalf("event %d: %+v, want %+v", i, z, a)
		}
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(slices.Clone(b), 0), append([]byte{0xff, 0xff, 0x03}, b[1:]...)} {
		if _, ok := UnpackTail(bad); ok {
			t.Fatalf("%d bytes unpacked", len(bad))
		}
	}
	if _, ok := (Tail{{Hash: "zz"}}).Pack(); ok {
		t.Fatal("a hash that is no hash packed")
	}
}

func FuzzUnpackTail(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	common, side, news := forkedJournal(r)
	b, _ := Tail(nil).Append(ordered(slices.Concat(common, side, news), nil).Events).Pack()
	f.Add(b)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		tail, ok := UnpackTail(b)
		if !ok {
			return
		}
		again, ok := tail.Pack()
		if !ok {
			t.Fatal("an unpacked tail does not pack")
		}
		if _, ok := UnpackTail(again); !ok {
			t.Fatal("packed again, not unpacked")
		}
	})
}

// forkedJournalWide makes shapes forkedJournal does not (from a review):: a common past longer than
// 64 events (bitsets of more than one word), more roots, and new events
// that are not roots (they also link to new events) linking to events of
// this clone's side, so that a non-root source holds side bits; side
// events that follow one another in chains.
func forkedJournalWide(r *rand.Rand) (common, side, news []*Event) {
	n := 0
	mk := func(prev []string) *Event {
		n++
		h := sha256.Sum256(fmt.Appendf(nil, "w%d-%d", n, r.Uint64()))
		slices.Sort(prev)
		prev = slices.Compact(prev)
		return &Event{Header: Header{Kind: "dossier.update", Time: time.Unix(int64(n), 0).UTC(), Dossier: fmt.Sprintf("C-%d", n), Prev: prev}, Hash: hex.EncodeToString(h[:])}
	}
	pick := func(from []*Event, k int) []string {
		var out []string
		for range k {
			if len(from) > 0 {
				out = append(out, from[r.IntN(len(from))].Hash)
			}
		}
		return out
	}
	recent := func(from []*Event, w int) []*Event { return from[max(len(from)-w, 0):] }
	common = append(common, mk(nil))
	for range 1 + r.IntN(150) {
		common = append(common, mk(pick(recent(common, 6), 1+r.IntN(2))))
	}
	for range r.IntN(40) {
		var prev []string
		if len(side) > 0 && r.IntN(3) > 0 {
			prev = pick(recent(side, 4), 1)
		}
		prev = append(prev, pick(recent(common, 10), 1)...)
		side = append(side, mk(prev))
	}
	old := slices.Concat(common, side)
	heads := headsOf(common)
	var roots []*Event
	for range 1 + r.IntN(6) {
		var first []string
		switch r.IntN(3) {
		case 0:
			first = slices.Clone(heads)
		case 1:
			first = pick(recent(common, 20), 1+r.IntN(3))
		default:
			first = pick(recent(old, 30), 1+r.IntN(3))
		}
		e := mk(first)
		roots = append(roots, e)
		news = append(news, e)
	}
	for range r.IntN(30) {
		prev := pick(news, 1)
		if r.IntN(2) == 0 {
			// Not a root, yet a source: it links to old events too,
			// of this clone's side or of the common past.
			prev = append(prev, pick(recent(old, 30), 1+r.IntN(2))...)
		}
		news = append(news, mk(prev))
	}
	return common, side, news
}

// mergedAsWhole on wider forks than TestMergeIsTheWholeOrder: tails of more
// than 64 events, up to six roots, new events that are no roots linking
// to this clone's side, side chains; Before as sign-offs ask it; and
// merges whose side's walk leaves the tail.
func TestMergeWideForks(t *testing.T) {
	defer func(n int) { TailLen = n }(TailLen)
	r := rand.New(rand.NewPCG(38, 2))
	merged, refused, wide, sideBits, beyond := 0, 0, 0, 0, 0
	for round := range 1500 {
		common, side, news := forkedJournalWide(r)
		total := len(common) + len(side) + len(news)
		TailLen = 1 + r.IntN(total+4)
		if r.IntN(2) == 0 {
			TailLen = total + 4
		}
		m, j, tail, ok := mergedAsWhole(t, round, common, side, news)
		if !ok {
			refused++
			continue
		}
		merged++
		// A merge whose walk of this clone's side left the tail (at
		// common events before it): outside confirmed them.
		inTail := map[string]bool{}
		for _, e := range tail {
			inTail[e.Hash] = true
		}
		if slices.ContainsFunc(m.Side, func(e TailEvent) bool {
			return slices.ContainsFunc(e.Prev, func(p string) bool { return !inTail[p] })
		}) {
			beyond++
		}
		if len(tail) > 64 {
			wide++
		}
		// Side bits held by non-root sources (followed and follows use them).
		for e, bits := range m.reach {
			if !slices.ContainsFunc(e.Prev, func(p string) bool { return j.ByHash[p] != nil }) {
				continue // a root
			}
			for _, i := range m.side {
				if hasBit(bits, i) {
					sideBits++
				}
			}
		}
	}
	t.Logf("%d merged (%d tails over 64 events, %d with the side's walk leaving the tail), %d refused, %d side bits of non-root sources", merged, wide, beyond, refused, sideBits)
	if merged < 300 || refused < 50 || wide < 100 || sideBits < 50 || beyond < 5 {
		t.Fatalf("%d merged, %d wide, %d beyond, %d refused, %d side bits: the rounds do not try every shape", merged, wide, beyond, refused, sideBits)
	}
}

// An event written on a merged journal (Add), linking to every head, the
// old heads of this clone's side among them, follows every old event.
func TestMergeAddedEventFollows(t *testing.T) {
	defer func(n int) { TailLen = n }(TailLen)
	TailLen = 8192
	r := rand.New(rand.NewPCG(5, 6))
	tried := 0
	for round := 0; round < 2000 && tried < 50; round++ {
		common, side, news := forkedJournal(r)
		old := ordered(slices.Concat(common, side), nil)
		j := readSince(old, news)
		m, ok := Tail(nil).Append(old.Events).merge(j, old.Heads)
		if !ok || len(m.Side) == 0 {
			continue
		}
		var oldHead string
		for _, h := range j.Heads {
			if j.ByHash[h] == nil {
				oldHead = h
			}
		}
		if oldHead == "" {
			continue
		}
		tried++
		h := sha256.Sum256(fmt.Appendf(nil, "written-%d", round))
		e := &Event{Header: Header{Kind: "dossier.update", Time: time.Unix(1e6, 0).UTC(), Dossier: "X", Prev: slices.Clone(j.Heads)}, Hash: hex.EncodeToString(h[:])}
		if !j.Follows(e, oldHead) {
			t.Fatalf("round %d: an event about to be written on every head does not follow head %s", round, ShortHash(oldHead))
		}
		j.Add(e)
		if !j.Follows(e, oldHead) {
			t.Fatalf("round %d: written on every head (%s among them), it does not follow it once added", round, ShortHash(oldHead))
		}
		for _, x := range m.Side {
			if !j.Follows(e, x.Hash) {
				t.Fatalf("round %d: written on every head, it does not follow %s of the side once added", round, ShortHash(x.Hash))
			}
		}
	}
	if tried < 20 {
		t.Fatalf("only %d rounds with an old head", tried)
	}
}

// Two roots, A on old a and B on old b, and C, a new event on A that also
// links to a: the walk from a reaches h, an event before the tail, through
// A and again through C, but B does not follow h (both reach gp, before
// the tail too, which is common). h is not common: the
// merge must refuse (h lies before the tail on this clone's side) or tell
// that B does not follow it. Counting C as a root would take h as common.
func TestMergeOutsideCountsRootsOnly(t *testing.T) {
	defer func(n int) { TailLen = n }(TailLen)
	checked := 0
	for seed := range 400 {
		n := 0
		mk := func(prev ...string) *Event {
			n++
			h := sha256.Sum256(fmt.Appendf(nil, "o%d-%d", seed, n))
			slices.Sort(prev)
			return &Event{Header: Header{Kind: "dossier.update", Time: time.Unix(int64(n), 0).UTC(), Prev: prev}, Hash: hex.EncodeToString(h[:])}
		}
		g := mk()
		gp := mk(g.Hash) // common, before the tail
		h := mk(g.Hash)  // on A's side only, before the tail
		a := mk(h.Hash, gp.Hash)
		b := mk(gp.Hash)
		s := mk(h.Hash)
		A := mk(a.Hash)
		B := mk(b.Hash)
		C := mk(A.Hash, a.Hash)
		oldEvs, news := []*Event{g, gp, h, a, b, s}, []*Event{A, B, C}
		whole := ordered(slices.Concat(oldEvs, news), nil)
		old := ordered(oldEvs, nil)
		for tl := 1; tl <= len(oldEvs)+len(news); tl++ {
			TailLen = tl
			j := ordered(news, map[string]time.Time{a.Hash: a.Time, b.Hash: b.Time})
			m, ok := Tail(nil).Append(old.Events).merge(j, old.Heads)
			if !ok {
				continue
			}
			checked++
			for _, x := range old.Events {
				for _, e := range j.Events {
					if got, want := j.Follows(e, x.Hash), whole.Follows(whole.ByHash[e.Hash], x.Hash); got != want {
						t.Fatalf("seed %d tail %d: %s follows %s: %v, want %v (side %d events)", seed, tl, ShortHash(e.Hash), ShortHash(x.Hash), got, want, len(m.Side))
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d merges", checked)
	}
}
