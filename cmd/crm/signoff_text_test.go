package main

import (
	"fmt"
	"strings"
	"testing"

	"crm/classify"
)

// A quarter's sign-off names at most signoffNamed dossiers and says how
// many more it signed (R6.5): at 100,000 dossiers it printed 35,000 ids.
func TestSignedOffTextNamesTheFirst(t *testing.T) {
	q := classify.Quarter{Year: 2026, Q: 3}
	few := []string{"C-000001", "C-000002"}
	if got, want := signedOffText(q, few), "Signed off the 核定 of 2026Q3 of 2 dossier(s): C-000001, C-000002."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var many []string
	for i := range 35000 {
		many = append(many, fmt.Sprintf("C-%06d", i+1))
	}
	got := signedOffText(q, many)
	if !strings.HasPrefix(got, "Signed off the 核定 of 2026Q3 of 35000 dossier(s): C-000001, ") ||
		!strings.HasSuffix(got, "C-000020 and 34980 more (crm report reviews --quarter 2026Q3 lists them).") {
		t.Errorf("got %q", got)
	}
	if strings.Contains(got, "C-000021") {
		t.Errorf("names more than %d: %q", signoffNamed, got)
	}
}
