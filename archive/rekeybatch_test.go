package archive_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// A member added, given other roles or removed on an archive opened as
// those commands open it (the snapshot's rows and loans) has the files
// their roles change re-encrypted as one batch (rekeyBatch), listed from
// the rows, in runs of parts, each replaying the member's step
// (memberStep), and the next reader saves the snapshot in runs too.
// After each, a cold replay finds every file encrypted to whom it should
// be, and verify finds nothing.
func TestMemberStepsRekeyAsABatch(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	open := func() *archive.Archive { t.Helper(); return f.memberOpen("zhang") }
	// encryptedTo is how many active dossiers a cold replay finds
	// encrypted to member id; it fails on any file whose recipients are
	// not the expected ones.
	encryptedTo := func(id string) int {
		t.Helper()
		s := f.cold("zhang").State
		n := 0
		for _, d := range s.SortedDossiers() {
			if d.Status != archive.StatusActive {
				continue
			}
			if want := s.ExpectedRecipients(d); !slices.Equal(d.Recipients, want) {
				t.Fatalf("dossier %s is encrypted to %v, want %v", d.ID, d.Recipients, want)
			}
			if slices.Contains(d.Recipients, id) {
				n++
			}
		}
		return n
	}
	readable := encryptedTo("li")
	if readable < len(pool) {
		t.Fatalf("the clerk reads %d dossiers, fewer than the %d made", readable, len(pool))
	}

	k := newIdentity(t)
	f.ids["wu"] = k
	open() // zhang's first open saves the snapshot
	a := open()
	if !a.Partial() {
		t.Fatal("not opened from the snapshot's rows")
	}
	replays, runs := archive.Replays(), archive.RunBatches()
	if err := a.AddMember(ctx, member("wu", []string{"clerk"}, k)); err != nil {
		t.Fatal(err)
	}
	if n := archive.Replays() - replays; n != 0 {
		t.Fatalf("the member step and its batch replayed the journal %d times", n)
	}
	if archive.RunBatches() != runs+1 {
		t.Fatal("the re-encryption after member.add was not taken in runs")
	}
	f.pulledInGroupsNoPin("the files re-encrypted to a member added")
	if got := encryptedTo("wu"); got != readable {
		t.Fatalf("the new clerk's key opens %d dossiers, want %d", got, readable)
	}
	if _, err := f.as("wu").Read(pool[7]); err != nil {
		t.Fatalf("the new clerk cannot read %s: %v", pool[7], err)
	}

	// Supervisor too; moved to sales (no dossier of their own), back to
	// clerk, then removed.
	if err := open().SetRoles(ctx, "wu", []string{"clerk", "supervisor"}); err != nil {
		t.Fatal(err)
	}
	if got, want := encryptedTo("wu"), encryptedTo("su"); got < want {
		t.Fatalf("the new supervisor's key opens %d dossiers, su's %d", got, want)
	}
	for i, roles := range [][]string{{"sales"}, {"clerk"}} {
		runs := archive.RunBatches()
		if err := open().SetRoles(ctx, "wu", roles); err != nil {
			t.Fatal(err)
		}
		if archive.RunBatches() != runs+1 {
			t.Fatalf("roles %v: the re-encryption was not taken in runs", roles)
		}
		f.pulledInGroupsNoPin(fmt.Sprintf("the files re-encrypted for roles %v", roles))
		if got, want := encryptedTo("wu"), i*readable; got != want {
			t.Fatalf("roles %v: their key opens %d dossiers, want %d", roles, got, want)
		}
	}
	a = open()
	if n := a.EncryptedTo("wu"); n != encryptedTo("wu") {
		t.Fatalf("EncryptedTo says %d from the rows, the replay %d", n, encryptedTo("wu"))
	}
	runs, replays = archive.RunBatches(), archive.Replays()
	if err := a.RemoveMember(ctx, "wu"); err != nil {
		t.Fatal(err)
	}
	if archive.RunBatches() != runs+1 || archive.Replays() != replays {
		t.Fatalf("the re-encryption after member.remove: in runs %d, %d replays", archive.RunBatches()-runs, archive.Replays()-replays)
	}
	f.pulledInGroupsNoPin("the files re-encrypted without a leaver")
	if got := encryptedTo("wu"); got != 0 {
		t.Fatalf("%d dossiers still open with the removed member's key", got)
	}
	f.verifyClean()
}

// A command about one dossier after steps on members alone (a member
// added who reads no dossier, a change of roles) advances that dossier's
// part of the snapshot and the header, and saves them so, not the whole
// snapshot again in runs: their rules read and change only the members
// (ReachHeader). What it finds, and the snapshot it leaves, are what a
// cold replay says.
func TestOneDossierAfterMemberSteps(t *testing.T) {
	f, _, pool := savedPool(t, 20)
	f.addSales("sun")
	if err := f.as("zhang").SetRoles(ctx, "sun", []string{"sales", "dept_manager"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	n := archive.GroupedSaves()
	a := f.readerOf("li", pool[3])
	if a.WholeReads() != 0 || !a.Partial() || a.PartsRead() != 1 || archive.GroupedSaves() != n {
		t.Fatalf("whole reads %d, partial %v, parts read %d, saved in groups %d", a.WholeReads(), a.Partial(), a.PartsRead(), archive.GroupedSaves()-n)
	}
	cold := f.cold("li").State
	if got, want := a.State.Members["sun"], cold.Members["sun"]; got == nil || !slices.Equal(got.Roles, want.Roles) {
		t.Fatalf("member sun: %+v, want %+v", got, want)
	}
	if got, want := archive.RolesAtForTest(a.State, "sun", f.clock().Add(time.Hour)), []string{"dept_manager", "sales"}; !slices.Equal(got, want) {
		t.Fatalf("sun's roles now: %v, want %v", got, want)
	}
	if d := a.State.Dossiers[pool[3]]; d == nil || !d.Updated.Equal(cold.Dossiers[pool[3]].Updated) {
		t.Fatalf("dossier %s: %+v", pool[3], d)
	}
	sameAsColdAs(t, f, f.reader("su", f.clock), "su")
}

// A leaver's step written in another clone concurrently with their
// removal (the second pass of a replay refuses it), both new to a
// reader's snapshot: the advance refuses it too and gives up, and what
// the reader finds is what a cold replay says. The removal alone advances
// another reader's snapshot, with no replay.
func TestRemovalAdvancesLikeTheSecondPass(t *testing.T) {
	f, _, pool := savedPool(t, 10)
	f.reader("su", f.clock) // su's snapshot and wang's, before both
	f.reader("wang", f.clock)
	base := f.clone()
	g := f.clone()
	if err := f.as("zhang").RemoveMember(ctx, "li"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	replays := archive.Replays()
	r := f.readerOf("wang", pool[2])
	if archive.Replays() != replays || r.State.Members["li"] == nil || !r.State.Members["li"].Removed {
		t.Fatalf("after the removal alone: %d replays, li %+v", archive.Replays()-replays, r.State.Members["li"])
	}
	if _, err := g.as("li").ReviewDone(pool[3], "离职前"); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base.dir)
	f.settle()
	cold := f.cold("su").State
	if len(cold.Problems) != 1 || !strings.Contains(cold.Problems[0].Msg, "concurrently with their removal") {
		t.Fatalf("cold problems %v", cold.Problems)
	}
	r = f.readerOf("su", pool[3])
	if d := r.State.Dossiers[pool[3]]; d == nil || len(d.Reviews) != len(cold.Dossiers[pool[3]].Reviews) || len(r.State.Problems) != 1 {
		t.Fatalf("the leaver's 核定: %+v, problems %v", d, r.State.Problems)
	}
	sameAsColdAs(t, f, f.reader("su", f.clock), "su")
}

// A member added after steps the user's pin remembers and the snapshot
// does not hold yet (three 核定, each pinned by its command): the
// re-encryption is taken in runs, each holding only its own events, and
// the pin check at the end still finds those steps in the journal the
// state stands for without replaying it. (At 100,000 dossiers it
// replayed the journal: 2.1 GB.)
func TestMemberAddAfterPinnedStepsKeepsThePin(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	pin := filepath.Join(t.TempDir(), "pin.yaml")
	open := func() *archive.Archive { t.Helper(); return f.memberOpen("zhang") }
	if _, err := open().CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	for _, id := range pool[:3] {
		a := f.openAbout("zhang", id, true)
		if _, err := a.ReviewDone(id, "再次"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CheckPin(pin); err != nil {
			t.Fatal(err)
		}
	}
	f.settle()
	k := newIdentity(t)
	f.ids["wu"] = k
	a := open()
	replays, runs := archive.Replays(), archive.RunBatches()
	if err := a.AddMember(ctx, member("wu", []string{"clerk"}, k)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if archive.RunBatches() != runs+1 || archive.Replays() != replays {
		t.Fatalf("in runs %d, %d replays", archive.RunBatches()-runs, archive.Replays()-replays)
	}
}

// A removal's re-encryption right after it (its month folder changed
// within the racy window, when no snapshot can be saved in groups) is
// taken in runs of parts, as an addition's is: it took the snapshot's
// whole state (1.07 GB at 100,000 dossiers), the removal not counting
// as a step a state of some parts can take (partsAdvance).
func TestRemovalRekeyedInRunsWithinTheRacyWindow(t *testing.T) {
	smallRuns(t)
	t.Cleanup(archive.SetBatchBundleMin(10)) // the month holds a bundle: no wait for the window
	f, _, _ := savedPool(t, 50)
	f.memberOpen("zhang")
	racyWindow(t, 3*time.Second)
	a := f.memberOpen("zhang")
	replays, runs := archive.Replays(), archive.RunBatches()
	if err := a.RemoveMember(ctx, "li"); err != nil {
		t.Fatal(err)
	}
	if archive.RunBatches() != runs+1 || archive.Replays() != replays || a.WholeReads() != 0 {
		t.Fatalf("in runs %d, %d replays, %d whole states", archive.RunBatches()-runs, archive.Replays()-replays, a.WholeReads())
	}
	racyWindow(t, 0)
	f.settle()
	sameAsColdAs(t, f, f.reader("su", f.clock), "su")
}

// smallRuns makes runs of parts small for the test: a batch takes its
// steps in runs past 5 parts, new events past 8 are saved in groups.
func smallRuns(t *testing.T) {
	t.Helper()
	oldMax, oldRun, oldGroup := archive.SetMaxSavedParts(8), archive.SetBatchRunParts(5), archive.SetGroupedParts(8)
	t.Cleanup(func() {
		archive.SetMaxSavedParts(oldMax)
		archive.SetBatchRunParts(oldRun)
		archive.SetGroupedParts(oldGroup)
	})
}

// memberOpen opens the archive as member m the way crm member add, roles,
// remove and rekey do: from the snapshot's rows and loans, steps on its
// parts.
func (f *fixture) memberOpen(m string) *archive.Archive {
	f.t.Helper()
	return f.openAs(m, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows | archive.SummaryLoans})
}

// Re-encrypting for a member added, with the plaintext cache filled by a
// listing, decrypts the files and loads none of the cache's buckets
// (plainCache.held): every one was loaded and held to the end (186 MB at
// 100,000 dossiers). The files are then what a cold replay expects, and
// read as before.
func TestRekeyBatchHoldsNoCacheBucket(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	if _, _, err := f.briefOf("zhang"); err != nil { // fills the cache
		t.Fatal(err)
	}
	a := f.memberOpen("zhang")
	a.EnableCache(f.cache)
	k := newIdentity(t)
	f.ids["wu"] = k
	if err := a.AddMember(ctx, member("wu", []string{"clerk"}, k)); err != nil {
		t.Fatal(err)
	}
	if n := a.CacheBucketsHeld(); n != 0 {
		t.Fatalf("the re-encryption held %d buckets of the plaintext cache", n)
	}
	if _, err := f.as("wu").Read(pool[7]); err != nil {
		t.Fatalf("the new clerk cannot read %s: %v", pool[7], err)
	}
	f.verifyClean()
}
