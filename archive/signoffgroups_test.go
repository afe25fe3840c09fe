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

// The sign-off itself finds what it signs a run of parts at a time when
// the signer's snapshot stands for the journal (a state of rows holds no
// 核定; the whole state took 862 MB at 100,000 dossiers), and takes the
// snapshot's whole state when an event came since. Either way it signs
// what the rule says (a cold replay takes it, no problem) and refuses as
// the whole state does.
func TestSignoffWrittenFromRuns(t *testing.T) {
	f, pool := reviewedPool(t, 150, 60)
	if _, err := f.as("su").ReviewDone(pool[60], ""); err != nil {
		t.Fatal(err)
	}
	f.settle()
	q := classify.Quarter{Year: 2026, Q: 4}
	unsigned := func() []string { return unsignedReviews(f, "su", q.String()) }
	open := f.openForSignoff
	open("su") // su's snapshot
	f.settle()
	sign := func(wantPartial bool) []string {
		t.Helper()
		want := unsigned()
		a := open("su")
		ids, err := a.ReviewSignoff(q)
		if err != nil || !slices.Equal(ids, want) {
			t.Fatalf("signed %v (%v), want %v", ids, err, want)
		}
		if a.Partial() != wantPartial {
			t.Fatalf("a state of rows after the sign-off: %v, want %v", a.Partial(), wantPartial)
		}
		f.settle()
		if s := f.cold("li").State; len(s.Problems) > 0 || len(unsigned()) > 0 {
			t.Fatalf("after the sign-off: problems %v, unsigned %v", s.Problems, unsigned())
		}
		sameAsCold(t, f, f.reader("li", f.clock))
		return ids
	}
	if ids := sign(true); len(ids) < 60 {
		t.Fatalf("signed %d", len(ids))
	}
	_, err := open("su").ReviewSignoff(q)
	wantCode(t, err, archive.Failed, "no 核定 of 2026Q4 by anyone but su waits for a sign-off")
	_, err = open("li").ReviewSignoff(q)
	wantCode(t, err, archive.Denied, "signing off a quarter's 核定 needs one of the roles")

	// A 核定 since su's snapshot: su's rows are advanced by it, the
	// snapshot does not stand for the journal, the whole state signs.
	open("su")
	f.settle()
	f.reviewAll(pool[70:72])
	f.settle()
	if ids := sign(false); !slices.Equal(ids, pool[70:72]) && !slices.Equal(ids, []string{pool[71], pool[70]}) {
		t.Fatalf("signed %v", ids)
	}
}

// reviewedPool is a fixture's history and n dossiers made in one batch,
// the first reviewed of them with their 核定 recorded (reviewAll), for
// the sign-off tests.
func reviewedPool(t *testing.T, n, reviewed int) (*fixture, []string) {
	t.Helper()
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	pool := f.bulkCreate(n)
	f.reviewAll(pool[:reviewed])
	return f, pool
}
