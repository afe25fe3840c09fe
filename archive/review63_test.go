package archive_test

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"crm/archive"
	"crm/classify"
)

// A leaver's old problem event stays a head: new steps follow the good
// heads only, so the removal does not follow it. A full replay's second
// pass then refuses it as written concurrently with the removal (another
// message); the snapshot advanced over the removal keeps the old message.
func TestReview63LeaversProblemHead(t *testing.T) {
	f, _, _ := savedPool(t, 4)
	if err := f.as("li").ForgeEvent(archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"manager"}}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	r := f.reader("su", f.clock)
	if len(r.State.Problems) != 1 {
		t.Fatalf("problems %v", r.State.Problems)
	}
	t.Logf("before: %v", r.State.Problems)
	f.reader("su", f.clock)
	if err := f.as("zhang").RemoveMember(ctx, "li"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	replays := archive.Replays()
	r = f.reader("su", f.clock)
	t.Logf("advanced: replays %d, problems %v", archive.Replays()-replays, r.State.Problems)
	t.Logf("cold problems %v", f.cold("su").State.Problems)
	sameAsColdAs(t, f, r, "su")
}

// snapHeader is what this test reads of a saved snapshot's header (gob
// decodes the fields it names and skips the others).
type snapHeader struct {
	Heads    []string
	Removed  map[string][]string
	Removals map[string][]string
}

func readSnapHeader(t *testing.T, cache string) snapHeader {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(cache, "journal", "*", "state.snap"))
	if err != nil || len(m) == 0 {
		t.Fatalf("snapshots %v %v", m, err)
	}
	// The newest (a clone shares the cache).
	slices.SortFunc(m, func(a, b string) int {
		x, _ := os.Stat(a)
		y, _ := os.Stat(b)
		return y.ModTime().Compare(x.ModTime())
	})
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	const magic = archive.SnapMagic
	if !bytes.HasPrefix(b, []byte(magic)) {
		t.Fatalf("not a snapshot of this version: %q", b[:30])
	}
	n := binary.BigEndian.Uint64(b[len(magic):])
	body := b[len(magic)+8 : len(magic)+8+int(n)]
	var h snapHeader
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// Two managers: ma removes zhou in one clone while zhang removes ma in
// the other, ma's removal of zhou ordered first. A full replay's first
// pass lets ma's removal of zhou take effect (Removals: zhou), its second
// refuses it (zhou stays a member). zhang then removes zhou: the first
// pass refuses that (zhou was removed there), the second takes it, so a
// cold replay's Removals do not list it. The snapshot advanced over it
// (removalsAfter) lists it: the saved header differs from a cold one's.
func TestReview63RemovalsHeaderAfterARefusedRemoval(t *testing.T) {
	f, _, _ := savedPool(t, 4)
	k := newIdentity(t)
	f.ids["ma"] = k
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, k)); err != nil {
		t.Fatal(err)
	}
	f.settle()
	base := f.clone()
	g := f.clone()
	if err := f.as("zhang").RemoveMember(ctx, "ma"); err != nil {
		t.Fatal(err)
	}
	var r string
	for _, e := range f.as("zhang").State.Journal.Events {
		if e.Kind == archive.KindMemberRemove {
			r = e.Hash
		}
	}
	// ma's removal of zhou, with a reason that orders it before zhang's.
	var x *archive.MemberRemove
	for i := 0; ; i++ {
		x = &archive.MemberRemove{Member: "zhou", Reason: fmt.Sprintf("离职 %d", i)}
		h, err := g.as("ma").ForgedHash(archive.KindMemberRemove, "", x)
		if err != nil {
			t.Fatal(err)
		}
		if h < r {
			break
		}
	}
	if err := g.as("ma").ForgeEvent(archive.KindMemberRemove, "", x); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base.dir)
	f.settle()
	cold := f.cold("su").State
	if len(cold.Problems) != 1 || !strings.Contains(cold.Problems[0].Msg, "concurrently with their removal") || cold.Members["zhou"].Removed {
		t.Fatalf("cold: problems %v, zhou %+v", cold.Problems, cold.Members["zhou"])
	}
	// ma's removal of zhou stays a head (a problem) until a manager
	// settles it: rejected, new steps follow it again.
	if _, err := f.as("zhang").Decide(archive.DecideOptions{Event: cold.Problems[0].Path, Decision: archive.DecisionReject, Reason: "ma 已离职"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("su", f.clock) // a snapshot of the merge, replayed
	f.reader("su", f.clock)
	if err := f.as("zhang").RemoveMember(ctx, "zhou"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	replays := archive.Replays()
	a := f.reader("su", f.clock)
	t.Logf("advanced over zhang's removal of zhou: %d replays, from snapshot %v", archive.Replays()-replays, a.FromSnapshot())
	sameAsColdAs(t, f, a, "su")
	f.reader("su", f.clock)
	got := readSnapHeader(t, f.cache)
	// The same journal's snapshot made by a cold replay (a fresh cache).
	fresh := t.TempDir()
	for range 2 {
		if _, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: fresh, Identity: f.ids["su"], Snapshot: true}); err != nil {
			t.Fatal(err)
		}
	}
	want := readSnapHeader(t, fresh)
	if !slices.Equal(got.Heads, want.Heads) {
		t.Fatalf("heads %v, cold %v", got.Heads, want.Heads)
	}
	if !reflect.DeepEqual(got.Removed, want.Removed) {
		t.Errorf("Removed %v, cold %v", got.Removed, want.Removed)
	}
	if !reflect.DeepEqual(got.Removals, want.Removals) {
		t.Errorf("Removals %v, cold %v", got.Removals, want.Removals)
	}
}

// headerAsCold fails unless the header of the snapshot the last open
// saved says of the removals what one made by a cold replay says.
func headerAsCold(t *testing.T, f *fixture, id string) {
	t.Helper()
	got := readSnapHeader(t, f.cache)
	fresh := t.TempDir()
	for range 2 {
		if _, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: fresh, Identity: f.ids[id], Snapshot: true}); err != nil {
			t.Fatal(err)
		}
	}
	want := readSnapHeader(t, fresh)
	if !slices.Equal(got.Heads, want.Heads) {
		t.Fatalf("heads %v, cold %v", got.Heads, want.Heads)
	}
	if !reflect.DeepEqual(got.Removed, want.Removed) || !reflect.DeepEqual(got.Removals, want.Removals) {
		t.Fatalf("Removed %v Removals %v, cold %v %v", got.Removed, got.Removals, want.Removed, want.Removals)
	}
}

// The clerk's 核定 of many dossiers, the supervisor's sign-off, then both
// removed: new to a snapshot, saved in runs.
func TestReview63LeaversStepsThenRemovalsInRuns(t *testing.T) {
	smallRuns(t)
	f, _, pool := savedPool(t, 50)
	f.reader("zhang", f.clock)
	f.reader("zhang", f.clock)
	q, _, err := f.as("li").ReviewDoneMany(pool, classify.Quarter{}, archive.ReviewRecord{Note: "季度核定"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("su").ReviewSignoff(q); err != nil {
		t.Fatal(err)
	}
	f.settle()
	open := func() *archive.Archive {
		t.Helper()
		return f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows | archive.SummaryLoans})
	}
	g0, r0 := archive.GroupedSaves(), archive.Replays()
	for _, m := range []string{"su", "li"} {
		if err := open().RemoveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		f.settle()
	}
	t.Logf("grouped saves %d, replays %d", archive.GroupedSaves()-g0, archive.Replays()-r0)
	g0, r0 = archive.GroupedSaves(), archive.Replays()
	a := f.reader("zhang", f.clock)
	t.Logf("reader: grouped saves %d, replays %d", archive.GroupedSaves()-g0, archive.Replays()-r0)
	sameAsColdAs(t, f, a, "zhang")
	f.reader("zhang", f.clock)
	headerAsCold(t, f, "zhang")
}

// Not about removals: a decision that settles the last problem leaves an
// empty list in a replayed state, none in one read from a snapshot.
func TestReview63DecidedProblemsNilVsEmpty(t *testing.T) {
	f, _, _ := savedPool(t, 2)
	if err := f.as("li").ForgeEvent(archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"manager"}}); err != nil {
		t.Fatal(err)
	}
	a := f.as("zhang")
	if _, err := a.Decide(archive.DecideOptions{Event: a.State.Problems[0].Path, Decision: archive.DecisionReject, Reason: "伪造"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("li", f.clock)
	sameAsCold(t, f, f.reader("li", f.clock))
}

// zhang removes ma in one clone, ma removes zhang in another (and ma's
// clerk steps), both new to a reader's snapshot.
func TestReview63CrossedRemovals(t *testing.T) {
	f, _, pool := savedPool(t, 6)
	k := newIdentity(t)
	f.ids["ma"] = k
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager", "clerk"}, k)); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("su", f.clock)
	f.reader("su", f.clock)
	base := f.clone()
	g := f.clone()
	if err := f.as("zhang").RemoveMember(ctx, "ma"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.as("ma").ReviewDone(pool[1], "走前"); err != nil {
		t.Fatal(err)
	}
	if err := g.as("ma").ForgeEvent(archive.KindMemberRemove, "", &archive.MemberRemove{Member: "zhang"}); err != nil {
		t.Fatal(err)
	}
	f.pull(g, base.dir)
	f.settle()
	a := f.reader("su", f.clock)
	t.Logf("problems %v", a.State.Problems)
	sameAsColdAs(t, f, a, "su")
	f.reader("su", f.clock)
	headerAsCold(t, f, "su")
}
