package archive

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// statStampIn says of a file in an open folder what statStamp says of its
// path: a file, a link to one (followed, as stat), none.
func TestStatStampIn(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "C-1.age")
	if err := os.WriteFile(p, []byte("age"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p, filepath.Join(dir, "C-2.age")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"C-1.age", "C-2.age", "C-3.age"} {
		want, wok := statStamp(filepath.Join(dir, name))
		got, ok := statStampIn(f, name)
		if got != want || ok != wok {
			t.Errorf("%s: statStampIn = %+v, %v; statStamp = %+v, %v", name, got, ok, want, wok)
		}
		if got, ok := statStampIn(nil, filepath.Join(dir, name)); got != want || ok != wok {
			t.Errorf("%s by path: statStampIn = %+v, %v; statStamp = %+v, %v", name, got, ok, want, wok)
		}
	}
	if runtime.GOOS == "windows" {
		return // no stamps there (stamp_other.go): nothing more to compare
	}
	if _, ok := statStampIn(f, "C-1.age"); !ok {
		t.Error("the file has no stamp")
	}
}
