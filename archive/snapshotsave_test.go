package archive_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"crm/archive"
	"crm/classify"
)

// new events naming between 33 and 128 parts (the range that
// 6c807ae moved from "advance, don't save" to "save the advanced
// snapshot") are saved by every kind of partial open, and what reading
// commands then say is what a cold replay says. At 32 parts nothing is
// saved, and the state still is a replay's.
func TestSnapshotSavedBetween32And128Parts(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	pool := f.bulkCreate(400) // 秘密, by li
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	// pick are dossiers of pool in exactly n parts, none used before.
	used := map[string]bool{}
	pick := func(n int) []string {
		parts := map[int]bool{}
		var out []string
		for _, id := range pool {
			b := archive.SnapBucketOf(id)
			if used[id] || (len(parts) == n && !parts[b]) {
				continue
			}
			if !parts[b] {
				parts[b] = true
			}
			used[id] = true
			out = append(out, id)
		}
		if len(parts) != n {
			t.Fatalf("%d parts wanted, %d found", n, len(parts))
		}
		return out
	}
	bulk := func(who string, step func(a *archive.Archive, i int, id string) error) func(ids []string) {
		return func(ids []string) { f.bulkSteps(who, ids, step) }
	}
	steps := []struct {
		name string
		do   func(ids []string)
	}{
		{"review", bulk("li", func(a *archive.Archive, _ int, id string) error {
			_, err := a.ReviewDone(id, "ok")
			return err
		})},
		{"credit", bulk("zhang", func(a *archive.Archive, i int, id string) error {
			_, _, err := a.SetCredit(id, []string{"A", "D", "B"}[i%3], "复核")
			return err
		})},
		{"tier", bulk("zhang", func(a *archive.Archive, i int, id string) error {
			_, _, err := a.SetTier(id, []string{"重点", "普通"}[i%2], "复核")
			return err
		})},
		{"level", bulk("zhang", func(a *archive.Archive, _ int, id string) error {
			_, err := a.SetLevel(id, "内部", "", "降级")
			return err
		})},
	}
	opens := []struct {
		name string
		open func(ids []string) *archive.Archive
	}{
		{"summary", func([]string) *archive.Archive { return f.summaryOpen(f.clock, archive.SummaryRows) }},
		{"show", func(ids []string) *archive.Archive { return f.readerOf("li", ids[0]) }},
		{"new", func([]string) *archive.Archive { return f.creator("li") }},
		{"summary-loans", func([]string) *archive.Archive { return f.summaryOpen(f.clock, archive.SummaryLoans) }},
	}
	jsonOf := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for i, n := range []int{33, 48, 80, 100, 32} {
		ids := pick(n)
		st, op := steps[i%len(steps)], opens[i%len(opens)]
		name := fmt.Sprintf("%d parts, %s, %s", n, st.name, op.name)
		st.do(ids)
		f.settle()
		a := op.open(ids)
		if n <= 32 {
			if !a.Partial() || a.SnapshotStandsFor() {
				t.Fatalf("%s: partial %v, saved %v", name, a.Partial(), a.SnapshotStandsFor())
			}
			sameAsCold(t, f, f.reader("li", f.clock))
			continue
		}
		f.wholeFromSavedIsCold(name, a)
		// Reading commands from the saved snapshot's rows, against a cold replay.
		cold := f.cold("li")
		r := f.summaryOpen(f.clock, archive.SummaryRows)
		q := cold.Quarter()
		for _, qq := range []classify.Quarter{q, q.Prev()} {
			d1, m1 := r.ReviewsDueAndMissed(qq, true)
			if jsonOf(d1) != jsonOf(cold.ReviewsDue(qq)) || jsonOf(m1) != jsonOf(cold.ReviewsMissed(qq)) {
				t.Fatalf("%s: review due %s differs from a cold replay", name, qq)
			}
		}
		l1, _ := r.List(ctx, false)
		l2, _ := cold.List(ctx, false)
		if jsonOf(l1) != jsonOf(l2) {
			t.Fatalf("%s: list differs", name)
		}
		racyWindow(t, 0)
		read, readable := f.sameBriefAsList("li")
		t.Logf("%s: brief read %d, %d readable", name, read, readable)
		t.Logf("%s: saved, same as cold", name)
	}
}

// ReviewsDueAndMissed on an archive whose policy has not yet
// made its zone (Policy.Location is lazy): run with -race.
func TestReviewsDueAndMissedFreshOpen(t *testing.T) {
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	for _, a := range []*archive.Archive{f.summaryOpen(f.clock, archive.SummaryRows), f.as("li"), f.cold("li")} {
		due, missed := a.ReviewsDueAndMissed(classify.Quarter{Year: 2027, Q: 1}, true)
		t.Logf("%d due, %d missed", len(due), len(missed))
	}
}

// bulkSteps takes step on every dossier of ids in one batch, as who.
func (f *fixture) bulkSteps(who string, ids []string, step func(a *archive.Archive, i int, id string) error) {
	f.t.Helper()
	a := f.as(who)
	if err := a.Bulk(func() error {
		for i, id := range ids {
			if err := step(a, i, id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}
