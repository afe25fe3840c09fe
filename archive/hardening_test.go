package archive_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// Who may write a file, time rules at write, crash repair, the lock and the
// pin: the rules of SECURITY.md at the API.

func journalCount(t *testing.T, dir string) int {
	t.Helper()
	j, err := journal.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(j.Events)
}

func fileOf(t *testing.T, f *fixture, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, archive.DossierPath(id)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func opens(t *testing.T, f *fixture, id, member string) bool {
	t.Helper()
	_, err := archive.Decrypt(fileOf(t, f, id), f.ids[member].Age)
	return err == nil
}

// A role that only reads never pins a file: the gm's rekey is refused and
// writes nothing; his last approval of a 绝密 loan is recorded without a
// file, and the borrower gets the key at a writer's next step.
func TestReadersNeverWriteFiles(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("zhang", "customer:\n  name: 绝密公司\nowner: 张三\n", "绝密")
	before := fileOf(t, f, id)
	l, err := f.as("zhao").BorrowRequest(id, "投标", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, last, err := f.as("zhang").BorrowApprove(l.ID); err != nil || last {
		t.Fatalf("first approval: last %v, %v", last, err)
	}
	if _, last, err := f.as("wang").BorrowApprove(l.ID); err != nil || !last {
		t.Fatalf("gm's approval: last %v, %v", last, err)
	}
	if !slices.Equal(fileOf(t, f, id), before) {
		t.Fatal("the gm's approval wrote the file")
	}
	_, err = f.as("zhao").Read(id)
	wantCode(t, err, archive.Denied, "not yet encrypted to you")
	n := journalCount(t, f.dir)
	_, err = f.as("wang").Rekey(ctx)
	wantCode(t, err, archive.Denied, "needs a writer of level 绝密")
	if journalCount(t, f.dir) != n || !slices.Equal(fileOf(t, f, id), before) {
		t.Fatal("the gm's refused rekey wrote something")
	}
	a := f.as("li")
	ps, err := a.Verify(ctx)
	if err != nil || len(ps) > 0 || len(a.VerifyNotes()) != 1 {
		t.Fatalf("verify: %v %v, notes %v", ps, err, a.VerifyNotes())
	}
	rep, err := f.as("zhang").Maintain(ctx, classify.Period{Days: 14})
	if err != nil || !slices.Equal(rep.Rekeyed, []string{id}) {
		t.Fatalf("maintain: %+v %v", rep, err)
	}
	if o, err := f.as("zhao").Read(id); err != nil || !strings.Contains(string(o.Text), "绝密公司") {
		t.Fatalf("borrower after maintain: %v", err)
	}
	f.verifyClean()
}

// The borrower's own return is recorded without a file: crm stops opening
// the dossier for him at once, and the next writer step (here an edit by
// the clerk) drops his key from the file.
func TestBorrowersReturnWritesNoFile(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	l, _ := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	if !opens(t, f, id, "zhao") {
		t.Fatal("approval did not give the borrower the key")
	}
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if !opens(t, f, id, "zhao") {
		t.Fatal("the borrower's return re-encrypted the file: a borrower may not write it")
	}
	_, err := f.as("zhao").Read(id)
	wantCode(t, err, archive.Denied, "may not read dossier")
	if f.as("zhao").CanRead(f.as("zhao").State.Dossiers[id]) {
		t.Fatal("CanRead after the return")
	}
	li := f.as("li")
	o, err := li.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := li.Update(id, o.SHA256, o.Text, append(o.Text, "notes: 已归还\n"...)); err != nil {
		t.Fatal(err)
	}
	if opens(t, f, id, "zhao") {
		t.Fatal("the clerk's edit still encrypted the new content to the former borrower")
	}
	f.verifyClean()
}

// With a clock in 2060 a borrower cannot declassify (he is no writer),
// nor can a clerk's clock in year 1 record a 核定 ("1Q1").
func TestWrongClocksAtWrite(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("su", "customer:\n  name: 机密公司\nowner: 苏\n", "机密")
	l, _ := f.as("zhao").BorrowRequest(id, "谈判", 2)
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	n := journalCount(t, f.dir)
	f.now = time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := f.as("zhao").DeclassifyExpired(ctx)
	wantCode(t, err, archive.Denied, "only a writer of its level may do")
	f.now = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := f.as("li").ReviewDone(id, ""); err == nil {
		t.Fatal("a review dated in year 1 was written")
	}
	if journalCount(t, f.dir) != n {
		t.Fatal("something was written")
	}
}

// A writer whose clock is wrong does write, but every checker whose clock
// is right names the events, and they have no effect (the file they wrote
// is reported too: restore it from git).
func TestWrongClocksAreCaughtByARightOne(t *testing.T) {
	f := newFixture(t)
	right := f.now
	id := f.createAs("su", "customer:\n  name: 机密公司\nowner: 苏\n", "机密")
	other := f.create("秘密")
	l, err := f.as("zhao").BorrowRequest(other, "x", 3)
	if err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)
	if n, err := f.as("zhang").DeclassifyExpired(ctx); err != nil || n != 2 {
		t.Fatalf("declassify in 2060: %d %v", n, err)
	}
	f.now = right
	a := f.as("li")
	ps, err := a.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range ps {
		kinds = append(kinds, p.Path+" "+p.Msg)
	}
	all := strings.Join(kinds, "\n")
	if !strings.Contains(all, "2060-01-01T00:00:00Z, after the clock of this check") || !strings.Contains(all, "2036-01-01T00:00:00Z, after the clock of this check") ||
		!strings.Contains(all, archive.DossierPath(id)+" sha256") {
		t.Fatalf("problems:\n%s", all)
	}
	if a.State.Dossiers[id].Level != "机密" {
		t.Fatal("the future declassification took effect")
	}
	if st := a.State.Loans[l.ID].Status(); st != archive.LoanPending {
		t.Fatalf("the loan approved in 2036 is %s", st)
	}
}

// What a crash leaves is finished or undone by the next locked step, and
// nothing else is: a member file edited by hand waits for verify and repair.
func TestNextLockedStepRepairsWhatACrashLeaves(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	j := filepath.Join(f.dir, "journal", "2026", "11")
	dead := deadPID(t)
	tmpEvent := filepath.Join(j, ".tmp-"+dead+"-1")
	os.WriteFile(tmpEvent, []byte("kind: half"), 0o644)
	tmpDossier := filepath.Join(f.dir, "dossiers", ".tmp-"+id+"."+dead+"-2")
	os.WriteFile(tmpDossier, []byte("never journaled"), 0o644)
	os.Remove(filepath.Join(f.dir, "members", "wang.yaml"))
	os.WriteFile(filepath.Join(f.dir, ".tmp-"+dead+"-3"), []byte("report"), 0o600)
	editedBy := filepath.Join(f.dir, "members", "su.yaml")
	b, _ := os.ReadFile(editedBy)
	os.WriteFile(editedBy, append(b, "# note\n"...), 0o644)
	if _, err := f.as("li").ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{tmpEvent, tmpDossier, filepath.Join(f.dir, ".tmp-"+dead+"-3")} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there", p)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "members", "wang.yaml")); err != nil {
		t.Error("the missing member file was not written again")
	}
	a := f.as("li")
	ps, _ := a.Verify(ctx)
	if len(ps) != 1 || ps[0].Path != "members/su.yaml" {
		t.Fatalf("verify: %v", ps)
	}
	rep, err := a.Repair(ctx)
	if err != nil || len(rep.Fixed) != 1 || rep.Fixed[0].Path != "members/su.yaml" {
		t.Fatalf("repair: %+v %v", rep, err)
	}
	f.verifyClean()
}

// A crash between journaling a member change and writing the member's file
// leaves the file as the journal said it before: the next step rewrites it.
func TestStaleMemberFileIsRewritten(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.dir, "members", "li.yaml")
	old, _ := os.ReadFile(p)
	if err := f.as("zhang").SetRoles(ctx, "li", []string{"clerk", "supervisor"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, old, 0o644)
	a := f.as("li")
	ps, _ := a.Verify(ctx)
	if len(ps) != 0 || len(a.Repaired()) != 1 {
		t.Fatalf("verify: %v, repaired %v", ps, a.Repaired())
	}
	if b, _ := os.ReadFile(p); !strings.Contains(string(b), "supervisor") {
		t.Fatal("the stale member file was not rewritten")
	}
}

// An interrupted destruction is put back unless the journal records it.
func TestInterruptedDestruction(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	final := filepath.Join(f.dir, archive.DossierPath(id))
	aside := filepath.Join(f.dir, "dossiers", ".tmp-destroy-"+id)
	os.Rename(final, aside) // killed after setting it aside, before the event
	a := f.as("li")
	ps, _ := a.Verify(ctx)
	if len(ps) != 0 {
		t.Fatalf("verify: %v", ps)
	}
	if _, err := os.Stat(final); err != nil {
		t.Fatal("the dossier set aside was not put back")
	}
	r, _ := f.as("li").DestroyRequest(id, "过期")
	for _, who := range []string{"su", "zhang", "wang"} {
		f.as(who).DestroyApprove(r.ID)
	}
	if _, err := f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(aside, []byte("left after the event"), 0o644) // killed after the event
	f.verifyClean()
	if _, err := os.Stat(aside); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the aside file of a journaled destruction is still there")
	}
}

// A follow-up that fails after its event is journaled is Unfinished: the
// step counts, and nobody is invited to record it twice.
func TestFollowUpFailureIsUnfinished(t *testing.T) {
	f := newFixture(t)
	k := newIdentity(t)
	os.Mkdir(filepath.Join(f.dir, "members", "sun.yaml"), 0o755) // the file cannot be written
	err := f.as("zhang").AddMember(ctx, member("sun", []string{"clerk"}, k))
	wantCode(t, err, archive.Unfinished, "member sun was added (journaled)")
	if f.as("zhang").State.Members["sun"] == nil {
		t.Fatal("the member was not recorded")
	}
	os.Remove(filepath.Join(f.dir, "members", "sun.yaml"))
	f.verifyClean()
}

// The lock is group-usable whatever the umask, names its holder while
// held, and a step that waits longer than its timeout gives up naming it.
func TestLockTimeoutNamesTheHolder(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	lock := filepath.Join(f.dir, ".crm.lock")
	os.Remove(lock)
	old := setUmask(0o077)
	var during string
	archive.SetCrashHook(func(point string) {
		if during == "" {
			b, _ := os.ReadFile(lock)
			during = string(b)
		}
	})
	err := f.as("zhang").SetHold(id, true, "诉讼")
	archive.SetCrashHook(nil)
	setUmask(old)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(lock)
	if err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o660) { // Windows: no group bits (lock_windows.go, ownedByMe)
		t.Fatalf("lock file mode %v, %v", fi.Mode(), err)
	}
	if !strings.Contains(during, "pid: "+strconv.Itoa(os.Getpid())+"\n") || !strings.Contains(during, "command: ") {
		t.Fatalf("the lock file did not name its holder while held: %q", during)
	}
	if b, _ := os.ReadFile(lock); strings.Contains(string(b), "pid: ") || (archive.CleanMarks(f.dir) && !strings.HasPrefix(string(b), "clean: ")) {
		t.Fatalf("after release the lock file should name no holder, only the clean mark: %q", b)
	}
	// Another process holds it.
	lf, _ := os.OpenFile(lock, os.O_RDWR, 0)
	defer lf.Close()
	archive.LockFile(lf)
	lf.WriteString("pid: 4242\nuser: li\nhost: pc1\ncommand: crm edit C-000001\nsince: 2026-11-22T01:00:00Z\n")
	other := f.as("zhang")
	other.LockTimeout = 200 * time.Millisecond
	start := time.Now()
	err = other.SetHold(id, false, "")
	wantCode(t, err, archive.Failed, "the archive is busy: process 4242 (crm edit C-000001) of li on pc1, since 2026-11-22T01:00:00Z has held its lock")
	if time.Since(start) > 5*time.Second {
		t.Fatal("did not give up after the timeout")
	}
}

// A process that loaded the journal before another one wrote and pinned a
// newer head does not cry rollback; a real rollback is still caught.
func TestPinNoFalseAlarmFromConcurrentWriters(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	pin := filepath.Join(t.TempDir(), "known.yaml")
	early := f.as("li")
	if _, err := early.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	writer := f.as("li")
	if _, err := writer.ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if _, err := early.CheckPin(pin); err != nil {
		t.Fatalf("false alarm: %v", err)
	}
	j, _ := journal.Read(ctx, f.dir)
	os.Remove(filepath.Join(f.dir, j.ByHash[j.Heads[0]].Path))
	_, err := f.as("li").CheckPin(pin)
	wantCode(t, err, archive.Integrity, "gone from its journal")
}

// Template overrides are served only as pinned.
func TestOverridesServeOnlyPinnedFiles(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.dir, "templates", "dossier", "standard.yaml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("customer:\n  name:\n"), 0o644)
	_, err := fs.ReadFile(f.as("li").Overrides(), "templates/dossier/standard.yaml")
	wantCode(t, err, archive.Integrity, "does not pin")
	if _, _, err := f.as("li").PinTemplates(); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("a clerk pinned templates: %v", err)
	}
	if _, changed, err := f.as("zhang").PinTemplates(); err != nil || !changed {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(f.as("li").Overrides(), "templates/dossier/standard.yaml"); err != nil || string(b) != "customer:\n  name:\n" {
		t.Fatalf("%q %v", b, err)
	}
	if fl, err := f.as("li").Overrides().Open("templates/dossier/standard.yaml"); err != nil {
		t.Fatalf("opening the pinned override: %v", err)
	} else if b, err := io.ReadAll(fl); fl.Close() != nil || err != nil || string(b) != "customer:\n  name:\n" {
		t.Fatalf("the pinned override opened reads %q, %v", b, err)
	}
	if _, err := fs.ReadFile(f.as("li").Overrides(), "templates/reports/monthly.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing override: %v", err)
	}
	if _, err := fs.ReadFile(f.as("li").Overrides(), "crm.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("outside templates/: %v", err)
	}
	os.WriteFile(p, []byte("customer:\n  name: x\n"), 0o644)
	_, err = fs.ReadFile(f.as("li").Overrides(), "templates/dossier/standard.yaml")
	wantCode(t, err, archive.Integrity, "was changed after it was pinned")
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) string {
	t.Helper()
	// This test binary, running no test, exits at once.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(cmd.Process.Pid)
}

// A rolled-back journal is refused before it is read: the pin remembers the
// heads' files, and CheckPinnedFiles needs no replay to miss one. Files
// that are there, a pin of another archive or from before files were kept,
// let the open go on to CheckPin.
func TestPinnedFilesRefuseRollbackBeforeRead(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	pin := filepath.Join(t.TempDir(), "known.yaml")
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatalf("no pin yet: %v", err)
	}
	a := f.as("li")
	if _, err := a.ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	j, _ := journal.Read(ctx, f.dir)
	head := j.ByHash[j.Heads[0]].Path
	b, _ := os.ReadFile(pin)
	if !strings.Contains(string(b), "files:") || !strings.Contains(string(b), head) {
		t.Fatalf("the pin does not name the head's file %s:\n%s", head, b)
	}
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatalf("every pinned file is there: %v", err)
	}
	if err := archive.CheckPinnedFiles(t.TempDir(), pin); err != nil {
		t.Fatalf("another archive: %v", err)
	}
	saved, _ := os.ReadFile(filepath.Join(f.dir, head))
	os.Remove(filepath.Join(f.dir, head))
	wantCode(t, archive.CheckPinnedFiles(f.dir, pin), archive.Integrity, "is gone from its journal: the journal was rolled back")
	// Without its genesis too, the journal was replaced (as CheckPin says).
	genesis := j.ByHash[a.State.Genesis].Path
	gb, _ := os.ReadFile(filepath.Join(f.dir, genesis))
	os.Remove(filepath.Join(f.dir, genesis))
	wantCode(t, archive.CheckPinnedFiles(f.dir, pin), archive.Integrity, "no longer has the genesis event "+a.State.Genesis[:12])
	os.WriteFile(filepath.Join(f.dir, genesis), gb, 0o644)
	// A pin written before files were kept has none to look for; CheckPin
	// after the read still finds the rollback, and keeps files from then on.
	old := regexp.MustCompile(`(?m)^ *files:.*\n( +- .*\n)*`).ReplaceAll(b, nil)
	os.WriteFile(pin, old, 0o600)
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatalf("a pin without files: %v", err)
	}
	_, err := f.as("li").CheckPin(pin)
	wantCode(t, err, archive.Integrity, "gone from its journal")
	// A head's file edited in place is named as changed, not gone.
	os.WriteFile(filepath.Join(f.dir, head), append(slices.Clone(saved), '\n'), 0o644)
	_, err = f.as("li").CheckPin(pin)
	wantCode(t, err, archive.Integrity, "was changed in its file "+head+" (content does not match the hash in the file name")
	os.WriteFile(filepath.Join(f.dir, head), saved, 0o644)
	if _, err := f.as("li").CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(pin); !strings.Contains(string(b), head) {
		t.Fatalf("the pin was not given its files:\n%s", b)
	}
}
