package archive_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"crm/archive"
	"crm/report"
)

// reportNames are the reports that read the histories.
var reportNames = []string{"monthly", "quarterly", "annual", "loans", "destruction", "reviews", "classification"}

// reportsOf is every report of a, for its default period, the quarter
// before and everything, as JSON.
func reportsOf(t testing.TB, a *archive.Archive) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, name := range reportNames {
		l, err := report.LoadLayout(name, a.Overrides())
		if err != nil {
			t.Fatal(err)
		}
		def := report.DefaultPeriod(name, a.Now(), a.Location())
		for _, p := range []report.Period{def, report.QuarterPeriod(a.Quarter().Prev(), a.Location()), report.QuarterPeriod(a.Quarter(), a.Location()), {}} {
			r, err := report.Make(a, l, p)
			if err != nil {
				t.Fatalf("%s %s: %v", name, p.Label, err)
			}
			if err := report.Render(&out, r, report.JSON, report.Options{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out.Bytes()
}

// sameReportsAsCold fails unless the reports' open says what a cold
// replay says, twice: the histories and every report. saved tells
// whether the first open leaves a snapshot that stands for the archive,
// whole whether it reads the whole state (new events not about one
// dossier each); every other open reads the histories from their part.
func (f *fixture) sameReportsAsCold(what string, saved, whole bool) {
	f.t.Helper()
	all := archive.SummaryRows | archive.SummaryLoans | archive.SummaryDestructions | archive.SummaryHistories
	cold := f.cold("li")
	want, wantReports := archive.HistoriesText(cold), reportsOf(f.t, cold)
	for i := range 2 {
		a := f.summaryOpen(f.clock, all)
		if err := a.SetIdentity(f.ids["li"]); err != nil {
			f.t.Fatal(err)
		}
		if archive.HistoriesFromPart(a) == (i == 0 && whole) {
			f.t.Fatalf("%s (open %d): the histories from their part: %v", what, i, archive.HistoriesFromPart(a))
		}
		if i == 0 && a.SnapshotStandsFor() != saved {
			f.t.Fatalf("%s: saved %v, want %v", what, a.SnapshotStandsFor(), saved)
		}
		if got := archive.HistoriesText(a); got != want {
			f.t.Fatalf("%s (open %d): the histories differ from a cold replay's:\n got %.2000s\nwant %.2000s", what, i, got, want)
		}
		if got := reportsOf(f.t, a); !bytes.Equal(got, wantReports) {
			f.t.Fatalf("%s (open %d): the reports differ from a cold replay's", what, i)
		}
	}
}

// The histories part of a snapshot saved from some parts advanced
// (saveAdvancedParts, past 32 parts), then read with a few more events
// merged in, says what a cold replay says after each kind of step the
// reports count: secrecy periods set and run out (declassified), 核定
// recorded late for the quarter before, credit classes and tiers, loans,
// new dossiers, a destruction; every report the same.
func TestHistoriesAfterSavedPartialAdvances(t *testing.T) { historiesAfterAdvances(t, false) }

// The same, with every advance over more than 16 parts saved a run of
// parts at a time (saveInGroups: past maxSavedParts, 2048 parts at most
// in use): the new register entries of each run at their places in
// journal order, the rows and histories of each run merged.
func TestHistoriesAfterGroupedSaves(t *testing.T) {
	old := archive.SetMaxSavedParts(16)
	t.Cleanup(func() { archive.SetMaxSavedParts(old) })
	historiesAfterAdvances(t, true)
}

func historiesAfterAdvances(t *testing.T, grouped bool) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	pool := f.bulkCreate(160) // 秘密
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	f.sameReportsAsCold("whole", true, false)
	bulk := func(who string, ids []string, step func(a *archive.Archive, i int, id string) error) {
		t.Helper()
		f.bulkSteps(who, ids, step)
		f.settle()
	}
	// Every saved advance that is not of the whole state was saved a run
	// of parts at a time when grouped, and only then.
	sameReportsAsCold := func(what string, saved, whole bool) {
		t.Helper()
		n := archive.GroupedSaves()
		f.sameReportsAsCold(what, saved, whole)
		if want := grouped && saved && !whole; (archive.GroupedSaves() > n) != want {
			t.Fatalf("%s: saved in groups %d times, want it: %v", what, archive.GroupedSaves()-n, want)
		}
	}
	// A month's secrecy period on half of them (over 32 parts: saved).
	bulk("zhang", pool[:80], func(a *archive.Archive, _ int, id string) error {
		_, err := a.SetLevel(id, "秘密", "1m", "短期")
		return err
	})
	sameReportsAsCold("short periods", true, false)
	// Into the next quarter: the periods ran out.
	f.now = f.now.AddDate(0, 2, 0)
	if n, err := f.as("zhang").DeclassifyExpired(context.Background()); err != nil || n != 80 {
		t.Fatalf("declassified %d: %v", n, err)
	}
	f.settle()
	sameReportsAsCold("declassified", true, false)
	// The quarter before's 核定, made good late, and this quarter's.
	bulk("li", pool[40:120], func(a *archive.Archive, _ int, id string) error {
		if _, err := a.ReviewDoneFor(id, a.Quarter().Prev(), archive.ReviewRecord{Note: "补核定"}); err != nil {
			return err
		}
		_, err := a.ReviewDone(id, "ok")
		return err
	})
	sameReportsAsCold("late reviews", true, false)
	bulk("zhang", pool[60:140], func(a *archive.Archive, i int, id string) error {
		if _, _, err := a.SetCredit(id, []string{"A", "D", "B"}[i%3], "复核"); err != nil {
			return err
		}
		_, _, err := a.SetTier(id, []string{"重点", "普通"}[i%2], "复核")
		return err
	})
	sameReportsAsCold("credit and tier", true, false)
	// A few steps (not saved): merged into the saved part as read.
	l, err := f.as("zhao").BorrowRequest(pool[150], "谈判", 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").ReviewDone(pool[0], "ok"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	sameReportsAsCold("loan and a review", false, false)
	f.bulkCreate(50)
	f.settle()
	// Past 16 parts with the loan steps not saved before, which read
	// every loan's id (runScoped): in groups too.
	sameReportsAsCold("new dossiers", true, false)
	f.now = f.now.Add(24 * time.Hour)
	if _, err := f.as("zhao").BorrowReturn(l.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").DestroyRequest(pool[159], "合作终止"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	// A destruction request advances the parts it names with every
	// request, as a loan's steps do with every loan: two parts, not saved.
	sameReportsAsCold("returned, destruction asked", false, false)
}

// The same steps and opens with every part of the snapshot mapped from
// its file rather than read (a system that maps reads parts of 1 MB and
// more so): the decoders keep nothing of the mapped bytes, which are
// unmapped once decoded; a string kept from them would fault when read
// here.
func TestSnapshotPartsMapped(t *testing.T) {
	defer archive.MapPartsFrom(1)()
	t.Run("histories", TestHistoriesAfterSavedPartialAdvances)
	t.Run("partial opens", TestSnapshotEveryPartialOpenSaves)
}

// oneReport is report name of a for its default period, as JSON.
func oneReport(t testing.TB, a *archive.Archive, name string) []byte {
	t.Helper()
	l, err := report.LoadLayout(name, a.Overrides())
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Make(a, l, report.DefaultPeriod(name, a.Now(), a.Location()))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out bytes.Buffer
	if err := report.Render(&out, r, report.JSON, report.Options{}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A report on an archive opened for it alone (SummaryHistoriesOnce) lets
// the histories go after its pass and says what it says with them kept.
// A second report there would find no dossier: reading them again panics
// rather than count none. Opened without it, they stay for any number.
func TestHistoriesReleasedForOneReport(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock) // the whole state, saved
	all := archive.SummaryRows | archive.SummaryLoans | archive.SummaryDestructions | archive.SummaryHistories
	for _, name := range []string{"monthly", "quarterly", "annual"} {
		kept, once := f.summaryOpen(f.clock, all), f.summaryOpen(f.clock, all|archive.SummaryHistoriesOnce)
		for _, a := range []*archive.Archive{kept, once} {
			if err := a.SetIdentity(f.ids["li"]); err != nil {
				t.Fatal(err)
			}
			if !archive.HistoriesFromPart(a) {
				t.Fatalf("%s: the histories not from their part", name)
			}
		}
		want := oneReport(t, kept, name)
		if got := oneReport(t, once, name); !bytes.Equal(got, want) {
			t.Errorf("%s: released after the pass:\n%s\nkept:\n%s", name, got, want)
		}
		if again := oneReport(t, kept, name); !bytes.Equal(again, want) {
			t.Errorf("%s: a second report with the histories kept differs", name)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: a second report after Release read the histories", name)
				}
			}()
			oneReport(t, once, name)
		}()
	}
}
