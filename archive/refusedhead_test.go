package archive_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
)

// sideStarts is the hashes of the events of clone o's journal that base
// (the common ancestor's folder) lacks and that follow events of base
// only: where o's side of the fork starts.
func sideStarts(t *testing.T, o *fixture, base string) []string {
	t.Helper()
	b, err := archive.Open(ctx, base, o.clock)
	if err != nil {
		t.Fatal(err)
	}
	old := b.State.Journal.ByHash
	var out []string
	for _, e := range o.cold("li").State.Journal.Events {
		if old[e.Hash] == nil && !slices.ContainsFunc(e.Prev, func(h string) bool { return old[h] == nil }) {
			out = append(out, e.Hash)
		}
	}
	if len(out) == 0 {
		t.Fatal("no event of the other side")
	}
	return out
}

// movedBy reports whether a step r of this side that no other event
// follows comes after a step of the other side in the merged order: the
// journal's order takes, of the events ready, the smallest hash first, so
// r waits when the other side starts with a smaller hash.
func movedBy(t *testing.T, r string, o *fixture, base string) bool {
	t.Helper()
	return slices.Min(sideStarts(t, o, base)) < r
}

// A step of this side that was refused, with a step of the other side
// that a whole replay may put before it and then refuse it in other
// words: the journal is replayed when the order puts it after the other
// side's first step (the refused step is in the merge's After), and the
// snapshot is advanced when it stays before (its verdict, on the same
// events in the same order, stands). Which one happens depends on the
// hashes; both are tried until each was seen.
func TestMergeAfterRefusedStepOfThisSide(t *testing.T) {
	for _, c := range []struct {
		name  string
		fork  func(t *testing.T) (f, g *fixture, base string, ids []string)
		mine  func(f *fixture, ids []string)
		their func(g *fixture, ids []string)
	}{
		{"a loan request without a purpose, and the other side's request of its id", forked,
			func(f *fixture, ids []string) {
				// Refused: no purpose; the other side's request takes its id.
				if err := f.as("zhou").ForgeEvent(archive.KindLoanRequest, ids[3], &archive.LoanRequest{Loan: "L-000002", Days: 1, Department: "总经办"}); err != nil {
					f.t.Fatal(err)
				}
			},
			func(g *fixture, ids []string) {
				if l := g.lendTo("zhao", ids[4]); l.ID != "L-000002" {
					g.t.Fatalf("the other side's loan is %s, want L-000002", l.ID)
				}
			}},
		{"a hand-in counted for another month, and the other side's hand-in",
			func(t *testing.T) (f, g *fixture, base string, ids []string) {
				f, g, base, ids, _ = forkedWithHandIns(t)
				return f, g, base, ids
			},
			func(f *fixture, _ []string) {
				err := f.as("qian2").ForgeEvent(archive.KindSubmissionAdd, "", &archive.SubmissionAdd{Submission: archive.NewID("S-", f.now),
					Month: "2026-10", SHA256: strings.Repeat("ab", 32), Recipients: []string{"zhang"}})
				if err != nil {
					f.t.Fatal(err)
				}
			},
			func(g *fixture, _ []string) { g.handIn("") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Which side the refused step lands on is a coin flip of the
			// forks' random ids: 12 tries missed one side once in ~2,000
			// runs, 30 once in ~500 million. Runs stop when both are seen
			// (two tries on average).
			seen := map[bool]bool{}
			for try := 0; try < 30 && len(seen) < 2; try++ {
				f, g, base, ids := c.fork(t)
				c.mine(f, ids)
				r := sideStarts(t, f, base)[0]
				c.their(g, ids)
				moved := movedBy(t, r, g, base)
				f.advanced(!moved, func() { f.pull(g, base) })
				if s := f.cold("li").State; len(s.Problems)+len(s.Superseded) == 0 {
					t.Fatal("no step refused after the merge")
				}
				seen[moved] = true
			}
			if len(seen) < 2 {
				t.Fatalf("thirty forks put the refused step on one side of the other's only: %v", seen)
			}
		})
	}
}

// A refused step in the clones' common past (here a loan endorsed by a
// member who may not, and a hand-in counted for another month) stays a
// head of the journal until a manager decides on it: every later step
// follows the good heads only. Once an event comes after it in the
// journal's order, pulls of the work of two clones that work apart
// advance the snapshot both ways, as without it, and say what a whole
// replay says.
func TestMergeAfterRefusedHead(t *testing.T) {
	f, g, base, ids := forkedAfter(t, archive.IDRandom, func(f *fixture, ids []string) {
		f.addSales("qian2")
		l := f.lendFor(ids[2], 3)
		// Each forged with a hash below 0x4…, so that a step of this
		// clone soon has a larger one and comes after both in the
		// order (the one ready with the smallest hash comes first).
		forge := func(m string, kind journal.Kind, dossier string, data func() any) {
			for try := 0; ; try++ {
				a, x := f.as(m), data()
				h, err := a.ForgedHash(kind, dossier, x)
				if err != nil {
					f.t.Fatal(err)
				}
				if h < "4" {
					if err := a.ForgeEvent(kind, dossier, x); err != nil {
						f.t.Fatal(err)
					}
					return
				}
				if try == 200 {
					f.t.Fatal("no small hash")
				}
				f.now = f.now.Add(time.Second) // another event
			}
		}
		forge("li", archive.KindLoanEndorse, ids[2], func() any { return &archive.LoanEndorse{Loan: l.ID} })
		forge("qian2", archive.KindSubmissionAdd, "", func() any {
			return &archive.SubmissionAdd{Submission: archive.NewID("S-", f.now), Month: "2026-10", SHA256: strings.Repeat("ab", 32), Recipients: []string{"zhang"}}
		})
		refused := f.cold("li").State.Journal.Heads
		// Steps of this clone until one comes after both in the order.
		for try := 0; ; try++ {
			f.edit("li", ids[3])
			f.settle()
			tail, ok := archive.SavedTail(f.reader("li", f.clock))
			if !ok {
				f.t.Fatal("no order saved")
			}
			if !slices.Contains(refused, tail[len(tail)-1]) {
				break
			}
			if try == 20 {
				f.t.Fatal("no step came after the refused ones")
			}
		}
		if s := f.cold("li").State; len(s.Problems) != 2 {
			f.t.Fatalf("problems %v, want the two forged steps", s.Problems)
		}
	})
	f.edit("li", ids[4])
	f.handIn(ids[3])
	g.edit("li", ids[5])
	g.handIn("")
	gBase := g.holdSide()
	f.pullsBothWays(g, base, gBase, "a refused head in the common past")
}
