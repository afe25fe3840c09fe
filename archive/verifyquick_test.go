package archive_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// VerifyFast opened from the user's state snapshot (verify --fast, the
// push check) checks the files against the snapshot's rows and reads no
// event when it finds nothing; what it finds must be exactly what the
// verified-journal cache's check finds, case by case of the tamper matrix.

// quickOpen opens dir as the manager from the cache folder cache: with
// rows, from the snapshot when one stands for it (as verify --fast and the
// push check do), or without a snapshot (the journal cache only).
func quickOpen(t *testing.T, b *tamperBase, dir, cache string, snapshot bool) (*archive.Archive, error) {
	t.Helper()
	o := archive.OpenOptions{Clock: func() time.Time { return b.checks }, CacheDir: cache, Identity: b.f.ids["zhang"]}
	if snapshot {
		o.Snapshot, o.Summary = true, archive.SummaryRows
	}
	return archive.OpenWith(ctx, dir, o)
}

// settleDir dates every folder and file under dir's journal an hour back,
// past the racy window: a snapshot is kept of folders that old only.
func settleDir(t testing.TB, dir string) {
	t.Helper()
	settleDirBut(t, dir, func(string) bool { return false })
}

// settleDirBut is settleDir leaving the times of the entries whose names
// keep says to keep.
func settleDirBut(t testing.TB, dir string, keep func(name string) bool) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	filepath.WalkDir(filepath.Join(dir, "journal"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !keep(d.Name()) {
			os.Chtimes(p, old, old)
		}
		return err
	})
}

// verifyOutcome is a verify's result as text: the problems, or the error.
func verifyOutcome(a *archive.Archive, err error, verify func(*archive.Archive) ([]archive.Problem, error)) string {
	if err != nil {
		return "open: " + err.Error()
	}
	ps, err := verify(a)
	if err != nil {
		return "verify: " + err.Error()
	}
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintln(&b, p)
	}
	for _, p := range a.VerifyNotes() {
		fmt.Fprintln(&b, "note:", p)
	}
	return b.String()
}

func verifyFast(a *archive.Archive) ([]archive.Problem, error) { return a.VerifyFast(ctx) }

func TestVerifyFastFromSnapshot(t *testing.T) {
	// Every file is older than the check by far less than the 2 s racy
	// window: with none, what the first clean check read is kept
	// (quickStamps) and the tampering below must be seen through it.
	racyWindow(t, 0)
	t.Cleanup(archive.SetStampSettle(0))
	b := newTamperBase(t)
	// Clean: no event read, the same counts as a full verify.
	dir := filepath.Join(t.TempDir(), "arc")
	copyTree(t, b.f.dir, dir)
	settleDir(t, dir)
	cache := t.TempDir()
	if _, err := quickOpen(t, b, dir, cache, true); err != nil { // makes the snapshot
		t.Fatal(err)
	}
	a, err := quickOpen(t, b, dir, cache, true)
	if err != nil {
		t.Fatal(err)
	}
	if !a.FromSnapshot() {
		t.Fatal("the second open did not take the snapshot")
	}
	if ps, err := a.VerifyFast(ctx); err != nil || len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() == 0 {
		t.Fatalf("clean archive: %v %v, quick %v, %d files read", ps, err, a.VerifiedQuick(), a.QuickFilesRead())
	}
	// Again: every file is taken from what the first check read; on
	// Windows, which has no file stamps (stamp_other.go), every file is
	// read again, as many as the first time.
	first := a.QuickFilesRead()
	a, err = quickOpen(t, b, dir, cache, true)
	if err != nil {
		t.Fatal(err)
	}
	again := 0
	if runtime.GOOS == "windows" {
		again = first
	}
	if ps, err := a.VerifyFast(ctx); err != nil || len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() != again {
		t.Fatalf("clean archive again: %v %v, quick %v, %d files read, want %d", ps, err, a.VerifiedQuick(), a.QuickFilesRead(), again)
	}
	full, err := archive.Open(ctx, dir, func() time.Time { return b.checks })
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := full.Verify(ctx); err != nil || len(ps) > 0 {
		t.Fatal(ps, err)
	}
	if got, want := a.Verified(), full.Verified(); got != want || got.Events == 0 {
		t.Fatalf("counts from the snapshot %+v, from the journal %+v", got, want)
	}

	judged, skipped := 0, 0
	for _, c := range tamperCases(b) {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if t.Skipped() {
					skipped++
				}
			}()
			c.skipOnWindows(t)
			dir := filepath.Join(t.TempDir(), "arc")
			copyTree(t, b.f.dir, dir)
			settleDir(t, dir)
			cache := t.TempDir()
			if _, err := quickOpen(t, b, dir, cache, true); err != nil {
				t.Fatal(err)
			}
			// A clean quick check first, whose reading the checks after
			// the tampering may take (quickStamps).
			w, err := quickOpen(t, b, dir, cache, true)
			if err != nil {
				t.Fatal(err)
			}
			if ps, err := w.VerifyFast(ctx); err != nil || len(ps) > 0 || !w.VerifiedQuick() {
				t.Fatalf("before the tampering: %v %v, quick %v", ps, err, w.VerifiedQuick())
			}
			x := &tamper{t: t, b: b, dir: dir, when: b.f.now.Add(time.Minute)}
			want := c.do(x)
			// The journal cache's check first: it leaves the cache and
			// snapshot as they were (a state with problems saves none).
			sa, serr := quickOpen(t, b, dir, cache, false)
			slow := verifyOutcome(sa, serr, verifyFast)
			qa, qerr := quickOpen(t, b, dir, cache, true)
			if qa != nil && qa.FromSnapshot() {
				judged++ // the snapshot stood for the journal: quickCheck judged
			}
			got := verifyOutcome(qa, qerr, verifyFast)
			if got != slow {
				t.Fatalf("from the snapshot:\n%s\nfrom the journal cache:\n%s", got, slow)
			}
			// An event file rewritten in place under its old name is the
			// one change both trust (its folder's time is unchanged):
			// only a full verify, or a push that carries it, reads it.
			if qa != nil && qa.VerifiedQuick() && slow != "" {
				t.Fatalf("%s changed, yet verify --fast read no event and found nothing", want)
			}
			// The push check names the file when a push carries it.
			pa, perr := quickOpen(t, b, dir, cache, true)
			pushed := verifyOutcome(pa, perr, func(a *archive.Archive) ([]archive.Problem, error) {
				return a.VerifyPush(ctx, []string{want})
			})
			if !strings.Contains(pushed, want) {
				t.Fatalf("the push check carrying %s did not name it:\n%s", want, pushed)
			}
		})
	}
	// Most changes leave the journal's folders as they were: those cases
	// went through quickCheck, not only through the journal cache (fewer
	// where cases are skipped: file modes and links on Windows).
	if judged < 25-skipped {
		t.Fatalf("only %d cases were judged from the snapshot (%d skipped)", judged, skipped)
	}
}
