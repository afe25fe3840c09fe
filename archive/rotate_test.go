package archive_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// New keys for a member, given on an archive opened as crm member rotate
// opens it (the snapshot's rows and loans), re-encrypt the files the
// member may read as one batch in runs of parts, each replaying the
// rotation (memberStep): no replay of the journal, no whole state. The
// next reader saves the snapshot in groups, as a cold replay says; then
// no file is stale, the new key opens the member's files and the old one
// opens none of them.
func TestRotationRekeysAsABatch(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	open := func() *archive.Archive { t.Helper(); return f.memberOpen("zhang") }
	var suReads []string
	for _, d := range f.cold("zhang").State.SortedDossiers() {
		if d.Status == archive.StatusActive && slices.Contains(d.Recipients, "su") {
			suReads = append(suReads, d.ID)
		}
	}
	if len(suReads) < len(pool) {
		t.Fatalf("the supervisor reads %d dossiers, fewer than the %d made", len(suReads), len(pool))
	}
	open() // zhang's first open saves the snapshot
	a := open()
	if !a.Partial() {
		t.Fatal("not opened from the snapshot's rows")
	}
	old, nu := f.ids["su"], newIdentity(t)
	replays, runs := archive.Replays(), archive.RunBatches()
	n, err := a.RotateMember(ctx, "su", nu.Recipient, nu.SigningKey())
	if err != nil {
		t.Fatal(err)
	}
	if n != len(suReads) {
		t.Fatalf("%d files re-encrypted to the new keys, want the %d su reads", n, len(suReads))
	}
	if got := archive.Replays() - replays; got != 0 {
		t.Fatalf("the rotation and its batch replayed the journal %d times", got)
	}
	if archive.RunBatches() != runs+1 || a.WholeReads() != 0 {
		t.Fatalf("the re-encryption after member.rotate: in runs %d, whole states %d", archive.RunBatches()-runs, a.WholeReads())
	}
	f.ids["su"] = nu
	f.pulledInGroupsNoPin("the files re-encrypted to new keys")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("files still open with old keys: %v", st)
	}
	if st := archive.StaleOfRows(f.memberOpen("zhang")); len(st) != 0 {
		t.Fatalf("the rows say files still open with old keys: %v", st)
	}
	for _, id := range []string{suReads[0], pool[7]} {
		if _, err := f.as("su").Read(id); err != nil {
			t.Fatalf("su's new key does not open %s: %v", id, err)
		}
		ct, err := os.ReadFile(filepath.Join(f.dir, archive.DossierPath(id)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := archive.Decrypt(ct, old.Age); err == nil {
			t.Fatalf("su's old key still opens %s", id)
		}
	}
	f.verifyClean()
}

// A rotation journaled without its re-encryption (another clone's, its
// batch not finished) makes every file encrypted to the member's old key
// stale: the next reader saves the snapshot in groups with every part
// marked (saveInGroups), its rows say what a cold replay says, and the
// maintain that follows, from those rows, re-encrypts them all.
func TestRotationAloneMarksEveryPart(t *testing.T) {
	smallRuns(t)
	f, _, _ := savedPool(t, 50)
	f.memberOpen("zhang")
	f.rotateByHand("su")
	f.pulledInGroupsNoPin("a rotation alone")
	want := archive.StaleOfRows(f.cold("zhang"))
	if len(want) == 0 {
		t.Fatal("no file stale after the rotation")
	}
	for id, st := range want {
		if !slices.Equal(st, []string{"su"}) {
			t.Fatalf("%s: stale %v, want [su]", id, st)
		}
	}
	rows := f.memberOpen("zhang")
	if !rows.Partial() {
		t.Fatal("not opened from the snapshot's rows")
	}
	if got := archive.StaleOfRows(rows); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
	rep, err := f.openAs("zhang", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows}).Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(want)); !slices.Equal(rep.Rekeyed, got) {
		t.Fatalf("maintain re-encrypted %v, want %v", rep.Rekeyed, got)
	}
	f.pulledInGroupsNoPin("the stale files re-encrypted")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("files still open with old keys: %v", st)
	}
	f.verifyClean()
}

// A member's own work that does not follow new keys of theirs, ordered
// after them by the merge, is judged by a full replay with the key before
// them (signingKeyOf: their clone had not heard of the rotation); an
// advance cannot tell that of a dossier it holds no events of, and
// replays the whole journal instead (rotatedSigners), as it does when
// the snapshot knows the rotation already and the 核定 comes as a pull of
// a clone's work beside it (commutes). A 核定 signed with the new key
// that does not follow the rotation is then a problem, as in a cold
// replay, and not accepted from the snapshot.
func TestRotationBesideOwnWorkIsReplayed(t *testing.T) {
	for _, snapshotFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("snapshot before the rotation %v", snapshotFirst), func(t *testing.T) {
			f, _, pool := savedPool(t, 5)
			if snapshotFirst {
				f.reader("zhang", f.clock)
			}
			heads := f.as("zhang").State.Journal.Heads
			nu := newIdentity(t)
			if _, err := f.as("zhang").RotateMember(ctx, "li", nu.Recipient, nu.SigningKey()); err != nil {
				t.Fatal(err)
			}
			if !snapshotFirst {
				f.reader("zhang", f.clock)
			}
			last := ""
			for h := range f.cold("zhang").State.Journal.ByHash {
				last = max(last, h)
			}
			f.forgeAt("li", nu, archive.KindReview, pool[2], heads,
				func(i int) any { return &archive.ReviewData{Quarter: "2026Q4", Note: fmt.Sprintf("新钥匙 %d", i)} },
				func(h string) bool { return h > last })
			f.ids["li"] = nu
			if ps := f.cold("zhang").State.Problems; len(ps) != 1 {
				t.Fatalf("a cold replay finds problems %v, want the 核定 signed with the new key beside the rotation", ps)
			}
			sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
			sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
		})
	}
}

// A rotation's re-encryption when the snapshot cannot first be saved in
// groups (the month folder the rotation was just written to holds a
// batch's bundle and changed within the racy window: settleListed does
// not wait for it) is still one batch in runs, each run replaying the
// rotation and marking its own dossiers: no whole state (at 100,000
// dossiers it took 1.03 GB). The next reader, past the window, saves in
// groups what a cold replay says.
func TestRotationRekeysInRunsWithoutAGroupedSave(t *testing.T) {
	smallRuns(t)
	defer archive.SetBatchBundleMin(10)()
	f, _, _ := savedPool(t, 50) // its creations are a bundle of this month
	f.memberOpen("zhang")
	a := f.memberOpen("zhang")
	racyWindow(t, time.Hour)
	nu := newIdentity(t)
	saves, runs := archive.GroupedSaves(), archive.RunBatches()
	n, err := a.RotateMember(ctx, "su", nu.Recipient, nu.SigningKey())
	if err != nil {
		t.Fatal(err)
	}
	if archive.GroupedSaves() != saves {
		t.Fatal("saved in groups: the test does not take the path it is for")
	}
	if archive.RunBatches() != runs+1 || a.WholeReads() != 0 || n == 0 {
		t.Fatalf("the re-encryption after member.rotate: in runs %d, whole states %d, %d re-encrypted", archive.RunBatches()-runs, a.WholeReads(), n)
	}
	racyWindow(t, 0)
	f.ids["su"] = nu
	f.pulledInGroupsNoPin("the files re-encrypted to new keys, in runs")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("files still open with old keys: %v", st)
	}
	f.verifyClean()
}

// rotateByHand journals, as manager zhang, new keys for member (their
// identity in f.ids is the new one), without the re-encryption crm
// member rotate does after it: another clone's rotation, its batch not
// finished.
func (f *fixture) rotateByHand(member string) {
	f.t.Helper()
	nu := newIdentity(f.t)
	f.writeEvent("zhang", archive.KindMemberRotate, "", &archive.MemberRotate{Member: member, Recipient: nu.Recipient, SigningKey: nu.SigningKey()})
	f.ids[member] = nu
}
