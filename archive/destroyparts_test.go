package archive_test

import (
	"fmt"
	"testing"

	"crm/archive"
)

// Destruction steps among many new events (past 32 parts), so that a state of some parts is advanced and saved
// (saveAdvancedParts) by each kind of open; the whole state read from
// what it saved, the summaries and the reports are a cold replay's. These
// tests of destruction steps on states of some parts are the review's of
// the change that made them so (79b612d).
func TestSavedPartsWithDestructions(t *testing.T) {
	type opener struct {
		name string
		open func(f *fixture, ids, pool []string, req string) *archive.Archive
	}
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		for _, o := range []opener{
			{"show", func(f *fixture, ids, _ []string, _ string) *archive.Archive { return f.readerOf("li", ids[1]) }},
			{"rows", func(f *fixture, _, _ []string, _ string) *archive.Archive {
				return f.summaryOpen(f.clock, archive.SummaryRows)
			}},
			{"loans", func(f *fixture, _, _ []string, _ string) *archive.Archive {
				return f.summaryOpen(f.clock, archive.SummaryLoans)
			}},
			{"create", func(f *fixture, _, _ []string, _ string) *archive.Archive { return f.creator("li") }},
			{"request step", func(f *fixture, _, _ []string, req string) *archive.Archive {
				return f.destroyStepper("wang", "", req)
			}},
			{"dossier destroy request", func(f *fixture, _, pool []string, _ string) *archive.Archive {
				return f.destroyStepper("li", pool[3], "")
			}},
		} {
			t.Run(style+"/"+o.name, func(t *testing.T) {
				racyWindow(t, 0)
				f := newFixtureStyle(t, style)
				ids := f.history()
				pool := f.bulkCreate(80)
				f.settle()
				for _, m := range []string{"li", "wang", "zhang"} {
					f.reader(m, f.clock) // whole, saved
				}
				// One destruction done, one asked for and approved twice,
				// one rejected; and 核定 over many parts.
				f.destroy(pool[0])
				r, err := f.as("li").DestroyRequest(pool[1], "过期")
				if err != nil {
					t.Fatal(err)
				}
				for _, who := range []string{"su", "zhang"} {
					if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
						t.Fatal(err)
					}
				}
				r2, err := f.as("li").DestroyRequest(pool[2], "过期")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.as("su").DestroyReject(r2.ID, "仍有价值"); err != nil {
					t.Fatal(err)
				}
				f.bulkSteps("li", pool[10:70], func(a *archive.Archive, _ int, id string) error {
					_, err := a.ReviewDone(id, "ok")
					return err
				})
				f.settle()
				a := o.open(f, ids, pool, r.ID)
				t.Logf("snapshot %v partial %v saved %v", a.FromSnapshot(), a.Partial(), a.SnapshotStandsFor())
				if got, want := len(a.State.Destructions), len(f.cold("li").State.Destructions); a.Partial() && o.name != "show" && o.name != "rows" && o.name != "loans" && o.name != "create" && got != want {
					t.Errorf("requests in the state %d, a replay %d", got, want)
				}
				switch o.name {
				case "request step":
					if _, err := a.DestroyApprove(r.ID); err != nil {
						t.Fatal(err)
					}
					if _, err := f.destroyStepper("zhang", "", r.ID).DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
						t.Fatal(err)
					}
				case "dossier destroy request":
					if _, err := a.DestroyRequest(pool[3], "过期"); err != nil {
						t.Fatal(err)
					}
				case "create":
					if _, err := a.Create([]byte("customer:\n  name: 新\nowner: 李四\n"), "秘密"); err != nil {
						t.Fatal(err)
					}
				}
				f.settle()
				if o.name == "request step" {
					// wang's snapshot was saved: li's is advanced
					f.readerOf("li", ids[1])
				}
				w := f.reader("li", f.clock)
				t.Logf("next: snapshot %v partial %v", w.FromSnapshot(), w.Partial())
				sameAsCold(t, f, w)
				f.sameSummaryAsCold(f.clock, true)
				f.sameReportsAsCold(o.name, true, false)
				sameAsCold(t, f, f.reader("li", f.clock))
				f.verifyClean()
			})
		}
	}
}

// Destruction steps written by one clone and a batch of 核定 in the other,
// pulled: the merged new events are many, in many parts; an open about one
// dossier saves the advanced parts.
func TestMergedDestructionsSavedInParts(t *testing.T) {
	racyWindow(t, 0)
	f, g, base, ids := forked(t)
	pool := f.bulkCreate(80)
	f.settle()
	f.reader("li", f.clock)
	copyTree(t, f.dir, base)
	g = f.clone()
	f.destroy(pool[0])
	g.bulkSteps("li", pool[10:70], func(a *archive.Archive, _ int, id string) error {
		_, err := a.ReviewDone(id, "ok")
		return err
	})
	g.settle()
	f.pull(g, base)
	f.settle()
	a := f.readerOf("li", ids[1])
	t.Logf("snapshot %v partial %v saved %v", a.FromSnapshot(), a.Partial(), a.SnapshotStandsFor())
	w := f.reader("li", f.clock)
	t.Logf("next: snapshot %v partial %v", w.FromSnapshot(), w.Partial())
	sameAsCold(t, f, w)
	f.sameReportsAsCold("merged", true, false)
}

// destroyedAmong is an archive of n more dossiers, its snapshot saved,
// and the first of them destroyed since.
func destroyedAmong(t *testing.T, n int) (*fixture, []string) {
	t.Helper()
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	pool := f.bulkCreate(n)
	f.settle()
	f.reader("li", f.clock)
	f.destroy(pool[0])
	return f, pool
}

// A batch (in runs) right after destruction steps: runScoped refuses them,
// the batch takes the state of its parts with every request, or the whole
// state; the archive is then a replay's.
func TestBatchAfterDestruction(t *testing.T) {
	old := archive.SetBatchRunParts(4)
	t.Cleanup(func() { archive.SetBatchRunParts(old) })
	f, pool := destroyedAmong(t, 40)
	r, err := f.as("li").DestroyRequest(pool[1], "过期")
	if err != nil {
		t.Fatal(err)
	}
	f.settle()
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryRows})
	var done []string
	for _, id := range pool[2:40] {
		done = append(done, id)
	}
	if _, _, err := a.ReviewDoneMany(done, a.Quarter(), archive.ReviewRecord{Note: "批量"}); err != nil {
		t.Logf("batch: %v", err)
	}
	f.settle()
	sameAsCold(t, f, f.reader("li", f.clock))
	_ = r
	_ = fmt.Sprint
}

// Each destruction step, and then a step about another dossier of the
// destroyed dossier's part, read about every dossier (onePart where it
// may) and whole: a cold replay's.
func TestEachDestructionStepAdvanced(t *testing.T) {
	for _, style := range []string{archive.IDSequential, archive.IDRandom} {
		t.Run(style, func(t *testing.T) {
			f := newFixtureStyle(t, style)
			ids := f.history()
			for range 6 {
				ids = append(ids, f.create("内部"))
			}
			var req string
			f.advanced(true, func() {
				r, err := f.as("li").DestroyRequest(ids[3], "过期")
				if err != nil {
					t.Fatal(err)
				}
				req = r.ID
			})
			t.Logf("request: %d opens of one part", f.partial)
			for _, who := range []string{"su", "zhang", "wang"} {
				f.advanced(true, func() {
					if _, err := f.as(who).DestroyApprove(req); err != nil {
						t.Fatal(err)
					}
				})
			}
			f.advanced(true, func() {
				if _, err := f.as("zhang").DestroyExecute(req, []string{"li", "su"}, ""); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("execute: %d opens of one part", f.partial)
			f.sameSummaryAsCold(f.clock, true)
			f.sameReportsAsCold("executed", true, false)
			// A second request on another dossier, after the first was
			// executed, by the request command on the snapshot.
			f.settle()
			for _, m := range []string{"li"} {
				f.reader(m, f.clock)
			}
			a := f.destroyStepper("li", ids[4], "")
			r2, err := a.DestroyRequest(ids[4], "过期")
			if err != nil {
				t.Fatal(err)
			}
			_, cold := f.cold("li").DestroyRequest(ids[3], "再次")
			_, got := f.destroyStepper("li", ids[3], "").DestroyRequest(ids[3], "再次")
			if fmt.Sprint(cold) != fmt.Sprint(got) {
				t.Fatalf("a request on the destroyed dossier: %v, a replay: %v", got, cold)
			}
			t.Logf("second request %s (partial %v)", r2.ID, a.Partial())
			f.settle()
			sameAsCold(t, f, f.reader("li", f.clock))
			f.verifyClean()
		})
	}
}

// Past maxSavedParts, with destruction steps among the new events: not in
// groups (runScoped), the whole state, saved; then a cold replay's.
func TestGroupedRefusesDestructions(t *testing.T) {
	old := archive.SetMaxSavedParts(16)
	t.Cleanup(func() { archive.SetMaxSavedParts(old) })
	f, pool := destroyedAmong(t, 80)
	f.bulkSteps("li", pool[10:70], func(a *archive.Archive, _ int, id string) error {
		_, err := a.ReviewDone(id, "ok")
		return err
	})
	f.settle()
	n := archive.GroupedSaves()
	a := f.readerOf("li", pool[5])
	t.Logf("snapshot %v partial %v saved %v grouped %d", a.FromSnapshot(), a.Partial(), a.SnapshotStandsFor(), archive.GroupedSaves()-n)
	sameAsCold(t, f, f.reader("li", f.clock))
	f.sameReportsAsCold("grouped", true, false)
}
