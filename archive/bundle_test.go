package archive_test

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// journalFiles lists the files under the archive's journal/, as slash
// paths.
func journalFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, journal.Dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

// rowsOf is what a's rows say of the 核定 due and missed.
func rowsOf(a *archive.Archive) string {
	b, _ := json.Marshal([]any{a.ReviewsDue(a.Quarter()), a.ReviewsMissed(a.Quarter())})
	return string(b)
}

// Bundling closed months changes where the events' bytes are, nothing
// else: the state replayed from the bundles is the one replayed from the
// files, the snapshot advances over it without a replay, verify (full
// and fast) finds nothing, the genesis stays in its file, and what was
// removed and written is crm's own for a commit. A month bundled in this
// clone that a merge brings an old-dated event into reads it beside the
// bundle, and is bundled again with it.
func TestBundleJournal(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids, base, g := f.oldDatedWork() // November's history; a 核定 in January
	f.verifyClean()
	f.warm("li")
	want := f.cold("li").State
	genesis := want.Journal.Events[0]
	before := journalFiles(t, f.dir)
	rowsBefore := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows))
	logBefore := logHashes(t, f.logReader("li"))

	a := f.as("zhang")
	got, err := a.BundleJournal()
	if err != nil {
		t.Fatal(err)
	}
	// 22 January 2027: November is closed, December has no folder,
	// January is open.
	if len(got) != 1 || got[0].Month != journal.Dir+"/2026/11" || got[0].Files != got[0].Events || got[0].Events != len(want.Journal.Events)-2 {
		t.Fatalf("bundled %+v (of %d events)", got, len(want.Journal.Events))
	}
	after := journalFiles(t, f.dir)
	if len(after) != 3 || !slices.Contains(after, genesis.Path) || !slices.Contains(after, got[0].Month+"/"+got[0].File) {
		t.Fatalf("journal files after bundling: %v", after)
	}
	if w := a.Written(); len(w) != 0 {
		t.Fatalf("bundling wrote events %v", w)
	}
	// As crm sync judges what is uncommitted: from the whole state.
	s := f.as("li")
	if err := s.WholeState(); err != nil {
		t.Fatal(err)
	}
	for _, rel := range append(slices.Clone(before), after...) {
		there := slices.Contains(after, rel)
		if !s.OwnFile(rel, there) {
			t.Fatalf("%s (there: %v) is not crm's own after bundling", rel, there)
		}
	}
	// What a commit takes: the month's folder, not its files one by one.
	if touched := a.Touched(); !slices.Equal(touched, []string{got[0].Month}) {
		t.Fatalf("touched %v", touched)
	}
	// The snapshot stands for the same events: it is advanced over the
	// folder, not replayed, and the log reads them from the bundle.
	reads := func() string { return strings.Join(strings.Fields(archive.ProcessStats())[:2], " ") }
	stats := reads()
	snaps, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*", "state.snap"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots %v", snaps)
	}
	snap, _ := os.ReadFile(snaps[0])
	for i := range 2 {
		listed := journal.MonthListings()
		if rows := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)); rows != rowsBefore {
			t.Fatalf("rows after bundling:\n%v\nwant %v", rows, rowsBefore)
		}
		// The first open lists the bundled folder (its bundle's events
		// are known: read and hashed, not parsed) and keeps the listing
		// in its memo; the whole state's open below saves the snapshot
		// with the folder's new time. The next ones do not read the
		// bundle again.
		if n := journal.MonthListings() - listed; i == 0 && n == 0 || i == 1 && n != 0 {
			t.Fatalf("open %d after bundling listed %d folders", i, n)
		}
		if now, _ := os.ReadFile(snaps[0]); i == 1 && string(now) == string(snap) {
			t.Fatal("the snapshot was not saved with the bundled folder")
		}
		if got := logHashes(t, f.logReader("li")); !slices.Equal(got, logBefore) {
			t.Fatalf("log after bundling: %d events, want %d", len(got), len(logBefore))
		}
		w, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids["li"], Snapshot: true})
		if err != nil {
			t.Fatal(err)
		}
		if w.State.Dossiers[ids[0]].SHA256 != want.Dossiers[ids[0]].SHA256 || len(w.State.Dossiers) != len(want.Dossiers) {
			t.Fatal("the whole state from the snapshot differs")
		}
	}
	if reads() != stats {
		t.Fatalf("opening after bundling: %s, before %s", reads(), stats)
	}
	sameState(t, f.as("li").State, want)
	sameState(t, f.cold("li").State, want)
	f.verifyClean()
	if ps, err := f.as("li").VerifyFast(ctx); err != nil || len(ps) > 0 {
		t.Fatalf("verify --fast: %v %v", ps, err)
	}
	if again, err := f.as("zhang").BundleJournal(); err != nil || len(again) != 0 {
		t.Fatalf("bundled again: %+v %v", again, err)
	}
	// The other clone's 核定 of 23 November arrives.
	f.pull(g, base.dir)
	merged := f.as("li")
	if len(merged.State.Dossiers[ids[2]].Reviews) != 1 {
		t.Fatalf("the merged 核定 is missing: %+v", merged.State.Dossiers[ids[2]].Reviews)
	}
	sameState(t, merged.State, f.cold("li").State)
	f.verifyClean()
	got, err = f.as("zhang").BundleJournal()
	if err != nil || len(got) != 1 || got[0].Events != len(want.Journal.Events)-1 {
		t.Fatalf("November bundled again: %+v %v", got, err)
	}
	sameState(t, f.as("li").State, merged.State)
	f.verifyClean()
}

// Verify names a bundle edited in place, and the events whose links go
// stale with it; the bundle then is not crm's own.
func TestBundleEditedIsFound(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	f.now = f.now.AddDate(0, 2, 0)
	a := f.as("zhang")
	got, err := a.BundleJournal()
	if err != nil || len(got) != 1 {
		t.Fatalf("bundled %+v %v", got, err)
	}
	rel := got[0].Month + "/" + got[0].File
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "level: 机密", "level: 绝密", 1)), 0o644)
	ps, err := f.as("li").Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ps, func(p archive.Problem) bool {
		return p.Path == rel && strings.Contains(p.Msg, "does not match the hash")
	}) {
		t.Fatalf("verify: %v", ps)
	}
	if f.as("li").OwnFile(rel, true) {
		t.Fatal("an edited bundle is crm's own")
	}
	if _, ok := journal.HashOfPath(path.Base(rel)); ok {
		t.Fatal("a bundle's name reads as an event's")
	}
}

// A pull brings another clone's bundles and its new steps: the first
// open advances the snapshot over them and keeps its listing of the
// folders in the memo (listing them read the bundles, which every later
// open would do again); the next open lists nothing.
func TestBundlesPulledAreListedOnce(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.now = f.now.AddDate(0, 2, 0)
	base := f.clone()
	for range 2 {
		f.summaryOpen(f.clock, archive.SummaryRows)
	}
	snaps, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*", "state.snap"))
	g := f.clone()
	if got, err := g.as("zhang").BundleJournal(); err != nil || len(got) != 1 {
		t.Fatalf("bundled %+v %v", got, err)
	}
	if _, err := g.as("li").ReviewDone(ids[2], "ok"); err != nil {
		t.Fatal(err)
	}
	before := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows))
	f.pull(g, base.dir)
	if rows := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)); rows == before {
		t.Fatal("the rows do not show the pulled 核定")
	}
	listed := journal.MonthListings()
	if rows := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)); rows == before {
		t.Fatal("the rows do not show the pulled 核定")
	}
	if n := journal.MonthListings() - listed; n != 0 || len(snaps) == 0 {
		t.Fatalf("the next open listed %d folders again (snapshots %v)", n, snaps)
	}
	sameState(t, f.as("li").State, f.cold("li").State)
}
