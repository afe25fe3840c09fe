package archive_test

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crm/archive"
	"crm/classify"
)

// A second rotation (the snapshot already knows one, of any member): the
// next reader saves the snapshot in groups, as after the first.
//
// Failed at ff37fd7: snapLoad.state set every state's rotated and
// keyChanges to the snapshot header's maps (snap.Rotated, snap.KeyChanges)
// after ownMembers cloned them, so once those maps are not nil the
// header's memberSteps and each of the 64 runs append the rotation to one
// shared map (65 entries for wang), sameMembers compares a map with
// itself, and the header encoded after the runs is longer than the room
// left for it (writeSnapshotFile): nothing is saved, and the command
// reads and advances the whole state instead.
func TestReview53SecondRotationSavedInGroups(t *testing.T) {
	smallRuns(t)
	f, _, _ := savedPool(t, 50)
	f.memberOpen("zhang")
	f.rotateByHand("su")
	f.pulledInGroupsNoPin("a first rotation")
	f.rotateByHand("wang")
	f.pulledInGroupsNoPin("a second rotation")
}

// crm member rotate, a second and third time (another member's keys,
// then su's again): each re-encryption is one batch in runs, as the
// first one's was, with no whole state read; and each leaves what a cold
// replay says, no file stale, the new key opening su's files and the
// old ones none.
func TestReview53SecondRotateMemberInRuns(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	f.memberOpen("zhang")
	for i, m := range []string{"su", "wang", "su"} {
		a := f.memberOpen("zhang")
		if !a.Partial() {
			t.Fatalf("%s: not opened from the snapshot's rows", m)
		}
		old, nu := f.ids[m], newIdentity(t)
		runs := archive.RunBatches()
		n, err := a.RotateMember(ctx, m, nu.Recipient, nu.SigningKey())
		if err != nil {
			t.Fatal(err)
		}
		f.ids[m] = nu
		if archive.RunBatches() != runs+1 || a.WholeReads() != 0 {
			t.Errorf("rotation %d, of %s (%d re-encrypted): in runs %d, whole states %d", i+1, m, n, archive.RunBatches()-runs, a.WholeReads())
		}
		f.settle()
		sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
		if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
			t.Fatalf("rotation %d: still stale %v", i+1, st)
		}
		if st := archive.StaleOfRows(f.memberOpen("zhang")); len(st) != 0 {
			t.Fatalf("rotation %d: the rows say still stale %v", i+1, st)
		}
		ct, err := os.ReadFile(filepath.Join(f.dir, archive.DossierPath(pool[7])))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := archive.Decrypt(ct, old.Age); err == nil {
			t.Fatalf("rotation %d: %s's old key still opens %s", i+1, m, pool[7])
		}
		if _, err := archive.Decrypt(ct, nu.Age); err != nil {
			t.Fatalf("rotation %d: %s's new key does not open %s", i+1, m, pool[7])
		}
	}
	f.verifyClean()
}

// The first rotation of the archive journaled with other steps on
// members, or the rotated member's own work, in the same new events: the
// next reader saves in groups what a cold replay says, and the rows'
// stale keys (as memberOpen reads them) are a cold replay's.
func TestReview53RotationWithOtherSteps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(f *fixture, pool []string)
	}{
		{"then removed", func(f *fixture, pool []string) {
			f.writeEvent("zhang", archive.KindMemberRemove, "", &archive.MemberRemove{Member: "su", Reason: "离职"})
		}},
		{"then a member added", func(f *fixture, pool []string) {
			k := newIdentity(f.t)
			f.ids["wu"] = k
			m := member("wu", []string{"supervisor"}, k)
			f.writeEvent("zhang", archive.KindMemberAdd, "", &archive.MemberAdd{Member: m})
		}},
		{"rotated twice", func(f *fixture, pool []string) {
			f.rotateByHand("su")
		}},
		{"then their own 核定", func(f *fixture, pool []string) {
			f.writeEvent("su", archive.KindReview, pool[2], &archive.ReviewData{Quarter: "2026Q4", Note: "新钥匙"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			smallRuns(t)
			f, _, pool := savedPool(t, 50)
			f.memberOpen("zhang")
			f.rotateByHand("su")
			tc.after(f, pool)
			f.pulledInGroupsNoPin(tc.name)
			cold := f.cold("zhang")
			if len(cold.State.Problems) != 0 {
				t.Fatalf("problems: %v", cold.State.Problems)
			}
			want := archive.StaleOfRows(cold)
			if len(want) == 0 {
				t.Fatal("nothing stale")
			}
			if got := archive.StaleOfRows(f.memberOpen("zhang")); !maps.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
			}
		})
	}
}

// A rotation (crm member rotate, its batch) in one clone, concurrent with
// another clone's edit of a file the member reads and a new dossier, both
// to the member's old key: after the pull, a reader whose snapshot is
// older than both saves in groups what a cold replay says, the rows'
// stale keys are a cold replay's, and maintain from the rows re-encrypts
// what is left.
func TestReview53RotationConcurrentWithAnotherClone(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	f.memberOpen("zhang")
	f.memberOpen("zhang")
	base := f.clone()
	g := f.clone()
	nu := newIdentity(t)
	if _, err := f.memberOpen("zhang").RotateMember(ctx, "su", nu.Recipient, nu.SigningKey()); err != nil {
		t.Fatal(err)
	}
	g.edit("li", pool[5])
	g.edit("li", pool[40])
	g.createAs("li", "customer:\n  name: 并发\nowner: 李四\n", "秘密")
	f.ids["su"] = nu
	f.pull(g, base.dir)
	f.theFilesPinned(g)
	cold := f.cold("zhang")
	if len(cold.State.Problems) != 0 {
		t.Fatalf("problems: %v", cold.State.Problems)
	}
	want := archive.StaleOfRows(cold)
	t.Logf("stale after the pull (cold): %v", want)
	f.pulledInGroupsNoPin("a rotation beside another clone's edits")
	if got := archive.StaleOfRows(f.memberOpen("zhang")); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
	sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
	rep, err := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows}).Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(want)); !slices.Equal(rep.Rekeyed, got) {
		t.Fatalf("maintain re-encrypted %v, want %v", rep.Rekeyed, got)
	}
	f.settle()
	sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("still stale: %v", st)
	}
}

// theFilesPinned puts in f each dossier file of g that the journal pins
// where f's is not (a merge that kept the right side of each conflict).
func (f *fixture) theFilesPinned(g *fixture) {
	f.t.Helper()
	for id, d := range f.cold("zhang").State.Dossiers {
		p := filepath.Join(f.dir, archive.DossierPath(id))
		mine, _ := os.ReadFile(p)
		if sum := sha256.Sum256(mine); hex.EncodeToString(sum[:]) == d.SHA256 {
			continue
		}
		theirs, err := os.ReadFile(filepath.Join(g.dir, archive.DossierPath(id)))
		if sum := sha256.Sum256(theirs); err != nil || hex.EncodeToString(sum[:]) != d.SHA256 {
			f.t.Fatalf("%s: neither side has the file pinned", id)
		}
		if err := os.WriteFile(p, theirs, 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// A command about one dossier right after a rotation another clone
// journaled without its batch: it sees the dossier's file stale, as a
// cold replay does; a step on it (an edit, from the snapshot) writes it
// to the new key, and the next reader's state is a cold replay's.
func TestReview53OneDossierAfterARotation(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	f.memberOpen("zhang")
	f.rotateByHand("su")
	f.settle()
	id := pool[3]
	a := f.readerOf("li", id)
	cold := f.cold("li")
	if got, want := a.State.StaleKeys(a.State.Dossiers[id]), cold.State.StaleKeys(cold.State.Dossiers[id]); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("%s stale %v, cold %v", id, got, want)
	}
	s := f.openAbout("li", id, true)
	o, err := s.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Update(id, o.SHA256, o.Text, append(slices.Clone(o.Text), "# 改\n"...)); err != nil {
		t.Fatal(err)
	}
	f.settle()
	cold = f.cold("li")
	if st := cold.State.StaleKeys(cold.State.Dossiers[id]); len(st) != 0 {
		t.Fatalf("%s still stale after the edit: %v", id, st)
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	if _, err := f.as("su").Read(id); err != nil {
		t.Fatalf("su's new key: %v", err)
	}
	if got, want := archive.StaleOfRows(f.memberOpen("zhang")), archive.StaleOfRows(f.cold("zhang")); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
}

// New keys for a borrower (zhao, lent ids[0]): the file lent to them is
// re-encrypted to the new key in the batch's runs, which the new key
// opens and the old one does not; the state is a cold replay's.
func TestReview53RotateABorrower(t *testing.T) {
	smallRuns(t)
	f, ids, _ := savedPool(t, 50)
	if d := f.cold("zhang").State.Dossiers[ids[0]]; !slices.Contains(d.Recipients, "zhao") {
		t.Fatalf("%s is not encrypted to the borrower: %v", ids[0], d.Recipients)
	}
	f.memberOpen("zhang")
	old, nu := f.ids["zhao"], newIdentity(t)
	a := f.memberOpen("zhang")
	n, err := a.RotateMember(ctx, "zhao", nu.Recipient, nu.SigningKey())
	if err != nil {
		t.Fatal(err)
	}
	f.ids["zhao"] = nu
	if n != 1 || a.WholeReads() != 0 {
		t.Fatalf("%d re-encrypted (want the one lent), whole states %d", n, a.WholeReads())
	}
	f.settle()
	sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("still stale: %v", st)
	}
	if _, err := f.as("zhao").Read(ids[0]); err != nil {
		t.Fatalf("the borrower's new key: %v", err)
	}
	ct, err := os.ReadFile(filepath.Join(f.dir, archive.DossierPath(ids[0])))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Decrypt(ct, old.Age); err == nil {
		t.Fatal("the borrower's old key still opens the file lent")
	}
	f.verifyClean()
}

// A manager whose key no file opens yet (added by hand, the re-encryption
// for them not done) gives su new keys: nothing can be re-encrypted, the
// command says so (Unfinished), and every file su reads stays stale, in
// the rows as in a cold replay, until another manager's maintain
// re-encrypts them from the rows.
func TestReview53RotationByAManagerWhoCannotDecrypt(t *testing.T) {
	smallRuns(t)
	f, _, _ := savedPool(t, 50)
	f.ids["qin"] = newIdentity(t)
	f.writeEvent("zhang", archive.KindMemberAdd, "", &archive.MemberAdd{Member: member("qin", []string{"manager"}, f.ids["qin"])})
	f.settle()
	f.memberOpen("qin")
	f.memberOpen("zhang")
	nu := newIdentity(t)
	n, err := f.memberOpen("qin").RotateMember(ctx, "su", nu.Recipient, nu.SigningKey())
	if err == nil || archive.CodeOf(err) != archive.Unfinished {
		t.Fatalf("rotated by a manager who cannot decrypt: %d re-encrypted, err %v", n, err)
	}
	f.ids["su"] = nu
	f.settle()
	want := archive.StaleOfRows(f.cold("zhang"))
	t.Logf("%d re-encrypted, %d stale", n, len(want))
	if len(want) < 50 {
		t.Fatalf("only %d files stale", len(want))
	}
	if got := archive.StaleOfRows(f.memberOpen("zhang")); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
	sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
	rep, err := f.memberOpen("zhang").Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rekeyed) < len(want) {
		t.Fatalf("maintain re-encrypted %d, want at least %d", len(rep.Rekeyed), len(want))
	}
	f.settle()
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("still stale: %v", st)
	}
	sameAsColdAs(t, f, f.reader("zhang", f.clock), "zhang")
	f.verifyClean()
}

// New keys for a borrower (crm member rotate), then a loan to them of
// another dossier, all new to a reader: saved in groups as a cold replay
// says, no file stale, both files lent opened by the new key.
func TestReview53RotatedBorrowerThenLoanSteps(t *testing.T) {
	smallRuns(t)
	f, ids, pool := savedPool(t, 50)
	f.memberOpen("zhang")
	f.memberOpen("zhang")
	nu := newIdentity(t)
	if _, err := f.memberOpen("zhang").RotateMember(ctx, "zhao", nu.Recipient, nu.SigningKey()); err != nil {
		t.Fatal(err)
	}
	f.ids["zhao"] = nu
	f.lendFor(pool[9], 3)
	if _, err := f.as("zhao").Read(pool[9]); err != nil {
		t.Fatalf("the borrower's new key: %v", err)
	}
	f.pulledInGroupsNoPin("a borrower's new keys, then loan steps")
	if st := archive.StaleOfRows(f.cold("zhang")); len(st) != 0 {
		t.Fatalf("still stale: %v", st)
	}
	if got, want := archive.StaleOfRows(f.memberOpen("zhang")), archive.StaleOfRows(f.cold("zhang")); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
	if _, err := f.as("zhao").Read(ids[0]); err != nil {
		t.Fatalf("the borrower's new key, first loan: %v", err)
	}
	f.verifyClean()
}

// New keys for su, then su's 核定 of every dossier signed with them and a
// manager's sign-off of those, all new to a reader: every run replays the
// rotation and the sign-off; the snapshot saved in groups is a cold
// replay's.
func TestReview53RotationThenOwnBatchAndSignoff(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	f.rotateByHand("su")
	if _, _, err := f.as("su").ReviewDoneMany(pool, classify.Quarter{}, archive.ReviewRecord{Note: "新钥匙"}); err != nil {
		t.Fatal(err)
	}
	if ids, err := f.as("zhang").ReviewSignoff(classify.Quarter{Year: 2026, Q: 4}); err != nil || len(ids) < len(pool) {
		t.Fatalf("signed %d: %v", len(ids), err)
	}
	if ps := f.cold("zhang").State.Problems; len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	f.pulledInGroupsNoPin("a rotation, the member's batch and a sign-off")
	if got, want := archive.StaleOfRows(f.memberOpen("zhang")), archive.StaleOfRows(f.cold("zhang")); !maps.EqualFunc(got, want, slices.Equal) || len(want) == 0 {
		t.Fatalf("the rows say stale %v,\nthe replay %v", got, want)
	}
}
