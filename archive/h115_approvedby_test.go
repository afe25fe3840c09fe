package archive_test

import (
	"testing"

	"crm/archive"
)

// The classification register names who decided each change (批准人,
// R7.2): the signer of a change of level, credit class or tier (the
// policy's classify roles), the creator of a dossier for its first
// marking only when their roles let them decide it, nobody for a
// declassification (R7.2.4); and a snapshot's histories part says the
// same as a replay.
func TestChangeApprovedBy(t *testing.T) {
	f := newFixture(t)
	byClerk := f.create("秘密")                                                     // li, clerk: may create, not classify
	byManager := f.createAs("zhang", "customer:\n  name: 经理建\nowner: 李四\n", "秘密") // zhang, manager
	if _, err := f.as("su").SetLevel(byClerk, "秘密", "1m", "短期项目"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetCredit(byManager, "C", "现金交易"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 2, 0)
	if n, err := f.as("zhang").DeclassifyExpired(ctx); err != nil || n != 1 {
		t.Fatalf("declassified %d: %v", n, err)
	}
	f.settle()
	want := []struct {
		dossier  string
		kind     archive.ChangeKind
		approver string
	}{
		{byClerk, archive.ChangeMark, ""},
		{byManager, archive.ChangeMark, "zhang"},
		{byClerk, archive.ChangeConfirm, "su"},
		{byManager, archive.ChangeCredit, "su"},
		{byClerk, archive.ChangeDeclassify, ""},
	}
	check := func(what string, got []archive.Change) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d changes, want %d: %+v", what, len(got), len(want), got)
		}
		for i, w := range want {
			if c := got[i]; c.Dossier != w.dossier || c.Kind != w.kind || c.ApprovedBy != w.approver {
				t.Errorf("%s: change %d is %s %s approved by %q, want %s %s approved by %q", what, i, c.Dossier, c.Kind, c.ApprovedBy, w.dossier, w.kind, w.approver)
			}
		}
	}
	check("replay", f.cold("li").State.Changes)
	f.reader("li", f.clock) // saves a snapshot
	a := f.summaryOpen(f.clock, archive.SummaryRows|archive.SummaryHistories)
	if !archive.HistoriesFromPart(a) {
		t.Fatal("the histories were not read from their part")
	}
	check("histories part", a.Histories().Changes)
}
