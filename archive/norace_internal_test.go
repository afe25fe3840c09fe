//go:build !race

package archive

// Tests that count what a value kept in a sync.Pool saves: the race
// detector drops some of sync.Pool's Puts, so under -race they do not
// hold, and are not built.

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A kept encoder's buffers are used again: a part costs about its own
// bytes (the copy returned), not the buffers a fresh encoder grows to
// hold it (bytes counted, not time).
func TestKeptEncoderAllocatesAboutThePart(t *testing.T) {
	p := &snapBucketPart{Dossiers: map[string]*DossierState{}, Events: map[string][]string{}}
	for i := range 300 {
		id := fmt.Sprintf("C-%010d", i)
		p.Dossiers[id] = &DossierState{ID: id, Level: "秘密", Reviews: []Review{{Quarter: "2026Q4", By: "clerk", Note: strings.Repeat("核", 40)}}}
		p.Events[id] = []string{"journal/2026/12/" + strings.Repeat("a", 80) + ".yaml"}
	}
	_, part, ok := encodePart(p)
	if !ok {
		t.Fatal("encodePart failed")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 20
	for range n {
		encodePart(p)
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.TotalAlloc-before.TotalAlloc) / n / float64(len(part)); per > 3 {
		// 1.5 times kept, 12.8 times with a fresh encoder for each part
		t.Fatalf("a part of %d bytes allocated %.2f times its size", len(part), per)
	}
}
