package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

// replayBoth replays the archive's journal as zhang with the second pass
// skipped where it refuses nothing (Replay) and always run (as before),
// returns both states and how many passes the first took.
func replayBoth(t *testing.T, f *fixture) (skipped, both *archive.State, passes int64) {
	t.Helper()
	a := f.cold("zhang")
	j, p, now := a.State.Journal, a.Policy, f.clock()
	n := archive.ReplayPasses()
	skipped = archive.Replay(ctx, j, p, now, true)
	passes = archive.ReplayPasses() - n
	restore := archive.SetTwoPasses(true)
	defer restore()
	both = archive.Replay(ctx, j, p, now, true)
	return skipped, both, passes
}

// A leaver whose every step comes before their removal: one pass, and the
// state the two passes give (a department's ten years have leavers: the
// second pass doubled a first command's replay).
func TestReplayLeaverOnePass(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	if _, err := f.as("li").ReviewDone(id, "ok"); err != nil {
		t.Fatal(err)
	}
	f.create("内部")
	if err := f.as("zhang").RemoveMember(ctx, "li"); err != nil {
		t.Fatal(err)
	}
	f.create("机密")
	s, both, passes := replayBoth(t, f)
	if passes != 1 {
		t.Fatalf("%d passes, want 1", passes)
	}
	sameState(t, s, both)
	if len(s.Problems) != 0 || s.Members["li"] == nil || !s.Members["li"].Removed {
		t.Fatalf("problems %v, li %+v", s.Problems, s.Members["li"])
	}
	// What a state made this way saves for later advances is what the
	// second pass left: the removals it would refuse by, and agreement.
	if got, want := archive.StateRemovals(s), archive.StateRemovals(both); !equalLists(got, want) || !archive.PassesAgree(s) || !archive.PassesAgree(both) {
		t.Fatalf("removals %v agree %v, want %v agree %v", got, archive.PassesAgree(s), want, archive.PassesAgree(both))
	}
}

// A leaver who wrote in another clone after their removal there: both
// passes, and the step refused as before.
func TestReplayLeaverConcurrentTwoPasses(t *testing.T) {
	f := newFixture(t)
	f.reviewWhileRemoved("ok")
	s, both, passes := replayBoth(t, f)
	if passes != 2 {
		t.Fatalf("%d passes, want 2", passes)
	}
	sameState(t, s, both)
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "concurrently with their removal") {
		t.Fatalf("problems %v", s.Problems)
	}
}

func equalLists(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || strings.Join(v, ",") != strings.Join(w, ",") {
			return false
		}
	}
	return true
}
