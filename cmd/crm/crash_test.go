package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/testdata/needs"
)

// The crash harness (SECURITY.md, "Crashes"): every command that writes is
// killed with SIGKILL at every point of its write path where a crash can
// happen (before each mkdir, create, write, fsync, rename, remove and folder
// sync: archive.SetCrashHook), in the real binary. After each kill the
// archive must come back by itself (the next crm command, verify) or with
// one `crm repair`: verify clean, every dossier decrypts, no event that was
// there before is lost, the next write works, and a writer's repair leaves
// nothing pending. A trial that needs more
// is one "needing a person"; the goal is none.
//
// go test runs a handful of points; CRM_LONG=1 runs all of them.

// crashEnv is a world for crm processes: keys, an archive, a clock.
type crashEnv struct {
	t    *testing.T
	work string // keys and dossier texts
	dir  string // the archive
	home string
	shm  string
	now  string
}

func (c *crashEnv) env(as string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + c.home, "XDG_CONFIG_HOME=" + c.home + "/.config",
		"XDG_CACHE_HOME=" + c.home + "/.cache", "LANG=C", "LC_ALL=", "CRM_NOW=" + c.now,
		"CRM_SCRYPT_WORK_FACTOR=10", "CRM_ARCHIVE=" + c.dir, "CRM_SHM_DIR=" + c.shm,
		"CRM_LOCK_TIMEOUT=20s", "CRM_ID_SCHEME=sequential",
		// Every folder is trusted by the caches at once, however soon after
		// its change the command runs: else whether a command saves a
		// cache segment (and so its last crash points) depends on timing,
		// and a trial could end before the point the count found.
		"CRM_RACY_WINDOW=0s",
	}
	if as != "" {
		env = append(env, "CRM_IDENTITY="+filepath.Join(c.work, as+".key"))
	}
	return append(env, extra...)
}

// crmOnPath returns the crm binary TestMain builds and puts on PATH for every
// test of this package (TestMain); without it the harness is broken.
func crmOnPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("crm")
	if err != nil {
		t.Fatalf("no crm on PATH: TestMain should have built it there: %v", err)
	}
	return p
}

// crm runs the crm binary; it returns the exit code (-9 when killed).
func (c *crashEnv) crm(as string, extra []string, args ...string) (int, string) {
	cmd := exec.Command("crm", args...)
	cmd.Env = c.env(as, extra...)
	cmd.Dir = c.work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return -int(st.Signal()), out.String()
		}
		return ee.ExitCode(), out.String()
	} else if err != nil {
		c.t.Fatalf("crm %v: %v", args, err)
	}
	return 0, out.String()
}

// must runs crm and fails the test unless it exits with one of codes (0).
func (c *crashEnv) must(as string, args ...string) string {
	c.t.Helper()
	code, out := c.crm(as, nil, args...)
	if code != 0 && code != ExitDue {
		c.t.Fatalf("crm %s (as %s): exit %d\n%s", strings.Join(args, " "), as, code, out)
	}
	return out
}

func (c *crashEnv) write(name, text string) {
	if err := os.WriteFile(filepath.Join(c.work, name), []byte(text), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// Dossier texts of the base archive and of the steps.
var crashTexts = map[string]string{
	"d1.yaml":  "customer:\n  name: 一号公司\nowner: 李四\n",
	"d1b.yaml": "customer:\n  name: 一号公司\nowner: 李四\nnotes: 已更新\n",
	"d2.yaml":  "customer:\n  name: 二号公司\nowner: 苏\n",
	"d3.yaml":  "customer:\n  name: 三号公司\nowner: 张三\n",
	"d4.yaml":  "customer:\n  name: 四号公司\nowner: 李四\n",
	"d5.yaml":  "customer:\n  name: 五号公司\nowner: 李四\n",
	"d6.yaml":  "customer:\n  name: 六号公司\nowner: 李四\n",
	"d7.yaml":  "customer:\n  name: 七号公司\nowner: 李四\n",
}

// crashBase builds the archive every scenario starts from: members of
// every role; C-000001 秘密 with a loan request waiting (L-000001);
// C-000002 机密 lent out and overdue at the scenarios' clock (L-000002);
// C-000003 绝密 with a loan waiting for the gm (L-000003); C-000004 with
// a destruction approved and waiting (D-000001); C-000005 marked 机密 for
// one day (expired at the scenarios' clock); C-000006 returned by its
// borrower (the file still has his key: stale).
func crashBase(t *testing.T) *crashEnv {
	root := t.TempDir()
	c := &crashEnv{t: t, work: root, dir: filepath.Join(root, "arc"), home: filepath.Join(root, "home"), shm: filepath.Join(root, "shm"), now: "2026-11-22T09:00:00+08:00"}
	os.MkdirAll(c.home, 0o700)
	os.MkdirAll(c.shm, 0o700)
	for name, text := range crashTexts {
		c.write(name, text)
	}
	for _, k := range []string{"zhang", "wang", "su", "li", "zhao", "sun"} {
		c.must("", "keygen", "-o", k+".key")
		c.write(k+".pub", c.must("", "keygen", "-y", k+".key"))
	}
	c.must("zhang", "init", c.dir, "--id", "zhang", "--name", "张三")
	c.must("zhang", "member", "add", "wang", "--name", "王总", "--role", "gm", "--public", "wang.pub")
	c.must("zhang", "member", "add", "su", "--name", "苏", "--role", "supervisor", "--public", "su.pub")
	c.must("zhang", "member", "add", "li", "--name", "李四", "--role", "clerk", "--public", "li.pub")
	c.must("zhang", "member", "add", "zhao", "--name", "赵六", "--role", "dept_manager", "--department", "市场部", "--public", "zhao.pub")
	c.must("li", "new", "--from", "d1.yaml")
	c.must("su", "new", "--from", "d2.yaml", "--level", "机密")
	c.must("zhang", "new", "--from", "d3.yaml", "--level", "绝密")
	c.must("li", "new", "--from", "d4.yaml")
	c.must("li", "new", "--from", "d5.yaml")
	c.must("li", "new", "--from", "d6.yaml")
	c.must("li", "destroy", "request", "C-000004", "--reason", "过期")
	for _, who := range []string{"su", "zhang", "wang"} {
		c.must(who, "destroy", "approve", "D-000001")
	}
	c.must("zhang", "classify", "C-000005", "--level", "机密", "--period", "1d", "--reason", "短期")
	c.must("zhao", "borrow", "request", "C-000001", "--purpose", "谈判")
	c.must("zhao", "borrow", "request", "C-000002", "--purpose", "审计", "--days", "1")
	c.must("zhang", "borrow", "approve", "L-000002")
	c.must("zhao", "borrow", "request", "C-000003", "--purpose", "投标")
	c.must("zhang", "borrow", "approve", "L-000003")
	c.must("zhao", "borrow", "request", "C-000006", "--purpose", "核对")
	c.must("zhang", "borrow", "approve", "L-000004")
	c.must("zhao", "borrow", "return", "L-000004")
	c.now = "2026-11-24T10:00:00+08:00"
	if code, out := c.crm("li", nil, "verify"); code != 0 {
		t.Fatalf("the base archive does not verify:\n%s", out)
	}
	return c
}

// clone copies the base world for one trial.
func (c *crashEnv) clone(t *testing.T) *crashEnv {
	root := t.TempDir()
	d := &crashEnv{t: t, work: root, dir: filepath.Join(root, "arc"), home: filepath.Join(root, "home"), shm: filepath.Join(root, "shm"), now: c.now}
	copyDir(t, c.work, root)
	return d
}

func copyDir(t *testing.T, src, dst string) {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

type crashScenario struct {
	name string
	as   string
	args []string
	pre  func(c *crashEnv) // before the command (not crashed)
	ci   bool              // run (some points) in the default go test
}

var crashScenarios = []crashScenario{
	{name: "new", as: "li", args: []string{"new", "--from", "d7.yaml"}, ci: true},
	{name: "edit", as: "li", args: []string{"edit", "C-000001", "--from", "d1b.yaml"}, ci: true},
	{name: "classify", as: "zhang", args: []string{"classify", "C-000001", "--level", "机密", "--reason", "重要客户"}},
	{name: "borrow approve", as: "zhang", args: []string{"borrow", "approve", "L-000001"}},
	{name: "borrow approve (gm, no file)", as: "wang", args: []string{"borrow", "approve", "L-000003"}},
	{name: "borrow return (approver)", as: "zhang", args: []string{"borrow", "return", "L-000002"}},
	{name: "borrow return (borrower, no file)", as: "zhao", args: []string{"borrow", "return", "L-000002"}},
	{name: "destroy execute", as: "zhang", args: []string{"destroy", "execute", "D-000001", "--witness", "li", "--witness", "su", "--yes"}, ci: true},
	{name: "member add", as: "zhang", args: []string{"member", "add", "sun", "--name", "孙", "--role", "supervisor", "--public", "sun.pub"}, ci: true},
	{name: "member remove", as: "zhang", args: []string{"member", "remove", "su", "--yes"}},
	{name: "member roles", as: "zhang", args: []string{"member", "roles", "li", "clerk", "supervisor"}},
	{name: "rekey", as: "zhang", args: []string{"rekey"}},
	{name: "review done", as: "li", args: []string{"review", "done", "C-000001", "--note", "核对"}},
	{name: "review done (batch)", as: "li", args: []string{"review", "done", "--all-readable", "--note", "核对"}},
	{name: "hold", as: "zhang", args: []string{"hold", "C-000001", "--reason", "诉讼"}},
	{name: "maintain", as: "zhang", args: []string{"maintain"}},
	// Two months on, maintain also bundles November: killed between the
	// bundle's rename and the last file it replaces, the month holds
	// events twice, and the next maintain finishes it.
	{name: "maintain (bundles)", as: "zhang", args: []string{"maintain"}, ci: true, pre: func(c *crashEnv) {
		c.now = "2027-01-25T09:00:00+08:00"
	}},
	{name: "declassify", as: "zhang", args: []string{"classify", "declassify-expired"}},
	{name: "templates pin", as: "zhang", args: []string{"templates", "pin"}, pre: func(c *crashEnv) {
		os.MkdirAll(filepath.Join(c.dir, "templates", "reports"), 0o755)
		os.WriteFile(filepath.Join(c.dir, "templates", "reports", "monthly.yaml"), []byte("title: 月报\n"), 0o644)
	}},
	{name: "repair", as: "zhang", args: []string{"repair"}},
}

// crashPoints runs the scenario's command to the end in a clone, logging
// its crash points.
func crashPoints(t *testing.T, base *crashEnv, s crashScenario) []string {
	c := base.clone(t)
	prepareTrial(c, s)
	logFile := filepath.Join(c.work, "points.log")
	code, out := c.crm(s.as, []string{"CRM_CRASH_LOG=" + logFile}, s.args...)
	if code != 0 && code != ExitDue {
		t.Fatalf("%s: exit %d without a crash:\n%s", s.name, code, out)
	}
	b, _ := os.ReadFile(logFile)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// prepareTrial readies a clone for the scenario's command, the same way
// for counting its points and for each trial, and returns what verify says
// before the command (a scenario may start from an archive with a problem
// the command is to settle: an unpinned template override).
func prepareTrial(c *crashEnv, s crashScenario) []string {
	if s.pre != nil {
		s.pre(c)
	}
	_, out := c.crm("li", nil, "verify")
	return verifyProblemLines(out)
}

// trial kills the scenario's command at point n (the last one: last) and
// checks that the archive recovers; it returns why it needed a person, or
// "".
func crashTrial(t *testing.T, base *crashEnv, s crashScenario, n int, last bool) (person string, repaired bool) {
	c := base.clone(t)
	known := prepareTrial(c, s)
	before, err := journal.Read(context.Background(), c.dir)
	if err != nil {
		t.Fatal(err)
	}
	code, out := c.crm(s.as, []string{"CRM_CRASH_AT=" + strconv.Itoa(n)}, s.args...)
	// The last points (writing the pin, known_archives.yaml) are not
	// reached on every run: whether the pin changes depends on timing
	// (maintain (bundles) counts 127 or 133 points on the same code, under
	// load). A command that finished before the last point had nothing to
	// recover from; the checks below run all the same.
	finished := last && (code == 0 || code == ExitDue)
	if code != -int(syscall.SIGKILL) && !finished {
		return fmt.Sprintf("not killed at point %d (exit %d): %s", n, code, out), false
	}
	// By itself: verify finishes or undoes what the crash left.
	if _, out := c.crm("li", nil, "verify"); !subset(verifyProblemLines(out), known) {
		repaired = true
		c.crm("zhang", nil, "repair")
		if _, out := c.crm("li", nil, "verify"); !subset(verifyProblemLines(out), known) {
			return "verify after repair: " + out, true
		}
	}
	// No event that was there before is lost; every dossier decrypts
	// (with the manager's key, who reads every level) to a text the
	// archive had or was given.
	a, err := archive.Open(context.Background(), c.dir, func() time.Time { return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC) })
	if err != nil {
		return "open: " + err.Error(), repaired
	}
	for h := range before.ByHash {
		if a.State.Journal.ByHash[h] == nil {
			return "event " + h + " was lost", repaired
		}
	}
	id, err := archive.LoadIdentity(filepath.Join(c.work, "zhang.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, v := range crashTexts {
		texts[v] = true
	}
	for _, d := range a.State.SortedDossiers() {
		if d.Status != archive.StatusActive {
			continue
		}
		ct, err := os.ReadFile(filepath.Join(c.dir, archive.DossierPath(d.ID)))
		if err != nil {
			return d.ID + ": " + err.Error(), repaired
		}
		plain, err := archive.Decrypt(ct, id.Age)
		if err != nil {
			return d.ID + " does not decrypt: " + err.Error(), repaired
		}
		if !texts[string(plain)] {
			return d.ID + " decrypts to a text nobody wrote", repaired
		}
	}
	// Nobody is locked out: the next write works.
	if code, out := c.crm("zhang", nil, "review", "done", "C-000002", "--note", "probe"); code != 0 {
		return "the next write failed: " + out, repaired
	}
	// What waits for a writer (a member removal killed half-way through
	// its re-encryptions) is done by a writer's repair (maintain does
	// the same every hour).
	if _, out := c.crm("zhang", nil, "repair"); strings.Contains(out, "pending: ") || strings.Contains(out, "not repaired: ") {
		return "after a writer's repair: " + out, repaired
	}
	// Plaintext folders of killed processes are gone.
	if ents, _ := os.ReadDir(c.shm); len(ents) > 0 {
		return "plaintext left in " + c.shm, repaired
	}
	return "", repaired
}

func TestCrashHarness(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: the harness tells a killed crm by SIGKILL in its wait status, which Windows has not (killSelf ends it with TerminateProcess)")
	}
	crmOnPath(t)
	long := os.Getenv("CRM_LONG") != ""
	base := crashBase(t)
	tried, byItself, byRepair := 0, 0, 0
	var needPerson []string
	for _, s := range crashScenarios {
		if !long && !s.ci {
			continue
		}
		points := crashPoints(t, base, s)
		picks := make([]int, len(points))
		for i := range picks {
			picks[i] = i + 1
		}
		if !long {
			// A handful: the first point, the journal event's rename,
			// and the last.
			picks = []int{1, len(points)}
			for i, p := range points {
				if strings.Contains(p, " rename ") && strings.Contains(p, "/journal/") {
					picks = append(picks, i+1)
					break
				}
			}
			slices.Sort(picks)
			picks = slices.Compact(picks)
		}
		for _, n := range picks {
			tried++
			why, repaired := crashTrial(t, base, s, n, n == len(points))
			switch {
			case why != "":
				needPerson = append(needPerson, fmt.Sprintf("%s, point %d (%s): %s", s.name, n, pointName(points, n), why))
			case repaired:
				byRepair++
			default:
				byItself++
			}
		}
		t.Logf("%s: %d crash points", s.name, len(points))
	}
	t.Logf("crash points tried: %d; recovered by themselves: %d; by crm repair: %d; needing a person: %d", tried, byItself, byRepair, len(needPerson))
	for _, p := range needPerson {
		t.Errorf("needs a person: %s", p)
	}
}

// verifyProblemLines are the problems in verify's output (not its notes).
func verifyProblemLines(out string) []string {
	var ps []string
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "crm: ") || strings.HasPrefix(l, "ok: ") || strings.HasPrefix(l, "repaired: ") ||
			strings.HasPrefix(l, "note: ") || strings.HasPrefix(l, "pending: ") {
			continue
		}
		ps = append(ps, l)
	}
	return ps
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func pointName(points []string, n int) string {
	if n-1 < len(points) {
		_, p, _ := strings.Cut(points[n-1], " ")
		return p
	}
	return "?"
}

// The crash points are where crm itself writes: a run under strace must
// make exactly as many rename and fsync calls as the hook counted rename,
// fsync and folder-sync points, so no write escapes the harness. (strace
// -e inject=…:signal=SIGKILL:when=N could kill at the same calls; its
// counters are per thread, which Go's scheduler makes unpredictable, so the
// harness kills through the hook and strace only checks the count.)
func TestCrashPointsCoverSyscalls(t *testing.T) {
	strace := needs.Tool(t, "strace", "apt-get install strace")
	if out, err := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		// A container without ptrace: strace is there but cannot trace.
		t.Skipf("skipped: strace cannot trace here (%v: %s)", err, out)
	}
	crm := crmOnPath(t)
	base := crashBase(t)
	for _, s := range crashScenarios {
		c := base.clone(t)
		prepareTrial(c, s)
		logFile := filepath.Join(c.work, "points.log")
		traceFile := filepath.Join(c.work, "strace.log")
		cmd := exec.Command(strace, append([]string{"-f", "-qq", "-o", traceFile, "-e", "trace=rename,renameat,renameat2,fsync,fdatasync", crm}, s.args...)...)
		cmd.Env = c.env(s.as, "CRM_CRASH_LOG="+logFile)
		cmd.Dir = c.work
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 10") {
			t.Fatalf("%s under strace: %v\n%s", s.name, err, out)
		}
		points, _ := os.ReadFile(logFile)
		trace, _ := os.ReadFile(traceFile)
		count := func(text string, words ...string) int {
			n := 0
			for _, l := range strings.Split(text, "\n") {
				for _, w := range words {
					if strings.Contains(l, w) && !strings.Contains(l, "resumed>") {
						n++
					}
				}
			}
			return n
		}
		renames, syncs := count(string(trace), " rename(", " renameat(", " renameat2("), count(string(trace), " fsync(", " fdatasync(")
		hookRenames, hookSyncs := count(string(points), " rename "), count(string(points), " fsync ", " dirsync ")
		if renames != hookRenames || syncs != hookSyncs {
			t.Errorf("%s: strace saw %d renames and %d syncs, the hook %d and %d", s.name, renames, syncs, hookRenames, hookSyncs)
		} else {
			t.Logf("%s: %d renames, %d syncs, all crash points", s.name, renames, syncs)
		}
	}
}
