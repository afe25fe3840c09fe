package archive_test

import (
	"testing"
)

// review (h49d, 1929551): `crm log ID` marks the dossier's steps that did
// not count (UncountedOf), "a concurrent step" among them. Two supervisors
// approve step 1 of one destruction request in two clones: the second in
// the merged order is superseded. The dossier's history (DossierLog)
// lists it, so UncountedOf must name it, or log shows it as if it counted.
func TestH49dUncountedOfNamesSupersededStep(t *testing.T) {
	f, id, _, s := twoApprovals(t)
	if len(s.Superseded) != 1 {
		t.Fatalf("superseded %v", s.Superseded)
	}
	sup := s.Superseded[0].Path
	for _, open := range []string{"cold", "snapshot"} {
		a := f.cold("li")
		if open == "snapshot" {
			f.settle()
			f.reader("li", f.clock)
			a = f.readerOf("li", id)
		}
		evs, err := a.DossierLog(id)
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, e := range evs {
			listed = listed || e.Path == sup
		}
		named := false
		for _, u := range a.UncountedOf(id) {
			named = named || u.Event.Path == sup
		}
		if listed && !named {
			t.Errorf("%s: the dossier's history lists the superseded approval %s, UncountedOf does not name it: log shows it as counted", open, sup)
		}
	}
}
