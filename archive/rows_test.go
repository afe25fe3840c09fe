package archive_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crm/archive"
)

// The queries over every dossier that read the journal alone (list
// --no-decrypt, review due, borrow list) take each dossier's row and the
// loans from a part of the snapshot of their own (OpenOptions.Summary):
// they say what a cold replay says.

// summaryOf is what those queries say in a, at its clock, as JSON: this
// quarter's 核定 due and the last one's, the quarters missed, the list
// and the borrow register.
func summaryOf(t testing.TB, a *archive.Archive) []byte {
	t.Helper()
	q := a.Quarter()
	list, err := a.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(map[string]any{"due": a.ReviewsDue(q), "due_before": a.ReviewsDue(q.Prev()),
		"missed": a.ReviewsMissed(q), "list": list, "loans": a.Loans(false), "overdue": a.Loans(true)}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// summaryReader opens the archive as li for the queries over rows and
// loans, at clock.
func (f *fixture) summaryReader(clock func() time.Time) *archive.Archive {
	f.t.Helper()
	return f.summaryOpen(clock, archive.SummaryRows|archive.SummaryLoans)
}

// summaryOpen opens the archive as li at clock, reading what of.
func (f *fixture) summaryOpen(clock func() time.Time, of archive.Summary) *archive.Archive {
	f.t.Helper()
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: clock, CacheDir: f.cache, Identity: f.ids["li"], Snapshot: true, Summary: of})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// sameSummaryAsCold fails unless a summary open at clock says what a cold
// replay says, and took the rows (Partial) when want says so.
func (f *fixture) sameSummaryAsCold(clock func() time.Time, partial bool) {
	f.t.Helper()
	a := f.summaryReader(clock)
	if a.Partial() != partial {
		f.t.Fatalf("summary from the rows: %v, want %v", a.Partial(), partial)
	}
	cold, err := archive.Open(ctx, f.dir, clock)
	if err != nil {
		f.t.Fatal(err)
	}
	// The rows of the cold state say what its dossiers say.
	list, _ := cold.List(ctx, false)
	for _, en := range list {
		if d := cold.State.Dossiers[en.ID]; en.Level != cold.EffectiveLevel(d) {
			f.t.Fatalf("%s: listed at level %s, effective level %s", en.ID, en.Level, cold.EffectiveLevel(d))
		}
	}
	q := cold.Quarter()
	due := map[string]bool{}
	for _, r := range cold.ReviewsDue(q) {
		due[r.ID] = true
	}
	for id, d := range cold.State.Dossiers {
		want := d.Status == archive.StatusActive && d.Created.Before(q.End(cold.Location())) && d.ReviewedIn(q.String()) == nil
		if due[id] != want {
			f.t.Fatalf("%s: due in %s: %v, want %v", id, q, due[id], want)
		}
	}
	got, want := summaryOf(f.t, a), summaryOf(f.t, cold)
	if !bytes.Equal(got, want) {
		f.t.Fatalf("summary (rows: %v) differs from a cold replay:\n got %s\nwant %s", a.Partial(), got, want)
	}
	// What review due and borrow list ask for alone.
	jsonOf := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if r := f.summaryOpen(clock, archive.SummaryRows); jsonOf(r.ReviewsDue(q)) != jsonOf(cold.ReviewsDue(q)) || jsonOf(r.ReviewsMissed(q)) != jsonOf(cold.ReviewsMissed(q)) {
		f.t.Fatal("the rows alone say another 核定 due")
	}
	if l := f.summaryOpen(clock, archive.SummaryLoans); jsonOf(l.Loans(false)) != jsonOf(cold.Loans(false)) {
		f.t.Fatal("the loans alone say another register")
	}
	if d := f.summaryOpen(clock, archive.SummaryDestructions); jsonOf(d.Destructions()) != jsonOf(cold.Destructions()) {
		f.t.Fatal("the destruction requests alone say another list")
	}
	// What the reports ask for: the histories, from their part, with the
	// rows (the reports of content) and without (the registers).
	for _, rows := range []archive.Summary{archive.SummaryRows, 0} {
		h := f.summaryOpen(clock, rows|archive.SummaryLoans|archive.SummaryDestructions|archive.SummaryHistories)
		if archive.HistoriesFromPart(h) != h.Partial() {
			f.t.Fatalf("histories from their part: %v, from the snapshot's parts: %v", archive.HistoriesFromPart(h), h.Partial())
		}
		if got, want := archive.HistoriesText(h), archive.HistoriesText(cold); got != want {
			f.t.Fatalf("the histories (from their part: %v, rows %v) differ from a cold replay's:\n got %s\nwant %s", archive.HistoriesFromPart(h), rows != 0, got, want)
		}
	}
	n := f.summaryOpen(clock, archive.SummaryNone)
	if jsonOf(n.State.SortedMembers()) != jsonOf(cold.State.SortedMembers()) || jsonOf(n.State.SortedRequests()) != jsonOf(cold.State.SortedRequests()) ||
		jsonOf(n.Submissions(false)) != jsonOf(cold.Submissions(false)) {
		f.t.Fatal("the header alone says other members, requests or hand-ins")
	}
}

// Every kind of step, read afterwards through the rows: steps about one
// dossier, steps on loans (the state holds every loan) and steps on the
// members (an addition, a removal that closes no loans) advance the rows
// of its part; the others (a removal that closes loans) read (and save)
// the whole state once, after which the rows serve again.
func TestSummaryAdvancesLikeAReplay(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	f.sameSummaryAsCold(f.clock, true)
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	var loan, req string
	steps := []struct {
		name   string
		scoped bool
		do     func()
	}{
		{"create", true, func() { ids = append(ids, f.create("秘密")) }},
		{"review", true, func() { _, err := f.as("li").ReviewDone(ids[3], "ok"); must(err) }},
		{"late review", true, func() {
			// A quarter on: the last one was missed, and made good.
			f.now = f.now.AddDate(0, 3, 0)
			_, err := f.as("li").ReviewDoneFor(ids[0], f.as("li").Quarter().Prev(), archive.ReviewRecord{Note: "补核定"})
			must(err)
		}},
		{"credit", true, func() { _, _, err := f.as("su").SetCredit(ids[2], "A", "付款及时"); must(err) }},
		{"level", true, func() { _, err := f.as("su").SetLevel(ids[3], "机密", "", "升密"); must(err) }},
		{"borrow", true, func() {
			l, err := f.as("zhao").BorrowRequest(ids[2], "谈判", 3)
			must(err)
			loan = l.ID
		}},
		{"approve", true, func() { _, _, err := f.as("zhang").BorrowApprove(loan); must(err) }},
		{"return", true, func() { _, err := f.as("zhao").BorrowReturn(loan, true, ""); must(err) }},
		{"destroy request", true, func() {
			r, err := f.as("li").DestroyRequest(ids[2], "合作终止")
			must(err)
			req = r.ID
		}},
		{"destroy approvals", true, func() {
			for _, m := range []string{"su", "zhang", "wang"} {
				_, err := f.as(m).DestroyApprove(req)
				must(err)
			}
		}},
		{"destroy execute", true, func() { _, err := f.as("zhang").DestroyExecute(req, []string{"li", "su"}, ""); must(err) }},
		{"member add", true, func() {
			must(f.as("zhang").AddMember(ctx, member("sun", []string{"clerk"}, newIdentity(t))))
		}},
		{"member remove", true, func() { must(f.as("zhang").RemoveMember(ctx, "sun")) }},
		{"member remove closing loans", false, func() { must(f.as("zhang").RemoveMember(ctx, "zhao")) }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f.t = t
			st.do()
			f.settle()
			f.sameSummaryAsCold(f.clock, st.scoped)
			// Again: a whole state was saved, or the rows advanced again.
			f.sameSummaryAsCold(f.clock, true)
		})
	}
}

// Rows saved at one clock are read at a later one: the quarter and the
// days left are the reader's, a secrecy period that ran out since shows
// the declassified level (R7.2.4), a loan due since is overdue.
func TestSummaryAtALaterClock(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	for _, later := range []time.Duration{24 * time.Hour, 100 * 24 * time.Hour, 11 * 366 * 24 * time.Hour, 31 * 366 * 24 * time.Hour} {
		at := f.now.Add(later)
		f.sameSummaryAsCold(func() time.Time { return at }, true)
	}
}

// A damaged rows part is not used: the state is read whole.
func TestSummaryDamagedRows(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	for _, part := range []string{"rows", "registers", "histories"} {
		f.damagePart(part)
		// Without its histories the rows still serve; the reports'
		// open reads the state whole, and says what a replay says.
		f.sameSummaryAsCold(f.clock, part == "histories")
		// That open read the journal and did not save (nothing changed):
		// the snapshot is made again by the next whole read.
		os.Remove(snapshotFiles(t, f)[0])
		f.reader("li", f.clock)
	}
}

// creator opens the archive as member id the way new does: its create
// step may work on the snapshot's state (OpenOptions.Creates).
func (f *fixture) creator(id string) *archive.Archive {
	f.t.Helper()
	return f.openAs(id, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Creates: true})
}

// A dossier is created on the snapshot's state: the parts of the new
// events and of the new id only, the id the next number after every
// create since (sequential) or a random one checked against its part. The
// archive is then what a replay says, and verify is clean.
func TestSnapshotCreate(t *testing.T) {
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		t.Run(style, func(t *testing.T) {
			f := newFixtureStyle(t, style)
			f.history()
			f.settle()
			f.reader("li", f.clock)
			var made []string
			for i := range 3 {
				a := f.creator("li")
				if !a.Partial() {
					t.Fatalf("create %d: the whole state was read", i)
				}
				id, err := a.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密")
				if err != nil {
					t.Fatal(err)
				}
				if !a.Partial() || a.State.Dossiers[id] == nil {
					t.Fatalf("create %d: partial %v, dossier %s in the state %v", i, a.Partial(), id, a.State.Dossiers[id] != nil)
				}
				made = append(made, id)
				if i == 1 {
					// A create by another command in between (not
					// settled: the next open advances by it).
					made = append(made, f.create("秘密"))
				}
			}
			cold := f.cold("li")
			if len(cold.State.Dossiers) != 3+len(made) || len(cold.State.Problems) != 0 {
				t.Fatalf("%d dossiers, problems %v", len(cold.State.Dossiers), cold.State.Problems)
			}
			if style == archive.IDSequential && !slices.Equal(made, []string{"C-000004", "C-000005", "C-000006", "C-000007"}) {
				t.Fatalf("ids %v", made)
			}
			f.verifyClean()
			f.settle()
			sameAsCold(t, f, f.reader("li", f.clock))
		})
	}
}

// A create step after a loan or a destruction was requested works on the
// parts (with every loan and request, which the requests' rules read), so
// it does after a member's addition (its rule reads the members only:
// ReachHeader) and a removal that closes no loans; after one that closes
// the leaver's loans (of other dossiers) it reads the journal.
func TestSnapshotCreateAfterOtherSteps(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	for _, c := range []struct {
		step    func() error
		partial bool
	}{
		{func() error { _, err := f.as("zhao").BorrowRequest(ids[2], "谈判", 3); return err }, true},
		{func() error { _, err := f.as("li").DestroyRequest(ids[1], "合作终止"); return err }, true},
		{func() error { return f.as("zhang").AddMember(ctx, member("sun", []string{"clerk"}, newIdentity(t))) }, true},
		{func() error { return f.as("zhang").RemoveMember(ctx, "sun") }, true},
		{func() error { return f.as("zhang").RemoveMember(ctx, "zhao") }, false}, // zhao has loans out
	} {
		if err := c.step(); err != nil {
			t.Fatal(err)
		}
		a := f.creator("li")
		if a.Partial() != c.partial {
			t.Fatalf("partial %v, want %v", a.Partial(), c.partial)
		}
		if _, err := a.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密"); err != nil {
			t.Fatal(err)
		}
		f.verifyClean()
		f.settle()
		sameAsCold(t, f, f.reader("li", f.clock))
	}
}

// loanStepper opens the archive as member id the way the borrow commands
// do: a request about dossier (with every loan), or a step on loan.
func (f *fixture) loanStepper(id, dossier, loan string) *archive.Archive {
	f.t.Helper()
	o := archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: dossier, OnlyLoan: loan}
	if dossier != "" {
		o.Summary = archive.SummaryLoans
	}
	return f.openAs(id, o)
}

// A loan's steps work on the snapshot's state: every loan, and the part
// of its dossier (R7.1: request, approvals, renewal, return), with every
// rule checked there; a loan requested since the snapshot is found by its
// request. The archive is then what a replay says.
func TestSnapshotLoanSteps(t *testing.T) {
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		t.Run(style, func(t *testing.T) {
			f := newFixtureStyle(t, style)
			ids := f.history()
			f.settle()
			for _, m := range []string{"li", "zhao", "zhang"} {
				f.reader(m, f.clock) // each member's snapshot
			}
			partial := func(a *archive.Archive, step string) { onParts(t, a, step) }
			a := f.loanStepper("zhao", ids[2], "")
			l, err := a.BorrowRequest(ids[2], "谈判", 3)
			if err != nil {
				t.Fatal(err)
			}
			partial(a, "request")
			// A random id typed as the user may: lower case.
			typed := l.ID
			if style == archive.IDRandom {
				typed = strings.ToLower(l.ID)
			}
			b := f.loanStepper("zhang", "", typed)
			if _, _, err := b.BorrowApprove(typed); err != nil {
				t.Fatal(err)
			}
			partial(b, "approve")
			// Out of order: a second approval by one who already gave
			// theirs is refused as a replay would.
			c := f.loanStepper("zhang", "", l.ID)
			_, _, err = c.BorrowApprove(l.ID)
			_, _, cold := f.cold("zhang").BorrowApprove(l.ID)
			if (err == nil) != (cold == nil) || err != nil && err.Error() != cold.Error() {
				t.Fatalf("a second approval: %v, cold %v", err, cold)
			}
			if st := f.cold("li").State.Loans[l.ID].Status(); st != archive.LoanOut {
				t.Fatalf("loan %s is %s after its approval", l.ID, st)
			}
			if _, err := f.loanStepper("zhao", "", l.ID).BorrowRenew(l.ID); err != nil {
				t.Fatal(err)
			}
			d := f.loanStepper("zhao", "", l.ID)
			if _, err := d.BorrowReturn(l.ID, true, ""); err != nil {
				t.Fatal(err)
			}
			partial(d, "return")
			// An unknown loan: the answer a replay gives, on the state of
			// some parts (a typo does not decode every dossier).
			u := f.loanStepper("zhang", "", "L-999999")
			partial(u, "unknown loan")
			_, err = u.BorrowEndorse("L-999999")
			_, cold = f.cold("zhang").BorrowEndorse("L-999999")
			if err == nil || err.Error() != cold.Error() {
				t.Fatalf("unknown loan: %v, cold %v", err, cold)
			}
			f.verifyClean()
			f.settle()
			sameAsCold(t, f, f.reader("li", f.clock))
		})
	}
}

// A level mark dated ahead of the clock of the command that saved the
// snapshot (a writer's clock ahead, within the skew replay accepts) is in
// the rows: a reader at a later clock lists what a cold replay lists (a
// reader before it reads the whole state).
func TestSummaryFutureDatedMark(t *testing.T) {
	for _, c := range []struct {
		name string
		step func(f *fixture, ids []string) string
	}{
		{"create", func(f *fixture, ids []string) string { return f.create("秘密") }},
		{"classify", func(f *fixture, ids []string) string {
			if _, err := f.as("su").SetLevel(ids[2], "秘密", "", "升密"); err != nil {
				f.t.Fatal(err)
			}
			return ids[2]
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			ids := f.history()
			base := f.now
			f.now = base.Add(5 * time.Minute) // a writer whose clock is 5 min ahead
			id := c.step(f, ids)
			f.now = base
			f.settle()
			f.reader("li", f.clock) // the snapshot, at base
			later := base.Add(time.Hour)
			clock := func() time.Time { return later }
			a := f.summaryOpen(clock, archive.SummaryRows)
			if !a.Partial() {
				t.Fatal("not from the rows")
			}
			cold, err := archive.Open(ctx, f.dir, clock)
			if err != nil {
				t.Fatal(err)
			}
			level := func(a *archive.Archive) string {
				l, _ := a.List(ctx, false)
				for _, en := range l {
					if en.ID == id {
						b, _ := json.Marshal(en)
						return string(b)
					}
				}
				return "(missing)"
			}
			if got, want := level(a), level(cold); got != want {
				t.Errorf("list --no-decrypt of %s from the rows:\n got %s\nwant %s", id, got, want)
			}
		})
	}
}

// With a problem event at a head (quarantined, never a lockout), a step on
// the snapshot's state links to the good heads only: a return still
// follows its approval there, as on a replayed state.
func TestSnapshotReturnAfterAProblemHead(t *testing.T) {
	f := newFixture(t)
	ids := f.history() // L-000001 of ids[0], out to zhao
	// A step after the approval: the approval is not itself a head.
	if _, err := f.as("li").ReviewDone(ids[2], "ok"); err != nil {
		t.Fatal(err)
	}
	// A hold by a clerk: refused on replay, a problem event at the head.
	if err := f.as("li").ForgeEvent(archive.KindHold, ids[1], &archive.HoldData{Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if p := f.cold("li").State.Problems; len(p) != 1 {
		t.Fatalf("problems %v", p)
	}
	f.reader("zhao", f.clock)
	a := f.loanStepper("zhao", "", "L-000001")
	if !a.Partial() {
		t.Fatal("not on the snapshot's parts")
	}
	t.Logf("heads %v prior %v", a.State.Journal.Heads, a.State.Journal.Prior)
	_, err := a.BorrowReturn("L-000001", true, "")
	t.Logf("after: snapshot %v partial %v", a.FromSnapshot(), a.Partial())
	if err != nil {
		_, cerr := f.cold("zhao").BorrowReturn("L-000001", true, "")
		t.Fatalf("return on the snapshot's state: %v (on a replayed state: %v)", err, cerr)
	}
}

// A hand-made loan.request that reuses the id of a loan of another
// dossier, added after the snapshot, is refused by a replay; an open
// about its dossier (partial, advanced by it: the registers part is read
// for every loan id) says the same.
func TestSnapshotForgedDuplicateLoanID(t *testing.T) {
	for _, o := range []archive.OpenOptions{
		{Only: "C-000003"},
		{Only: "C-000003", Summary: archive.SummaryLoans},
		{Summary: archive.SummaryLoans},
	} {
		f := newFixture(t)
		ids := f.history() // L-000001 of ids[0]
		f.settle()
		f.reader("li", f.clock)
		if err := f.as("zhao").ForgeEvent(archive.KindLoanRequest, ids[2], &archive.LoanRequest{Loan: "L-000001", Purpose: "x", Days: 1, Department: "市场部"}); err != nil {
			t.Fatal(err)
		}
		f.settle()
		cold := f.cold("li")
		if len(cold.State.Problems) != 1 {
			t.Fatalf("problems %v", cold.State.Problems)
		}
		o.Clock, o.CacheDir, o.Identity, o.Snapshot = f.clock, f.cache, f.ids["li"], true
		a, err := archive.OpenWith(ctx, f.dir, o)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(a.State.Loans["L-000001"])
		want, _ := json.Marshal(cold.State.Loans["L-000001"])
		if d := a.State.Dossiers[ids[2]]; o.Only == "" && string(got) != string(want) || d != nil && len(d.Loans) != 0 {
			t.Errorf("%q %v: partial %v: loan %s, want %s", o.Only, o.Summary, a.Partial(), got, want)
		}
		t.Logf("%q %v: snapshot %v partial %v", o.Only, o.Summary, a.FromSnapshot(), a.Partial())
	}
}

// New events about many dossiers (here 200 new ones, in over 32 parts)
// advance the parts they name, and the advanced snapshot is saved
// (saveAdvancedParts): the next command reads it as it is, and it says
// what a replay says.
func TestSnapshotManyPartsAdvanceWhole(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	a := f.as("li")
	err := a.Bulk(func() error {
		for range 200 {
			if _, err := a.Create([]byte("customer:\n  name: 批量\nowner: 李四\n"), "秘密"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.settle()
	s := f.summaryOpen(f.clock, archive.SummaryRows)
	if !s.Partial() || !s.FromSnapshot() || !s.SnapshotStandsFor() {
		t.Fatalf("200 new dossiers: partial %v, snapshot %v, saved %v", s.Partial(), s.FromSnapshot(), s.SnapshotStandsFor())
	}
	f.sameSummaryAsCold(f.clock, true)
	w := f.reader("li", f.clock)
	if !w.FromSnapshot() {
		t.Fatal("the whole state was replayed")
	}
	sameAsCold(t, f, w)
}

// Steps of every kind about one dossier, on many dossiers at once (a pull
// of a week's work), twice: each time the state of the parts they name is
// advanced and the snapshot saved from it, and the whole state it then
// gives, with every register entry at its place, is what a replay gives.
func TestSnapshotManyStepsSavedFromTheirParts(t *testing.T) {
	f := newFixture(t)
	f.history()
	var ids []string
	bulk := func(who string, step func(a *archive.Archive) error) {
		t.Helper()
		a := f.as(who)
		if err := a.Bulk(func() error { return step(a) }); err != nil {
			t.Fatal(err)
		}
	}
	bulk("li", func(a *archive.Archive) error {
		for i := range 240 {
			id, err := a.Create([]byte("customer:\n  name: 批量\nowner: 李四\n"), []string{"秘密", "内部"}[i%2])
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	// A destruction request (a step the whole state takes) lies in a
	// part no later step names: the registers part must keep it.
	bulk("li", func(a *archive.Archive) error {
		_, err := a.DestroyRequest(ids[len(ids)-1], "到期")
		return err
	})
	ids = ids[:len(ids)-1]
	for round := range 2 {
		f.settle()
		f.reader("li", f.clock) // the whole snapshot, saved
		f.now = f.now.Add(24 * time.Hour)
		var loans []string
		bulk("li", func(a *archive.Archive) error {
			for i, id := range ids {
				switch (i + 3*round) % 6 {
				case 0:
					if a.State.Dossiers[id].Level == "机密" {
						break // raised in the first round: li no longer reads it
					}
					if _, err := a.ReviewDone(id, "批量核定"); err != nil {
						return err
					}
				case 2:
					if _, err := a.Create([]byte("customer:\n  name: 新增\nowner: 李四\n"), "内部"); err != nil {
						return err
					}
				}
			}
			return nil
		})
		bulk("zhao", func(a *archive.Archive) error {
			for i, id := range ids {
				if (i+3*round)%6 == 4 && a.State.Dossiers[id].Level != "内部" {
					l, err := a.BorrowRequest(id, "谈判", 3)
					if err != nil {
						return err
					}
					loans = append(loans, l.ID)
				}
			}
			return nil
		})
		bulk("zhang", func(a *archive.Archive) error {
			for i, id := range ids {
				switch (i + 3*round) % 6 {
				case 1:
					if _, _, err := a.SetCredit(id, "B", "批量"); err != nil {
						return err
					}
				case 3:
					if _, _, err := a.SetTier(id, "key", "批量"); err != nil {
						return err
					}
				case 5:
					if a.State.Dossiers[id].Level == "机密" || len(a.State.Dossiers[id].Loans) > 0 {
						break // raised before, or lent
					}
					if _, err := a.SetLevel(id, "机密", "", "批量升密"); err != nil {
						return err
					}
				}
			}
			for _, l := range loans[:len(loans)/2] {
				if _, _, err := a.BorrowApprove(l); err != nil {
					return err
				}
			}
			return nil
		})
		f.settle()
		s := f.summaryOpen(f.clock, archive.SummaryRows|archive.SummaryLoans)
		if !s.Partial() || !s.FromSnapshot() || !s.SnapshotStandsFor() {
			t.Fatalf("round %d: partial %v, snapshot %v, saved %v", round, s.Partial(), s.FromSnapshot(), s.SnapshotStandsFor())
		}
		w := f.reader("li", f.clock)
		if !w.FromSnapshot() {
			t.Fatalf("round %d: the whole state was replayed", round)
		}
		sameAsCold(t, f, w)
		f.sameSummaryAsCold(f.clock, true)
	}
	f.sameDossiersAsCold()
}

// Scan on a summary's rows (crm export register) reads what it reads on
// the whole state: the same dossiers, texts and count of those the key
// does not open.
func TestScanFromRows(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	scan := func(a *archive.Archive) (map[string]string, int) {
		t.Helper()
		var mu sync.Mutex
		got := map[string]string{}
		n, err := a.Scan(ctx, "", append(slices.Clone(ids), "C-999999"), func(d *archive.DossierState, text []byte) error {
			mu.Lock()
			got[d.ID+" "+d.Level] = string(text)
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, n
	}
	for _, who := range []string{"li", "zhang"} {
		whole := f.reader(who, f.clock)
		if err := whole.WholeState(); err != nil {
			t.Fatal(err)
		}
		rows, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids[who], Snapshot: true, Summary: archive.SummaryRows})
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Partial() {
			t.Fatalf("%s: the summary open is not from the rows", who)
		}
		for _, a := range []*archive.Archive{whole, rows} {
			if err := a.SetIdentity(f.ids[who]); err != nil {
				t.Fatal(err)
			}
		}
		want, wn := scan(whole)
		got, gn := scan(rows)
		if !rows.Partial() {
			t.Errorf("%s: the scan replayed the whole state instead of reading the rows", who)
		}
		if !maps.Equal(got, want) || gn != wn || len(want) == 0 {
			t.Errorf("%s: from the rows %d read, %d not: %v\nwhole state %d read, %d not: %v", who, len(got), gn, slices.Sorted(maps.Keys(got)), len(want), wn, slices.Sorted(maps.Keys(want)))
		}
	}
}

// A loan's access ends at its due time (R7.1): past it, the borrower's
// listing and scans do not read the dossier, though the file opens with
// their key until maintain revokes the loan. The same from a replayed
// state, from a snapshot's rows with the loans, and from rows alone.
func TestLapsedLoanNotListed(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	f.lendFor(id, 2)
	for _, at := range []time.Duration{0, 72 * time.Hour} {
		f.now = f.now.Add(at)
		want := at == 0
		for _, o := range []archive.OpenOptions{{}, {Snapshot: true, Summary: archive.SummaryRows | archive.SummaryLoans}, {Snapshot: true, Summary: archive.SummaryRows}} {
			a := f.openAs("zhao", o)
			list, err := a.ListBrief(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Readable != want || want != (list[0].Name == "测试") {
				t.Fatalf("+%v, %+v: listed %+v", at, o.Summary, list)
			}
			unreadable, err := a.Scan(ctx, "", []string{id}, func(*archive.DossierState, []byte) error { return nil })
			if err != nil || (unreadable == 0) != want {
				t.Fatalf("+%v, %+v: scan: %d unreadable, %v", at, o.Summary, unreadable, err)
			}
		}
	}
}
