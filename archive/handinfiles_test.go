package archive_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"crm/archive"
)

// handIn hands in a customer information report as qian2, about dossier
// about ("" for a new customer), and returns its id.
func (f *fixture) handIn(about string) string {
	f.t.Helper()
	text := "customer:\n  name: 新客户\nnotes: 涨价\n"
	if about != "" {
		text = "notes: 涨价\n"
	}
	sub, err := f.as("qian2").Submit([]byte(text), about)
	if err != nil {
		f.t.Fatal(err)
	}
	return sub.ID
}

// A hand-in's file is crm's own while its hand-in waits with the hash
// submission.add pinned, and its absence once the hand-in is folded or
// turned down: a step's own commit and crm sync carry both to the other
// clones (Touched), and nothing else under submissions/ is crm's.
func TestHandInFilesAreOwn(t *testing.T) {
	f := newFixture(t)
	f.addSales("qian2")
	id := f.create("秘密")
	waits, folded := f.handIn(id), f.handIn("")
	rel := func(sub string) string { return archive.SubmissionPath(sub) }
	a := f.as("qian2")
	if !a.OwnFile(rel(waits), true) || a.OwnFile(rel(waits), false) {
		t.Fatal("a waiting hand-in's file is not crm's own, or its absence is")
	}
	if a.OwnFile(rel(archive.NewID("S-", f.now)), true) || a.OwnFile("submissions/x.age", true) {
		t.Fatal("a file no submission.add hands in is crm's own")
	}
	b := f.as("zhang")
	if _, err := b.RejectSubmission(folded, "重复"); err != nil {
		t.Fatal(err)
	}
	if got := b.Touched(); !slices.Contains(got, rel(folded)) {
		t.Fatalf("turning a hand-in down touched %v, not its file", got)
	}
	if !b.OwnFile(rel(folded), false) || b.OwnFile(rel(folded), true) {
		t.Fatal("a turned-down hand-in's absence is not crm's own, or its file is")
	}
	// A file changed outside crm is not.
	os.WriteFile(filepath.Join(f.dir, rel(waits)), []byte("x"), 0o644)
	if f.as("li").OwnFile(rel(waits), true) {
		t.Fatal("a hand-in's file changed outside crm is crm's own")
	}
}
