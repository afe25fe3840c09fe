package archive_test

import (
	"slices"
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// forgeKeptAfter is forgeKept with the links given (prev), and returns
// the event's hash.
func (f *fixture) forgeKeptAfter(actor string, kind journal.Kind, data any, prev []string) string {
	f.t.Helper()
	h, _ := journal.HashOfPath(f.writeForged(journal.Header{Kind: kind, Actor: actor, Prev: prev}, data))
	return h
}

// unsignedReviews is what a sign-off of q by actor written now on every head
// signs, from a cold replay: the dossiers of the quarter's unsigned 核定
// by anyone else, sorted, each once.
func unsignedReviews(f *fixture, actor, q string) []string {
	f.t.Helper()
	var ids []string
	for _, r := range f.cold("li").State.Reviews {
		if r.Quarter == q && r.SignedOffBy == "" && r.By != actor {
			ids = append(ids, r.Dossier)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// signedBy59 is the dossiers whose 核定 of q signer signed, in state s.
func signedBy59(s *archive.State, signer, q string) []string {
	var ids []string
	for _, r := range s.Reviews {
		if r.Quarter == q && r.SignedOffBy == signer {
			ids = append(ids, r.Dossier)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Sign-offs whose list differs from what they sign in subtle ways, new
// since the snapshot (saveInGroups' runs replay each): the state read is
// a cold replay's every time, a sign-off a cold replay refuses is never
// saved in groups (the runs give up), and one it takes is.
func TestReview59SignoffListsInGroups(t *testing.T) {
	q := classify.Quarter{Year: 2026, Q: 4}
	qs := q.String()
	type setup struct {
		f    *fixture
		pool []string
	}
	cases := []struct {
		name string
		// write writes the new events (after the snapshot); it returns
		// whether a cold replay takes every sign-off written.
		write func(s setup) bool
	}{
		{"exact", func(s setup) bool {
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)})
			return true
		}},
		{"a dossier twice", func(s setup) bool {
			w := unsignedReviews(s.f, "su", qs)
			w = slices.Insert(w, 1, w[1])
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"an id no dossier has", func(s setup) bool {
			w := append(unsignedReviews(s.f, "su", qs), "C-999999")
			slices.Sort(w)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"an empty id", func(s setup) bool {
			w := append([]string{""}, unsignedReviews(s.f, "su", qs)...)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"a dossier without a 核定", func(s setup) bool {
			w := append(unsignedReviews(s.f, "su", qs), s.pool[len(s.pool)-1])
			slices.Sort(w)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"short of the dossier in the last part", func(s setup) bool {
			w := unsignedReviews(s.f, "su", qs)
			last := slices.MaxFunc(w, func(x, y string) int { return archive.SnapBucketOf(x) - archive.SnapBucketOf(y) })
			w = slices.DeleteFunc(w, func(id string) bool { return id == last })
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"two 核定 of one dossier", func(s setup) bool {
			if _, err := s.f.as("zhang").ReviewDone(s.pool[0], "再核"); err != nil {
				s.f.t.Fatal(err)
			}
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)})
			return true
		}},
		{"the signer's own 核定 listed", func(s setup) bool {
			if _, err := s.f.as("su").ReviewDone(s.pool[25], ""); err != nil {
				s.f.t.Fatal(err)
			}
			w := append(unsignedReviews(s.f, "su", qs), s.pool[25])
			slices.Sort(w)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"the signer's own 核定 left out", func(s setup) bool {
			if _, err := s.f.as("su").ReviewDone(s.pool[25], ""); err != nil {
				s.f.t.Fatal(err)
			}
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)})
			return true
		}},
		{"two sign-offs, the second with nothing left", func(s setup) bool {
			w := unsignedReviews(s.f, "su", qs)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			s.f.forgeKept("wang", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"two sign-offs, the first short", func(s setup) bool {
			w := unsignedReviews(s.f, "su", qs)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w[1:]})
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
		{"a 核定 between two sign-offs", func(s setup) bool {
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)})
			if _, err := s.f.as("li").ReviewDone(s.pool[30], ""); err != nil {
				s.f.t.Fatal(err)
			}
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: []string{s.pool[30]}})
			return true
		}},
		{"with steps on a loan", func(s setup) bool {
			s.f.lendFor(s.pool[10], 2)
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)})
			return true
		}},
		{"by a clerk", func(s setup) bool {
			s.f.forgeKept("li", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "li", qs)})
			return false
		}},
		{"of a quarter not begun", func(s setup) bool {
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: "2027Q1", Dossiers: unsignedReviews(s.f, "su", qs)})
			return false
		}},
		{"of a quarter with no 核定", func(s setup) bool {
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: "2026Q3", Dossiers: unsignedReviews(s.f, "su", qs)})
			return false
		}},
		{"empty", func(s setup) bool {
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: []string{}})
			return false
		}},
		{"naming a dossier", func(s setup) bool {
			if err := s.f.as("su").ForgeEvent(archive.KindReviewSignoff, s.pool[0], &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)}); err != nil {
				s.f.t.Fatal(err)
			}
			return false
		}},
		{"beside new 核定", func(s setup) bool {
			// Written on the heads before 20 new 核定: it signs the old
			// ones only, and one that lists the new ones too is refused.
			heads := s.f.as("su").State.Journal.Heads
			old := unsignedReviews(s.f, "su", qs)
			s.f.reviewAll(s.pool[40:60])
			s.f.forgeKeptAfter("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: old}, heads)
			return true
		}},
		{"beside new 核定, listing them", func(s setup) bool {
			heads := s.f.as("su").State.Journal.Heads
			s.f.reviewAll(s.pool[40:60])
			s.f.forgeKeptAfter("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: unsignedReviews(s.f, "su", qs)}, heads)
			return false
		}},
		{"with a destroyed dossier's 核定", func(s setup) bool {
			w := unsignedReviews(s.f, "su", qs)
			if !slices.Contains(w, s.pool[5]) {
				s.f.t.Fatalf("the destroyed dossier's 核定 is not signable: %v", w)
			}
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return true
		}},
		{"short of a destroyed dossier's 核定", func(s setup) bool {
			w := slices.DeleteFunc(unsignedReviews(s.f, "su", qs), func(id string) bool { return id == s.pool[5] })
			s.f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: qs, Dossiers: w})
			return false
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, pool := reviewedPool(t, 60, 30)
			if strings.Contains(c.name, "destroyed") {
				// Before the snapshot: steps on a destruction are not
				// replayed in runs.
				f.destroy(pool[5])
			}
			f.settle()
			f.reader("li", f.clock)
			before := len(f.cold("li").State.Problems)
			accepted := c.write(setup{f, pool})
			f.settle()
			cold := f.cold("li").State
			refused := len(cold.Problems) > before
			if refused == accepted {
				t.Fatalf("a cold replay refused %d events, want accepted %v: %v", len(cold.Problems)-before, accepted, cold.Problems)
			}
			n := archive.GroupedSaves()
			w := f.reader("li", f.clock)
			grouped := archive.GroupedSaves() != n
			sameAsCold(t, f, w)
			sameAsCold(t, f, f.reader("li", f.clock))
			if refused && grouped {
				t.Fatal("a sign-off a cold replay refuses was saved in groups")
			}
			if accepted && !grouped {
				t.Fatal("a sign-off a cold replay takes was not saved in groups")
			}
		})
	}
}

// A sign-off written after a batch opened and before it takes the lock:
// the batch's refresh meets it new (saveInGroups replays it in runs, or
// the whole state does), and the batch's steps land on top of it. What is
// left is a cold replay's: the sign-off signs the 核定 it listed, not the
// batch's.
func TestReview59BatchAfterASignoff(t *testing.T) {
	oldMax, oldRun := archive.SetMaxSavedParts(8), archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetMaxSavedParts(oldMax); archive.SetBatchRunParts(oldRun) })
	for _, short := range []bool{false, true} {
		f, _, pool := savedPool(t, 50)
		q := classify.Quarter{Year: 2026, Q: 4}
		f.reviewAll(pool[:20])
		f.settle()
		f.reader("li", f.clock)
		w := unsignedReviews(f, "su", q.String())
		if short {
			w = w[1:]
		}
		ba := f.batchOpen("zhang")
		f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: q.String(), Dossiers: w})
		f.settle()
		if _, _, err := ba.ReviewDoneMany(pool[20:50], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
			t.Fatal(err)
		}
		f.settle()
		sameAsCold(t, f, f.reader("li", f.clock))
		got := signedBy59(f.cold("li").State, "su", q.String())
		if short && len(got) != 0 || !short && !slices.Equal(got, w) {
			t.Fatalf("short %v: signed %v, listed %v", short, got, w)
		}
	}
}

// A sign-off's quarter is read leniently (classify.ParseQuarter takes
// "2026-q4"): its check compares the list with the 核定 of 2026Q4, but
// its apply signs those whose quarter is the string as written, none.
// A cold replay then takes a sign-off (no problem) that signs nothing:
// what it lists stays unsigned, and the next sign-off of the quarter
// must list them again. (Pre-existing: ReviewSignoff.apply, not the
// runs; the runs agree with the cold replay.)
func TestReview59SignoffQuarterSpelling(t *testing.T) {
	f, _ := reviewedPool(t, 20, 10)
	f.settle()
	f.reader("li", f.clock)
	w := unsignedReviews(f, "su", "2026Q4")
	f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: "2026-q4", Dossiers: w})
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	cold := f.cold("li").State
	if len(cold.Problems) == 0 && len(signedBy59(cold, "su", "2026Q4")) == 0 {
		t.Fatalf("a sign-off of %q listing %d dossiers took effect and signed none of their 核定", "2026-q4", len(w))
	}
}
