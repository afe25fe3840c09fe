package xlsxwire

import (
	"os"
	"path/filepath"
	"testing"
)

// The helper beside a crm whose name has a dot but is no Windows .exe
// (crm-1.2, crm.bin; this test's own xlsxwire.test) is crm-xlsx, not
// crm-xlsx.2: Find looked for the latter, missed the helper and said it
// is "neither beside" crm nor on PATH.
func TestReview54aFindBesideDottedName(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	if filepath.Ext(self) == "" {
		t.Skipf("%s has no extension", self)
	}
	p := filepath.Join(filepath.Dir(self), Helper)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Skip(err)
	}
	defer os.Remove(p)
	t.Setenv("CRM_XLSX", "")
	t.Setenv("PATH", t.TempDir())
	if got, err := Find(); err != nil || got != p {
		t.Errorf("Find() = %q, %v; want %s", got, err, p)
	}
}
