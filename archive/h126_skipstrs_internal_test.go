package archive

import (
	"math/rand/v2"
	"testing"
)

// decodeHistories' check of every record reads the states' strings past
// (skipStrs) rather than making them: it must refuse exactly the parts it
// refused when it made them. Every one-byte change and every cut of a
// valid part is read both ways.
func TestHistoriesCheckSkippingStringsRefusesAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(126, 7))
	s := randomHistories(r, 6)
	b := encodeWhole(t, s)
	n, nc, nr := len(s.Dossiers), len(s.Changes), len(s.Reviews)
	both := func(x []byte) (skip, made bool) {
		defer func() { histCheckSkipsStrs = true }()
		histCheckSkipsStrs = true
		skip = decodeHistories(x, n, nc, nr) != nil
		histCheckSkipsStrs = false
		made = decodeHistories(x, n, nc, nr) != nil
		return skip, made
	}
	if skip, made := both(b); !skip || !made {
		t.Fatalf("the valid part: read %v skipping strings, %v making them", skip, made)
	}
	tried, refused := 0, 0
	for i := range b {
		for _, v := range []byte{0, 1, 2, 0x7f, 0x80, 0xff, b[i] + 1, b[i] - 1} {
			if v == b[i] {
				continue
			}
			x := append([]byte(nil), b...)
			x[i] = v
			skip, made := both(x)
			if skip != made {
				t.Fatalf("byte %d set to %#x: read %v skipping strings, %v making them", i, v, skip, made)
			}
			tried++
			if !skip {
				refused++
			}
		}
		skip, made := both(b[:i])
		if skip != made {
			t.Fatalf("cut at %d: read %v skipping strings, %v making them", i, skip, made)
		}
	}
	t.Logf("%d parts changed by a byte, %d refused", tried, refused)
}

// Strings that fall in the same recent slot (same length, same first,
// middle and last byte: the same hash) are never taken for one another.
func TestStrSetSameSlotDifferentStrings(t *testing.T) {
	set := newStrSet()
	a, b := "aXcYe", "aZcWe"
	for range 3 {
		for _, s := range []string{a, b, a, a, b, b} {
			if got := set.get([]byte(s)); got != s {
				t.Fatalf("get(%q) = %q", s, got)
			}
		}
	}
	// 审核 and 审查: one rune apart, in the middle only.
	for _, s := range []string{"审核通过了", "审查通过了", "审核通过了"} {
		if got := set.get([]byte(s)); got != s {
			t.Fatalf("get(%q) = %q", s, got)
		}
	}
}
