package archive_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"crm/archive"
)

// BenchmarkMergePull is the first command after a pull of another
// clone's work (20 核定) on top of this clone's own (200 credit classes,
// in its snapshot): the snapshot advanced over the other clone's events
// where they fall in the journal's order, their entries and this clone's
// put in that order (merged), against what it cost before, a replay of
// the whole journal from the user's journal cache (replayed). Each run
// starts from the snapshot as it was before the pull.
//
//	go test -run '^$' -bench MergePull -benchtime 5x ./archive/
func BenchmarkMergePull(b *testing.B) {
	n := 1000
	if testing.Short() {
		n = 300
	}
	r, _ := benchArchive(b, n)
	dir := r.Archive.Dir
	ageFolders := func(d time.Duration) {
		t := time.Now().Add(-d)
		filepath.WalkDir(filepath.Join(dir, "journal"), func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				os.Chtimes(p, t, t)
			}
			return err
		})
	}
	other := filepath.Join(b.TempDir(), "other")
	copyTree(b, dir, other)
	oa, err := archive.OpenWith(ctx, other, archive.OpenOptions{Identity: r.Manager})
	if err == nil {
		err = oa.SetIdentity(r.Manager)
	}
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := oa.ReviewDoneMany(r.IDs[:20], oa.Quarter(), archive.ReviewRecord{Note: "另一克隆"}); err != nil {
		b.Fatal(err)
	}
	cache := b.TempDir()
	o := archive.OpenOptions{CacheDir: cache, Identity: r.Manager, Snapshot: true}
	ta, err := archive.OpenWith(ctx, dir, o)
	if err == nil {
		err = ta.SetIdentity(r.Manager)
	}
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ta.ClassifyMany(r.IDs[len(r.IDs)-200:], "", "", "B", "年审"); err != nil {
		b.Fatal(err)
	}
	ageFolders(2 * time.Hour)
	if _, err := archive.OpenWith(ctx, dir, o); err != nil { // the snapshot holds this clone's side
		b.Fatal(err)
	}
	saved := b.TempDir()
	copyTree(b, cache, saved)
	// The pull: the other clone's new event files.
	filepath.WalkDir(filepath.Join(other, "journal"), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(other, p)
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			data, _ := os.ReadFile(p)
			os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
			os.WriteFile(filepath.Join(dir, rel), data, 0o644)
		}
		return nil
	})
	ageFolders(time.Hour)
	restore := func(snapshot bool) {
		b.StopTimer()
		os.RemoveAll(cache)
		copyTree(b, saved, cache)
		if !snapshot {
			filepath.WalkDir(cache, func(p string, e fs.DirEntry, err error) error {
				if err == nil && e.Name() == "state.snap" {
					os.Remove(p)
				}
				return err
			})
		}
		b.StartTimer()
	}
	for _, c := range []struct {
		name     string
		snapshot bool
	}{{"merged", true}, {"replayed", false}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				restore(c.snapshot)
				before := archive.Replays()
				a, err := archive.OpenWith(ctx, dir, o)
				if err != nil {
					b.Fatal(err)
				}
				if replayed := archive.Replays() != before; replayed == c.snapshot || a.FromSnapshot() != c.snapshot {
					b.Fatalf("replayed %v, from the snapshot %v", replayed, a.FromSnapshot())
				}
			}
		})
	}
}
