package archive_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// blockNextMonth makes next month's journal folder impossible to create
// (a file has its name) and returns that month's time.
func blockNextMonth(t *testing.T, f *fixture) (time.Time, string) {
	t.Helper()
	next := f.now.AddDate(0, 1, 0).UTC()
	month := filepath.Join(f.dir, "journal", next.Format("2006"), next.Format("01"))
	if err := os.MkdirAll(filepath.Dir(month), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(month, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return next, month
}

// failingBulk runs step as member who inside a Bulk dated next month,
// whose journal folder cannot be made, fails the test unless Bulk fails,
// clears the process's left-behind mark, and lets the folder be made
// again. It returns Bulk's error.
func failingBulk(t *testing.T, f *fixture, who string, step func(a *archive.Archive) error) error {
	t.Helper()
	next, month := blockNextMonth(t, f)
	a := f.as(who)
	err := a.Bulk(func() error {
		a.SetClock(next)
		return step(a)
	})
	archive.LeftBehind()
	if err == nil {
		t.Fatal("Bulk succeeded")
	}
	if err := os.Remove(month); err != nil {
		t.Fatal(err)
	}
	return err
}

// approvedDestruction creates a dossier and has its destruction requested
// and approved by all three (R6.10), ready to execute.
func approvedDestruction(t *testing.T, f *fixture) (string, *archive.Destruction) {
	t.Helper()
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"su", "zhang", "wang"} {
		if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
			t.Fatal(err)
		}
	}
	return id, r
}

// DestroyExecute inside Bulk removes the set-aside file only once its
// event is on disk: if the event cannot be written, the dossier stays
// active with its file.
func TestBulkDestroyKeepsTheFileWhenItsEventFails(t *testing.T) {
	f := newFixture(t)
	id, r := approvedDestruction(t, f)
	failingBulk(t, f, "zhang", func(a *archive.Archive) error {
		_, err := a.DestroyExecute(r.ID, []string{"li", "su"}, "")
		return err
	})
	b := f.as("li")
	t.Logf("journal: %s is %s", id, b.State.Dossiers[id].Status)
	if _, err := os.Stat(filepath.Join(f.dir, archive.DossierPath(id))); err != nil {
		t.Errorf("dossier file after the failed destruction: %v", err)
	}
	if _, err := b.Read(id); err != nil {
		t.Errorf("Read: %v", err)
	}
	ps, _ := b.Verify(ctx)
	for _, p := range ps {
		t.Errorf("verify: %v", p)
	}
}

// AddMember inside Bulk writes members/ID.yaml only once its event is on
// disk: a failed event write leaves no member file that no event adds.
func TestBulkMemberFileOnlyAfterItsEvent(t *testing.T) {
	f := newFixture(t)
	k := newIdentity(t)
	failingBulk(t, f, "zhang", func(a *archive.Archive) error {
		return a.AddMember(ctx, archive.Member{ID: "sun", Name: "孙", Roles: []string{"clerk"}, Recipient: k.Recipient, SigningKey: k.SigningKey()})
	})
	f.create("秘密") // next locked step: repairCrash
	if _, err := os.Stat(filepath.Join(f.dir, "members", "sun.yaml")); err == nil {
		t.Errorf("members/sun.yaml exists though no event adds sun")
	}
	ps, _ := f.as("li").Verify(ctx)
	for _, p := range ps {
		t.Errorf("verify after repair: %v", p)
	}
}

// slowDisk makes every write-path point of this process take d (a slow
// or busy disk), through the crash harness's hook.
func slowDisk(t *testing.T, d time.Duration) {
	archive.SetCrashHook(func(p string) {
		time.Sleep(d)
	})
	t.Cleanup(func() { archive.SetCrashHook(nil) })
}

// A step inside Bulk on a snapshot's state that needs the whole state
// (a second Create opened as `crm new` opens it) reads the journal again
// (reload): it waits for the queued events first, so the earlier steps
// stay in the state and no id is handed out twice, on a slow disk too.
func TestBulkReloadSeesTheQueuedSteps(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	a := f.creator("li")
	if !a.Partial() {
		t.Fatal("the fixture's creator does not start from the snapshot's parts")
	}
	slowDisk(t, 20*time.Millisecond)
	var ids []string
	err := a.Bulk(func() error {
		for range 3 {
			id, err := a.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密")
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	archive.SetCrashHook(nil)
	t.Logf("ids %v, Bulk: %v", ids, err)
	if err != nil {
		t.Errorf("Bulk: %v", err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("id %s handed out twice in one batch", id)
		}
		seen[id] = true
	}
	ps, _ := f.as("li").Verify(ctx)
	for _, p := range ps {
		t.Errorf("verify: %v", p)
	}
}

// After a queued write failed, a later step that read a dossier file may
// have found the old one: Bulk reports the write that failed, first and
// with its code, not an integrity problem.
func TestBulkFailedWriteIsTheCause(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	next, month := blockNextMonth(t, f)
	defer os.Remove(month)
	a := f.as("zhang")
	old, err := a.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Bulk(func() error {
		a.SetClock(next)
		text := []byte(strings.Replace(string(old.Text), "测试", "测试改", 1))
		if _, _, err := a.Update(id, old.SHA256, old.Text, text); err != nil {
			return err
		}
		_, err := a.SetLevel(id, "机密", "", "重要业务往来 (R7.2.3)")
		return err
	})
	archive.LeftBehind()
	t.Logf("Bulk: %v (code %d)", err, archive.CodeOf(err))
	if archive.CodeOf(err) == archive.Integrity || !strings.HasPrefix(err.Error(), "writing journal event") {
		t.Errorf("a failed write is reported as an integrity problem: %v", err)
	}
}

// A destruction in Bulk killed right after the file is removed (SIGKILL):
// the disk is copied at the instant the set-aside file's removal is done
// (the folder sync after it), as a kill there would leave it, with the
// journal's writes as slow as a busy disk makes them. The copy is then
// opened (the next locked step repairs) and verified: the destruction is
// recorded, nothing is missing.
func TestBulkDestroyKilledAfterTheRemoval(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: the disk is copied at the instant with cp -a, which Windows has not")
	}
	f := newFixture(t)
	id, r := approvedDestruction(t, f)
	frozen := filepath.Join(t.TempDir(), "frozen")
	dossiers := filepath.Join(f.dir, archive.DossiersDir)
	removed := false
	archive.SetCrashHook(func(p string) {
		switch {
		case strings.Contains(p, string(filepath.Separator)+"journal"):
			time.Sleep(200 * time.Millisecond) // a busy disk, on the queue's goroutine
		case strings.HasPrefix(p, "remove ") && strings.Contains(p, ".tmp-destroy-"):
			removed = true
		case removed && p == "dirsync "+dossiers && frozen != "":
			if out, err := exec.Command("cp", "-a", f.dir, frozen).CombinedOutput(); err != nil {
				t.Errorf("cp: %v %s", err, out)
			}
			removed = false
		}
	})
	defer archive.SetCrashHook(nil)
	a := f.as("zhang")
	if err := a.Bulk(func() error {
		_, err := a.DestroyExecute(r.ID, []string{"li", "su"}, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	archive.SetCrashHook(nil)
	if _, err := os.Stat(frozen); err != nil {
		t.Fatal("the window was not seen")
	}
	g := *f
	g.t, g.dir, g.cache = t, frozen, t.TempDir()
	g.create("秘密") // the next step after the kill: repairCrash
	b := g.as("li")
	if st := b.State.Dossiers[id].Status; st != archive.StatusDestroyed {
		t.Errorf("after the kill and repair %s is %s, want destroyed", id, st)
	}
	ps, _ := b.Verify(ctx)
	for _, p := range ps {
		t.Errorf("verify: %v", p)
	}
}

// A panic inside a nested Bulk stops the queue (no goroutine left), marks
// what may be left, and the next step works.
func TestBulkPanic(t *testing.T) {
	f := newFixture(t)
	a := f.as("li")
	n0 := runtime.NumGoroutine()
	func() {
		defer func() { t.Logf("recovered: %v", recover()) }()
		a.Bulk(func() error {
			for range 5 {
				if _, err := a.Create([]byte("customer:\n  name: 批量\nowner: 李四\n"), "秘密"); err != nil {
					return err
				}
			}
			return a.Bulk(func() error { panic("boom") }) // nested
		})
	}()
	if !archive.LeftBehind() {
		t.Fatal("a panic inside Bulk did not mark what it may have left")
	}
	for i := 0; runtime.NumGoroutine() > n0; i++ {
		if i == 100 {
			t.Fatalf("goroutines %d -> %d: the queue's goroutine was left running", n0, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := a.Create([]byte("customer:\n  name: 之后\nowner: 李四\n"), "秘密"); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	if n := len(f.as("li").State.Dossiers); n != 6 {
		t.Fatalf("%d dossiers", n)
	}
}

// RejectSubmission inside Bulk removes the hand-in's file only once its
// event is on disk: when the event cannot be written, the hand-in still
// waits, with its file.
func TestBulkRejectKeepsTheHandInWhenItsEventFails(t *testing.T) {
	f := newFixture(t)
	f.addSales("qian2")
	top := f.create("秘密")
	sub, err := f.as("qian2").Submit([]byte("notes: 涨价\n"), top)
	if err != nil {
		t.Fatal(err)
	}
	failingBulk(t, f, "su", func(a *archive.Archive) error {
		_, err := a.RejectSubmission(sub.ID, "重复")
		return err
	})
	b := f.as("su")
	if _, _, err := b.ReadSubmission(sub.ID); err != nil {
		t.Errorf("ReadSubmission after the failed reject: %v", err)
	}
	ps, _ := b.Verify(ctx)
	for _, p := range ps {
		t.Errorf("verify: %v", p)
	}
}

// A dossier file's rename that fails is an error whose hint is the
// repair, inside Bulk as outside it.
func TestBulkUnfinishedKeepsItsHint(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		f := newFixture(t)
		a := f.as("li")
		archive.SetCrashHook(func(p string) {
			if rest, ok := strings.CutPrefix(p, "rename "+filepath.Join(f.dir, "dossiers")+string(filepath.Separator)); ok && strings.HasSuffix(rest, ".age") {
				os.MkdirAll(filepath.Join(f.dir, "dossiers", rest, "x"), 0o755) // the rename fails
			}
		})
		var err error
		create := func() error {
			_, err := a.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密")
			return err
		}
		if bulk {
			err = a.Bulk(create)
		} else {
			err = create()
		}
		archive.SetCrashHook(nil)
		archive.LeftBehind()
		var ae *archive.Error
		if !errors.As(err, &ae) {
			t.Fatalf("bulk=%v: %v", bulk, err)
		}
		if ae.Next != archive.NextRepair {
			t.Errorf("bulk=%v: the error's Next is %v, not NextRepair", bulk, ae.Next)
		}
	}
}
