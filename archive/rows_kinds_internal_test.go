package archive

import (
	"slices"
	"testing"
	"time"
)

// rowOf shares a kind keyed by its lists joined with newlines, a
// join that is not one to one for lists listable refuses: a row may be
// given another dossier's list, and encodeRows' guard (listable) then
// sees the other's list, not its own.
func TestRowKindListsKeptApart(t *testing.T) {
	for _, c := range []struct{ first, second []string }{
		{[]string{"li", "zhao"}, []string{"li\nzhao"}},
		{nil, []string{""}},
	} {
		s := &State{Dossiers: map[string]*DossierState{
			"C-000001": {ID: "C-000001", Status: StatusActive, Level: "秘密", Recipients: c.first},
			"C-000002": {ID: "C-000002", Status: StatusActive, Level: "秘密", Recipients: c.second},
		}}
		rows := s.rowsAt(time.Time{})
		if !slices.Equal(rows[1].Recipients, c.second) {
			t.Errorf("recipients %q: the row has %q (another dossier's)", c.second, rows[1].Recipients)
		}
		if _, _, ok := encodeRows(s, time.Time{}); ok {
			t.Errorf("recipients %q: encoded (listable refuses them)", c.second)
		}
	}
}
