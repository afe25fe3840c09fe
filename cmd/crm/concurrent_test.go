package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"crm/archive/journal"
	"crm/testdata/needs"
)

// Eight crm processes write at once (DESIGN.md principle 6): on the same
// dossier, every update lands (none lost: each edit is a compare-and-swap
// on the file's hash under the lock) and the losers are told to edit
// again; on different dossiers none has to. No process raises a false
// alarm (all share one pin file: "the journal was rolled back" is what a
// pin checked outside the lock used to say).

const writers = 8

func concurrentWorld(t *testing.T) *crashEnv {
	crmOnPath(t)
	root := t.TempDir()
	c := &crashEnv{t: t, work: root, dir: filepath.Join(root, "arc"), home: filepath.Join(root, "home"), shm: filepath.Join(root, "shm"), now: "2026-11-22T09:00:00+08:00"}
	os.MkdirAll(c.home, 0o700)
	// The editor's plaintext must be in memory-backed storage.
	shm, err := os.MkdirTemp("/dev/shm", "crm-test-")
	if err != nil {
		needs.Missing(t, "no memory-backed /dev/shm for the editor's plaintext (Linux has one): "+err.Error())
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	c.shm = shm
	for _, k := range []string{"zhang", "li"} {
		c.must("", "keygen", "-o", k+".key")
		c.write(k+".pub", c.must("", "keygen", "-y", k+".key"))
	}
	c.must("zhang", "init", c.dir, "--id", "zhang", "--name", "张三")
	c.must("zhang", "member", "add", "li", "--name", "李四", "--role", "clerk", "--public", "li.pub")
	// One dossier per customer (R5): each its own.
	for i := range writers {
		c.write("d.yaml", fmt.Sprintf("customer:\n  name: 并发公司%d\nowner: 李四\nnotes: start\n", i+1))
		c.must("li", "new", "--from", "d.yaml")
	}
	// The editor appends its writer's mark to the notes line, slowly, so
	// that the edits overlap.
	c.write("mark.sh", "#!/bin/sh\nsleep 0.05\nsed -i \"s/^notes: \\(.*\\)\\$/notes: \\1 $1/\" \"$2\"\n")
	os.Chmod(filepath.Join(c.work, "mark.sh"), 0o755)
	return c
}

// edit runs `crm edit ID` with the marking editor until it succeeds, and
// returns how many times it was told to retry, or an unexpected outcome.
func (c *crashEnv) editUntilDone(id, mark string) (retries int, bad string) {
	for range 50 {
		code, out := c.crm("li", []string{"CRM_EDITOR=" + filepath.Join(c.work, "mark.sh") + " " + mark}, "edit", id)
		switch {
		case strings.Contains(out, "rolled back") || code == ExitIntegrity:
			return retries, "false alarm: " + out
		case code == 0 && strings.Contains(out, "Updated "+id):
			return retries, ""
		case code == ExitError && strings.Contains(out, "after you opened it; nothing was saved") && strings.Contains(out, "run the edit again"):
			retries++ // told to retry, nothing lost
		case code == ExitError && strings.Contains(out, "the archive is busy") && strings.Contains(out, "run the command again"):
			retries++
		default:
			return retries, fmt.Sprintf("exit %d: %s", code, out)
		}
	}
	return retries, "gave up after 50 tries"
}

// editConcurrently runs the writers at once, writer i editing dossier
// id(i) with mark Wi, and returns each one's retries and unexpected outcome.
func (c *crashEnv) editConcurrently(id func(i int) string) (retries []int, bad []string) {
	var wg sync.WaitGroup
	retries = make([]int, writers)
	bad = make([]string, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			retries[i], bad[i] = c.editUntilDone(id(i), fmt.Sprintf("W%d", i))
		}()
	}
	wg.Wait()
	return retries, bad
}

func TestEightWritersOneDossier(t *testing.T) {
	c := concurrentWorld(t)
	retries, bad := c.editConcurrently(func(int) string { return "C-000001" })
	total := 0
	for i := range writers {
		if bad[i] != "" {
			t.Errorf("writer %d: %s", i, bad[i])
		}
		total += retries[i]
	}
	out := c.must("zhang", "show", "C-000001")
	for i := range writers {
		if !strings.Contains(out, fmt.Sprintf(" W%d", i)) {
			t.Errorf("writer %d's update was lost:\n%s", i, out)
		}
	}
	if code, out := c.crm("li", nil, "verify"); code != 0 {
		t.Fatalf("verify:\n%s", out)
	}
	t.Logf("%d writers on one dossier: all %d updates kept, %d retries asked for", writers, writers, total)
}

func TestEightWritersEightDossiers(t *testing.T) {
	c := concurrentWorld(t)
	retries, bad := c.editConcurrently(func(i int) string { return fmt.Sprintf("C-%06d", i+1) })
	for i := range writers {
		if bad[i] != "" || retries[i] != 0 {
			t.Errorf("writer %d: %d retries, %s", i, retries[i], bad[i])
		}
	}
	if code, out := c.crm("li", nil, "verify"); code != 0 {
		t.Fatalf("verify:\n%s", out)
	}
	j, err := journal.Read(context.Background(), c.dir)
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	for _, e := range j.Events {
		if e.Kind == "dossier.update" {
			updates++
		}
	}
	if updates != writers {
		t.Fatalf("%d updates journaled, want %d", updates, writers)
	}
}

// Eight crm processes create dossiers at once in a git clone: each
// commits its own change after letting go of the archive's lock, so their
// commits meet at git's own lock on the index (index.lock), which git does
// not wait for. Every change must still be committed (commitPaths waits
// for the lock), none left in the work tree for the next crm sync.
func TestEightWritersCommitInGit(t *testing.T) {
	needs.Tool(t, "git", "apt-get install git")
	c := concurrentWorld(t)
	os.RemoveAll(c.dir)
	git := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x", "GIT_CONFIG_NOSYSTEM=1"}
	run := func(as string, args ...string) string {
		t.Helper()
		code, out := c.crm(as, git, args...)
		if code != 0 {
			t.Fatalf("crm %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	run("zhang", "init", c.dir, "--id", "zhang", "--name", "张三", "--git")
	run("zhang", "member", "add", "li", "--name", "李四", "--role", "clerk", "--public", "li.pub")
	var wg sync.WaitGroup
	outs := make([]string, writers)
	codes := make([]int, writers)
	for i := range writers { // eight customers: one dossier each (R5)
		c.write(fmt.Sprintf("d%d.yaml", i), fmt.Sprintf("customer:\n  name: 提交公司%d\nowner: 李四\n", i+1))
	}
	for i := range writers {
		wg.Go(func() {
			codes[i], outs[i] = c.crm("li", git, "new", "--from", fmt.Sprintf("d%d.yaml", i))
		})
	}
	wg.Wait()
	for i := range writers {
		if codes[i] != 0 || strings.Contains(outs[i], "not committed") {
			t.Errorf("writer %d: exit %d\n%s", i, codes[i], outs[i])
		}
	}
	status := exec.Command("git", "status", "--porcelain")
	status.Dir = c.dir
	out, err := status.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("git status after the writers (%v):\n%s", err, out)
	}
	if out := run("li", "verify"); !strings.Contains(out, fmt.Sprintf("%d dossier(s)", writers)) {
		t.Fatalf("verify:\n%s", out)
	}
}
