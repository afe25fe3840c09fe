package archive_test

import (
	"slices"
	"testing"

	"crm/archive/journal"
)

// hashes are the hashes of j's events in its order.
func hashes(j *journal.Journal) []string {
	out := make([]string, len(j.Events))
	for i, e := range j.Events {
		out[i] = e.Hash
	}
	return out
}

// Rereading a journal nobody wrote to since gives the same journal, not
// ordered again; after a write by another process it gives the journal a
// fresh read gives, in the same order.
func TestRereadUnchangedAndChanged(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	prev := f.as("li").State.Journal
	j, err := journal.Reread(ctx, f.dir, prev)
	if err != nil || j != prev {
		t.Fatalf("unchanged journal reread: same %v, %v", j == prev, err)
	}
	if _, err := f.as("zhang").ReviewDone(ids[0], "reread"); err != nil {
		t.Fatal(err)
	}
	j, err = journal.Reread(ctx, f.dir, prev)
	if err != nil || j == prev || len(j.Events) != len(prev.Events)+1 {
		t.Fatalf("after a write: same %v, %d events (had %d), %v", j == prev, len(j.Events), len(prev.Events), err)
	}
	fresh, err := journal.ReadWith(ctx, f.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hashes(j), hashes(fresh)) || !slices.Equal(j.Heads, fresh.Heads) {
		t.Fatalf("reread order %v\nfresh order %v", hashes(j), hashes(fresh))
	}
}
