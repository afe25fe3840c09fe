package archive_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
)

// State snapshots (snapshot.go) let a command that only reads skip the
// journal while it has not changed; they never change what it sees.

// reader opens the archive as member id the way show and list do: from
// the state snapshot when one stands for the archive.
func (f *fixture) reader(id string, clock func() time.Time) *archive.Archive {
	f.t.Helper()
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: clock, CacheDir: f.cache, Identity: f.ids[id], Snapshot: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// sameAsCold fails unless a's state says what a cold replay says.
func sameAsCold(t testing.TB, f *fixture, a *archive.Archive) {
	t.Helper()
	sameAsColdAs(t, f, a, "li")
}

// sameAsColdAs is sameAsCold with the cold replay opened as member id (li
// may be a leaver).
func sameAsColdAs(t testing.TB, f *fixture, a *archive.Archive, id string) {
	t.Helper()
	got, err := archive.StateJSON(a.State)
	if err != nil {
		t.Fatal(err)
	}
	want, err := archive.StateJSON(f.cold(id).State)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		from := max(i-300, 0)
		t.Fatalf("state differs from a cold replay at byte %d:\n got …%.600s\nwant …%.600s", i, got[from:], want[from:])
	}
}

func snapshotFiles(t testing.TB, f *fixture) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(f.cache, "journal", "*", "state.snap"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSnapshotIsTheReplayedState(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	// A second 核定, signed off by the supervisor: the register and the
	// dossiers' lists must agree in the snapshot too.
	q, err := f.as("li").ReviewDone(ids[2], "ok")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("su").ReviewSignoff(q); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if a := f.reader("li", f.clock); a.FromSnapshot() {
		t.Fatal("the first open found a snapshot")
	}
	if len(snapshotFiles(t, f)) != 1 {
		t.Fatal("no snapshot was saved")
	}
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() {
		t.Fatal("the second open did not use the snapshot")
	}
	sameAsCold(t, f, a)
	if _, err := a.CheckPin(filepath.Join(t.TempDir(), "pin.yaml")); err != nil {
		t.Fatal(err)
	}
	// A new pin file does not know the heads: the journal was read.
	if a.FromSnapshot() {
		t.Fatal("a pin the snapshot cannot answer for was checked without the journal")
	}
	// Reading what only the journal has reads it.
	a = f.reader("li", f.clock)
	if _, err := a.FindEvent(a.State.Journal.Heads[0]); err != nil || a.FromSnapshot() {
		t.Fatalf("FindEvent from a snapshot: %v (still a snapshot: %v)", err, a.FromSnapshot())
	}
}

// Any change to the journal (an event added by a write or by git) changes
// a folder's time: the snapshot no longer stands as it is. Events that
// follow it are replayed on top of it (advance.go), and the next one is
// made; either way the state is the cold one.
func TestSnapshotAdvancedAfterAChange(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	if _, err := f.as("li").ReviewDone(ids[0], "再次核对"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() {
		t.Fatal("the snapshot was not advanced by an event that follows it")
	}
	sameAsCold(t, f, a)
	if a = f.reader("li", f.clock); !a.FromSnapshot() {
		t.Fatal("no new snapshot")
	}
	sameAsCold(t, f, a)
}

// advanced opens the archive as li after step, as show and list do, and
// fails unless the state is the cold one and was (or was not) advanced
// from the snapshot taken before the step: with want, no open but the
// cold replays' replays the journal.
func (f *fixture) advanced(want bool, step func()) *archive.Archive {
	f.t.Helper()
	f.settle()
	f.reader("li", f.clock)
	if !f.reader("li", f.clock).FromSnapshot() {
		f.t.Fatal("no snapshot before the step")
	}
	step()
	f.settle()
	before := archive.Replays()
	if want {
		// Opens about one dossier save no snapshot: the next open
		// still advances the one taken before the step.
		f.partial = f.sameDossiersAsCold()
		before++ // its cold replay
	}
	a := f.reader("li", f.clock)
	if a.FromSnapshot() != want || want && archive.Replays() != before {
		f.t.Fatalf("advanced from the snapshot: %v, want %v (journal replayed %d times)", a.FromSnapshot(), want, archive.Replays()-before)
	}
	sameAsCold(f.t, f, a)
	return a
}

// sameDossiersAsCold opens the archive about each dossier in turn, as
// show does, and fails unless what it says of that dossier (and of the
// members) is what a cold replay says; it returns how many of the opens
// read only that dossier's part. An open about one dossier that advances
// the snapshot by steps about it alone saves no snapshot; one that needs
// the whole state saves the advanced one (the next opens then need no
// advancing).
func (f *fixture) sameDossiersAsCold() (partial int) {
	f.t.Helper()
	cold := f.cold("li").State
	strip := func(d *archive.DossierState) []byte {
		c := *d
		c.Events, c.WrittenBy = nil, nil
		b, _ := json.Marshal(c)
		return b
	}
	for id, want := range cold.Dossiers {
		a := f.readerOf("li", id)
		if a.Partial() {
			partial++
		} else {
			f.t.Logf("open about %s: whole state", id)
		}
		got := a.State.Dossiers[id]
		if got == nil || !bytes.Equal(strip(got), strip(want)) {
			f.t.Fatalf("dossier %s read from a snapshot (partial %v):\n got %s\nwant %s", id, a.Partial(), strip(got), strip(want))
		}
		gm, _ := json.Marshal(a.State.Members)
		wm, _ := json.Marshal(cold.Members)
		if !bytes.Equal(gm, wm) || a.State.MaxID != cold.MaxID {
			f.t.Fatalf("members or ids differ when read about %s", id)
		}
		// Its log: the same events, read from the files the snapshot names.
		fromSnap := a.FromSnapshot()
		evs, err := a.DossierLog(id)
		if err != nil || a.FromSnapshot() != fromSnap {
			f.t.Fatalf("log of %s: %v (journal read: %v)", id, err, a.FromSnapshot() != fromSnap)
		}
		var logged, wanted []string
		for _, e := range evs {
			logged = append(logged, e.Hash)
		}
		for _, e := range want.Events {
			wanted = append(wanted, e.Hash)
		}
		if !slices.Equal(logged, wanted) {
			f.t.Fatalf("log of %s:\n got %v\nwant %v", id, logged, wanted)
		}
		// The register entries it holds, in the whole registers' order.
		held := func(d string) bool { return a.State.Dossiers[d] != nil }
		var wc []archive.Change
		for _, c := range cold.Changes {
			if held(c.Dossier) {
				wc = append(wc, c)
			}
		}
		var wr []archive.ReviewEntry
		for _, r := range cold.Reviews {
			if held(r.Dossier) {
				wr = append(wr, r)
			}
		}
		gc, _ := json.Marshal(a.State.Changes)
		gr, _ := json.Marshal(a.State.Reviews)
		wcj, _ := json.Marshal(wc)
		wrj, _ := json.Marshal(wr)
		if !bytes.Equal(gc, wcj) || !bytes.Equal(gr, wrj) {
			f.t.Fatalf("registers read about %s (partial %v):\n got %s\n %s\nwant %s\n %s", id, a.Partial(), gc, gr, wcj, wrj)
		}
	}
	return partial
}

// Every kind of step a department takes day to day, each read afterwards
// from the snapshot advanced by it, says what a cold replay says.
func TestSnapshotAdvancesLikeAReplay(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var loan, req string
	steps := []struct {
		name string
		do   func()
	}{
		{"create", func() { ids = append(ids, f.create("秘密")) }},
		{"update", func() {
			o, err := f.as("li").Read(ids[3])
			must(err)
			_, _, err = f.as("li").Update(ids[3], o.SHA256, o.Text, append(bytes.Clone(o.Text), "# 补充\n"...))
			must(err)
		}},
		{"review", func() { _, err := f.as("li").ReviewDone(ids[3], "ok"); must(err) }},
		{"signoff", func() { _, err := f.as("su").ReviewSignoff(f.as("su").Quarter()); must(err) }},
		{"level", func() { _, err := f.as("su").SetLevel(ids[3], "机密", "", "升密"); must(err) }},
		{"credit", func() { _, _, err := f.as("su").SetCredit(ids[2], "A", "付款及时"); must(err) }},
		{"tier", func() { _, _, err := f.as("su").SetTier(ids[2], "重点", "年采购额大"); must(err) }},
		{"hold", func() { must(f.as("zhang").SetHold(ids[2], true, "诉讼")) }},
		{"release", func() { must(f.as("zhang").SetHold(ids[2], false, "结案")) }},
		{"borrow", func() {
			l, err := f.as("zhao").BorrowRequest(ids[2], "谈判", 3)
			must(err)
			loan = l.ID
		}},
		{"approve", func() { _, _, err := f.as("zhang").BorrowApprove(loan); must(err) }},
		{"return", func() { _, err := f.as("zhao").BorrowReturn(loan, true, ""); must(err) }},
		{"destroy request", func() {
			r, err := f.as("li").DestroyRequest(ids[2], "合作终止")
			must(err)
			req = r.ID
		}},
		{"destroy approve", func() { _, err := f.as("su").DestroyApprove(req); must(err) }},
		{"destroy reject", func() { _, err := f.as("zhang").DestroyReject(req, "仍有价值"); must(err) }},
	}
	// Steps about one dossier are replayed on that dossier's part alone
	// (steps on loans and destruction requests with every loan and
	// request); a sign-off reads the 核定 register, and the first open
	// after it advances the snapshot a run of parts at a time
	// (signoffRuns), then reads the snapshot saved as any other.
	scoped := map[string]bool{"create": true, "update": true, "review": true, "signoff": true, "level": true,
		"credit": true, "tier": true, "hold": true, "release": true, "borrow": true, "approve": true, "return": true,
		"destroy request": true, "destroy approve": true, "destroy reject": true}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f.t = t
			f.advanced(true, st.do)
			if all := len(f.cold("li").State.Dossiers); scoped[st.name] != (f.partial == all) {
				t.Fatalf("%d of %d opens about one dossier read its part alone", f.partial, all)
			}
		})
	}
}

// Steps a snapshot cannot be advanced by replay the whole journal: a
// member's removal that closes their loans (loans of other dossiers), an
// event that does not follow the snapshot (a merge of a clone's own
// work), a removed event, a refused one, a damaged part of the snapshot.
// A removal that closes none is a step on the members (memberStep).
func TestSnapshotNotAdvanced(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advanced(true, func() {
		if err := f.as("zhang").RemoveMember(ctx, "qian"); err != nil {
			t.Fatal(err)
		}
	})
	f.lendFor(ids[2], 3)
	f.advanced(false, func() {
		if err := f.as("zhang").RemoveMember(ctx, "zhao"); err != nil {
			t.Fatal(err)
		}
	})
	base := t.TempDir()
	copyTree(t, f.dir, base)
	g := f.clone()
	// Both clones record a 核定 of the same dossier: not a merge a
	// snapshot can be advanced by (commutes).
	if _, err := g.as("li").ReviewDone(ids[0], "另一克隆"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").ReviewDone(ids[0], "本克隆"); err != nil {
		t.Fatal(err)
	}
	f.advanced(false, func() { f.pull(g, base) })
	f.advanced(false, func() {
		// Not a head: an event known before is gone (ids[1]'s creation).
		p, _ := f.creationEvent(ids[1])
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	})
}

// creationEvent returns the file of dossier id's creation event and its
// content.
func (f *fixture) creationEvent(id string) (path string, content []byte) {
	f.t.Helper()
	evs, _ := filepath.Glob(filepath.Join(f.dir, "journal", "*", "*", "*.yaml"))
	n := 0
	for _, p := range evs {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("kind: dossier.create")) && bytes.Contains(b, []byte(id)) {
			path, content = p, b
			n++
		}
	}
	if n != 1 {
		f.t.Fatalf("%d creation events of %s", n, id)
	}
	return path, content
}

// A refused event (here: by a member without the role, written outside
// crm) is a problem: replay needs the whole journal to say why.
func TestSnapshotNotAdvancedByAProblem(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	a := f.advanced(false, func() {
		if err := f.as("zhao").ForgeEvent(archive.KindDossierCredit, ids[2], map[string]string{"class": "A", "reason": "x"}); err != nil {
			t.Fatal(err)
		}
	})
	if len(a.State.Problems) == 0 {
		t.Fatal("the forged event is no problem")
	}
}

// damagePart flips a bit in the middle of a part (SnapshotPartOf's which)
// of the first snapshot.
func (f *fixture) damagePart(which string) {
	f.t.Helper()
	snap := snapshotFiles(f.t, f)[0]
	off, n, err := archive.SnapshotPartOf(snap, which)
	if err != nil || n == 0 {
		f.t.Fatalf("part %s: %d bytes, %v", which, n, err)
	}
	b, err := os.ReadFile(snap)
	if err != nil {
		f.t.Fatal(err)
	}
	b[off+n/2] ^= 1
	if err := os.WriteFile(snap, b, 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// A damaged month part: the new events cannot be told from the old.
func TestSnapshotNotAdvancedDamaged(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.advanced(false, func() {
		f.damagePart("journal/" + f.now.Format("2006/01"))
		if _, err := f.as("li").ReviewDone(ids[0], "再次"); err != nil {
			t.Fatal(err)
		}
	})
}

// A write from an archive opened from a snapshot works on the replayed
// journal: the event follows the real heads, and the state is the cold one.
func TestSnapshotWriteReadsTheJournal(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() {
		t.Fatal("no snapshot")
	}
	if err := a.SetIdentity(f.ids["li"]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReviewDone(ids[0], "再次核对"); err != nil {
		t.Fatal(err)
	}
	if a.FromSnapshot() {
		t.Fatal("the write did not read the journal")
	}
	sameAsCold(t, f, a)
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil || len(ps) != 0 {
		t.Fatalf("verify after a write from a snapshot: %v %v", ps, err)
	}
}

// An edited, another identity's or a damaged snapshot is not used.
func TestSnapshotSealed(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	snaps := snapshotFiles(t, f)
	if len(snaps) != 1 {
		t.Fatal("no snapshot")
	}
	b, err := os.ReadFile(snaps[0])
	if err != nil {
		t.Fatal(err)
	}
	// Another member's key: their own folder, no snapshot yet.
	if f.reader("su", f.clock).FromSnapshot() {
		t.Fatal("su used li's snapshot")
	}
	// The header; a dossier's part, at its start and end (a month's part
	// is read only to advance the snapshot: TestSnapshotNotAdvancedDamaged).
	dos, n, err := archive.SnapshotPartOf(snaps[0], ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{30, int(dos) + 5, int(dos + n - 1)} {
		bad := bytes.Clone(b)
		bad[i] ^= 1
		if err := os.WriteFile(snaps[0], bad, 0o600); err != nil {
			t.Fatal(err)
		}
		a := f.reader("li", f.clock)
		if a.FromSnapshot() {
			t.Fatalf("a snapshot with byte %d changed was used", i)
		}
		sameAsCold(t, f, a)
	}
}

// Replay depends on the clock through the time bounds only: a clock before
// the newest event that counts (a CRM_NOW in the past) replays afresh.
func TestSnapshotClockRange(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	later := func() time.Time { return f.now.Add(24 * time.Hour) }
	if !f.reader("li", later).FromSnapshot() {
		t.Fatal("a later clock did not use the snapshot")
	}
	earlier := func() time.Time { return f.now.Add(-30 * 24 * time.Hour) }
	if f.reader("li", earlier).FromSnapshot() {
		t.Fatal("a clock before the newest event used the snapshot")
	}
}

// An event dated ahead of the clock that a decision rejected is no longer
// a problem, but it is still refused only because of the clock: once the
// clock passes its date, a cold replay applies it (and refuses the
// decision). A snapshot made before must not stand for that later clock.
// (crm itself never writes such a decision, dated before the event it
// follows is due: a member's own tool can, with their key.)
func TestSnapshotClockRangeRejectedFutureEvent(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	base := f.now
	f.now = base.Add(15 * time.Minute)
	if _, err := f.as("li").ReviewDone(id, "提前"); err != nil {
		t.Fatal(err)
	}
	var ahead *journal.Event
	for _, e := range f.as("li").State.Journal.Events {
		if e.Kind == archive.KindReview {
			ahead = e
		}
	}
	f.now = base.Add(8 * time.Minute)
	f.writeEvent("li", archive.KindDecision, "", &archive.Decision{Event: ahead.Hash, Decision: archive.DecisionReject, Reason: "时钟错"})
	f.now = base
	f.settle()
	a := f.reader("li", f.clock)
	if a.FromSnapshot() || len(a.State.Problems) != 0 || len(a.State.Dossiers[id].Reviews) != 0 {
		t.Fatalf("snapshot %v, problems %v, reviews %v", a.FromSnapshot(), a.State.Problems, a.State.Dossiers[id].Reviews)
	}
	f.now = base.Add(2 * time.Hour)
	sameAsCold(t, f, f.reader("li", f.clock))
}

// A journal without its genesis event is an integrity error on every
// open, from a snapshot too: here the journal folder was emptied (its
// events are gone, so no event is a problem that keeps the snapshot out).
func TestSnapshotNoGenesis(t *testing.T) {
	f := newFixture(t)
	ents, err := os.ReadDir(filepath.Join(f.dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(f.dir, "journal", e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	f.settle()
	for i := range 2 {
		_, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids["li"], Snapshot: true})
		if archive.CodeOf(err) != archive.Integrity {
			t.Fatalf("open %d: %v", i, err)
		}
	}
}

// A git merge brings an event dated months back into an old month folder,
// written concurrently with this clone's last 核定: it takes its place in
// the order, from the snapshot when its 核定 comes after this clone's
// (the hashes decide: commutes), else by a whole replay.
func TestSnapshotOldDatedMerge(t *testing.T) {
	f := newFixture(t)
	ids, base, g := f.oldDatedWork()
	f.reader("li", f.clock)
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("no snapshot")
	}
	f.pull(g, base.dir)
	f.settle()
	a := f.reader("li", f.clock)
	if len(a.State.Dossiers[ids[2]].Reviews) != 1 {
		t.Fatalf("snapshot %v, reviews %+v", a.FromSnapshot(), a.State.Dossiers[ids[2]].Reviews)
	}
	sameAsCold(t, f, a)
}

// readerOf opens the archive as member id the way show does: about one
// dossier, from that dossier's part of the snapshot when one stands.
func (f *fixture) readerOf(id, dossier string) *archive.Archive {
	f.t.Helper()
	return f.openAbout(id, dossier, false)
}

// openAbout opens the archive as member id about one dossier, with the
// identity set; with steps, its steps work on the snapshot's state.
func (f *fixture) openAbout(id, dossier string, steps bool) *archive.Archive {
	f.t.Helper()
	return f.openAs(id, archive.OpenOptions{Snapshot: true, Only: dossier, SnapshotSteps: steps})
}

// openAs opens the archive with o as member id, at the fixture's time,
// with the fixture's cache, the identity set.
func (f *fixture) openAs(id string, o archive.OpenOptions) *archive.Archive {
	f.t.Helper()
	o.Clock, o.CacheDir, o.Identity = f.clock, f.cache, f.ids[id]
	a, err := archive.OpenWith(ctx, f.dir, o)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := a.SetIdentity(f.ids[id]); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// A command about one dossier reads that dossier's part of the snapshot
// only, and sees what a cold replay says of it; a short form, or an id of
// no dossier, reads the rows part besides; a damaged part is not used.
func TestSnapshotOneDossier(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	cold := f.cold("li")
	want, err := cold.Read(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{ids[0]} {
		a := f.readerOf("li", typed)
		if !a.FromSnapshot() || !a.Partial() {
			t.Fatalf("%s: snapshot %v, partial %v", typed, a.FromSnapshot(), a.Partial())
		}
		if len(a.State.Dossiers) >= len(cold.State.Dossiers) && len(cold.State.Dossiers) > 1 {
			// Three dossiers in 1,024 parts: sharing one is possible, all
			// three is not what a part is.
			t.Logf("all %d dossiers share a part", len(a.State.Dossiers))
		}
		got, err := a.Read(typed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Text, want.Text) || got.SHA256 != want.SHA256 {
			t.Fatalf("%s: read %q, want %q", typed, got.Text, want.Text)
		}
		// A snapshot keeps no events (as for every snapshot).
		gs, ws := *got.State, *want.State
		gs.WrittenBy, gs.Events, ws.WrittenBy, ws.Events = nil, nil, nil, nil
		g, _ := json.Marshal(gs)
		w, _ := json.Marshal(ws)
		if !bytes.Equal(g, w) {
			t.Fatalf("%s: dossier state\n got %s\nwant %s", typed, g, w)
		}
		if len(got.State.Loans) != 1 || a.State.Loans[got.State.Loans[0].ID] != got.State.Loans[0] {
			t.Fatalf("%s: the dossier's loan is not the register's: %+v", typed, got.State.Loans)
		}
		if !slices.Equal(a.State.ExpectedRecipients(got.State), cold.State.ExpectedRecipients(want.State)) {
			t.Fatalf("%s: recipients differ", typed)
		}
	}
	// A short form is resolved against every dossier's id (the rows
	// part), and gives that dossier's part: no whole snapshot is read.
	for _, short := range []string{strings.ToLower(ids[0]), "C-1", "1", "c1"} {
		a := f.readerOf("li", short)
		if !a.FromSnapshot() || !a.Partial() || a.WholeReads() != 0 {
			t.Fatalf("short id %s: snapshot %v, partial %v, whole reads %d", short, a.FromSnapshot(), a.Partial(), a.WholeReads())
		}
		id, err := a.ResolveID(short)
		if err != nil || id != ids[0] {
			t.Fatalf("short id %s: %s %v", short, id, err)
		}
		if got, err := a.Read(id); err != nil || !bytes.Equal(got.Text, want.Text) {
			t.Fatalf("short id %s: read %v", short, err)
		}
	}
	// An id of no dossier: the command's ResolveID and Lookup say so from
	// the rows, as on the whole state, without reading it.
	for _, unknown := range []string{"C-000999", "999", "c-77"} {
		a := f.readerOf("li", unknown)
		if !a.FromSnapshot() || !a.Partial() || a.WholeReads() != 0 {
			t.Fatalf("unknown id %s: snapshot %v, partial %v, whole reads %d", unknown, a.FromSnapshot(), a.Partial(), a.WholeReads())
		}
		_, err := a.ResolveID(unknown)
		_, cerr := cold.ResolveID(unknown)
		if err == nil || cerr == nil || err.Error() != cerr.Error() || archive.CodeOf(err) != archive.CodeOf(cerr) {
			t.Fatalf("unknown id %s: %v, a replay says %v", unknown, err, cerr)
		}
		_, err = a.Lookup(unknown)
		_, cerr = cold.Lookup(unknown)
		if err == nil || err.Error() != cerr.Error() {
			t.Fatalf("unknown id %s: lookup %v, a replay says %v", unknown, err, cerr)
		}
	}
	// A damaged part: not used, the journal is replayed.
	f.damagePart(ids[0])
	a := f.readerOf("li", ids[0])
	if a.FromSnapshot() || a.Partial() {
		t.Fatal("a damaged part was used")
	}
	sameAsCold(t, f, a)
}

// The merge driver's pins, from one dossier's part of the snapshot: the
// recipients pinned for that dossier's file are what a replay of the
// whole journal says, read from its own events only; another dossier's
// file is not pinned by its events.
func TestSnapshotPinnedRecipientsOf(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	cold := f.cold("li")
	for _, id := range ids {
		file, err := os.ReadFile(filepath.Join(f.dir, "dossiers", id+".age"))
		if err != nil {
			t.Fatal(err)
		}
		sum := archive.SHA256Hex(file)
		want, ok := cold.State.PinnedRecipients(sum)
		if !ok {
			t.Fatalf("%s: a replay finds no pin for its file", id)
		}
		a := f.readerOf("li", id)
		got, ok := a.PinnedRecipientsOf(id, sum)
		if !ok || !slices.Equal(got, want) || !a.FromSnapshot() || !a.Partial() || a.WholeReads() != 0 {
			t.Fatalf("%s: pinned %v %v, want %v (snapshot %v, partial %v, whole reads %d)", id, got, ok, want, a.FromSnapshot(), a.Partial(), a.WholeReads())
		}
		if got, ok := cold.PinnedRecipientsOf(id, sum); !ok || !slices.Equal(got, want) {
			t.Fatalf("%s: from the replay %v %v, want %v", id, got, ok, want)
		}
		for _, other := range ids {
			if other != id {
				if got, ok := cold.PinnedRecipientsOf(other, sum); ok {
					t.Fatalf("%s's file pinned by the events of %s: %v", id, other, got)
				}
			}
		}
	}
	if _, ok := cold.PinnedRecipientsOf("C-000999", "00"); ok {
		t.Fatal("a dossier that is not there pins a file")
	}
}

// The plaintext cache keeps every record when the state is one
// dossier's: records of dossiers it does not know are not thrown away.
func TestSnapshotOneDossierKeepsCache(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	a := f.reader("li", f.clock)
	if err := a.SetIdentity(f.ids["li"]); err != nil {
		t.Fatal(err)
	}
	a.EnableCache(f.cache)
	for _, id := range []string{ids[0], ids[2]} { // li reads 秘密 and 内部
		if _, err := a.Read(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SaveCache(); err != nil {
		t.Fatal(err)
	}
	p := f.readerOf("li", ids[2])
	if !p.Partial() {
		t.Fatal("not one dossier's state")
	}
	p.EnableCache(f.cache)
	// Every bucket loaded: saving visits them all.
	if n := p.CacheRecords(); n != 2 {
		t.Fatalf("%d records in the cache, want 2", n)
	}
	if _, err := p.Read(ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveCache(); err != nil {
		t.Fatal(err)
	}
	c := f.reader("li", f.clock)
	if err := c.SetIdentity(f.ids["li"]); err != nil {
		t.Fatal(err)
	}
	c.EnableCache(f.cache)
	if n := c.CacheRecords(); n != 2 {
		t.Fatalf("the plaintext cache lost records: %d left of 2", n)
	}
}

// stepper opens the archive as member id the way edit and review done
// do: about one dossier, their steps working on the snapshot's state.
func (f *fixture) stepper(id, dossier string) *archive.Archive {
	f.t.Helper()
	return f.openAbout(id, dossier, true)
}

// Steps on one dossier work on its part of the snapshot, advanced under
// the lock, and write what a step on a replayed journal writes: the
// journal verifies, and every state read afterwards is the cold one.
func TestSnapshotSteps(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	for i := range 3 {
		a := f.stepper("li", ids[2])
		o, err := a.Read(ids[2])
		if err != nil {
			t.Fatal(err)
		}
		text := append(bytes.Clone(o.Text), fmt.Sprintf("# 第%d次\n", i)...)
		if _, _, err := a.Update(ids[2], o.SHA256, o.Text, text); err != nil {
			t.Fatal(err)
		}
		if !a.FromSnapshot() || !a.Partial() {
			t.Fatalf("step %d: snapshot %v, partial %v", i, a.FromSnapshot(), a.Partial())
		}
		if _, err := f.stepper("li", ids[0]).ReviewDone(ids[0], fmt.Sprintf("第%d次", i)); err != nil {
			t.Fatal(err)
		}
		// A pin that saw the heads before the step (the last edit's) is
		// satisfied by the snapshot: no replay.
		if _, err := a.CheckPin(filepath.Join(f.cache, "pin.yaml")); err != nil || i > 0 && !a.FromSnapshot() {
			t.Fatalf("pin: %v, snapshot %v", err, a.FromSnapshot())
		}
	}
	f.verifyClean()
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	if got, err := f.cold("li").Read(ids[2]); err != nil || !bytes.Contains(got.Text, []byte("# 第2次")) {
		t.Fatalf("the last edit: %v", err)
	}
	// An edit against an older version is refused with who changed it
	// (the journal's events are read for that).
	a := f.stepper("li", ids[2])
	o, _ := a.Read(ids[2])
	b := f.stepper("li", ids[2])
	if _, _, err := b.Update(ids[2], o.SHA256, o.Text, append(bytes.Clone(o.Text), "# 乙\n"...)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Update(ids[2], o.SHA256, o.Text, append(bytes.Clone(o.Text), "# 甲\n"...)); err == nil || !strings.Contains(err.Error(), "was changed by li") {
		t.Fatalf("a stale edit: %v", err)
	}
}

// What a crash left in dossiers/ is settled from the journal: a step
// there reads it instead of the snapshot.
func TestSnapshotStepsAfterACrash(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	tmp := filepath.Join(f.dir, "dossiers", ".tmp-"+ids[1]+".999999-1")
	if err := os.WriteFile(tmp, []byte("half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := f.stepper("li", ids[0])
	if _, err := a.ReviewDone(ids[0], "ok"); err != nil {
		t.Fatal(err)
	}
	if a.FromSnapshot() {
		t.Fatal("a step with a crash's leftovers worked on the snapshot")
	}
	f.verifyClean()
}

// A dossier's log from a snapshot reads its events' files, each checked
// against the hash in its name: one edited in place (its folder's time
// put back) makes the log read the journal, which reports it.
func TestSnapshotLogChecksFiles(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	f.editCreationInPlace(ids[0])
	a := f.readerOf("li", ids[0])
	evs, err := a.DossierLog(ids[0])
	if err != nil || a.FromSnapshot() {
		t.Fatalf("log of an edited event: %v, snapshot %v", err, a.FromSnapshot())
	}
	// The log shows the events as verified before (the journal cache
	// keeps them); the full verify reads the file and reports it.
	if evs[0].Kind != archive.KindDossierCreate {
		t.Fatalf("the log shows the edited event: %s", evs[0].Kind)
	}
	ps, err := f.cold("zhang").Verify(ctx)
	if err != nil || !slices.ContainsFunc(ps, func(p archive.Problem) bool { return strings.Contains(p.Path, evs[0].Hash) }) {
		t.Fatalf("verify: %v %v", ps, err)
	}
}

// editCreationInPlace rewrites dossier id's creation event, read from its
// log on the snapshot, into an update under its old name, and puts its
// folder's time back (what no git does, and only the full verify finds):
// the snapshot must still stand afterwards.
func (f *fixture) editCreationInPlace(id string) {
	f.t.Helper()
	a := f.readerOf("li", id)
	evs, err := a.DossierLog(id)
	if err != nil || !a.FromSnapshot() || len(evs) == 0 {
		f.t.Fatalf("log: %d events, %v, snapshot %v", len(evs), err, a.FromSnapshot())
	}
	p := filepath.Join(f.dir, filepath.FromSlash(evs[0].Path))
	dir, _ := os.Stat(filepath.Dir(p))
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte("dossier.create"), []byte("dossier.update"), 1), 0o644); err != nil {
		f.t.Fatal(err)
	}
	os.Chtimes(filepath.Dir(p), dir.ModTime(), dir.ModTime())
	if !f.readerOf("li", id).FromSnapshot() {
		f.t.Fatal("the folder's time was put back: the snapshot should stand")
	}
}

// advancedByAReview takes li's snapshot, records a 核定 of dossier id, and
// fails unless the next read advances the snapshot by it.
func (f *fixture) advancedByAReview(id string) {
	f.t.Helper()
	f.settle()
	f.reader("li", f.clock)
	if _, err := f.as("li").ReviewDone(id, "再次"); err != nil {
		f.t.Fatal(err)
	}
	f.settle()
	if !f.reader("li", f.clock).FromSnapshot() {
		f.t.Fatal("not advanced")
	}
}

// Classification and holds are steps about one dossier: they work on the
// snapshot's parts (crm classify --level/--credit, hold, release), with
// every rule checked there: a reclassification of a held dossier is
// refused as a replay would refuse it.
func TestSnapshotClassifySteps(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	for _, m := range []string{"li", "su", "zhang"} {
		f.reader(m, f.clock)
	}
	on := func(a *archive.Archive, step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !a.FromSnapshot() || !a.Partial() {
			t.Fatalf("%s: snapshot %v, partial %v", step, a.FromSnapshot(), a.Partial())
		}
	}
	a := f.stepper("su", ids[2])
	_, err := a.SetLevel(ids[2], "秘密", "", "升密")
	on(a, "level", err)
	a = f.stepper("su", ids[2])
	_, _, err = a.SetCredit(ids[2], "B", "付款偶有延迟")
	on(a, "credit", err)
	a = f.stepper("zhang", ids[2])
	on(a, "hold", a.SetHold(ids[2], true, "诉讼"))
	a = f.stepper("su", ids[2])
	_, err = a.SetLevel(ids[2], "机密", "", "再升密")
	if _, cold := f.cold("su").SetLevel(ids[2], "机密", "", "再升密"); err == nil || cold == nil || err.Error() != cold.Error() {
		t.Fatalf("reclassifying a held dossier: %v, cold %v", err, cold)
	}
	a = f.stepper("zhang", ids[2])
	on(a, "release", a.SetHold(ids[2], false, "结案"))
	f.verifyClean()
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
}

// A state read from a snapshot of an archive without any 核定 (or any
// entry of the classification register) is a cold replay's: its empty
// registers are nil there, not empty lists (JSON null, not []).
func TestSnapshotEmptyRegisters(t *testing.T) {
	f := newFixture(t)
	f.create("秘密")
	f.create("内部")
	f.settle()
	f.reader("li", f.clock) // saves the snapshot
	a := f.reader("li", f.clock)
	if !a.FromSnapshot() {
		t.Fatal("not read from the snapshot")
	}
	sameAsCold(t, f, a)
}

// A snapshot of an older version is not read: each was saved by replay
// rules, or in a form, that a reader of the snapshot (list, maintain, the
// registers) would answer otherwise than a replay of the journal.
// Resealed as this version, the same snapshot is read (the rewrite itself
// changes nothing else).
func TestSnapshotsOfOlderVersionsNotRead(t *testing.T) {
	why := map[int]string{
		// Did not count a recipient whose file was written under another
		// member.add of the same id (added apart) as stale, and its header
		// names no such ids (State.addedApart).
		27: "stale recipients of an id added apart",
		// Accepted a dossier.declassify dated up to a day before the
		// secrecy period ran out (TestReplayRefusesEarlyDeclassify).
		28: "a declassification dated early",
		// Its classification register has no 批准人 (Change.ApprovedBy).
		29: "who approved each change",
		// Its 核定 have no result (Review.Result).
		30: "the results of 核定",
		// Let a step count, or made it superseded, when a change of its
		// author's roles written concurrently took away a right it uses
		// (step.lostRight).
		31: "a step using a right lost concurrently",
		// Took any role of a destruction's chain, of permissions.classify
		// besides classify_top_secret, or of a loan's approvers as the
		// right an approval or a change of level uses (State.stageRole).
		32: "the role an approval or a change of level used",
		// Took no role as the right a stand-in approval of a borrower's
		// own loan (loan.approvers_when_self) used (State.stageRole).
		33: "the role a stand-in loan approval used",
	}
	f := newFixture(t)
	f.history()
	f.settle()
	a := f.reader("li", f.clock)
	if a = f.reader("li", f.clock); !a.FromSnapshot() {
		t.Fatal("no snapshot")
	}
	for v := 27; ; v++ {
		magic := fmt.Sprintf("crm-state-snapshot-v%d\n", v)
		if magic == archive.SnapMagic {
			break
		}
		if why[v] == "" {
			t.Fatalf("version %d: say what a snapshot of it lacks", v)
		}
		if err := a.ResealSnapshotAs(magic); err != nil {
			t.Fatal(err)
		}
		if f.reader("li", f.clock).FromSnapshot() {
			t.Errorf("a version %d snapshot (without %s) was read", v, why[v])
		}
	}
	if err := a.ResealSnapshotAs(archive.SnapMagic); err != nil {
		t.Fatal(err)
	}
	if !f.reader("li", f.clock).FromSnapshot() {
		t.Fatal("resealed as this version, the snapshot was not read")
	}
}
