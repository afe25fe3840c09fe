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

func hashes[T any](xs []T, h func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = h(x)
	}
	return out
}

// Merge places the new events where a read of the whole journal does,
// whatever the fork, or says it cannot tell (an event before the tail):
// the tail of the merged order, the new events' order, the heads, this
// clone's side, the old events that come after a new one and what each
// new event follows are those of the whole journal ordered, on two
// thousand random forks and tails of every length.
func TestMergeIsTheWholeOrder(t *testing.T) {
	defer func(n int) { TailLen = n }(TailLen)
	r := rand.New(rand.NewPCG(7, 11))
	merged, refused := 0, 0
	byHash := func(e *Event) string { return e.Hash }
	ofTail := func(e TailEvent) string { return e.Hash }
	for round := range 2000 {
		common, side, news := forkedJournal(r)
		TailLen = 1 + r.IntN(len(common)+len(side)+len(news)+4)
		whole := ordered(slices.Concat(common, side, news), nil)
		old := ordered(slices.Concat(common, side), nil)
		isNew := map[string]bool{}
		for _, e := range news {
			isNew[e.Hash] = true
		}
		linked := map[string]time.Time{}
		for _, e := range news {
			for _, p := range e.Prev {
				if !isNew[p] {
					linked[p] = old.ByHash[p].Time
				}
			}
		}
		j := ordered(news, linked)
		if len(j.Problems) > 0 {
			t.Fatalf("round %d: %v", round, j.Problems)
		}
		m, ok := Tail(nil).Append(old.Events).merge(j, old.Heads)
		if !ok {
			refused++
			if TailLen >= len(whole.Events) {
				t.Fatalf("round %d: refused with the whole journal in the tail", round)
			}
			continue
		}
		merged++
		want := hashes(whole.Events, byHash)
		if got := hashes(m.Tail, ofTail); !slices.Equal(got, want[max(len(want)-TailLen, 0):]) {
			t.Fatalf("round %d (tail %d): merged tail\n%v\nwant\n%v", round, TailLen, got, want)
		}
		var wantNew, wantAfter []string
		for i, h := range want {
			if isNew[h] {
				wantNew = append(wantNew, h)
			} else if slices.ContainsFunc(want[:i], func(x string) bool { return isNew[x] }) {
				wantAfter = append(wantAfter, h)
			}
		}
		if got := hashes(j.Events, byHash); !slices.Equal(got, wantNew) {
			t.Fatalf("round %d: new events in order %v, want %v", round, got, wantNew)
		}
		if got := hashes(m.After, ofTail); !slices.Equal(got, wantAfter) {
			t.Fatalf("round %d: after %v, want %v", round, got, wantAfter)
		}
		if !slices.Equal(j.Heads, whole.Heads) {
			t.Fatalf("round %d: heads %v, want %v", round, j.Heads, whole.Heads)
		}
		// This clone's side: the old events some new one does not follow;
		// and what each new one follows, as the whole journal says.
		var wantSide []string
		for _, x := range old.Events {
			some := false
			for _, n := range j.Events {
				f := whole.Follows(whole.ByHash[n.Hash], x.Hash)
				if j.Follows(n, x.Hash) != f {
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
