package archive_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// Grouped saves (saveInGroups) over creates and mixed kinds (several
// events per dossier, creates followed by steps on the new dossiers in the
// same batch): the whole state read from the saved snapshot is a cold replay's, and the
// step after it links to the one head (the header's good heads: a
// mutation dropping markGood forks the journal here).
func TestSnapshotGroupedCreatesAndMixed(t *testing.T) {
	racyWindow(t, 0)
	old := archive.SetMaxSavedParts(16)
	t.Cleanup(func() { archive.SetMaxSavedParts(old) })
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	pool := f.bulkCreate(120)
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	sameAsCold(t, f, f.reader("li", f.clock))

	// 1: creates only (scoped): grouped.
	n := archive.GroupedSaves()
	f.bulkCreate(60)
	f.settle()
	w := f.reader("li", f.clock)
	if archive.GroupedSaves() == n {
		t.Fatal("creates: not saved in groups")
	}
	sameAsCold(t, f, w)
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("creates", true, false)

	// 2: creates and steps on them and on old dossiers, interleaved.
	n = archive.GroupedSaves()
	a := f.as("zhang")
	if err := a.Bulk(func() error {
		for i := range 40 {
			id, err := a.Create([]byte("customer:\n  name: 批量\nowner: 李四\n"), "秘密")
			if err != nil {
				return err
			}
			if _, err := a.SetLevel(pool[i], "机密", "1m", "短期"); err != nil {
				return err
			}
			if _, _, err := a.SetCredit(id, "A", "新"); err != nil {
				return err
			}
			if _, _, err := a.SetTier(pool[i+40], "重点", "复核"); err != nil {
				return err
			}
			if i%3 == 0 {
				if err := a.SetHold(pool[i+80], true, "案件"); err != nil {
					return err
				}
			}
			if _, err := a.SetLevel(id, "机密", "1m", "短期"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	w = f.reader("li", f.clock)
	if archive.GroupedSaves() == n {
		t.Fatal("mixed: not saved in groups")
	}
	sameAsCold(t, f, w)
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("mixed", true, false)
	// The next id is the one after every create.
	c := f.creator("li")
	id, err := c.Create([]byte("customer:\n  name: 后\nowner: 李四\n"), "秘密")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("next id", id)
	f.settle()
	if h := f.cold("li").State.Journal.Heads; len(h) != 1 {
		t.Fatalf("the step after a grouped save forks the journal: heads %v", h)
	}
	sameAsCold(t, f, f.reader("li", f.clock))
}

// Loan steps among many new events (another clone's pull: credit classes
// on many dossiers, a loan asked, approved, returned) are saved in groups
// too: every run holds the old loans, and the registers part is written
// again with the loans the runs changed (runScoped).
func TestLoanStepsSavedInGroups(t *testing.T) {
	f, ids, pool := groupedPool(t)
	pin := f.pinned()

	f.credits(pool[:20], "A")
	lent := f.lendFor(pool[30], 3)
	asked, err := f.as("zhao").BorrowRequest(pool[31], "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	f.pulledInGroups(pin, "a loan lent and one asked")

	// The next steps on those loans, and on an old one (ids[2]'s, from
	// the history), among more credit classes.
	f.credits(pool[10:30], "B")
	if _, _, err := f.as("zhang").BorrowApprove(asked.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(24 * time.Hour)
	if _, err := f.as("zhao").BorrowReturn(lent.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	again := f.lendFor(ids[2], 3)
	if _, err := f.as("zhao").BorrowReturn(again.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.pulledInGroups(pin, "loans approved and returned")
	f.verifyClean()
}

// Loan requests whose ids a run cannot judge alone, among many new
// events, the request refused in a full replay (its id is in use) and
// about a dossier of another run than the loan that has the id:
//   - two requests of one new id, the later one about a dossier of an
//     earlier run, which does not hold the other dossier: not saved in
//     groups (runScoped);
//   - a request of an old loan's id: every run holds the old loans and
//     refuses it.
//
// What is read is what a cold replay says, and the request is its problem.
func TestLoanIDInUseAmongGroupedSteps(t *testing.T) {
	for _, twice := range []bool{true, false} {
		f, _, pool := groupedPool(t)
		byPart := slices.Clone(pool)
		slices.SortFunc(byPart, func(x, y string) int { return archive.SnapBucketOf(x) - archive.SnapBucketOf(y) })
		first, second := byPart[len(byPart)-1], byPart[0]
		if archive.SnapBucketOf(first)/archive.PartRun == archive.SnapBucketOf(second)/archive.PartRun {
			t.Fatalf("%s and %s are in one run", first, second)
		}
		id := "L-000777"
		if !twice {
			id = f.lendFor(first, 3).ID
			f.settle()
			f.reader("li", f.clock)
		}
		f.credits(pool[:20], "A")
		requests := []string{first, second}
		if !twice {
			requests = requests[1:]
		}
		for _, d := range requests {
			if err := f.as("zhao").ForgeEvent(archive.KindLoanRequest, d, &archive.LoanRequest{Loan: id, Purpose: "谈判", Days: 3, Department: "市场部"}); err != nil {
				t.Fatal(err)
			}
		}
		f.settle()
		n := archive.GroupedSaves()
		r := f.reader("li", f.clock)
		if twice && archive.GroupedSaves() != n {
			t.Fatal("one loan id asked twice: saved in groups")
		}
		sameAsCold(t, f, r)
		if ps := f.cold("li").State.Problems; len(ps) != 1 || !strings.Contains(ps[0].Msg, id) {
			t.Fatalf("problems %+v, want the request of %s about %s", ps, id, second)
		}
	}
}

// A reader whose pin names the heads another clone's many steps follow (a
// pull: credit classes on many dossiers) takes the snapshot saved in
// groups without reading the journal. It read it whole (20 s and 2.3 GB
// at 100,000 dossiers) when the heads it had seen were no longer those
// of the snapshot read after the save.
func TestPinAfterGroupedSave(t *testing.T) {
	f, _, pool := groupedPool(t)
	pin := f.pinned()
	f.credits(pool[:20], "A")
	f.pulledInGroups(pin, "credit classes")
}

// The heads a snapshot saved in groups was advanced from count as seen
// only when the snapshot read back is the one saved: another command may
// have saved another in between (of a journal rolled back since, whose
// rollback the pin is to notice).
func TestSeenAfterGroupedSaveOnlyOfTheOneSaved(t *testing.T) {
	f, _, _ := groupedPool(t)
	from := []string{"a-head-seen-before"}
	if !f.reader("li", f.clock).SeenAfterGroupedSave(from, true) {
		t.Fatal("the snapshot saved: its heads before are not seen")
	}
	if f.reader("li", f.clock).SeenAfterGroupedSave(from, false) {
		t.Fatal("another snapshot: the heads before the one saved count as seen")
	}
}

// pulledInGroups is what a reader with pin finds after another clone's
// steps on many parts: the snapshot saved in groups, the pin checked
// without a replay, the state, the snapshot saved and the reports what a
// cold replay says.
func (f *fixture) pulledInGroups(pin, what string) {
	f.t.Helper()
	f.settle()
	n, replays := archive.GroupedSaves(), archive.Replays()
	r := f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 {
		f.t.Fatalf("%s: not saved in groups", what)
	}
	if _, err := r.CheckPin(pin); err != nil {
		f.t.Fatal(err)
	}
	if !r.FromSnapshot() || archive.Replays() != replays {
		f.t.Fatalf("%s: the pin's heads replayed the journal (%d replays)", what, archive.Replays()-replays)
	}
	sameAsCold(f.t, f, r)
	if r = f.reader("li", f.clock); !r.SnapshotStandsFor() {
		f.t.Fatalf("%s: the snapshot saved does not stand for the journal", what)
	}
	sameAsCold(f.t, f, r)
	f.sameReportsAsCold(what, true, false)
}

// pulledInGroupsNoPin is what a reader finds after steps on many parts:
// the snapshot saved in groups without a replay, the state, the snapshot
// saved and the reports what a cold replay says.
func (f *fixture) pulledInGroupsNoPin(what string) {
	f.t.Helper()
	f.settle()
	n, replays := archive.GroupedSaves(), archive.Replays()
	r := f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 || archive.Replays() != replays {
		f.t.Fatalf("%s: saved in groups %d times, %d replays", what, archive.GroupedSaves()-n, archive.Replays()-replays)
	}
	sameAsCold(f.t, f, r)
	if r = f.reader("li", f.clock); !r.SnapshotStandsFor() {
		f.t.Fatalf("%s: the snapshot saved does not stand for the journal", what)
	}
	sameAsCold(f.t, f, r)
	f.sameReportsAsCold(what, true, false)
}

// A command about one dossier that finds many new events (saved in
// groups, every one replayed) checks their signatures on every core as
// it goes (checkAsRead): one that does not verify is still a problem, and
// nothing is saved that stands for it.
func TestOneDossierOpenChecksTheEventsSavedInGroups(t *testing.T) {
	f, _, pool := groupedPool(t)
	f.credits(pool[:20], "A")
	key := f.ids["li"]
	f.ids["li"] = newIdentity(t) // li's event, signed with a key that is not li's
	f.writeEvent("li", archive.KindReview, pool[21], &archive.ReviewData{Quarter: "2026Q4", Note: "伪造"})
	f.ids["li"] = key
	f.settle()
	n := archive.GroupedSaves()
	r := f.readerOf("li", pool[0])
	if archive.GroupedSaves() != n {
		t.Fatal("an event that does not verify was saved in groups")
	}
	if d := r.State.Dossiers[pool[0]]; d == nil || d.Credit != "A" {
		t.Fatalf("%s: %+v", pool[0], d)
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	if ps := f.cold("li").State.Problems; len(ps) != 1 || !strings.Contains(ps[0].Msg, "signature does not verify") {
		t.Fatalf("problems %+v", ps)
	}

	// Without it, the same steps are saved in groups from show's open.
	f.credits(pool[:20], "B")
	f.settle()
	f.readerOf("li", pool[0])
	if archive.GroupedSaves() != n+1 {
		t.Fatal("not saved in groups from a command about one dossier")
	}
	sameAsCold(t, f, f.reader("li", f.clock))
}

// groupedPool is savedPool of 40 dossiers, with new events saved in groups
// past 8 parts.
func groupedPool(t *testing.T) (f *fixture, ids, pool []string) {
	t.Helper()
	old := archive.SetGroupedParts(8)
	t.Cleanup(func() { archive.SetGroupedParts(old) })
	return savedPool(t, 40)
}

// pinned is a pin file that names the heads li's snapshot has now.
func (f *fixture) pinned() string {
	f.t.Helper()
	pin := filepath.Join(f.t.TempDir(), "pin.yaml")
	if _, err := f.reader("li", f.clock).CheckPin(pin); err != nil {
		f.t.Fatal(err)
	}
	return pin
}

// credits sets credit class class on dossiers ids, as zhang, in one bulk.
func (f *fixture) credits(ids []string, class string) {
	f.t.Helper()
	f.bulkSteps("zhang", ids, func(a *archive.Archive, _ int, id string) error {
		_, _, err := a.SetCredit(id, class, "复核")
		return err
	})
}
