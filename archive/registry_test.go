package archive_test

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"crm/archive"
	"crm/l10n"
)

var update = flag.Bool("update", false, "rewrite the kinds table of journal/FORMAT.md from the registry")

// kindsTable renders the registry as FORMAT.md's table of kinds, with the
// roles the default policy gives each kind.
func kindsTable(t *testing.T) string {
	t.Helper()
	raw, err := archive.DefaultPolicyText("x", "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := archive.ParsePolicy(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| kind | workflow | written by (default policy) | file | level | data |\n|---|---|---|---|---|---|\n")
	yes := func(v bool) string {
		if v {
			return "yes"
		}
		return ""
	}
	for _, k := range archive.Kinds() {
		by := k.Who
		if k.Roles != nil {
			by = strings.Join(k.Roles(p), ", ")
		}
		keys := strings.Join(yamlKeys(reflect.TypeOf(k.New()).Elem()), ", ")
		b.WriteString("| `" + string(k.Kind) + "` | " + string(k.Workflow) + " | " + by + " | " + yes(k.WritesFile) + " | " + yes(k.SetsLevel) + " | " + keys + " |\n")
	}
	return b.String()
}

// yamlKeys lists a payload struct's data keys in order, inlined structs in
// place.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			out = append(out, yamlKeys(f.Type)...)
			continue
		}
		out = append(out, name)
	}
	return out
}

// FORMAT.md's table of event kinds is the registry's: they cannot drift.
func TestFormatKinds(t *testing.T) {
	const path = "journal/FORMAT.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const begin, end = "<!-- kinds:begin -->\n", "<!-- kinds:end -->"
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q markers", path, begin, end)
	}
	want := kindsTable(t)
	if got := s[i+len(begin) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's table of kinds differs from the registry (archive/kinds.go); run go test ./archive -run TestFormatKinds -update\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// Every kind names its step for people in both languages, and is unique.
func TestRegistryComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range archive.Kinds() {
		if seen[string(k.Kind)] {
			t.Errorf("%s is registered twice", k.Kind)
		}
		seen[string(k.Kind)] = true
		if archive.SpecOf(k.Kind) != k {
			t.Errorf("SpecOf(%s) is not its entry", k.Kind)
		}
		for _, s := range []string{k.What, k.Who, k.Rule} {
			if s != "" && !l10n.Translated(s) {
				t.Errorf("%s: %q has no Chinese translation", k.Kind, s)
			}
		}
		if k.Roles == nil && k.Who == "" {
			t.Errorf("%s says neither roles nor who may write it", k.Kind)
		}
		if w, ok := reflect.TypeOf(k.New()).Elem().FieldByName("File"); ok != k.WritesFile || (ok && w.Type != reflect.TypeOf(archive.File{})) {
			t.Errorf("%s: WritesFile %v but its payload has File: %v", k.Kind, k.WritesFile, ok)
		}
	}
}
