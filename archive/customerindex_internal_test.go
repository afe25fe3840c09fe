package archive

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The customers index reads back what it wrote, counts a hash as often as
// it was added, and a file that does not parse is refused, never a panic
// (it is opened with the cache's key first: this is the second line).
func TestCustomersIndexRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 3, 1000} {
		x := &customerIndex{unread: r.IntN(50)}
		for i := range x.at {
			x.at[i] = byte(r.Uint32())
		}
		for range n {
			x.hashes = append(x.hashes, r.Uint64()%uint64(n+1)) // repeats
		}
		slices.Sort(x.hashes)
		y, ok := decodeCustomers(encodeCustomers(x))
		if !ok || y.at != x.at || y.unread != x.unread || !slices.Equal(y.hashes, x.hashes) {
			t.Fatalf("%d hashes: read back %v, %+v", n, ok, y)
		}
	}
	f := fnv.New64a() // the hash is FNV-1a of the key, as hash/fnv makes it
	f.Write([]byte(CustomerKey("甲（上海）公司")))
	if customerHash("甲（上海）公司") != f.Sum64() {
		t.Fatal("customerHash is not FNV-1a of the customer key")
	}
	if n := testing.AllocsPerRun(100, func() { customerHash("上海甲有限公司") }); n != 0 {
		t.Fatalf("customerHash of a name with nothing to fold: %v allocations", n)
	}
	x := &customerIndex{}
	a, b := customerHash("甲（上海）公司"), customerHash("甲(上海) 公司")
	if a != b {
		t.Fatal("two ways of writing one name hash apart")
	}
	yi := customerHash("乙公司")
	x.apply(map[uint64]int{a: 1, yi: 1})
	x.apply(map[uint64]int{b: 1, 7: 2})
	if x.count(a) != 2 || x.count(yi) != 1 || x.count(7) != 2 || !slices.IsSorted(x.hashes) {
		t.Fatalf("added: %v", x.hashes)
	}
	x.apply(map[uint64]int{a: -1, 7: -3, 9: 1})
	if x.count(a) != 1 || !x.has(b) || x.count(7) != 0 || x.count(9) != 1 || len(x.hashes) != 3 || !slices.IsSorted(x.hashes) {
		t.Fatalf("dropped: %v", x.hashes)
	}
}

func FuzzDecodeCustomers(f *testing.F) {
	f.Add(encodeCustomers(&customerIndex{unread: 3, hashes: []uint64{1, 1, 9}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, ok := decodeCustomers(b)
		if !ok {
			return
		}
		y, ok := decodeCustomers(encodeCustomers(x))
		if !slices.IsSorted(x.hashes) || !ok || y.at != x.at || y.unread != x.unread || !slices.Equal(y.hashes, x.hashes) {
			t.Fatalf("%x read as %+v, which does not read back (%v, %+v)", b, x, ok, y)
		}
	})
}

// BenchmarkCustomersIndexCarry is what every write pays to carry the
// customers index of 100,000 organisations forward (followCustomers):
// read it, open its seal, decode, encode, seal and write it back.
func BenchmarkCustomersIndexCarry(b *testing.B) {
	_, id, err := GenerateIdentityText(false, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	a := &Archive{id: id, me: &Member{ID: "zhang"}, State: &State{ArchiveID: "bench"}}
	a.EnableCache(b.TempDir())
	r := rand.New(rand.NewPCG(1, 2))
	x := &customerIndex{hashes: make([]uint64, 100_000)}
	for i := range x.hashes {
		x.hashes[i] = r.Uint64()
	}
	slices.Sort(x.hashes)
	if err := a.cache.saveCustomers(x); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		y := a.cache.readCustomers()
		y.at[0]++
		if err := a.cache.saveCustomers(y); err != nil {
			b.Fatal(err)
		}
	}
}
