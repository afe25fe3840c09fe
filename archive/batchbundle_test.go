package archive_test

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// A batch that writes many event files into a month (a quarter's 核定
// with --all-readable) puts them in a bundle of that month when it ends
// (bundleWritten): the journal holds the same events, every reader reads
// the same state, verify finds nothing, the files are crm's own for a
// commit, and a later step in that month costs what it costs in any other
// (the folder holds a bundle and a few files, not thousands).
func TestBatchBundle(t *testing.T) {
	racyWindow(t, 0)
	defer archive.SetBatchBundleMin(3)()
	f := newFixture(t)
	var ids []string
	for range 5 {
		ids = append(ids, f.create("内部"))
	}
	f.settle()
	rows := func() string { return rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)) }
	rows() // the snapshot
	a := f.as("li")
	_, done, err := a.ReviewDoneMany(ids[:4], classify.Quarter{}, archive.ReviewRecord{Note: "季度核定"})
	if err != nil || len(done) != 4 {
		t.Fatalf("review done of 4: %v %v", done, err)
	}
	var bundles, loose []string
	var month string
	for _, rel := range journalFiles(t, f.dir) {
		if journal.IsBundlePath(rel) {
			bundles, month = append(bundles, rel), path.Dir(rel)
		} else {
			loose = append(loose, rel)
		}
	}
	if len(bundles) != 1 {
		t.Fatalf("bundles after the batch: %v (files %v)", bundles, loose)
	}
	for _, e := range a.Written() {
		if slices.Contains(loose, e.Path) {
			t.Fatalf("%s is still a file of its own", e.Path)
		}
		if path.Dir(e.Path) != month {
			t.Fatalf("%s is not in the bundle's month %s", e.Path, month)
		}
	}
	if touched := a.Touched(); !slices.Contains(touched, month) || slices.ContainsFunc(touched, func(rel string) bool { return path.Dir(rel) == month }) {
		t.Fatalf("the month's folder, not its files, is to commit: %v", touched)
	}
	if len(a.Written()) != 4 {
		t.Fatalf("written %d events", len(a.Written()))
	}
	for _, rel := range append(slices.Clone(bundles), loose...) {
		if !a.OwnFile(rel, true) {
			t.Fatalf("%s is not crm's own after the batch", rel)
		}
	}
	f.settle()
	want := f.cold("li")
	if got := rows(); got != rowsOf(want) {
		t.Fatalf("rows after the batch:\n%s\nwant %s", got, rowsOf(want))
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	f.verifyClean()
	if ps, err := f.as("li").VerifyFast(ctx); err != nil || len(ps) > 0 {
		t.Fatalf("verify --fast: %v %v", ps, err)
	}
	// A step after it: the folder is listed with its bundle, whose events
	// the snapshot knows now (read and hashed, none parsed), and the next
	// open takes it from the memo.
	if _, err := f.as("li").ReviewDone(ids[4], "单独"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	want = f.cold("li")
	for i := range 2 {
		listed := journal.MonthListings()
		if got := rows(); got != rowsOf(want) {
			t.Fatalf("rows after a step beside the bundle:\n%s\nwant %s", got, rowsOf(want))
		}
		if n := journal.MonthListings() - listed; i == 1 && n != 0 {
			t.Fatalf("the second open listed %d folders", n)
		}
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	// Another step: the folder is listed again, its bundle taken as the
	// memo saw it (the same name, time and size), not read.
	if _, err := f.as("li").ReviewDone(ids[1], "再次"); err != nil {
		t.Fatal(err)
	}
	settleAllButBundles(t, f.dir) // the bundle's own time stays as listed
	want = f.cold("li")
	listed, read := journal.MonthListings(), journal.BundleReads()
	if got := rows(); got != rowsOf(want) {
		t.Fatalf("rows after a second step beside the bundle:\n%s\nwant %s", got, rowsOf(want))
	}
	if journal.MonthListings() == listed || journal.BundleReads() != read {
		t.Fatalf("listed %d folders, read %d bundles", journal.MonthListings()-listed, journal.BundleReads()-read)
	}
	sameAsCold(t, f, f.reader("li", f.clock))
	// A log reads the batch's events from the bundle.
	lg, err := f.reader("li", f.clock).DossierLog(ids[0])
	var kinds []string
	for _, e := range lg {
		kinds = append(kinds, string(e.Kind))
	}
	if err != nil || !strings.Contains(strings.Join(kinds, " "), "dossier.review") {
		t.Fatalf("log of %s: %v %v", ids[0], kinds, err)
	}
	// A bundle changed since (its time and size are not those the memo
	// saw) is read again: here its content no longer has its name, and
	// the open says what a cold read says.
	bundle := filepath.Join(f.dir, filepath.FromSlash(bundles[0]))
	bb, _ := os.ReadFile(bundle)
	if err := os.WriteFile(bundle, bytes.Replace(bb, []byte("季度核定"), []byte("季度核实"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("zhang").ReviewDone(ids[2], "再次"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	read = journal.BundleReads()
	if got, cold := rowsOf(f.summaryOpen(f.clock, archive.SummaryRows)), rowsOf(f.cold("li")); got != cold {
		t.Fatalf("rows with a changed bundle:\n%s\nwant %s", got, cold)
	}
	if journal.BundleReads() == read {
		t.Fatal("a changed bundle was taken unread")
	}
	if ps, err := f.as("li").Verify(ctx); err != nil || len(ps) == 0 {
		t.Fatalf("verify of a changed bundle: %v %v", ps, err)
	}
	os.WriteFile(bundle, bb, 0o644)
	// A small batch stays in files of their own.
	before := len(bundles)
	if _, _, err := f.as("li").ReviewDoneMany(ids[:2], classify.Quarter{}, archive.ReviewRecord{Note: "再次"}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rel := range journalFiles(t, f.dir) {
		if journal.IsBundlePath(rel) {
			n++
		}
	}
	if n != before {
		t.Fatalf("a batch of 2 was bundled (%d bundles)", n)
	}
}

// settleAllButBundles is settleDir leaving the bundles' times as they are.
func settleAllButBundles(t *testing.T, dir string) {
	t.Helper()
	settleDirBut(t, dir, journal.IsBundlePath)
}
