package archive_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/testdata/needs"
)

// The verified-journal cache (jcache.go) saves reading, parsing and
// signature checks; it never changes what a command sees, except for an
// event file rewritten in place under its old name, which verify finds.

// settle dates every folder and file of the journal an hour back, as
// those of a journal not written in the last seconds are: their times are
// trusted (a folder or file changed within the last seconds is always
// listed or read again).
func (f *fixture) settle() {
	f.t.Helper()
	settleDir(f.t, f.dir)
}

// warm opens the archive as member id twice (the first fills the cache
// with the folders as they are now) and returns the second.
func (f *fixture) warm(id string) *archive.Archive {
	f.t.Helper()
	f.as(id)
	return f.as(id)
}

// cold opens the archive as member id without any cache.
func (f *fixture) cold(id string) *archive.Archive {
	f.t.Helper()
	a, err := archive.Open(ctx, f.dir, f.clock)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := a.SetIdentity(f.ids[id]); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// sameState fails unless two states of one archive say the same.
func sameState(t *testing.T, got, want *archive.State) {
	t.Helper()
	if !slices.Equal(got.Journal.Heads, want.Journal.Heads) || len(got.Journal.Events) != len(want.Journal.Events) {
		t.Fatalf("journal: %d events heads %v, want %d heads %v", len(got.Journal.Events), got.Journal.Heads, len(want.Journal.Events), want.Journal.Heads)
	}
	for i := range got.Journal.Events {
		if got.Journal.Events[i].Hash != want.Journal.Events[i].Hash {
			t.Fatalf("event %d: %s, want %s", i, got.Journal.Events[i].Path, want.Journal.Events[i].Path)
		}
	}
	if !slices.Equal(got.Problems, want.Problems) || !slices.Equal(got.Journal.Problems, want.Journal.Problems) || !slices.Equal(got.Superseded, want.Superseded) {
		t.Fatalf("problems %v %v %v, want %v %v %v", got.Problems, got.Journal.Problems, got.Superseded, want.Problems, want.Journal.Problems, want.Superseded)
	}
	if len(got.Dossiers) != len(want.Dossiers) {
		t.Fatalf("%d dossiers, want %d", len(got.Dossiers), len(want.Dossiers))
	}
	for id, d := range want.Dossiers {
		g := got.Dossiers[id]
		if g == nil || g.SHA256 != d.SHA256 || g.Level != d.Level || g.Status != d.Status || !slices.Equal(g.Recipients, d.Recipients) || len(g.Events) != len(d.Events) || len(g.Reviews) != len(d.Reviews) {
			t.Fatalf("dossier %s: %+v, want %+v", id, g, d)
		}
	}
}

// history writes a few steps of every kind of workflow.
func (f *fixture) history() []string {
	f.t.Helper()
	var ids []string
	for _, lv := range []string{"秘密", "机密", "内部"} {
		ids = append(ids, f.create(lv))
	}
	if _, err := f.as("li").ReviewDone(ids[0], "ok"); err != nil {
		f.t.Fatal(err)
	}
	f.lendFor(ids[0], 2)
	return ids
}

// lendFor lends dossier id to zhao for days, approved by zhang.
func (f *fixture) lendFor(id string, days int) *archive.Loan {
	f.t.Helper()
	l, err := f.as("zhao").BorrowRequest(id, "谈判", days)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		f.t.Fatal(err)
	}
	return l
}

func TestJournalCacheWarmIsCold(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	a := f.warm("li")
	if n := len(a.State.Journal.Events); a.State.Journal.Reused != n {
		t.Fatalf("warm open read %d of %d events again", n-a.State.Journal.Reused, n)
	}
	sameState(t, a.State, f.cold("li").State)
	// Nothing was read, and yet a full verify reads and checks everything.
	f.verifyClean()
	ps, err := a.VerifyFast(ctx)
	if err != nil || len(ps) > 0 {
		t.Fatalf("verify --fast: %v %v", ps, err)
	}
}

// New events (a write by another process) are read, the rest is not.
func TestJournalCacheReadsOnlyNewEvents(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	n := len(f.warm("li").State.Journal.Events)
	f.now = f.now.Add(time.Hour)
	if _, err := f.as("li").ReviewDone(ids[2], "ok"); err != nil {
		t.Fatal(err)
	}
	a := f.as("li")
	if a.State.Journal.Reused != n || len(a.State.Journal.Events) != n+1 {
		t.Fatalf("reused %d of %d, want %d of %d", a.State.Journal.Reused, len(a.State.Journal.Events), n, n+1)
	}
	sameState(t, a.State, f.cold("li").State)
}

// A segment of the cache that was changed, or that another key sealed,
// is not trusted: the folder is read afresh, and the state is the same.
func TestJournalCacheTamperedIsNotTrusted(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.warm("li")
	segs, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*", "*.seg"))
	if len(segs) == 0 {
		t.Fatal("no cache segments written")
	}
	for _, p := range segs {
		b, _ := os.ReadFile(p)
		// Change a byte in the events (an event's kind, data or verdict).
		b[len(b)/2] ^= 1
		os.WriteFile(p, b, 0o600)
	}
	a := f.as("li")
	if a.State.Journal.Reused != 0 {
		t.Fatalf("%d events taken from a tampered cache", a.State.Journal.Reused)
	}
	sameState(t, a.State, f.cold("li").State)
	// The folders were written again, and are trusted again.
	if a := f.as("li"); a.State.Journal.Reused != len(a.State.Journal.Events) {
		t.Fatalf("cache not rebuilt: %d of %d", a.State.Journal.Reused, len(a.State.Journal.Events))
	}
}

// Another identity has another cache; given the first one's segments, it
// does not trust them. A keyless command has its own key file.
func TestJournalCacheWrongIdentity(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	os.RemoveAll(filepath.Join(f.cache, "journal"))
	f.warm("li")
	lis, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*"))
	if a := f.as("su"); a.State.Journal.Reused != 0 {
		t.Fatalf("su used li's cache for %d events", a.State.Journal.Reused)
	}
	all, _ := filepath.Glob(filepath.Join(f.cache, "journal", "*"))
	if len(lis) != 1 || len(all) != 2 {
		t.Fatalf("cache folders %v then %v, want li's then su's too", lis, all)
	}
	li, su := lis[0], all[0]
	if su == li {
		su = all[1]
	}
	// Give su li's segments.
	segs, _ := filepath.Glob(filepath.Join(su, "*.seg"))
	for _, s := range segs {
		os.Remove(s)
	}
	copyTree(t, li, su)
	if a := f.as("su"); a.State.Journal.Reused != 0 {
		t.Fatalf("su trusted li's segments for %d events", a.State.Journal.Reused)
	}
	// Keyless (cron): a key of its own in the cache folder, mode 0600.
	open := func() *archive.Archive {
		a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	open()
	if a := open(); a.State.Journal.Reused != len(a.State.Journal.Events) {
		t.Fatalf("keyless cache not used: %d of %d", a.State.Journal.Reused, len(a.State.Journal.Events))
	}
	if fi, err := os.Stat(filepath.Join(f.cache, "journal.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyless key: %v %v", fi, err)
	}
}

// oldDatedWork makes a history and two clones of it: the other clone (g)
// records a 核定 of ids[2] the next day, this one a 核定 of ids[1] two
// months later, so that merging g brings an event into an old folder.
func (f *fixture) oldDatedWork() (ids []string, base, g *fixture) {
	f.t.Helper()
	ids = f.history()
	base = f.clone()
	g = f.clone()
	g.now = f.now.AddDate(0, 0, 1)
	if _, err := g.as("li").ReviewDone(ids[2], "旧"); err != nil {
		f.t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 2, 0)
	if _, err := f.as("su").ReviewDone(ids[1], "ok"); err != nil {
		f.t.Fatal(err)
	}
	f.settle()
	return ids, base, g
}

// A git merge brings events dated months back into old folders: they are
// read and replayed in their place in the order, as a cold read does.
func TestJournalCacheOldDatedMerge(t *testing.T) {
	f := newFixture(t)
	// This clone's cache trusts last month's folder before the merge.
	ids, base, g := f.oldDatedWork()
	n := len(f.warm("li").State.Journal.Events)
	f.pull(g, base.dir)
	a := f.as("li")
	if len(a.State.Journal.Events) != n+1 || a.State.Journal.Reused != n {
		t.Fatalf("%d events (%d reused), want %d (%d)", len(a.State.Journal.Events), a.State.Journal.Reused, n+1, n)
	}
	if len(a.State.Dossiers[ids[2]].Reviews) != 1 {
		t.Fatalf("the merged 核定 is missing: %+v", a.State.Dossiers[ids[2]].Reviews)
	}
	sameState(t, a.State, f.cold("li").State)
}

// warmLastEvent writes a history, fills li's cache with it, and returns
// its last event, that event's file, the file's content, and the content
// edited (so that it no longer matches the hash in its name).
func (f *fixture) warmLastEvent() (last *journal.Event, path string, content, edited []byte) {
	f.t.Helper()
	f.history()
	f.settle()
	a := f.warm("li")
	last = a.State.Journal.Events[len(a.State.Journal.Events)-1]
	path = filepath.Join(f.dir, filepath.FromSlash(last.Path))
	content, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	return last, path, content, []byte(strings.Replace(string(content), "kind:", "kind: ", 1))
}

// Events renamed, removed or added by hand change their folder's time:
// the warm open sees exactly what a cold one sees.
func TestJournalCacheSeesChangedFolders(t *testing.T) {
	f := newFixture(t)
	last, p, b, edited := f.warmLastEvent()

	// Edited and saved under a new name (as an editor or sed -i does).
	os.Remove(p)
	q := filepath.Join(filepath.Dir(p), strings.Replace(filepath.Base(p), last.Hash[:8], "00000000", 1))
	os.WriteFile(q, edited, 0o644)
	w := f.as("li")
	if len(w.State.Journal.Problems) == 0 {
		t.Fatal("a renamed, edited event was not noticed")
	}
	sameState(t, w.State, f.cold("li").State)
	os.Remove(q)

	// Removed: the warm open lacks it, as the cold one does.
	w = f.as("li")
	if w.State.Journal.ByHash[last.Hash] != nil {
		t.Fatal("a removed event is still there")
	}
	sameState(t, w.State, f.cold("li").State)

	// Put back, then rewritten in place under its name: the cache keeps
	// the event as verified; a full verify reads the file and says so.
	os.WriteFile(p, b, 0o644)
	f.settle()
	f.warm("li")
	if err := os.WriteFile(p, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	f.settle()
	ps, err := f.as("li").Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, ps, "content does not match the hash in the file name")
}

// An event file replaced under its old name by a new file (as git does
// when a pull brings an edited event: unlink, then create) changes its
// folder's time: the folder is listed again, and the file must be read
// again, not taken from the cache by its name.
func TestJournalCacheSeesReplacedFile(t *testing.T) {
	f := newFixture(t)
	_, p, _, edited := f.warmLastEvent()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	f.settle() // the folder's time changed, and is old enough to trust
	cold := f.cold("li").State
	if len(cold.Journal.Problems) == 0 {
		t.Fatal("cold read did not notice the edited event")
	}
	sameState(t, f.as("li").State, cold)
}

// The keyless key seals what cron commands trust: a key file others can
// read (left so by a copy, a umask, another tool) is not used, but
// replaced by a new one only its owner can read.
func TestJournalCacheKeylessKeyPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: Windows has no file modes to find a key file others can read by (keylessKey trusts the user's cache folder there)")
	}
	f := newFixture(t)
	p := filepath.Join(f.cache, "journal.key")
	known := []byte(strings.Repeat("k", 32))
	if err := os.WriteFile(p, known, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	if _, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	fi, _ := os.Lstat(p)
	if err != nil || string(b) == string(known) || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyless key kept readable by others: mode %v, same key %v (%v)", fi.Mode(), string(b) == string(known), err)
	}
}

// A verdict is kept with the key it was checked with: an event signed
// with a member's old key after the key was rotated is refused warm as
// cold, though the cache holds "verifies" for it under the old key.
func TestJournalCacheVerdictIsPerKey(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	nu := newIdentity(t)
	if _, err := f.as("zhang").RotateMember(ctx, "li", nu.Recipient, nu.SigningKey()); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	f.writeEvent("li", archive.KindHold, id, &archive.HoldData{Reason: "旧钥匙"}) // f.ids["li"] is the old key
	f.settle()
	for range 3 {
		a := f.as("zhang")
		sameState(t, a.State, f.cold("zhang").State)
		found := false
		for _, p := range a.State.Problems {
			found = found || strings.Contains(p.Msg, "signature does not verify")
		}
		if !found {
			t.Fatalf("old-key event accepted: %v", a.State.Problems)
		}
	}
	if a := f.as("zhang"); a.State.Journal.Reused != len(a.State.Journal.Events) {
		t.Fatalf("reused %d of %d", a.State.Journal.Reused, len(a.State.Journal.Events))
	}
}

// An event file that is a symbolic link (git stores links; verify reports
// them) is read through on every load, as a cold read does: what it
// points to, perhaps outside the archive, may change without its folder.
func TestJournalCacheSymlinkedEventReadAgain(t *testing.T) {
	f := newFixture(t)
	f.history()
	a := f.as("li")
	last := a.State.Journal.Events[len(a.State.Journal.Events)-1]
	p := filepath.Join(f.dir, filepath.FromSlash(last.Path))
	b, _ := os.ReadFile(p)
	outside := filepath.Join(t.TempDir(), "event.yaml")
	if err := os.WriteFile(outside, b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	if err := os.Symlink(outside, p); err != nil {
		needs.Missing(t, "a file system with symbolic links: "+err.Error())
	}
	f.settle()
	f.warm("li")
	edited := []byte(strings.Replace(string(b), "kind:", "kind: ", 1))
	if err := os.WriteFile(outside, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	cold := f.cold("li").State
	if len(cold.Journal.Problems) == 0 {
		t.Fatal("cold read did not notice the edited event")
	}
	sameState(t, f.as("li").State, cold)
}
