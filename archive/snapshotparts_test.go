package archive_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"crm/archive"
)

// A loan step naming a loan that is not there (a typo) works on the state
// of some parts, as a step on a loan that is there does: the step refuses
// it on that state, and what the open saved is what every later command
// reads, equal to a cold replay.
func TestSnapshotUnusedPartialAdvanceLeavesNoTrace(t *testing.T) {
	f, ids := snapshotHistory(t)
	// New events about one dossier: a 核定 and a credit class.
	if _, err := f.as("li").ReviewDone(ids[1-1], "再次核对"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").SetCredit(ids[0], "B", "复核"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	// borrow approve L-999999 (a typo): the state of some parts is
	// advanced and holds no such loan; nothing decodes every dossier.
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, OnlyLoan: "L-999999"})
	t.Logf("snapshot %v partial %v", a.FromSnapshot(), a.Partial())
	if !a.FromSnapshot() || !a.Partial() {
		t.Fatalf("snapshot %v, partial %v: want the state of some parts from the snapshot", a.FromSnapshot(), a.Partial())
	}
	if a.State.Loans["L-999999"] != nil {
		t.Fatal("a loan that was never asked for is in the state")
	}
	if d := a.State.Dossiers[ids[0]]; d != nil {
		t.Logf("%s: %d reviews, %d credit marks", ids[0], len(d.Reviews), len(d.Credits))
	}
	// What it saved: every later command reads it.
	r := f.reader("li", f.clock)
	if d := r.State.Dossiers[ids[0]]; d != nil {
		t.Logf("next open (snapshot %v): %s: %d reviews, %d credit marks", r.FromSnapshot(), ids[0], len(d.Reviews), len(d.Credits))
	}
	sameAsCold(t, f, r)
}

// bulkCreate creates n dossiers as li in one Bulk (events in many parts).
func (f *fixture) bulkCreate(n int) []string {
	f.t.Helper()
	var ids []string
	a := f.as("li")
	if err := a.Bulk(func() error {
		for range n {
			id, err := a.Create([]byte("customer:\n  name: 批量\nowner: 李四\n"), "秘密")
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// wholeFromSavedIsCold checks that the open saved the advanced snapshot
// and that the whole state read from it is a cold replay's.
func (f *fixture) wholeFromSavedIsCold(what string, a *archive.Archive) {
	f.t.Helper()
	if !a.Partial() || !a.FromSnapshot() || !a.SnapshotStandsFor() {
		f.t.Fatalf("%s: partial %v, snapshot %v, saved %v", what, a.Partial(), a.FromSnapshot(), a.SnapshotStandsFor())
	}
	w := f.reader("li", f.clock)
	if !w.FromSnapshot() {
		f.t.Fatalf("%s: the whole state was replayed", what)
	}
	sameAsCold(f.t, f, w)
	f.sameSummaryAsCold(f.clock, true)
}

// Every open of some parts saves the advanced snapshot past 32 parts, not
// only a summary's: one about a dossier (show), a create (new), a loan
// step (borrow approve), a summary of destruction requests.
func TestSnapshotEveryPartialOpenSaves(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	d, err := f.as("li").DestroyRequest(ids[2], "到期")
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.as("zhao").BorrowRequest(ids[1], "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("li", f.clock)
	f.bulkCreate(150)
	f.settle()
	f.wholeFromSavedIsCold("show", f.readerOf("li", ids[0]))

	f.bulkCreate(150)
	f.settle()
	c := f.creator("li")
	f.wholeFromSavedIsCold("new", c)
	if _, err := c.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("li", f.clock)
	f.verifyClean()

	f.bulkCreate(150)
	f.settle()
	s := f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, OnlyLoan: l.ID})
	f.wholeFromSavedIsCold("loan", s)

	f.bulkCreate(150)
	f.settle()
	s = f.summaryOpen(f.clock, archive.SummaryDestructions)
	if len(s.Destructions()) != 1 || s.Destructions()[0].ID != d.ID {
		t.Fatalf("destructions %v", s.Destructions())
	}
	f.wholeFromSavedIsCold("destructions", s)
}

// A kept part damaged in the old snapshot is copied with the sum the old
// header gave it: it does not match, is not used, and the dossiers it
// holds are read from a replay.
func TestSnapshotDamagedKeptPart(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	f.damagePart(ids[2])
	f.bulkCreate(150)
	f.settle()
	s := f.summaryOpen(f.clock, archive.SummaryRows)
	t.Logf("partial %v snapshot %v saved %v", s.Partial(), s.FromSnapshot(), s.SnapshotStandsFor())
	a := f.readerOf("li", ids[2])
	t.Logf("about %s: partial %v snapshot %v", ids[2], a.Partial(), a.FromSnapshot())
	sameAsCold(t, f, a)
	sameAsCold(t, f, f.reader("li", f.clock))
	sameAsCold(t, f, f.reader("li", f.clock))
}

// A snapshot another build wrote (an upgrade changed the types of its
// parts) is still read. A few new events advance some of its parts
// unsaved, as any snapshot's; past 32 parts, the parts cannot be saved
// beside the old ones, so the whole state is read and saved once, all of
// it encoded by this build. Before, every command advanced the same parts
// again and never saved them (0.25 s for show at 100,000 dossiers a day
// after an upgrade, up to seconds a month after).
func TestSnapshotOfAnotherBuildIsSavedAgain(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	if err := f.reader("li", f.clock).EncodeSnapshotAsAnotherBuild(); err != nil {
		t.Fatal(err)
	}
	a := f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.Partial() || a.SnapshotEncodedHere() {
		t.Fatalf("as written by another build: snapshot %v, partial %v, this build's %v", a.FromSnapshot(), a.Partial(), a.SnapshotEncodedHere())
	}
	f.sameDossiersAsCold()

	if _, err := f.as("li").ReviewDone(ids[2], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if err := f.reader("li", f.clock).EncodeSnapshotAsAnotherBuild(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	a = f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.Partial() || a.SnapshotStandsFor() {
		t.Fatalf("one new event: snapshot %v, partial %v, saved %v", a.FromSnapshot(), a.Partial(), a.SnapshotStandsFor())
	}
	f.sameDossiersAsCold()

	f.bulkCreate(150)
	f.settle()
	a = f.readerOf("li", ids[0])
	if !a.FromSnapshot() || a.Partial() || !a.SnapshotStandsFor() || !a.SnapshotEncodedHere() {
		t.Fatalf("past 32 parts: snapshot %v, partial %v, saved %v, this build's %v", a.FromSnapshot(), a.Partial(), a.SnapshotStandsFor(), a.SnapshotEncodedHere())
	}
	sameAsCold(t, f, a)
	if n, all := f.sameDossiersAsCold(), len(f.cold("li").State.Dossiers); n != all {
		t.Fatalf("after the save, %d of %d opens about one dossier read only its part", n, all)
	}
}

// A command that only reads one dossier (show, log ID) advances the
// snapshot by the new events about that dossier's part alone when each
// new event changes nothing but its own dossier: the parts of the others
// are not read, their events not replayed, and what it says of its
// dossier is still what a cold replay says, whatever the order the steps
// were taken in (a step about it that follows steps about others). A
// refused event about another dossier is not its concern; one about its
// own part is found, by a replay of the whole journal.
func TestSnapshotOneDossierReadsItsPartOnly(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	if archive.SnapBucketOf(ids[0]) == archive.SnapBucketOf(ids[1]) || archive.SnapBucketOf(ids[0]) == archive.SnapBucketOf(ids[2]) {
		t.Fatalf("the fixture's dossiers %v share a part: the test needs them apart", ids)
	}
	f.settle()
	f.reader("li", f.clock)
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	// Steps about the others before and after one about ids[0]: its
	// 核定 follows theirs through links.
	if _, err := f.as("li").ReviewDone(ids[2], "先核对"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetCredit(ids[1], "A", "付款及时"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").ReviewDone(ids[0], "再次核对"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetTier(ids[2], "重点", "年采购额大"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	a := f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.Partial() || a.PartsRead() != 1 {
		t.Fatalf("snapshot %v, partial %v, parts read %d", a.FromSnapshot(), a.Partial(), a.PartsRead())
	}
	if a.State.Dossiers[ids[1]] != nil || a.State.Dossiers[ids[2]] != nil {
		t.Fatal("the other dossiers were read")
	}
	if n := len(a.State.Dossiers[ids[0]].Reviews); n != 2 {
		t.Fatalf("%s: %d reviews, want 2", ids[0], n)
	}
	if f.sameDossiersAsCold() != 3 {
		t.Fatal("an open about one dossier read more than its part")
	}
	// A step a reader of ids[1] must refuse, written outside crm.
	if err := f.as("zhao").ForgeEvent(archive.KindDossierCredit, ids[1], map[string]string{"class": "A", "reason": "x"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if a := f.readerOf("li", ids[0]); !a.Partial() || a.PartsRead() != 1 || len(a.State.Problems) != 0 {
		t.Fatalf("about %s: partial %v, parts read %d, problems %v", ids[0], a.Partial(), a.PartsRead(), a.State.Problems)
	}
	if a := f.readerOf("li", ids[1]); a.Partial() || len(a.State.Problems) == 0 {
		t.Fatalf("about %s: partial %v, problems %v", ids[1], a.Partial(), a.State.Problems)
	}
}

// A command about one dossier that replayed the new events of its part
// alone (onePart) leaves the pin as it was: its good heads leave out the
// events it did not replay, and pinned they would forget a head a full
// command pinned, whose rollback would then go unnoticed.
func TestSnapshotOnePartKeepsThePin(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	if archive.SnapBucketOf(ids[0]) == archive.SnapBucketOf(ids[1]) {
		t.Fatalf("the fixture's dossiers %v share a part: the test needs them apart", ids)
	}
	f.settle()
	f.reader("li", f.clock)
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	if _, _, err := f.as("su").SetCredit(ids[1], "A", "付款及时"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	pin := filepath.Join(t.TempDir(), "pin.yaml")
	full := f.as("li")
	if _, err := full.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	head := full.State.Journal.Heads[0]
	before, _ := os.ReadFile(pin)
	a := f.readerOf("li", ids[0])
	if !a.Partial() || a.PartsRead() != 1 {
		t.Fatalf("partial %v, parts read %d", a.Partial(), a.PartsRead())
	}
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(pin); !bytes.Equal(after, before) || !strings.Contains(string(after), head) {
		t.Fatalf("the pin changed:\nbefore %s\nafter  %s", before, after)
	}
	// The credit step rolled back: noticed.
	evs, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*-"+head+".yaml"))
	if len(evs) != 1 {
		t.Fatalf("event files of %s: %v", head, evs)
	}
	if err := os.Remove(evs[0]); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if err := archive.CheckPinnedFiles(f.dir, pin); archive.CodeOf(err) != archive.Integrity {
		t.Fatalf("rollback of %s: %v", head, err)
	}
}

// An id typed in another case is looked for first as typed (resolveID),
// which reads the part that form names: a state of one part does not
// keep that other part, whose new events it does not replay.
func TestSnapshotOnePartDropsProbedParts(t *testing.T) {
	f := newFixtureStyle(t, archive.IDRandom)
	// Random ids: more are made until one's lower-case form lies in
	// another's part (200 give ~10 such pairs).
	var ids []string
	var x, y string
	for round := 0; x == ""; round++ {
		if round == 5 {
			t.Fatalf("no two of %d random ids pair up", len(ids))
		}
		ids = append(ids, f.bulkCreate(200)...)
		byPart := map[int]string{}
		for _, b := range ids {
			byPart[archive.SnapBucketOf(b)] = b
		}
		for _, a := range ids {
			if b, ok := byPart[archive.SnapBucketOf(strings.ToLower(a))]; ok && b != a && archive.SnapBucketOf(a) != archive.SnapBucketOf(b) {
				x, y = a, b
				break
			}
		}
	}
	f.settle()
	f.reader("li", f.clock)
	f.reader("li", f.clock)
	if _, _, err := f.as("su").SetCredit(y, "A", "付款及时"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	a := f.readerOf("li", strings.ToLower(x))
	if !a.Partial() || a.PartsRead() != 1 || a.State.Dossiers[y] != nil || a.State.Dossiers[x] == nil {
		t.Fatalf("partial %v, parts read %d, holds %s: %v, %s: %v", a.Partial(), a.PartsRead(), y, a.State.Dossiers[y] != nil, x, a.State.Dossiers[x] != nil)
	}
}

// A command that only reads one dossier (show) from a snapshot that
// stands for the journal saves nothing, so it does not ask whose encoding
// the snapshot's parts are: thisPrelude (a gob encoding of every type a
// part holds, ~0.5 ms of a 9 ms show at 100,000 dossiers) is not made.
// Its checks are the same: the part read is checked against the sealed
// header and the dossier is the cold replay's. A later write in
// the same process makes the prelude before it encodes a header
// (encodeHeader), and the snapshot it saves is this build's.
func TestSnapshotOneDossierMakesNoPrelude(t *testing.T) {
	f, ids := snapshotHistory(t)
	made, restore := archive.CountPreludes()
	defer restore()
	a := f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.Partial() || a.PartsRead() != 1 {
		t.Fatalf("snapshot %v, partial %v, parts read %d", a.FromSnapshot(), a.Partial(), a.PartsRead())
	}
	if n := made(); n != 0 {
		t.Fatalf("a read of one dossier made the prelude %d time(s)", n)
	}
	if f.sameDossiersAsCold() != 3 {
		t.Fatal("an open about one dossier read more than its part")
	}
	f.bulkCreate(150)
	f.settle()
	a = f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.SnapshotStandsFor() || !a.SnapshotEncodedHere() || made() != 1 {
		t.Fatalf("past 32 parts: snapshot %v, saved %v, this build's %v, prelude made %d time(s)", a.FromSnapshot(), a.SnapshotStandsFor(), a.SnapshotEncodedHere(), made())
	}
	if n, all := f.sameDossiersAsCold(), len(f.cold("li").State.Dossiers); n != all {
		t.Fatalf("after the save, %d of %d opens about one dossier read only its part", n, all)
	}
}

// The journal's folders are listed while the snapshot's header is read.
// A listing that is not the snapshot's (a writer saved a newer snapshot
// between the two) is not compared with it: the folders are listed again
// after the header, and a show of one dossier still reads its part alone
// from a snapshot that stands for the journal.
func TestSnapshotEarlyListingNotTheSnapshotsIsMadeAgain(t *testing.T) {
	f, ids := snapshotHistory(t)
	restore := archive.StaleEarlyListing()
	defer restore()
	months := archive.MonthPartReads()
	a := f.readerOf("li", ids[0])
	if !a.FromSnapshot() || !a.Partial() || a.PartsRead() != 1 || archive.MonthPartReads() != months {
		t.Fatalf("snapshot %v, partial %v, parts read %d, month parts read %d", a.FromSnapshot(), a.Partial(), a.PartsRead(), archive.MonthPartReads()-months)
	}
	if f.sameDossiersAsCold() != 3 {
		t.Fatal("an open about one dossier read more than its part")
	}
}

// The snapshot's header is read while crm.yaml is parsed. A crm.yaml that
// no longer parses is still the open's error (exit 4, restore it), and
// the snapshot file read meanwhile is closed, not left open.
func TestSnapshotHeaderReadBesideABrokenPolicy(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	if !f.readerOf("li", ids[0]).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	if runtime.GOOS != "linux" {
		t.Skipf("counts open files in /proc/self/fd, which %s has not", runtime.GOOS)
	}
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	if err := os.WriteFile(filepath.Join(f.dir, archive.PolicyFile), []byte("format: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := fds()
	for range 20 {
		_, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Snapshot: true, Only: ids[0], Clock: f.clock, CacheDir: f.cache, Identity: f.ids["li"]})
		wantCode(t, err, archive.Integrity, archive.PolicyFile)
	}
	if after := fds(); after > before {
		t.Fatalf("%d files open before, %d after 20 opens refused", before, after)
	}
}

// snapshotHistory is a fixture with fixture.history's dossiers, settled,
// whose snapshot the second open as li read, and the dossiers' ids.
func snapshotHistory(t *testing.T) (*fixture, []string) {
	t.Helper()
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	return f, ids
}
