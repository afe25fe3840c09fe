package archive_test

import (
	"crypto/ed25519"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// A push that carries a new event file, correctly named (its hash
// matches) but forged (signed with a stranger's key), in a month folder
// whose time was put back: the snapshot's folder times still match, so
// the push check must compare what each folder holds with the events the
// snapshot stands for, and read the whole journal when they differ (the
// journal cache trusts the folder's time too). A full Verify reports the
// bad signature.

// journalTimes records the times of every folder under dir's journal.
func journalTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	filepath.WalkDir(filepath.Join(dir, "journal"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			fi, _ := d.Info()
			out[p] = fi.ModTime()
		}
		return err
	})
	return out
}

func restoreTimes(ts map[string]time.Time) {
	for p, mt := range ts {
		os.Chtimes(p, mt, mt)
	}
}

// forgedTimesPutBack copies the tamper base with its snapshot made, then
// adds an event signed by a stranger's key (li made manager) and puts the
// journal's folder times back; it returns the forged event's path.
func forgedTimesPutBack(t *testing.T) (b *tamperBase, dir, cache, forged string) {
	b = newTamperBase(t)
	dir = filepath.Join(t.TempDir(), "arc")
	copyTree(t, b.f.dir, dir)
	settleDir(t, dir)
	cache = t.TempDir()
	if _, err := quickOpen(t, b, dir, cache, true); err != nil { // makes the snapshot
		t.Fatal(err)
	}
	times := journalTimes(t, dir)
	x := &tamper{t: t, b: b, dir: dir, when: b.f.now.Add(time.Minute)}
	_, k, _ := ed25519.GenerateKey(nil)
	forged = x.sign(k, "li", archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"manager"}})
	restoreTimes(times) // the folder looks as it did
	return b, dir, cache, forged
}

func TestVerifyPushForgedEventFolderTimePutBack(t *testing.T) {
	b, dir, cache, forged := forgedTimesPutBack(t)

	// What the push check was before: a full Verify finds the forgery.
	full, err := archive.Open(ctx, dir, func() time.Time { return b.checks })
	if err != nil {
		t.Fatal(err)
	}
	before := verifyOutcome(full, nil, func(a *archive.Archive) ([]archive.Problem, error) { return a.Verify(ctx) })
	if !strings.Contains(before, forged) {
		t.Fatalf("full verify did not name %s:\n%s", forged, before)
	}

	// The push check now, carrying the forged file.
	pa, perr := quickOpen(t, b, dir, cache, true)
	pushed := verifyOutcome(pa, perr, func(a *archive.Archive) ([]archive.Problem, error) {
		return a.VerifyPush(ctx, []string{forged})
	})
	if !strings.Contains(pushed, forged) {
		t.Fatalf("VerifyPush carrying the forged new event %s reported %q (quick %v, from snapshot %v); a full Verify reports:\n%s",
			forged, pushed, pa.VerifiedQuick(), pa.FromSnapshot(), before)
	}
}

// The same archive, verify --fast: the journal cache trusts the folder's
// time too, so neither way reads the forged file, and both print the
// events the cache stands for ("ok: N events"), not the files found.
func TestVerifyFastCountsEventsStoodFor(t *testing.T) {
	b, dir, cache, _ := forgedTimesPutBack(t)

	sa, serr := quickOpen(t, b, dir, cache, false)
	slow := verifyOutcome(sa, serr, verifyFast)
	qa, qerr := quickOpen(t, b, dir, cache, true)
	got := verifyOutcome(qa, qerr, verifyFast)
	if got != slow || qa.Verified() != sa.Verified() {
		t.Fatalf("from the snapshot %q %+v (quick %v), from the journal cache %q %+v", got, qa.Verified(), qa.VerifiedQuick(), slow, sa.Verified())
	}
}
