package gen

import (
	"context"
	"testing"
	"time"

	"crm/archive"
)

// A generated history is what the tool itself would write: it verifies
// clean, and its events pass replay.
func TestHistoryVerifies(t *testing.T) {
	o := TenYears
	o.Dossiers, o.Years = 60, 2
	o.Loans, o.Destroys, o.Classified = 0.3, 0.1, 0.2
	h, err := BuildHistory(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(context.Background(), h.Archive.Dir, func() time.Time { return h.Archive.Now() })
	if err != nil {
		t.Fatal(err)
	}
	ps, err := a.Verify(context.Background())
	if err != nil || len(ps) > 0 {
		t.Fatalf("verify: %v %v", ps, err)
	}
	if h.Events < 60*3 {
		t.Fatalf("only %d events for 60 dossiers", h.Events)
	}
	t.Logf("%d dossiers, %d events", len(h.IDs), h.Events)
}
