package archive_test

import (
	"testing"

	"crm/archive"
)

// A credit class and tier set in the journal (dossier.credit, dossier.tier)
// are in force over what the dossier writes (R8): a listing without
// decryption shows them from the rows alone, read from the snapshot and
// advanced by the new events or made by a replay, and a listing with a key
// that does not open the dossier shows them too, as classify suggest does
// (Assess). A dossier the journal set nothing for lists neither. Before
// (helper 128), the entries of List without decryption had no class.
func TestListWithoutKeyShowsJournalCredit(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "秘密")    // the survey's score gives A
	plain := f.createAs("li", testDossier, "秘密") // nothing set in the journal
	f.settle()
	f.reader("li", f.clock) // saves the snapshot the summary opens read
	if _, _, err := f.as("su").SetCredit(id, "D", "拖欠货款"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetTier(id, "重点", "重点跟进"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	entry := func(list []archive.ListEntry, id string) archive.ListEntry {
		t.Helper()
		for _, en := range list {
			if en.ID == id {
				return en
			}
		}
		t.Fatalf("%s not listed", id)
		return archive.ListEntry{}
	}
	check := func(what string, list []archive.ListEntry, readable bool) {
		t.Helper()
		en := entry(list, id)
		if en.Readable != readable || en.Credit != "D" || !en.Dangerous || en.Tier != "重点" {
			t.Fatalf("%s: %s listed readable %v, credit %q dangerous %v tier %q; want readable %v, D dangerous 重点",
				what, id, en.Readable, en.Credit, en.Dangerous, en.Tier, readable)
		}
		if p := entry(list, plain); !readable && (p.Credit != "" || p.Dangerous || p.Tier != "") {
			t.Fatalf("%s: %s, with nothing set in the journal, listed credit %q tier %q", what, plain, p.Credit, p.Tier)
		}
	}
	summary := f.summaryReader(f.clock)
	if !summary.Partial() {
		t.Fatal("the summary open did not read the snapshot's rows")
	}
	l, err := summary.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	check("rows of the snapshot, advanced", l, false)
	if l, err = f.cold("li").List(ctx, false); err != nil {
		t.Fatal(err)
	}
	check("replay", l, false)
	// zhao (dept_manager) reads no level: with his key the dossier stays
	// unread, and the journal's class shows.
	if l, err = f.openAs("zhao", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows}).ListBrief(ctx); err != nil {
		t.Fatal(err)
	}
	check("with a key that does not open it", l, false)
	// With a key that opens it: the class in force, as before.
	if l, err = f.openAs("li", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows}).ListBrief(ctx); err != nil {
		t.Fatal(err)
	}
	check("with the key", l, true)
	if p := entry(l, plain); p.Credit != "A" || p.Tier == "" {
		t.Fatalf("with the key: %s listed credit %q tier %q, want A from the survey's score", plain, p.Credit, p.Tier)
	}
}
