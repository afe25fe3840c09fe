package archive_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// forge writes an event signed with member's real key, following the
// current heads, as someone editing the journal outside crm would, and
// returns the problems verify then finds.
func (f *fixture) forge(actor string, kind journal.Kind, dossier string, data any) []archive.Problem {
	f.t.Helper()
	path := f.writeForged(journal.Header{Kind: kind, Actor: actor, Dossier: dossier, Prev: f.as(actor).State.Journal.Heads}, data)
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	os.Remove(path) // the next step starts from a clean journal
	return ps
}

// writeForged signs an event with h (timed now) and data with its
// actor's real key, writes it into the journal without checking its rule,
// and returns its file's path.
func (f *fixture) writeForged(h journal.Header, data any) string {
	f.t.Helper()
	h.Time = f.now.UTC()
	b, err := journal.Sign(h, data, f.ids[h.Actor].Signer())
	if err != nil {
		f.t.Fatal(err)
	}
	e, err := journal.Parse(b)
	if err != nil {
		f.t.Fatal(err)
	}
	path := filepath.Join(f.dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// wantProblem fails unless one of ps contains substr.
func wantProblem(t *testing.T, ps []archive.Problem, substr string) {
	t.Helper()
	for _, p := range ps {
		if strings.Contains(p.Msg, substr) {
			return
		}
	}
	t.Fatalf("no problem contains %q: %v", substr, ps)
}

// R6.5: only a member who can read a dossier records its 核定, at write and
// on replay.
func TestReviewNeedsAReader(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("su", "customer:\n  name: 测试\nowner: 苏\n", "机密")
	_, err := f.as("li").ReviewDone(id, "")
	wantCode(t, err, archive.Denied, "li cannot read dossier "+id+" (level 机密), so cannot verify it (R6.5)")
	ps := f.forge("li", archive.KindReview, id, &archive.ReviewData{Quarter: "2026Q4"})
	wantProblem(t, ps, "dossier.review by li refused: li cannot read dossier "+id)
	if _, err := f.as("su").ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	// A quarter not yet begun, or one that ended before the dossier existed.
	_, err = f.as("su").ReviewDoneFor(id, classify.Quarter{Year: 2027, Q: 1}, archive.ReviewRecord{})
	wantCode(t, err, archive.Usage, "2027Q1 has not begun yet")
	_, err = f.as("su").ReviewDoneFor(id, classify.Quarter{Year: 2026, Q: 3}, archive.ReviewRecord{})
	wantCode(t, err, archive.Usage, "was created after 2026Q3 ended")
	f.verifyClean()
}

// A quarter that ended without a 核定 stays listed until a late one is
// recorded for it.
func TestMissedQuartersStayListed(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	f.now = time.Date(2027, 4, 10, 9, 0, 0, 0, f.now.Location())
	a := f.as("li")
	m := a.ReviewsMissed(a.Quarter())
	if len(m) != 1 || m[0].ID != id || !slices.Equal(m[0].Quarters.Names(), []string{"2026Q4", "2027Q1"}) {
		t.Fatalf("missed %+v", m)
	}
	rep, err := a.Maintain(ctx, classify.Period{Days: 14})
	if err != nil || len(rep.Missed) != 1 || !rep.NeedsPerson() {
		t.Fatalf("maintain: %v %+v", err, rep)
	}
	if _, err := a.ReviewDone(id, "本季度"); err != nil {
		t.Fatal(err)
	}
	if m := f.as("li").ReviewsMissed(a.Quarter()); len(m) != 1 || m[0].Quarters.Len() != 2 {
		t.Fatalf("this quarter's 核定 does not make up for the missed ones: %+v", m)
	}
	// A late 核定 of the later quarter leaves the earlier one missed.
	if _, err := f.as("li").ReviewDoneFor(id, classify.Quarter{Year: 2027, Q: 1}, archive.ReviewRecord{Note: "补登"}); err != nil {
		t.Fatal(err)
	}
	if m := f.as("li").ReviewsMissed(a.Quarter()); len(m) != 1 || !slices.Equal(m[0].Quarters.Names(), []string{"2026Q4"}) {
		t.Fatalf("after 2027Q1's late 核定: %+v", m)
	}
	if _, err := f.as("li").ReviewDoneFor(id, classify.Quarter{Year: 2026, Q: 4}, archive.ReviewRecord{Note: "补登"}); err != nil {
		t.Fatal(err)
	}
	if m := f.as("li").ReviewsMissed(a.Quarter()); len(m) != 0 {
		t.Fatalf("still missed: %+v", m)
	}
	f.verifyClean()
}

// The sign-off signs the 核定 of others that it follows, never the
// signer's own; its list of dossiers is checked on replay.
func TestReviewSignoff(t *testing.T) {
	f := newFixture(t)
	a1, a2 := f.create("秘密"), f.create("秘密")
	if _, err := f.as("li").ReviewDone(a1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("su").ReviewDone(a2, ""); err != nil {
		t.Fatal(err)
	}
	q := classify.Quarter{Year: 2026, Q: 4}
	_, err := f.as("li").ReviewSignoff(q)
	wantCode(t, err, archive.Denied, "signing off a quarter's 核定 needs one of the roles [supervisor manager]")
	ps := f.forge("li", archive.KindReviewSignoff, "", &archive.ReviewSignoff{Quarter: "2026Q4", Dossiers: []string{a1, a2}})
	wantProblem(t, ps, "review.signoff by li refused")
	ps = f.forge("su", archive.KindReviewSignoff, "", &archive.ReviewSignoff{Quarter: "2026Q4", Dossiers: []string{a1, a2}})
	wantProblem(t, ps, "but the reviews it signs are of ["+a1+"]")
	ids, err := f.as("su").ReviewSignoff(q)
	if err != nil || !slices.Equal(ids, []string{a1}) {
		t.Fatalf("su signed %v: %v", ids, err)
	}
	_, err = f.as("su").ReviewSignoff(q)
	wantCode(t, err, archive.Failed, "no 核定 of 2026Q4 by anyone but su waits for a sign-off")
	ids, err = f.as("zhang").ReviewSignoff(q)
	if err != nil || !slices.Equal(ids, []string{a2}) {
		t.Fatalf("zhang signed %v: %v", ids, err)
	}
	s := f.as("li").State
	for _, r := range s.Reviews {
		want := map[string]string{a1: "su", a2: "zhang"}[r.Dossier]
		if r.SignedOffBy != want || s.Dossiers[r.Dossier].Reviews[0].SignedOffBy != want {
			t.Errorf("%s signed off by %q, want %q", r.Dossier, r.SignedOffBy, want)
		}
	}
	f.verifyClean()
}

// ReviewsDueAndMissed gives what ReviewsDue and ReviewsMissed give, the two
// made side by side (run with -race: they share the state's rows).
func TestReviewsDueAndMissed(t *testing.T) {
	f := newFixture(t)
	for range 5 {
		f.create("秘密")
	}
	f.now = time.Date(2027, 4, 10, 9, 0, 0, 0, f.now.Location())
	for _, a := range []*archive.Archive{f.as("li"), f.as("li")} {
		q := a.Quarter()
		due, missed := a.ReviewsDueAndMissed(q, true)
		if !reflect.DeepEqual(due, a.ReviewsDue(q)) || !reflect.DeepEqual(missed, a.ReviewsMissed(q)) || len(due) != 5 || len(missed) != 5 {
			t.Fatalf("due %+v\nmissed %+v", due, missed)
		}
		if due, missed := a.ReviewsDueAndMissed(q, false); len(due) != 5 || missed != nil {
			t.Fatalf("without the missed: %+v %+v", due, missed)
		}
	}
}

// A batch that names a dossier twice records its 核定 once, in the order
// the ids were first given.
func TestReviewDoneManyOnceEach(t *testing.T) {
	f := newFixture(t)
	x, y := f.create("秘密"), f.create("内部")
	a := f.as("li")
	n := len(a.State.Journal.Events)
	_, done, err := a.ReviewDoneMany([]string{y, x, y, x}, classify.Quarter{}, archive.ReviewRecord{Note: "批量"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, []string{y, x}) {
		t.Fatalf("done %v, want [%s %s]", done, y, x)
	}
	if got := len(f.as("li").State.Journal.Events) - n; got != 2 {
		t.Fatalf("%d events recorded, want 2", got)
	}
}

// A batch as a member's first command (no cache, no snapshot yet: the
// open replays the journal and saves the snapshot) takes its steps on the
// dossiers' state, not on the rows the command opened with: it used to
// refuse every dossier as "never created".
func TestReviewDoneManyAsFirstCommand(t *testing.T) {
	racyWindow(t, 0) // the snapshot the open saves is taken at once, as with CRM_RACY_WINDOW=0s
	f := newFixture(t)
	x, y := f.create("秘密"), f.create("内部")
	f.cache = t.TempDir()
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows})
	if _, done, err := a.ReviewDoneMany([]string{x, y}, classify.Quarter{}, archive.ReviewRecord{Note: "批量"}); err != nil || len(done) != 2 {
		t.Fatalf("done %v, %v", done, err)
	}
	f.verifyClean()
}

// What `review done --all-readable` records is found in the snapshot's
// rows alone (DueReadable on a summary state) and is what the whole state
// says each member can read (CanRead), as the rows stand after each kind
// of step since the snapshot: a loan out, returned, overdue; a classification;
// a clone's loan pulled in. A clerk does not read 机密, a borrower reads the
// dossier lent to them until it is returned, a dossier verified is not due.
func TestDueReadableFromRows(t *testing.T) {
	racyWindow(t, 0)
	f := newFixtureStyle(t, archive.IDRandom) // a loan of each clone keeps its id
	members := []string{"li", "zhao", "zhang", "su", "wang"}
	agree := func(f *fixture, stage string) map[string][]string {
		t.Helper()
		out := map[string][]string{}
		for _, m := range members {
			whole := f.as(m)
			q := whole.Quarter()
			var want []string
			for _, r := range whole.ReviewsDue(q) {
				if d := whole.State.Dossiers[r.ID]; d != nil && whole.CanRead(d) {
					want = append(want, r.ID)
				}
			}
			a := f.openAs(m, archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows})
			if !a.Partial() {
				t.Errorf("%s, %s: DueReadable ran on a whole state, not the snapshot's rows", stage, m)
			}
			got := a.DueReadable(q)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %s: rows give %v, the whole state %v", stage, m, got, want)
			}
			out[m] = got
		}
		return out
	}
	open, secret, lent, top, raised := f.create("内部"), f.create("秘密"), f.create("机密"), f.create("绝密"), f.create("内部")
	if _, err := f.as("li").ReviewDone(open, "已核"); err != nil {
		t.Fatal(err)
	}
	snapshots := func() { // each member's, from a replay
		for _, m := range members {
			f.openAs(m, archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
		}
	}
	snapshots()
	base := t.TempDir()
	copyTree(t, f.dir, base)
	g := f.clone()
	l, err := f.as("zhao").BorrowRequest(lent, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, last, err := f.as("zhang").BorrowApprove(l.ID); err != nil || !last {
		t.Fatalf("approve: last %v, %v", last, err)
	}
	got := agree(f, "lent")
	for m, w := range map[string][]string{"li": {secret, raised}, "zhao": {lent}, "zhang": {secret, lent, top, raised}} {
		if slices.Sort(w); !slices.Equal(got[m], w) { // by id
			t.Errorf("lent, %s: %v, want %v", m, got[m], w)
		}
	}
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := agree(f, "returned"); len(got["zhao"]) != 0 {
		t.Errorf("returned: zhao still reads %v", got["zhao"])
	}
	l2, err := f.as("zhao").BorrowRequest(secret, "谈判", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l2.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(5 * 24 * time.Hour)
	agree(f, "overdue")
	if _, err := f.as("zhang").SetLevel(raised, "机密", "", "升级"); err != nil {
		t.Fatal(err)
	}
	if got := agree(f, "classified"); slices.Contains(got["li"], raised) {
		t.Errorf("classified: li still reads %s", raised)
	}
	l3, err := g.as("zhao").BorrowRequest(top, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"wang", "zhang"} { // the writer last: the file then opens with zhao's key
		if _, _, err := g.as(m).BorrowApprove(l3.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.pull(g, base)
	snapshots() // a merge is replayed whole
	if got := agree(f, "pulled"); !slices.Contains(got["zhao"], top) {
		t.Errorf("pulled: zhao does not read %s lent in the other clone: %v", top, got["zhao"])
	}
}

// R6.5 on replay: a 核定 is recorded by one whom the journal lets read the
// dossier now, not only one its file is still encrypted to (CanRead). A
// change of roles written by hand, without the re-encryption crm does
// with it, leaves su a recipient of a 机密 file that su's new role does
// not read: su's 核定 then is a problem, as the write would refuse it.
func TestReviewByAStaleRecipientIsRefused(t *testing.T) {
	f := newFixture(t)
	id := f.create("机密")
	f.writeEvent("su", archive.KindReview, id, &archive.ReviewData{Quarter: "2026Q4", Note: "在读"})
	if ps, err := f.as("zhang").Verify(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("su's 核定 as a reader: %v %v", ps, err)
	}
	f.writeEvent("zhang", archive.KindMemberRoles, "", &archive.MemberRoles{Member: "su", Roles: []string{"clerk"}})
	if d := f.as("zhang").State.Dossiers[id]; !slices.Contains(d.Recipients, "su") {
		t.Fatalf("the file is no longer encrypted to su: %v", d.Recipients)
	}
	f.now = f.now.AddDate(0, 3, 0)
	f.writeEvent("su", archive.KindReview, id, &archive.ReviewData{Quarter: "2027Q1", Note: "已无权"})
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil || len(ps) != 1 || !strings.Contains(ps[0].Msg, "su cannot read dossier "+id) {
		t.Fatalf("a 核定 by a recipient whose role no longer reads the level: %v %v", ps, err)
	}
}

// The borrower half of R6.5 on replay: a borrower whose
// loan gives access records a 核定 (crm writes it, replay accepts it); once
// he returned the loan himself the file is still encrypted to him, and a
// 核定 he signs by hand is refused on replay.
func TestReviewByABorrowerBeforeAndAfterReturn(t *testing.T) {
	f := newFixture(t)
	// li, of 客服部, borrows as a dept_manager and verifies as a clerk,
	// who does not read 机密: he reads the dossier only through his loan.
	// (Only 客服部's members hold its posts: R6.6.)
	f.writeEvent("zhang", archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"clerk", "dept_manager"}})
	id := f.create("机密")
	l, err := f.as("li").BorrowRequest(id, "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").ReviewDone(id, "借阅中核定"); err != nil {
		t.Fatalf("a borrower with access records a 核定: %v", err)
	}
	f.verifyClean()
	if _, err := f.as("li").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if d := f.as("zhang").State.Dossiers[id]; !slices.Contains(d.Recipients, "li") {
		t.Fatalf("the file is no longer encrypted to li: %v", d.Recipients)
	}
	f.now = f.now.AddDate(0, 3, 0)
	q := f.as("zhang").Quarter().String()
	f.writeEvent("li", archive.KindReview, id, &archive.ReviewData{Quarter: q, Note: "已归还"})
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil || len(ps) != 1 || !strings.Contains(ps[0].Msg, "li cannot read dossier "+id) {
		t.Fatalf("a 核定 by a borrower whose loan was returned: %v %v", ps, err)
	}
}
