package archive_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"crm/archive"
)

// A quick check takes a file from the records of the last clean one only
// while the file's stamp is unchanged: a bundle or a dossier file
// rewritten in place with its time put back is read again and found, and
// records that do not verify are not used.
func TestQuickStampsSeeRewrites(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: no file stamps on Windows (stamp_other.go), so a quick check reads every file each time")
	}
	racyWindow(t, 0)
	t.Cleanup(archive.SetStampSettle(0))
	f := newFixture(t)
	ids := f.history()
	f.now = f.now.AddDate(0, 2, 0)
	got, err := f.as("zhang").BundleJournal()
	if err != nil || len(got) != 1 {
		t.Fatalf("bundled %+v %v", got, err)
	}
	bundle := got[0].Month + "/" + got[0].File
	settleDir(t, f.dir)
	f.summaryOpen(f.clock, archive.SummaryRows) // the snapshot
	fast := func(what string) ([]archive.Problem, *archive.Archive) {
		t.Helper()
		a := f.summaryOpen(f.clock, archive.SummaryRows)
		ps, err := a.VerifyFast(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return ps, a
	}
	if ps, a := fast("first"); len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() == 0 {
		t.Fatalf("first check: %v, quick %v, %d read", ps, a.VerifiedQuick(), a.QuickFilesRead())
	}
	if ps, a := fast("second"); len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() != 0 {
		t.Fatalf("second check: %v, quick %v, %d read", ps, a.VerifiedQuick(), a.QuickFilesRead())
	}

	// Records edited: not used, every file read again.
	var rec string
	filepath.WalkDir(f.cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "quick.stamps" {
			rec = p
		}
		return err
	})
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	os.WriteFile(rec, b, 0o600)
	if ps, a := fast("records edited"); len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() == 0 {
		t.Fatalf("records edited: %v, quick %v, %d read", ps, a.VerifiedQuick(), a.QuickFilesRead())
	}

	for _, c := range []struct{ rel, old, new string }{
		{bundle, "level: 机密", "level: 绝密"}, // the same length
		{archive.DossierPath(ids[2]), "", ""},
	} {
		p := filepath.Join(f.dir, filepath.FromSlash(c.rel))
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := os.ReadFile(p)
		b := bytes.Clone(orig)
		if c.old != "" {
			b = bytes.Replace(b, []byte(c.old), []byte(c.new), 1)
		} else {
			b[len(b)-1] ^= 1
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, fi.ModTime(), fi.ModTime()) // its size and times as they were
		if fi2, _ := os.Stat(p); fi2.Size() != fi.Size() {
			t.Fatalf("%s: not rewritten as meant (%d bytes, was %d)", c.rel, fi2.Size(), fi.Size())
		}
		// The quick check sees it (then, as before the records, verify
		// --fast goes on from the journal cache, which trusts a folder's
		// time: a rewritten bundle is a full verify's or a push's to name).
		if _, a := fast(c.rel); a.VerifiedQuick() {
			t.Fatalf("%s rewritten in place: the quick check found nothing", c.rel)
		}
		a := f.summaryOpen(f.clock, archive.SummaryRows)
		ps, err := a.VerifyPush(ctx, []string{c.rel})
		if err != nil || !slices.ContainsFunc(ps, func(p archive.Problem) bool { return p.Path == c.rel }) {
			t.Fatalf("%s rewritten in place: the push check says %v %v", c.rel, ps, err)
		}
		if err := os.WriteFile(p, bytes.Clone(orig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A file changed less than stampSettle (10 minutes) before a check is
// read again by the next: a write through a memory mapping may change
// the file again without changing its times until its page is written
// back.
func TestQuickStampsKeepSettledFilesOnly(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	settleDir(t, f.dir)
	f.summaryOpen(f.clock, archive.SummaryRows) // the snapshot
	for i := range 2 {
		a := f.summaryOpen(f.clock, archive.SummaryRows)
		if ps, err := a.VerifyFast(ctx); err != nil || len(ps) > 0 || !a.VerifiedQuick() || a.QuickFilesRead() == 0 {
			t.Fatalf("check %d: %v %v, quick %v, %d read", i+1, ps, err, a.VerifiedQuick(), a.QuickFilesRead())
		}
	}
}
