package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crm/archive"
)

// A crafted or damaged pin file never panics CheckPinnedFiles,
// never makes it look outside the archive, and never refuses an archive
// whose files are there; an archive opened through a symlink is pinned
// and checked under that path.
func TestPinnedFilesCraftedAndSymlinked(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	pin := filepath.Join(t.TempDir(), "known.yaml")
	link := filepath.Join(t.TempDir(), "link[1]")
	if err := os.Symlink(f.dir, link); err != nil {
		t.Fatal(err)
	}
	a, err := archive.OpenWith(ctx, link, archive.OpenOptions{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if err := archive.CheckPinnedFiles(link, pin); err != nil {
		t.Fatalf("through the link: %v", err)
	}
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatalf("the real path (no pin of its own): %v", err)
	}
	if _, err := f.as("li").ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	if err := archive.CheckPinnedFiles(link, pin); err != nil {
		t.Fatalf("a newer event since: %v", err)
	}
	// Crafted entries: outside paths, odd names, wrong types.
	outside := filepath.Join(filepath.Dir(f.dir), "gone.yaml")
	for _, body := range []string{
		f.dir + ":\n  genesis: '*'\n  files: ['journal/../../gone.yaml', 'journal/2026/../../../gone.yaml', '" + outside + "', '', 'journal', '-', 'journal/\x01']\n",
		f.dir + ":\n  genesis: [1, 2]\n",
		f.dir + ":\n  files: {a: b}\n",
		f.dir + ": 7\n",
		"[1, 2, 3]\n",
		"&a [*a]\n",
		string([]byte{0xff, 0xfe}),
	} {
		if err := os.WriteFile(pin, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
	}
	os.Remove(pin)
	os.Mkdir(pin, 0o700)
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatalf("a pin that is a folder: %v", err)
	}
}

// CheckPin under its lock takes the pins CheckPinnedFiles parsed before
// it when the file holds the same bytes (a show parsed the file twice),
// and parses it again when it changed between the two: a pin another
// process wrote meanwhile, here one whose head is gone (a rollback), is
// still what CheckPin judges by. What CheckPin writes is unchanged by the
// copy it took (the pins it kept are not shared with what it changed).
func TestCheckPinTakesTheSameBytesParsedOnce(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	pin := filepath.Join(t.TempDir(), "known.yaml")
	a := f.as("li")
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(pin)
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatal(err)
	}
	n := archive.PinParses()
	if _, err := f.as("li").CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	if got := archive.PinParses() - n; got != 0 {
		t.Fatalf("the same bytes parsed again %d time(s)", got)
	}
	if b, _ := os.ReadFile(pin); string(b) != string(before) {
		t.Fatalf("the pin changed:\n%s\nwas\n%s", b, before)
	}
	// A step, pinned: the kept pins are not those CheckPin changed.
	if _, err := a.ReviewDone(id, ""); err != nil {
		t.Fatal(err)
	}
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPin(pin); err != nil {
		t.Fatal(err)
	}
	stepped, _ := os.ReadFile(pin)
	if string(stepped) == string(before) {
		t.Fatal("the step was not pinned")
	}
	if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
		t.Fatal(err)
	}
	// Between the two reads, another process pins a head this journal
	// lacks: CheckPin parses the new bytes and finds the rollback.
	forged := strings.Replace(string(stepped), "heads: [", "heads: ["+strings.Repeat("ab", 32)+", ", 1)
	if forged == string(stepped) {
		t.Fatalf("no heads in the pin:\n%s", stepped)
	}
	os.WriteFile(pin, []byte(forged), 0o600)
	n = archive.PinParses()
	_, err := f.as("li").CheckPin(pin)
	if archive.PinParses()-n != 1 {
		t.Fatal("changed bytes were not parsed again")
	}
	wantCode(t, err, archive.Integrity, "gone from its journal")
}
