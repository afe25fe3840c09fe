package archive_test

import (
	"os"
	"path/filepath"
	"testing"

	"crm/archive"
)

// A pin file (the user's, in their config folder) that holds a YAML null
// document, as an editor or a truncating tool may leave it, is a pin file
// with no archive in it: CheckPin pins this one, with or without
// CheckPinnedFiles' parse of the same bytes before it, and never panics
// (errors say what went wrong, no panics on user input).
func TestCheckPinNullPinFile(t *testing.T) {
	f := newFixture(t)
	f.create("秘密")
	for _, first := range []bool{false, true} {
		for _, text := range []string{"null\n", "~\n", "# crm\n---\n~\n"} {
			pin := filepath.Join(t.TempDir(), "known.yaml")
			os.WriteFile(pin, []byte(text), 0o600)
			if first {
				if err := archive.CheckPinnedFiles(f.dir, pin); err != nil {
					t.Fatal(err)
				}
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("pin file %q (CheckPinnedFiles first: %v): CheckPin panicked: %v", text, first, r)
					}
				}()
				pinned, err := f.as("li").CheckPin(pin)
				if err != nil || !pinned {
					t.Fatalf("pin file %q (CheckPinnedFiles first: %v): pinned %v, %v", text, first, pinned, err)
				}
			}()
			if _, err := f.as("li").CheckPin(pin); err != nil {
				t.Fatalf("pin file %q pinned, then: %v", text, err)
			}
		}
	}
}
