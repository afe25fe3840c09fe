package archive

import (
	"fmt"
	"testing"
	"unsafe"
)

// A strSet gives back each string as read, equal ones as one string (the
// first read), whether it is among the recent ones or only in the set.
func TestStrSet(t *testing.T) {
	set := newStrSet()
	var first = map[string]string{}
	for round := range 3 {
		for i := range 3000 { // more than recent holds: some only in the set
			for _, s := range []string{fmt.Sprintf("m%04d", i%700), "2026Q3", "资料核对无误", fmt.Sprint(i % 5), "x" + fmt.Sprint(i)} {
				got := set.get([]byte(s))
				if got != s {
					t.Fatalf("round %d: get(%q) = %q", round, s, got)
				}
				if f, ok := first[s]; !ok {
					first[s] = got
				} else if unsafe.StringData(f) != unsafe.StringData(got) {
					t.Fatalf("round %d: %q read again is another string", round, s)
				}
			}
		}
	}
	if got := set.get(nil); got != "" {
		t.Fatalf("get(nil) = %q", got)
	}
	if got := set.get([]byte{}); got != "" {
		t.Fatalf("get(empty) = %q", got)
	}
}
