package archive_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
	"crm/classify"
)

// A 核定 may record its result (核定结果, R6.5): 无变化, 已补充 or 已调整,
// or their English names, kept in Chinese. Without one, the event is
// written as before (no result key), so journals written before replay
// the same; an unknown result is refused naming --result, and nothing
// is written; a hand-written event with a result that is none of the
// three is a problem. The snapshot's histories part keeps the result.
// helper-115.
func TestReviewResult(t *testing.T) {
	f := newFixture(t)
	plain, supplemented, adjusted := f.create("秘密"), f.create("秘密"), f.create("秘密")
	a := f.as("li")
	if _, err := a.ReviewDone(plain, "ok"); err != nil {
		t.Fatal(err)
	}
	r := a.State.Dossiers[plain].Reviews[0]
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(a.State.Journal.ByHash[r.Event].Path)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Result != "" || strings.Contains(string(b), "result") {
		t.Fatalf("a 核定 without a result: result %q, event\n%s", r.Result, b)
	}
	if _, err := f.as("li").ReviewDoneFor(supplemented, classify.Quarter{}, archive.ReviewRecord{Note: "补充联系人", Result: " Supplemented "}); err != nil {
		t.Fatal(err)
	}

	heads := f.as("li").State.Journal.Heads
	_, err = f.as("li").ReviewDoneFor(adjusted, classify.Quarter{}, archive.ReviewRecord{Result: "done"})
	wantCode(t, err, archive.Usage, `unknown 核定 result "done"`)
	if ae := (*archive.Error)(nil); !errors.As(err, &ae) || ae.Field != "result" {
		t.Fatalf("the refusal names field %v, want result", err)
	}
	for _, batch := range []func(a *archive.Archive) error{
		func(a *archive.Archive) error {
			_, _, err := a.ReviewDoneMany([]string{adjusted}, classify.Quarter{}, archive.ReviewRecord{Result: "好"})
			return err
		},
		func(a *archive.Archive) error {
			_, _, _, err := a.ReviewDoneManyOnce([]string{adjusted}, classify.Quarter{}, archive.ReviewRecord{Result: "好"})
			return err
		},
		func(a *archive.Archive) error {
			_, _, err := a.ReviewDoneOnce(adjusted, classify.Quarter{}, archive.ReviewRecord{Result: "好"})
			return err
		},
	} {
		wantCode(t, batch(f.as("li")), archive.Usage, "unknown 核定 result")
	}
	if a := f.as("li"); len(a.State.Dossiers[adjusted].Reviews) != 0 || strings.Join(a.State.Journal.Heads, " ") != strings.Join(heads, " ") {
		t.Fatal("a refused result wrote something")
	}
	if _, _, err := f.as("li").ReviewDoneMany([]string{adjusted}, classify.Quarter{}, archive.ReviewRecord{Result: archive.ReviewAdjusted}); err != nil {
		t.Fatal(err)
	}
	// By hand: only the Chinese word is a result the journal keeps.
	wantProblem(t, f.forge("li", archive.KindReview, plain, &archive.ReviewData{Quarter: "2026Q4", Result: "unchanged"}), `review result "unchanged"`)
	f.verifyClean()

	want := map[string]string{plain: "", supplemented: archive.ReviewSupplemented, adjusted: archive.ReviewAdjusted}
	check := func(what string, rs []archive.ReviewEntry) {
		t.Helper()
		if len(rs) != len(want) {
			t.Fatalf("%s: %d 核定, want %d", what, len(rs), len(want))
		}
		for _, r := range rs {
			if r.Result != want[r.Dossier] {
				t.Errorf("%s: the 核定 of %s has result %q, want %q", what, r.Dossier, r.Result, want[r.Dossier])
			}
		}
	}
	check("replay", f.cold("li").State.Reviews)
	f.settle()
	f.reader("li", f.clock) // saves a snapshot
	h := f.summaryOpen(f.clock, archive.SummaryRows|archive.SummaryHistories)
	if !archive.HistoriesFromPart(h) {
		t.Fatal("the histories were not read from their part")
	}
	check("histories part", h.Histories().Reviews())
}
