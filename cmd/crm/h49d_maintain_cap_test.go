package main

import (
	"fmt"
	"strings"
	"testing"

	"crm/archive"
)

// review (h49d, 2f73c1d): maintain caps each kind at maintainShown lines
// unless --all, but the hand-ins waiting to be merged (one line each, R6.3)
// are still printed every one: a month of a sales team's hand-ins not yet
// merged is hundreds of lines mailed every hour.
func TestH49dMaintainCapsPendingHandIns(t *testing.T) {
	rep := &archive.MaintainReport{}
	for i := range 500 {
		rep.HandInsPending = append(rep.HandInsPending, &archive.Submission{ID: fmt.Sprintf("S-%010d", i), By: "wu", About: "C-000001"})
	}
	var out strings.Builder
	e := &env{io: &IO{Out: &out}}
	e.printRulebookDues(rep, false)
	lines := strings.Count(out.String(), "\n")
	if lines > maintainShown+1 {
		t.Fatalf("%d lines for 500 hand-ins waiting, want at most %d and how many more", lines, maintainShown+1)
	}
}
