package archive

import (
	"slices"

	"crm/archive/journal"
)

// The classification register (State.Changes) and the 核定 register
// (State.Reviews) are in journal order. New events replayed on top of a
// snapshot append their entries after the old ones, which is the
// journal's order when they follow every old event. A pull of work done
// concurrently in another clone places some of the new events before
// some of this clone's (journal.Merge.After): a whole replay then puts
// their entries before the entries of those, and the advance moves them
// there (placeEntries). Every event of a kind that takes effect appends a
// known number of entries (registerEntries), so the places follow from
// the merged order and from which of the old events took effect (not a
// problem, not superseded), and each entry moved is checked against the
// event that made it.

// Registers: the index of each in regMoves.
const (
	regChanges = iota
	regReviews
	nRegs
)

// regMoves says where the entries of the old registers and of the new
// events read since a snapshot go in the whole registers.
type regMoves struct {
	// from is the first place a merge moves in each old register (its
	// length when none is moved); to[r][k] is where the entry at old place
	// from[r]+k goes, and by[r][k] the old event that made it.
	from [nRegs]int
	to   [nRegs][]int
	by   [nRegs][]journal.TailEvent
	// at[r][i] is the place of the first entry of new event i (of
	// j.Events); total[r] how many entries the register has with all.
	at    [nRegs][]int
	total [nRegs]int
}

// entriesOf is registerEntries by register.
func entriesOf(k journal.Kind) [nRegs]int {
	c, r := registerEntries(k)
	return [nRegs]int{c, r}
}

// movesOf is where the old entries of snap's registers and those of the
// new events j go when every new event takes effect. False if snap's
// registers cannot hold the entries its events of j.Merge.After made.
func movesOf(snap *snapshot, j *journal.Journal) (*regMoves, bool) {
	mv := &regMoves{}
	n := [nRegs]int{snap.Changes, snap.Reviews}
	var after []journal.TailEvent
	var at []int
	if m := j.Merge; m != nil {
		refused := refusedOf(snap)
		for k, e := range m.After {
			if !refused[e.Hash] {
				after, at = append(after, e), append(at, m.AfterAt[k])
			}
		}
	}
	for r := range nRegs {
		moved := 0
		for _, e := range after {
			moved += entriesOf(e.Kind)[r]
		}
		if moved > n[r] {
			return nil, false
		}
		mv.from[r] = n[r] - moved
		mv.at[r] = make([]int, len(j.Events))
	}
	place, i := mv.from, 0
	newUpTo := func(upTo int) {
		for ; i < upTo && i < len(j.Events); i++ {
			c := entriesOf(j.Events[i].Kind)
			for r := range nRegs {
				mv.at[r][i] = place[r]
				place[r] += c[r]
			}
		}
	}
	for k, e := range after {
		newUpTo(at[k])
		c := entriesOf(e.Kind)
		for r := range nRegs {
			for range c[r] {
				mv.to[r] = append(mv.to[r], place[r])
				mv.by[r] = append(mv.by[r], e)
				place[r]++
			}
		}
	}
	newUpTo(len(j.Events))
	mv.total = place
	return mv, true
}

// movedDossiers are the dossiers whose old entries the moves change.
func (mv *regMoves) movedDossiers() []string {
	var out []string
	for r := range nRegs {
		for _, e := range mv.by[r] {
			out = append(out, e.Dossier)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// placeEntries gives the register entries of s, advanced by the new
// events j (those in says; nil: all), their places in the whole registers
// (mv): s.Changes and s.Reviews are put in that order, and a state of
// some parts keeps each entry's place (partSeqs), with the registers'
// lengths. A whole state's entries before the first place mv moves stay
// where they are, untouched. False if an entry moved or appended is not
// the one its event makes, or (a whole state) the places are not every
// place once.
func (s *State) placeEntries(mv *regMoves, j *journal.Journal, in func(i int) bool) bool {
	seqs := s.partSeqs
	var old [nRegs][]int // the places of the old entries held, from base on
	var base [nRegs]int
	if seqs != nil {
		old = [nRegs][]int{seqs.changes, seqs.reviews}
	} else {
		base = mv.from
		for r := range nRegs {
			old[r] = make([]int, len(mv.to[r]))
			for k := range old[r] {
				old[r][k] = mv.from[r] + k
			}
		}
	}
	if len(s.Changes)-base[regChanges] < len(old[regChanges]) || len(s.Reviews)-base[regReviews] < len(old[regReviews]) {
		return false
	}
	// made reports whether entry base+i of register r is the one event e makes.
	made := func(r, i int, hash string, e journal.TailEvent) bool {
		i += base[r]
		if r == regChanges {
			c := s.Changes[i]
			return c.Dossier == e.Dossier && c.At.Equal(e.Time)
		}
		return s.Reviews[i].Dossier == e.Dossier && s.Reviews[i].Event == hash
	}
	places := [nRegs][]int{make([]int, len(s.Changes)-base[regChanges]), make([]int, len(s.Reviews)-base[regReviews])}
	movedHeld := 0
	for r := range nRegs {
		for i, p := range old[r] {
			places[r][i] = p
			if k := p - mv.from[r]; k >= 0 {
				if k >= len(mv.to[r]) || !made(r, i, mv.by[r][k].Hash, mv.by[r][k]) {
					return false
				}
				places[r][i] = mv.to[r][k]
				movedHeld++
			}
		}
	}
	next := [nRegs]int{len(old[regChanges]), len(old[regReviews])}
	for i, e := range j.Events {
		if in != nil && !in(i) {
			continue
		}
		c, te := entriesOf(e.Kind), journal.TailEvent{Dossier: e.Dossier, Time: e.Time}
		for r := range nRegs {
			for q := range c[r] {
				if next[r] >= len(places[r]) || !made(r, next[r], e.Hash, te) {
					return false
				}
				places[r][next[r]] = mv.at[r][i] + q
				next[r]++
			}
		}
	}
	if next[regChanges] != len(places[regChanges]) || next[regReviews] != len(places[regReviews]) {
		return false
	}
	if seqs == nil {
		// Every place from base on once: each entry goes to its place.
		return len(s.Changes) == mv.total[regChanges] && len(s.Reviews) == mv.total[regReviews] &&
			permuteFrom(s.Changes, base[regChanges], places[regChanges]) && permuteFrom(s.Reviews, base[regReviews], places[regReviews])
	}
	s.Changes = sortByPlace(s.Changes, places[regChanges])
	s.Reviews = sortByPlace(s.Reviews, places[regReviews])
	s.partSeqs = &registerSeqs{changes: places[regChanges], reviews: places[regReviews],
		n: mv.total, movedHeld: movedHeld, movedWant: len(mv.to[regChanges]) + len(mv.to[regReviews])}
	return true
}

// permuteFrom puts each x[base+i] at x[places[i]]: false, x unchanged,
// unless that takes every place from base on once.
func permuteFrom[T any](x []T, base int, places []int) bool {
	out, seen := make([]T, len(places)), make([]bool, len(places))
	for i, p := range places {
		if p -= base; p < 0 || p >= len(out) || seen[p] {
			return false
		}
		seen[p] = true
		out[p] = x[base+i]
	}
	copy(x[base:], out)
	return true
}

// sortByPlace orders x by places, sorting places with it.
func sortByPlace[T any](x []T, places []int) []T {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return places[a] - places[b] })
	out, ps := make([]T, len(x)), make([]int, len(x))
	for k, i := range idx {
		out[k], ps[k] = x[i], places[i]
	}
	copy(places, ps)
	if len(out) == 0 {
		return x
	}
	return out
}
