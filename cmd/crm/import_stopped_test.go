package main

import (
	"errors"
	"testing"
)

// TestImportStopped: the row an import names when it stops is the first
// one not on disk. Bulk's writer runs behind the steps: when a file of
// row 3 cannot be written, the Create refused is a later one (row 10
// here), and naming row 10 with "the 3 dossier(s) before it were
// created" hid rows 4 to 9, which were not.
func TestImportStopped(t *testing.T) {
	refused, bulk := errors.New("refused"), errors.New("disk full")
	for _, c := range []struct {
		created, failed, n int
		at                 int
		want               error
	}{
		{created: 2, failed: 2, n: 5, at: 2, want: refused}, // a step refused, all before it written
		{created: 3, failed: 10, n: 20, at: 3, want: bulk},  // a write failed behind the steps
		{created: 4, failed: -1, n: 5, at: 4, want: bulk},   // the last writes failed after the steps
	} {
		at, err := importStopped(c.created, c.failed, c.n, refused, bulk)
		if at != c.at || err != c.want {
			t.Errorf("importStopped(%d, %d, %d) = %d, %v; want %d, %v", c.created, c.failed, c.n, at, err, c.at, c.want)
		}
	}
}
