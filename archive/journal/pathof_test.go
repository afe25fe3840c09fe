package journal

import (
	"fmt"
	"math/rand/v2"
	"path"
	"testing"
	"time"
)

// PathOf names a file as the three formats and a join it replaced did,
// for times of every year it can meet and hashes of every shape.
func TestPathOfIsTheFormat(t *testing.T) {
	want := func(t time.Time, hash string) string {
		t = t.UTC()
		return path.Join(Dir, t.Format("2006"), t.Format("01"), t.Format("20060102T150405Z")+"-"+hash+".yaml")
	}
	times := pathTimes(rand.New(rand.NewPCG(3, 4)))
	hashes := []string{"", "../x", "a/b", "..", fmt.Sprintf("%064x", 42)}
	for i, tm := range times {
		h := hashes[i%len(hashes)]
		if got, w := PathOf(tm, h), want(tm, h); got != w {
			t.Fatalf("PathOf(%v, %q) = %q, want %q", tm, h, got, w)
		}
	}
}

// pathTimes are times of every year PathOf can meet: the edges of four
// digits, past them, another zone, and 2,000 drawn from r.
func pathTimes(r *rand.Rand) []time.Time {
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 3, 7, 8, 9, 0, time.FixedZone("CST", 8*3600)),
	}
	for range 2000 {
		times = append(times, time.Unix(r.Int64N(400e9)-62e9, 0))
	}
	return times
}

// FuzzPathOf holds PathOf to the formula for any time and hash.
func FuzzPathOf(f *testing.F) {
	f.Add(int64(1764720000), fmt.Sprintf("%064x", 7))
	f.Add(int64(-62135596800), "")
	f.Add(int64(253402300800), "../..")
	f.Fuzz(func(t *testing.T, sec int64, hash string) {
		tm := time.Unix(sec, 0)
		want := path.Join(Dir, tm.UTC().Format("2006"), tm.UTC().Format("01"), tm.UTC().Format("20060102T150405Z")+"-"+hash+".yaml")
		if got := PathOf(tm, hash); got != want {
			t.Fatalf("PathOf(%d, %q) = %q, want %q", sec, hash, got, want)
		}
	})
}

// pathOfSum names a file as PathOf does with the hex of the sum, the hash
// its substring, for every time PathOf does not join (and refuses the
// others).
func TestPathOfSum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tm := range pathTimes(r) {
		var sum [32]byte
		for i := range sum {
			sum[i] = byte(r.IntN(256))
		}
		hash := fmt.Sprintf("%x", sum)
		p, h, ok := pathOfSum(tm, &sum)
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			if ok {
				t.Fatalf("pathOfSum(%v) named a year PathOf joins: %q", tm, p)
			}
			continue
		}
		if !ok || p != PathOf(tm, hash) || h != hash {
			t.Fatalf("pathOfSum(%v, %s) = %q, %q, %v; PathOf gives %q", tm, hash, p, h, ok, PathOf(tm, hash))
		}
	}
}
