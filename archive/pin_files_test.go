package archive_test

import (
	"os"
	"path/filepath"
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
