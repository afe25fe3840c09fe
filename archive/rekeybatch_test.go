package archive_test

import (
	"slices"
	"testing"

	"crm/archive"
)

// A member added, given other roles or removed on an archive opened as
// those commands open it (the snapshot's rows and loans) has the files
// their roles change re-encrypted as one batch (rekeyBatch), listed from
// the rows. After each, a cold replay finds every file encrypted to whom
// it should be, and verify finds nothing.
func TestMemberStepsRekeyAsABatch(t *testing.T) {
	f, _, pool := savedPool(t, 50)
	open := func() *archive.Archive {
		t.Helper()
		return f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows | archive.SummaryLoans})
	}
	// encryptedTo is how many active dossiers a cold replay finds
	// encrypted to member id; it fails on any file whose recipients are
	// not the expected ones.
	encryptedTo := func(id string) int {
		t.Helper()
		s := f.cold("zhang").State
		n := 0
		for _, d := range s.SortedDossiers() {
			if d.Status != archive.StatusActive {
				continue
			}
			if want := s.ExpectedRecipients(d); !slices.Equal(d.Recipients, want) {
				t.Fatalf("dossier %s is encrypted to %v, want %v", d.ID, d.Recipients, want)
			}
			if slices.Contains(d.Recipients, id) {
				n++
			}
		}
		return n
	}
	readable := encryptedTo("li")
	if readable < len(pool) {
		t.Fatalf("the clerk reads %d dossiers, fewer than the %d made", readable, len(pool))
	}

	k := newIdentity(t)
	f.ids["wu"] = k
	open() // zhang's first open saves the snapshot
	a := open()
	if !a.Partial() {
		t.Fatal("not opened from the snapshot's rows")
	}
	replays := archive.Replays()
	if err := a.AddMember(ctx, member("wu", []string{"clerk"}, k)); err != nil {
		t.Fatal(err)
	}
	// member.add's rule is not scoped to parts (ReachArchive): the batch
	// takes the snapshot's whole state, but replays no journal.
	if n := archive.Replays() - replays; n != 0 {
		t.Fatalf("the member step and its batch replayed the journal %d times", n)
	}
	if got := encryptedTo("wu"); got != readable {
		t.Fatalf("the new clerk's key opens %d dossiers, want %d", got, readable)
	}
	if _, err := f.as("wu").Read(pool[7]); err != nil {
		t.Fatalf("the new clerk cannot read %s: %v", pool[7], err)
	}

	// Supervisor too, then none of the home posts: removed.
	if err := open().SetRoles(ctx, "wu", []string{"clerk", "supervisor"}); err != nil {
		t.Fatal(err)
	}
	if got, want := encryptedTo("wu"), encryptedTo("su"); got < want {
		t.Fatalf("the new supervisor's key opens %d dossiers, su's %d", got, want)
	}
	a = open()
	if n := a.EncryptedTo("wu"); n != encryptedTo("wu") {
		t.Fatalf("EncryptedTo says %d from the rows, the replay %d", n, encryptedTo("wu"))
	}
	if err := a.RemoveMember(ctx, "wu"); err != nil {
		t.Fatal(err)
	}
	if got := encryptedTo("wu"); got != 0 {
		t.Fatalf("%d dossiers still open with the removed member's key", got)
	}
	f.verifyClean()
}
