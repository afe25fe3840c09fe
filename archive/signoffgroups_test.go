package archive_test

import (
	"slices"
	"testing"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// reviewAll records li's 核定 of ids in one batch.
func (f *fixture) reviewAll(ids []string) {
	f.t.Helper()
	a := f.as("li")
	if err := a.Bulk(func() error {
		for _, id := range ids {
			if _, err := a.ReviewDone(id, ""); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

// forgeKept writes an event signed by actor, following the heads, as it
// is, without checking its rule, and leaves it in the journal.
func (f *fixture) forgeKept(actor string, kind journal.Kind, data any) {
	f.t.Helper()
	f.writeForged(journal.Header{Kind: kind, Actor: actor, Prev: f.as(actor).State.Journal.Heads}, data)
}

// A quarter's sign-off (R6.5) changes the 核定 of every dossier it signs:
// the command after it advances the snapshot a run of parts at a time,
// each run signing its own dossiers' reviews and checking its share of
// the list, not the whole state (1.08 GB at 100,000 dossiers). The state
// read from the snapshot saved is a cold replay's. A sign-off whose list
// is wrong (unsorted, or short of a dossier it signs) is a problem, as
// on the whole state: the runs give up and the whole state says so.
func TestSignoffSavedInGroups(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	pool := f.bulkCreate(150)
	f.settle()
	f.reader("li", f.clock)
	q := classify.Quarter{Year: 2026, Q: 4}

	f.reviewAll(pool[:60])
	if _, err := f.as("su").ReviewDone(pool[60], ""); err != nil {
		t.Fatal(err) // su's own: not signed by su
	}
	f.settle()
	f.reader("li", f.clock)
	ids, err := f.as("su").ReviewSignoff(q)
	if err != nil || len(ids) < 60 || slices.Contains(ids, pool[60]) {
		t.Fatalf("su signed %d: %v", len(ids), err)
	}
	f.settle()
	n := archive.GroupedSaves()
	w := f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 {
		t.Fatal("the sign-off was not saved in groups")
	}
	sameAsCold(t, f, w)
	sameAsCold(t, f, f.reader("li", f.clock))
	signed := 0
	for _, r := range w.State.Reviews {
		if r.SignedOffBy == "su" {
			signed++
		}
	}
	if signed < 60 {
		t.Fatalf("%d reviews signed by su in the state read", signed)
	}

	// 核定 and the sign-off of them new together (a pull of both): each
	// run replays its 核定, then the sign-off.
	f.reviewAll(pool[130:150])
	if ids, err := f.as("su").ReviewSignoff(q); err != nil || len(ids) != 20 {
		t.Fatalf("su signed %v: %v", ids, err)
	}
	f.settle()
	n = archive.GroupedSaves()
	w = f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 {
		t.Fatal("核定 and their sign-off were not saved in groups")
	}
	sameAsCold(t, f, w)

	for _, c := range []struct {
		name string
		list func(want []string) []string
	}{
		{"unsorted", func(want []string) []string { return append([]string{want[len(want)-1]}, want[:len(want)-1]...) }},
		{"short of one", func(want []string) []string { return want[1:] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			batch := pool[70:100]
			if c.name != "unsorted" {
				batch = pool[100:130]
			}
			f.reviewAll(batch)
			f.settle()
			f.reader("li", f.clock)
			want := slices.Sorted(slices.Values(batch))
			f.forgeKept("su", archive.KindReviewSignoff, &archive.ReviewSignoff{Quarter: q.String(), Dossiers: c.list(want)})
			f.settle()
			n := archive.GroupedSaves()
			w := f.reader("li", f.clock)
			if archive.GroupedSaves() != n {
				t.Fatal("a sign-off with a wrong list was saved in groups")
			}
			sameAsCold(t, f, w)
			sameAsCold(t, f, f.reader("li", f.clock))
			for _, r := range w.State.Reviews {
				if slices.Contains(batch, r.Dossier) && r.SignedOffBy != "" {
					t.Fatalf("%s signed off by a refused sign-off", r.Dossier)
				}
			}
		})
	}
}
