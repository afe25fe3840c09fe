package archive

import (
	"slices"
	"testing"
	"time"

	"crm/archive/journal"
)

// placeEntries puts the entries where the moves say, and refuses moves
// that do not match the entries: an old entry moved that its event did
// not make, a new event's entry in the wrong place, a 核定 of another
// event.
func TestPlaceEntriesChecksEachEntry(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	// The snapshot's registers: A's credit class, then B's and B's 核定
	// (this clone's side, which the merged order puts after X's).
	old := func() *State {
		return &State{
			Changes: []Change{{At: at(1), Dossier: "A", Kind: ChangeCredit}, {At: at(2), Dossier: "B", Kind: ChangeCredit}},
			Reviews: []ReviewEntry{{Dossier: "B", Review: &Review{Event: "rb"}}},
		}
	}
	// The new events: X's credit class and X's 核定, appended by the replay.
	j := &journal.Journal{Events: []*journal.Event{
		{Header: journal.Header{Kind: KindDossierCredit, Dossier: "X", Time: at(3)}, Hash: "cx"},
		{Header: journal.Header{Kind: KindReview, Dossier: "X", Time: at(4)}, Hash: "rx"},
	}}
	advanced := func() *State {
		s := old()
		s.Changes = append(s.Changes, Change{At: at(3), Dossier: "X", Kind: ChangeCredit})
		s.Reviews = append(s.Reviews, ReviewEntry{Dossier: "X", Review: &Review{Event: "rx"}})
		return s
	}
	bc := journal.TailEvent{Hash: "cb", Time: at(2), Kind: KindDossierCredit, Dossier: "B"}
	br := journal.TailEvent{Hash: "rb", Time: at(2), Kind: KindReview, Dossier: "B"}
	moves := func() *regMoves {
		return &regMoves{
			from:  [nRegs]int{1, 0},
			to:    [nRegs][]int{{2}, {1}},
			by:    [nRegs][]journal.TailEvent{{bc}, {br}},
			at:    [nRegs][]int{{1, 2}, {0, 0}},
			total: [nRegs]int{3, 2},
		}
	}
	s := advanced()
	if !s.placeEntries(moves(), j, nil) {
		t.Fatal("refused the right moves")
	}
	var got []string
	for _, c := range s.Changes {
		got = append(got, c.Dossier)
	}
	for _, r := range s.Reviews {
		got = append(got, r.Event)
	}
	if want := []string{"A", "X", "B", "rx", "rb"}; !slices.Equal(got, want) {
		t.Fatalf("placed %v, want %v", got, want)
	}
	// A state of some parts: B's and X's, at their places.
	p := advanced()
	p.Changes = p.Changes[1:]
	p.partSeqs = &registerSeqs{changes: []int{1}, reviews: []int{0}, n: [nRegs]int{2, 1}}
	if !p.placeEntries(moves(), j, nil) || !slices.Equal(p.partSeqs.changes, []int{1, 2}) || !slices.Equal(p.partSeqs.reviews, []int{0, 1}) ||
		p.partSeqs.n != [nRegs]int{3, 2} || p.partSeqs.movedHeld != 2 || p.partSeqs.movedWant != 2 || p.Changes[0].Dossier != "X" {
		t.Fatalf("some parts: %+v %v", p.partSeqs, p.Changes)
	}
	for name, bad := range map[string]func(mv *regMoves){
		"another dossier's entry moved":  func(mv *regMoves) { mv.by[regChanges][0].Dossier = "A" },
		"an entry of another time moved": func(mv *regMoves) { mv.by[regChanges][0].Time = at(5) },
		"another 核定 moved":               func(mv *regMoves) { mv.by[regReviews][0].Hash = "rz" },
		"a new entry on an old one's":    func(mv *regMoves) { mv.at[regChanges][0] = 0 },
		"two entries on one place":       func(mv *regMoves) { mv.at[regChanges][0] = 2 },
		"a new entry past the end":       func(mv *regMoves) { mv.at[regChanges][0] = 3 },
		"one entry too many":             func(mv *regMoves) { mv.total[regChanges] = 4 },
	} {
		mv := moves()
		bad(mv)
		if advanced().placeEntries(mv, j, nil) {
			t.Errorf("%s: placed", name)
		}
	}
	// A new event's entry that is not the one it makes.
	s = advanced()
	s.Reviews[1].Event = "ry"
	if s.placeEntries(moves(), j, nil) {
		t.Error("a 核定 appended for another event: placed")
	}
}
