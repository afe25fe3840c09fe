package archive_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
	"crm/report"
)

// A batch whose dossiers lie in more parts than a state of some parts may
// hold takes its steps a run of parts at a time (batch): a new event since
// the snapshot about a dossier of a later run is replayed in that run (the
// clerk's 核定 of a dossier raised to 机密 since is refused, and nothing
// is written); a batch that passes records every step once, returns the
// dossiers in the order given, links into one head, and leaves what a
// cold replay says, reports included. Classify's batch the same.
func TestBatchInRuns(t *testing.T) {
	oldMax, oldRun := archive.SetMaxSavedParts(8), archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetMaxSavedParts(oldMax); archive.SetBatchRunParts(oldRun) })
	f, _, pool := savedPool(t, 50)

	// The dossier in the last part: in the last run.
	raised := slices.MaxFunc(pool, func(x, y string) int { return archive.SnapBucketOf(x) - archive.SnapBucketOf(y) })
	if _, err := f.as("zhang").SetLevel(raised, "机密", "", "升级"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	events := func() int { return len(f.cold("li").State.Journal.Events) }
	n, runs := events(), archive.RunBatches()
	_, _, err := f.batchOpen("li").ReviewDoneMany(pool, classify.Quarter{}, archive.ReviewRecord{Note: "批量"})
	wantCode(t, err, archive.Denied, raised)
	if archive.RunBatches() != runs+1 {
		t.Fatal("the batch was not taken in runs")
	}
	if got := events(); got != n {
		t.Fatalf("a refused batch wrote %d events", got-n)
	}

	// An id no dossier has: its run says so, and nothing is written.
	if _, _, err := f.batchOpen("li").ReviewDoneMany(append(slices.Clone(pool[:20]), "C-999999"), classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err == nil || !strings.Contains(err.Error(), "C-999999") {
		t.Fatalf("an unknown id: %v", err)
	}
	if got := events(); got != n || archive.RunBatches() != runs+2 {
		t.Fatalf("an unknown id: %d events written, in runs %d", got-n, archive.RunBatches()-runs-1)
	}
	runs++

	// The others, given backwards and one twice.
	var ids []string
	for _, id := range slices.Backward(pool) {
		if id != raised {
			ids = append(ids, id)
		}
	}
	ba := f.batchOpen("li")
	_, done, err := ba.ReviewDoneMany(append(slices.Clone(ids), ids[3]), classify.Quarter{}, archive.ReviewRecord{Note: "批量"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, ids) {
		t.Fatalf("done %v, want the order given %v", done, ids)
	}
	// What the commit's message names: every run's steps, not the last
	// run's only.
	var wrote []string
	for _, e := range ba.Written() {
		if e.Kind == archive.KindReview {
			wrote = append(wrote, e.Dossier)
		}
	}
	if slices.Sort(wrote); !slices.Equal(wrote, slices.Sorted(slices.Values(ids))) {
		t.Fatalf("written the 核定 of %d dossiers, want %d", len(wrote), len(ids))
	}
	if archive.RunBatches() != runs+2 {
		t.Fatal("the batch was not taken in runs")
	}
	if got := events(); got != n+len(ids) {
		t.Fatalf("%d events recorded, want %d", got-n, len(ids))
	}
	if h := f.cold("li").State.Journal.Heads; len(h) != 1 {
		t.Fatalf("the batch forked the journal: heads %v", h)
	}
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("review batch", true, false)
	// The 核定 register lists the batch's (one time) by dossier, not in
	// the order of their runs.
	byDossier(t, f, "reviews", len(ids))

	// Classify's batch: credit classes, the results in the order given.
	out, err := f.batchOpen("zhang").ClassifyMany(ids, "", "", "A", "年审")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out {
		if r.Credit == nil || !r.Credit.Changed || r.Credit.New != "A" {
			t.Fatalf("%s: credit not changed: %+v", r.ID, r)
		}
		got = append(got, r.ID)
	}
	if !slices.Equal(got, ids) || archive.RunBatches() != runs+3 {
		t.Fatalf("classified %v (runs %d), want %v in runs", got, archive.RunBatches()-runs, ids)
	}
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("classify batch", true, false)
	byDossier(t, f, "classification", len(ids))
	f.verifyClean()
}

// The command right after a batch (its folders changed within the racy
// window) waits for the window and saves the advanced snapshot in runs
// (settleListed): it used to read the whole state and save nothing, and
// so did every command until the window had passed.
func TestGroupedSaveRightAfterTheBatch(t *testing.T) {
	oldMax := archive.SetMaxSavedParts(8)
	t.Cleanup(func() { archive.SetMaxSavedParts(oldMax) })
	f, _, pool := savedPool(t, 40)

	racyWindow(t, 300*time.Millisecond)
	a := f.batchOpen("li")
	if _, _, err := a.ReviewDoneMany(pool, classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	n, waits := archive.GroupedSaves(), archive.RacyWaits()
	r := f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 || archive.RacyWaits() != waits+1 {
		t.Fatalf("the advance right after the batch: %d saved, %d waits", archive.GroupedSaves()-n, archive.RacyWaits()-waits)
	}
	sameAsCold(t, f, r)
	if r = f.reader("li", f.clock); !r.SnapshotStandsFor() {
		t.Fatal("the snapshot saved does not stand for the journal")
	}
}

// A batch in runs after a pull (a credit class, a loan request), by a
// member whose pin names the heads the state had at open: the pin is
// checked at the end without reading the journal. The runs' states hold
// none of the pulled events, and the journal was replayed whole (32 s and
// 1.76 GB at 100,000 dossiers after the quarterly batch).
func TestBatchInRunsKeepsThePin(t *testing.T) {
	old := archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetBatchRunParts(old) })
	f, _, pool := savedPool(t, 30)
	pin := filepath.Join(t.TempDir(), "pin.yaml")
	for i, pull := range []func(){
		func() {
			if _, _, err := f.as("zhang").SetCredit(pool[25], "A", "复核"); err != nil {
				t.Fatal(err)
			}
		},
		func() {
			if _, err := f.as("zhao").BorrowRequest(pool[26], "谈判", 2); err != nil {
				t.Fatal(err)
			}
		},
	} {
		if _, err := f.reader("li", f.clock).CheckPin(pin); err != nil {
			t.Fatal(err)
		}
		pull()
		f.settle()
		a := f.batchOpen("li")
		if _, err := a.CheckPin(pin); err != nil {
			t.Fatal(err)
		}
		replays, runs := archive.Replays(), archive.RunBatches()
		if _, _, err := a.ReviewDoneMany(pool[:20], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CheckPin(pin); err != nil {
			t.Fatal(err)
		}
		if archive.RunBatches() != runs+1 || archive.Replays() != replays {
			t.Fatalf("pull %d: in runs %d, %d replays", i, archive.RunBatches()-runs, archive.Replays()-replays)
		}
		f.now = f.now.AddDate(0, 3, 0) // the next quarter's batch
		f.settle()
		sameAsCold(t, f, f.reader("li", f.clock))
	}
}

// byDossier fails unless report name (a register) lists at least n rows,
// by dossier: every step of the fixture has one time.
func byDossier(t *testing.T, f *fixture, name string, n int) {
	t.Helper()
	l, err := report.LoadLayout(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Make(f.cold("li"), l, report.Period{})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := report.Render(&js, rep, report.JSON, report.Options{}); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile(`"dossier": *"([^"]+)"`).FindAllStringSubmatch(js.String(), -1) {
		listed = append(listed, m[1])
	}
	if len(listed) < n || !slices.IsSorted(listed) {
		t.Fatalf("%s lists %v, want %d or more by dossier", name, listed, n)
	}
}

// New events that each read and change only their own dossier, naming
// more parts than groupedParts, are saved in groups even when a state of
// some parts could take them (a state of 2,000 parts held 1.25 GB at
// 100,000 dossiers); with a loan step among them, the state of their parts
// with every loan is advanced and saved as before.
func TestScopedManyPartsSavedInGroups(t *testing.T) {
	old := archive.SetGroupedParts(8)
	t.Cleanup(func() { archive.SetGroupedParts(old) })
	f, ids, pool := savedPool(t, 30)

	n := archive.GroupedSaves()
	a := f.batchOpen("li")
	if _, _, err := a.ReviewDoneMany(pool[:20], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	r := f.reader("li", f.clock)
	if archive.GroupedSaves() != n+1 {
		t.Fatal("scoped events in many parts: not saved in groups")
	}
	sameAsCold(t, f, r)

	// A loan among them: in groups too (runScoped).
	f.lendFor(ids[2], 3)
	a = f.batchOpen("li")
	if _, _, err := a.ReviewDoneMany(pool[10:], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	r = f.reader("li", f.clock)
	if archive.GroupedSaves() != n+2 || !r.SnapshotStandsFor() {
		t.Fatalf("with a loan: grouped %d, saved %v", archive.GroupedSaves()-n-1, r.SnapshotStandsFor())
	}
	sameAsCold(t, f, r)
	f.sameReportsAsCold("after", true, false)
}

// A problem event pulled in before the batch, about a dossier the batch
// does not name (a clerk's legal hold), is not followed by the batch's
// events, in runs or not: its part is among the runs, where it fails its
// checks, and the batch then takes the whole state, which quarantines it.
func TestBatchDoesNotFollowABadEvent(t *testing.T) {
	for _, runParts := range []int{5, 1000} {
		t.Run(fmt.Sprint(runParts), func(t *testing.T) {
			oldMax, oldRun := archive.SetMaxSavedParts(1000), archive.SetBatchRunParts(runParts)
			t.Cleanup(func() { archive.SetMaxSavedParts(oldMax); archive.SetBatchRunParts(oldRun) })
			f, _, pool := savedPool(t, 50)
			out := pool[0]
			var batch []string
			for _, id := range pool {
				if archive.SnapBucketOf(id) != archive.SnapBucketOf(out) {
					batch = append(batch, id)
				}
			}
			a := f.batchOpen("li")
			bad := f.writeEvent("li", archive.KindHold, out, &archive.HoldData{Reason: "我说了算"}) // pulled in between
			runs := archive.RunBatches()
			if _, _, err := a.ReviewDoneMany(batch, classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
				t.Fatal(err)
			}
			if archive.RunBatches() != runs {
				t.Fatal("taken in runs after a new event that fails its checks")
			}
			cold := f.cold("li")
			if len(cold.State.Problems) != 1 {
				t.Fatalf("problems: %v", cold.State.Problems)
			}
			for _, e := range cold.State.Journal.Events {
				if e.Kind == archive.KindReview && slices.Contains(e.Prev, bad.Hash) {
					t.Fatalf("the batch's %s follows the problem event %s", e.Hash[:8], bad.Hash[:8])
				}
			}
		})
	}
}

// A batch the lock's checks refuse to run (crm.yaml edited by hand, a
// snapshot saved since standing for it) leaves no snapshot file open and
// no runs behind.
func TestRefusedBatchLeavesNoRuns(t *testing.T) {
	racyWindow(t, 0)
	old := archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetBatchRunParts(old) })
	f := newFixture(t)
	f.history()
	pool := f.bulkCreate(50)
	f.settle()
	p := filepath.Join(f.dir, "crm.yaml")
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(orig, "\n# 手改\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	f.reader("li", f.clock) // saved, standing for the edited crm.yaml
	a := f.batchOpen("li")
	if _, _, err := a.ReviewDoneMany(pool, classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err == nil {
		t.Fatal("written under a crm.yaml edited by hand")
	}
	if archive.HoldsRuns(a) {
		t.Fatal("a refused batch left its runs, and the snapshot file they keep open")
	}
}

// A read right after one event that is not about a dossier (a member's
// roles) does not wait for the racy window: only an advance that could be
// saved in groups does.
func TestNoRacyWaitAfterAMemberEvent(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.create("秘密")
	f.settle()
	f.reader("li", f.clock)
	racyWindow(t, 300*time.Millisecond)
	if err := f.as("zhang").SetRoles(ctx, "su", []string{"supervisor", "clerk"}); err != nil {
		t.Fatal(err)
	}
	n := archive.RacyWaits()
	f.reader("li", f.clock)
	if archive.RacyWaits() != n {
		t.Fatal("a read after a member event waited for the racy window")
	}
}

// A grouped save tried first that fails after touching the load (a
// clerk's forged hold among 20 核定, every event scoped, more parts than
// groupedParts) is not tried again (a mutation dropping the guard
// recursed forever), and the commands then get what a cold replay says:
// one dossier (Only), then the whole state. (From a review.)
func TestGroupedSaveFailsAfterTouching(t *testing.T) {
	old := archive.SetGroupedParts(8)
	t.Cleanup(func() { archive.SetGroupedParts(old) })
	f, _, pool := savedPool(t, 30)
	a := f.batchOpen("li")
	if _, _, err := a.ReviewDoneMany(pool[:20], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	f.writeEvent("li", archive.KindHold, pool[0], &archive.HoldData{Reason: "我说了算"}) // fails its checks
	f.settle()
	n := archive.GroupedSaves()
	one := f.openAs("li", archive.OpenOptions{Snapshot: true, Only: pool[0]})
	cold := f.cold("li")
	got, want := one.State.Dossiers[pool[0]], cold.State.Dossiers[pool[0]]
	if got == nil || got.Status != want.Status || (got.Hold == nil) != (want.Hold == nil) || len(got.Reviews) != len(want.Reviews) || !got.Updated.Equal(want.Updated) {
		t.Fatalf("one dossier after a failed grouped save: %+v, want %+v", got, want)
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	if archive.GroupedSaves() != n {
		t.Fatal("saved in groups past an event that fails its checks")
	}
}

// A batch in runs given an id no dossier has names that id only in its
// error, not dossiers of other runs. (From a review.)
func TestUnknownIDInRuns(t *testing.T) {
	old := archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetBatchRunParts(old) })
	f, _, pool := savedPool(t, 30)
	a := f.batchOpen("li")
	_, _, err := a.ReviewDoneMany(append(slices.Clone(pool[:20]), "C-999999"), classify.Quarter{}, archive.ReviewRecord{Note: "批量"})
	if err == nil || !strings.Contains(err.Error(), "C-999999") {
		t.Fatalf("an unknown id: %v", err)
	}
	for _, id := range pool[:20] {
		if strings.Contains(err.Error(), id) {
			t.Fatalf("an unknown id: the error names %s too: %v", id, err)
		}
	}
}

// Loan steps pulled in before the batch (their rules read every loan's
// id: runScoped) are replayed in the runs of their dossiers, each run
// holding every old loan, and the result is a cold replay's. Two requests
// of one loan id keep the batch out of runs. (From a review: it was kept
// out of runs by any loan step.)
func TestBatchInRunsAfterALoan(t *testing.T) {
	old := archive.SetBatchRunParts(5)
	t.Cleanup(func() { archive.SetBatchRunParts(old) })
	f, ids, pool := savedPool(t, 30)
	a := f.batchOpen("li")
	f.lendFor(ids[2], 3) // pulled in between
	if _, err := f.as("zhao").BorrowRequest(pool[25], "谈判", 2); err != nil {
		t.Fatal(err)
	}
	runs := archive.RunBatches()
	if _, _, err := a.ReviewDoneMany(pool[:20], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	if archive.RunBatches() != runs+1 {
		t.Fatal("not taken in runs after loan steps")
	}
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("after", true, false)

	a = f.batchOpen("li")
	for _, id := range pool[:2] { // pulled in between
		if err := f.as("zhao").ForgeEvent(archive.KindLoanRequest, id, &archive.LoanRequest{Loan: "L-000777", Purpose: "谈判", Days: 3, Department: "市场部"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := a.ReviewDoneMany(pool[20:], classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Fatal(err)
	}
	if archive.RunBatches() != runs+1 {
		t.Fatal("taken in runs after two requests of one loan id")
	}
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
}

// savedPool is a fixture with a few steps of every workflow (their ids)
// and n dossiers created in one batch (pool), its snapshot saved (the
// racy window 0: see racyWindow).
func savedPool(t *testing.T, n int) (f *fixture, ids, pool []string) {
	t.Helper()
	racyWindow(t, 0)
	f = newFixture(t)
	ids = f.history()
	pool = f.bulkCreate(n)
	f.settle()
	f.reader("li", f.clock)
	return f, ids, pool
}

// batchOpen opens the archive as member m the way review done's and
// classify's batches do: from the snapshot's rows, steps on its parts.
func (f *fixture) batchOpen(m string) *archive.Archive {
	f.t.Helper()
	return f.openAs(m, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows})
}
