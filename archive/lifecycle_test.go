package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is an archive with members of every role, each with an identity.
type fixture struct {
	t   *testing.T
	dir string
	now time.Time
	ids map[string]*Identity
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)), ids: map[string]*Identity{}}
	gen := func(id string) *Identity {
		_, ident, err := GenerateIdentityText(false, f.now)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[id] = ident
		return ident
	}
	founder := gen("zhang")
	if _, err := Init(f.dir, founder, InitOptions{Founder: Member{ID: "zhang", Name: "张三"}}, f.clock); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Member{
		{ID: "wang", Name: "王总", Roles: []string{"gm"}},
		{ID: "su", Name: "苏", Roles: []string{"supervisor"}},
		{ID: "li", Name: "李四", Roles: []string{"clerk"}},
		{ID: "zhao", Name: "赵六", Roles: []string{"dept_manager"}, Department: "市场部"},
		{ID: "qian", Name: "钱七", Roles: []string{"gm"}, Department: "总经办"},
		{ID: "zhou", Name: "周八", Roles: []string{"dept_manager"}, Department: "总经办"},
	} {
		id := gen(m.ID)
		m.Recipient, m.SigningKey = id.Recipient, id.SigningKey
		if err := f.as("zhang").AddMember(m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// as opens the archive as member id.
func (f *fixture) as(id string) *Archive {
	f.t.Helper()
	a, err := Open(f.dir, f.clock)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := a.SetIdentity(f.ids[id]); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) create(level string) string {
	f.t.Helper()
	id, err := f.as("li").Create([]byte("customer:\n  name: 测试\nowner: 李四\n"), level)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) verifyClean() {
	f.t.Helper()
	ps, err := f.as("zhang").Verify()
	if err != nil {
		f.t.Fatal(err)
	}
	if len(ps) > 0 {
		f.t.Fatalf("verify: %v", ps)
	}
}

func wantCode(t *testing.T, err error, code int, substr string) {
	t.Helper()
	if err == nil || ExitCode(err) != code || !strings.Contains(err.Error(), substr) {
		t.Fatalf("got %v (exit %d), want exit %d containing %q", err, ExitCode(err), code, substr)
	}
}

func TestEndorsementFromAnotherDepartment(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("qian").BorrowRequest(id, "审计", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !l.NeedsSign || l.EndorsedBy != "" || l.Days != 3 {
		t.Fatalf("loan %+v: want a request waiting for 总经办's sign-off, 3 days", l)
	}
	_, _, err = f.as("zhang").BorrowApprove(l.ID)
	wantCode(t, err, ExitError, "first needs the sign-off of a dept_manager of 总经办")
	_, err = f.as("zhao").BorrowEndorse(l.ID)
	wantCode(t, err, ExitDenied, "must be signed by a dept_manager of 总经办")
	if _, err := f.as("zhou").BorrowEndorse(l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhou").BorrowEndorse(l.ID)
	wantCode(t, err, ExitError, "needs no (further)")
	l, last, err := f.as("zhang").BorrowApprove(l.ID)
	if err != nil || !last {
		t.Fatalf("approve: %v, last %v", err, last)
	}
	if c := l.CardOf(); c.EndorsedBy != "zhou" || c.Department != "总经办" || c.Title != "总经理" || !slices.Equal(c.Approvers, []string{"zhang"}) {
		t.Fatalf("card %+v", c)
	}
	// qian (gm) reads 秘密 by role already: no re-encryption was needed.
	a := f.as("qian")
	if !slices.Contains(a.State.Dossiers[id].Recipients, "qian") {
		t.Fatal("gm is not a recipient")
	}
	f.verifyClean()
}

func TestLoanRecipientsFollowTheLoan(t *testing.T) {
	f := newFixture(t)
	id := f.create("机密")
	l, err := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	if l.EndorsedBy != "zhao" {
		t.Fatalf("a dept_manager's own request carries their sign-off, got %q", l.EndorsedBy)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	a := f.as("zhao")
	if _, err := a.Read(id); err != nil {
		t.Fatalf("borrower cannot read: %v", err)
	}
	want := []string{"qian", "su", "wang", "zhang", "zhao"}
	if got := a.ExpectedRecipients(a.State.Dossiers[id]); !slices.Equal(got, want) {
		t.Fatalf("recipients %v, want %v", got, want)
	}
	f.verifyClean()

	// Past due: maintain revokes; a second run writes nothing.
	f.now = f.now.Add(49 * time.Hour)
	rep, err := f.as("su").Maintain(14 * 24 * time.Hour)
	if err != nil || len(rep.Expired) != 1 || len(rep.Overdue) != 1 || !rep.NeedsPerson() {
		t.Fatalf("maintain: %v %+v", err, rep)
	}
	_, err = f.as("zhao").Read(id)
	wantCode(t, err, ExitDenied, "may not read")
	n := len(f.as("su").State.Journal.Events)
	if rep, err := f.as("su").Maintain(0); err != nil || len(rep.Expired) != 0 {
		t.Fatalf("second maintain: %v %+v", err, rep)
	}
	if m := len(f.as("su").State.Journal.Events); m != n {
		t.Fatalf("second maintain wrote %d events", m-n)
	}
	f.verifyClean()
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.as("zhang").Loans(true); len(got) != 0 {
		t.Fatalf("returned loan still overdue: %v", got)
	}
	f.verifyClean()
}

// A loan.approve hand-written by someone who is not an approver is reported
// by replay, and does not open the loan.
func TestReplayFlagsForgedLoanApproval(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(id, "x", 1)
	if err != nil {
		t.Fatal(err)
	}
	a := f.as("li")
	if err := a.locked(func() error {
		_, err := a.appendEvent(KindLoanApprove, id, map[string]any{"loan": l.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ps, err := f.as("zhang").Verify()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "loan.approve by li refused") {
		t.Fatalf("problems %v", ps)
	}
	if st := f.as("zhang").State.Loans[l.ID].Status(); st != LoanPending {
		t.Fatalf("forged approval opened the loan: %s", st)
	}
}

func TestDestroyExecuteRemovesFileKeepsJournal(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, "")
	wantCode(t, err, ExitDenied, "has 0 of 3 approvals")
	for _, who := range []string{"su", "zhang", "wang"} {
		if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	if _, err := f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, DossierPath(id))); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
	a := f.as("zhang")
	d := a.State.Dossiers[id]
	if d.Status != StatusDestroyed || d.Events[0].Kind != KindDossierCreate {
		t.Fatalf("dossier state %+v", d)
	}
	got := a.State.Destructions[r.ID]
	if got.Status() != DestroyExecuted || len(got.Approvals) != 3 || got.Approvals[2].Role != "gm" || got.Level != "秘密" {
		t.Fatalf("destruction %+v", got)
	}
	f.verifyClean()
}

func TestQuarters(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, loc), "2026Q1"},
		{time.Date(2026, 3, 31, 23, 59, 0, 0, loc), "2026Q1"},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, loc), "2026Q2"},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, loc), "2026Q4"},
	} {
		if got := QuarterOf(c.t).String(); got != c.want {
			t.Errorf("QuarterOf(%v) = %s, want %s", c.t, got, c.want)
		}
	}
	q, err := ParseQuarter("2026q4")
	if err != nil || q != (Quarter{2026, 4}) || !q.End(loc).Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, loc)) {
		t.Fatalf("ParseQuarter: %v %v", q, err)
	}
	for _, bad := range []string{"2026Q0", "2026Q5", "26Q1", "2026-Q1", ""} {
		if _, err := ParseQuarter(bad); ExitCode(err) != ExitUsage {
			t.Errorf("ParseQuarter(%q) = %v, want a usage error", bad, err)
		}
	}
	for s, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "0d": 0} {
		if got, err := ParseWithin(s); err != nil || got != want {
			t.Errorf("ParseWithin(%q) = %v, %v", s, got, err)
		}
	}
	for _, bad := range []string{"soon", "-1d", "d"} {
		if _, err := ParseWithin(bad); ExitCode(err) != ExitUsage {
			t.Errorf("ParseWithin(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestReviewsDueDaysLeft(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	due := f.as("li").ReviewsDue(QuarterOf(f.now))
	if len(due) != 1 || due[0].ID != id || due[0].DaysLeft != 40 || due[0].Owner != "li" || due[0].Overdue {
		t.Fatalf("due %+v", due)
	}
	if _, err := f.as("zhang").ReviewDone(id, ""); ExitCode(err) != ExitDenied {
		t.Fatalf("manager review: %v", err)
	}
	if q, err := f.as("li").ReviewDone(id, "ok"); err != nil || q.String() != "2026Q4" {
		t.Fatal(q, err)
	}
	if due := f.as("li").ReviewsDue(Quarter{2026, 4}); len(due) != 0 {
		t.Fatalf("still due: %+v", due)
	}
	f.now = time.Date(2027, 1, 1, 0, 0, 0, 0, f.now.Location())
	if due := f.as("li").ReviewsDue(Quarter{2026, 4}); len(due) != 0 {
		t.Fatalf("past quarter: %+v", due)
	}
	if due := f.as("li").ReviewsDue(Quarter{2027, 1}); len(due) != 1 || due[0].LastReview != "2026Q4" || due[0].DaysLeft != 90 {
		t.Fatalf("new quarter: %+v", due)
	}
}
