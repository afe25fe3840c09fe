package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

// Short ids resolve to the dossier they name where that is unambiguous.
func TestResolveID(t *testing.T) {
	a := newFixture(t).as("zhang")
	for range 12 {
		if _, err := a.Create([]byte(sample), ""); err != nil {
			t.Fatal(err)
		}
	}
	for in, want := range map[string]string{
		"C-000001": "C-000001", "1": "C-000001", "000001": "C-000001", "c-1": "C-000001",
		"C-1": "C-000001", "c1": "C-000001", "C_1": "C-000001", "12": "C-000012", "c-0012": "C-000012",
	} {
		got, err := a.ResolveID(in)
		if err != nil || got != want {
			t.Errorf("ResolveID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, code := range map[string]archive.Code{
		"13": archive.Failed, "D-1": archive.Failed, "c-": archive.Failed, "x": archive.Failed,
		"../x": archive.Usage, "C-1/..": archive.Usage, "": archive.Usage,
	} {
		if got, err := a.ResolveID(in); err == nil || archive.CodeOf(err) != code {
			t.Errorf("ResolveID(%q) = %q, %v; want an error of code %d", in, got, err, code)
		}
	}
	// After a change of id scheme two ids may share a number.
	a.State.Dossiers["K-0001"] = &archive.DossierState{ID: "K-0001"}
	_, err := a.ResolveID("1")
	if err == nil || archive.CodeOf(err) != archive.Usage || !strings.Contains(err.Error(), "C-000001, K-0001") {
		t.Errorf("ambiguous: %v", err)
	}
	if got, err := a.ResolveID("k1"); got != "K-0001" || err != nil {
		t.Errorf("k1 = %q, %v", got, err)
	}
}

// A random id resolves from the first four or more of its characters, in
// any case, with or without its prefix, read by Crockford's rules.
func TestResolveRandomID(t *testing.T) {
	a := newFixtureStyle(t, archive.IDRandom).as("zhang")
	for _, id := range []string{"C-2ENHPWFCH0", "C-2ENHQ00001", "C-2EMA1B2C3D"} {
		a.State.Dossiers[id] = &archive.DossierState{ID: id}
	}
	for in, want := range map[string]string{
		"C-2ENHPWFCH0": "C-2ENHPWFCH0", "c-2enhpwfch0": "C-2ENHPWFCH0", "2enhp": "C-2ENHPWFCH0",
		"C-2ENHQ": "C-2ENHQ00001", "2enhqoo": "C-2ENHQ00001", "2EMA": "C-2EMA1B2C3D", "2emaib": "C-2EMA1B2C3D",
	} {
		if got, err := a.ResolveID(in); err != nil || got != want {
			t.Errorf("ResolveID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := a.ResolveID("2enh"); err == nil || archive.CodeOf(err) != archive.Usage || !strings.Contains(err.Error(), "C-2ENHPWFCH0, C-2ENHQ00001") {
		t.Errorf("ambiguous 2enh: %v", err)
	}
	for _, in := range []string{"2en", "2ENU", "C-2ENHPWFCH0X", "3ENH"} {
		if got, err := a.ResolveID(in); err == nil {
			t.Errorf("ResolveID(%q) = %q, want an error", in, got)
		}
	}
}
