package archive

import (
	"runtime/debug"
	"testing"
)

// The collector's pace is set while any heavy work runs, and put back
// when the last one is done, however they overlap.
func TestPaceGC(t *testing.T) {
	t.Setenv("GOGC", "")
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	first := paceGC()
	second := paceGC()
	if p := debug.SetGCPercent(25); p != 25 {
		t.Fatalf("pace %d during the work, want 25", p)
	}
	first()
	if p := debug.SetGCPercent(25); p != 25 {
		t.Fatalf("pace %d while the second work runs, want 25", p)
	}
	second()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("pace %d after the work, want 100 back", p)
	}
	// A GOGC the user set is left alone.
	t.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	paceGC()()
	if p := debug.SetGCPercent(100); p != 200 {
		t.Fatalf("pace %d, want the user's 200", p)
	}
}
