package archive

import "testing"

func TestGitPatterns(t *testing.T) {
	cases := []struct {
		pat   string
		path  string
		isDir bool
		want  bool
	}{
		{"*.age", "dossiers/C-1.age", false, true},
		{"*.age", "C-1.age", false, true},
		{"dossiers/*.age", "dossiers/C-1.age", false, true},
		{"dossiers/*.age", "x/dossiers/C-1.age", false, false},
		{"/dossiers/", "dossiers", true, true},
		{"/dossiers/", "dossiers", false, false},
		{"reports/", "templates/reports", true, true},
		{"/reports/", "templates/reports", true, false},
		{"/reports/", "reports", true, true},
		{"journal/**", "journal/2026/11/x.yaml", false, true},
		{"**/11/*.yaml", "journal/2026/11/x.yaml", false, true},
		{"journal/**/x.yaml", "journal/x.yaml", false, true},
		{"j?urnal", "journal", true, true},
		{"[jk]ournal", "journal", true, true},
		{"[!j]ournal", "journal", true, false},
		{"*.yaml", "crm.yaml", false, true},
		{"crm.yml", "crm.yaml", false, false},
		{`\#x`, "#x", false, true},
		{"a*b", "a/b", false, false},
	}
	for _, c := range cases {
		g, ok := parseGitPattern(c.pat)
		if !ok {
			t.Fatalf("%q did not parse", c.pat)
		}
		if got := g.match(c.path, c.isDir); got != c.want {
			t.Errorf("%q ~ %q (dir %v) = %v, want %v", c.pat, c.path, c.isDir, got, c.want)
		}
	}
}

func TestAttributes(t *testing.T) {
	lines := gitLines([]byte("# c\n*.age binary diff=crm merge=binary\n*.yaml text eol=lf\ndossiers/x.age !merge\n"))
	a := attributesOf(lines, "dossiers/C-1.age")
	if a["text"] != "false" || a["diff"] != "crm" || a["merge"] != "binary" {
		t.Fatalf("%v", a)
	}
	if a := attributesOf(lines, "dossiers/x.age"); a["merge"] != "" {
		t.Fatalf("!merge: %v", a)
	}
	if a := attributesOf(lines, "journal/2026/11/e.yaml"); a["eol"] != "lf" || a["text"] != "true" {
		t.Fatalf("%v", a)
	}
}

func TestParseTemp(t *testing.T) {
	cases := []struct {
		name string
		want tempName
		ok   bool
	}{
		{".tmp-123-456", tempName{pid: 123}, true},
		{".tmp-C-000001.123-456", tempName{tag: "C-000001", pid: 123}, true},
		{".tmp-destroy-C-000001", tempName{tag: "C-000001", destroy: true}, true},
		{".tmp-C-000001-789", tempName{tag: "C-000001"}, true}, // older versions
		{".tmp-12345", tempName{}, true},                       // older WriteAtomic
		{"C-000001.age", tempName{}, false},
	}
	for _, c := range cases {
		got, ok := parseTemp(c.name)
		if ok != c.ok || got != c.want {
			t.Errorf("parseTemp(%q) = %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
	// What tempPattern makes, parseTemp reads back.
	for _, tag := range []string{"", "C-000001"} {
		got, _ := parseTemp(tempPattern(tag)[:len(tempPattern(tag))-1] + "42")
		if got.tag != tag || got.pid == 0 {
			t.Errorf("tempPattern(%q) reads back as %+v", tag, got)
		}
	}
}
