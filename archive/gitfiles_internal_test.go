package archive

import (
	"testing"
	"time"
)

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

// FuzzGitFiles: .gitattributes and .gitignore come from the tree, so from
// anyone: reading them never panics, and a pattern matches no path with
// more folders than ** allows.
func FuzzGitFiles(f *testing.F) {
	for _, s := range []string{"*.age binary diff=crm merge=binary\n*.yaml text eol=lf\n", "[", "[!]", "**/**/***", "\\", "!x\n/y/\n#z\n", "a[b-]c", "[\\]]"} {
		f.Add(s, "dossiers/C-000001.age")
	}
	f.Fuzz(func(t *testing.T, file, p string) {
		lines := gitLines([]byte(file))
		attributesOf(lines, p)
		for _, l := range lines {
			if g, ok := parseGitPattern(l); ok {
				g.match(p, false)
				g.match(p, true)
			}
		}
	})
}

// FuzzParseTemp: names in the archive's folders come from anyone.
func FuzzParseTemp(f *testing.F) {
	for _, s := range []string{".tmp-1-2", ".tmp-C-1.2-3", ".tmp-destroy-C-1", ".tmp-", ".tmp-.-", ".tmp-a.b.c-d", ".tmp-99999999999999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTemp(s)
		if ok && got.pid < 0 {
			t.Fatalf("%q: pid %d", s, got.pid)
		}
	})
}

// FuzzLevelDates: set_on, period and expires come from events; what is
// accepted starts the secrecy period within a day of the event.
func FuzzLevelDates(f *testing.F) {
	p, err := ParsePolicy(mustDefaultPolicy(f))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][3]string{{"2026-11-22", "10y", "2036-11-22"}, {"1990-01-01", "1d", ""}, {"2026-11-23", "长期", ""}, {"2026-02-30", "1m", "x"}, {"", "", ""}} {
		f.Add(s[0], s[1], s[2], int64(1795395600))
	}
	f.Fuzz(func(t *testing.T, setOn, period, expires string, unix int64) {
		when := time.Unix(unix%(1<<36), 0).UTC()
		m, err := levelDates(p, "秘密", setOn, period, when)
		if err != nil {
			return
		}
		if d := m.SetOn.Sub(civil(when)); d < -48*time.Hour || d > 48*time.Hour {
			t.Fatalf("set_on %s accepted for an event at %s", setOn, when)
		}
		checkExpires(m, expires)
	})
}

func mustDefaultPolicy(tb testing.TB) []byte {
	b, err := DefaultPolicyText("x", "")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
