package archive_test

import (
	"errors"
	"strings"
	"testing"

	"crm/archive"
	"crm/templates"
)

// A visit notes a change in the customer's credit and why (信用异动):
// contacts[].credit_change reads from:, to: (credit classes) and reason:.
func TestCreditChangeParses(t *testing.T) {
	const text = "customer:\n  name: 甲公司\nowner: 李四\ncontacts:\n" +
		"  - date: 2026-11-02\n    who: 王五\n    kind: 拜访\n    content: 走访仓库\n" +
		"    credit_change:\n      from: B\n      to: C\n      reason: 连续两月拖欠货款\n" +
		"  - date: 2026-11-05\n    kind: 回访\n"
	d, err := archive.ParseDossier([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cc := d.Contacts[0].CreditChange
	if cc == nil || cc.From != "B" || cc.To != "C" || cc.Reason != "连续两月拖欠货款" {
		t.Errorf("credit_change = %+v", cc)
	}
	if d.Contacts[1].CreditChange != nil {
		t.Errorf("a record without credit_change has %+v", d.Contacts[1].CreditChange)
	}
	// Written with the rest of the dossier (the editor's text, a merge).
	if _, err := archive.ParseWritten([]byte(text)); err != nil {
		t.Errorf("ParseWritten: %v", err)
	}
	// credit_change: with nothing is no change.
	d, err = archive.ParseDossier([]byte("customer:\n  name: 甲\nowner: 李四\ncontacts:\n  - date: 2026-11-02\n    kind: 拜访\n    credit_change:\n"))
	if err != nil {
		t.Errorf("an empty credit_change: %v", err)
	} else if d.Contacts[0].CreditChange != nil {
		t.Errorf("an empty credit_change: %+v", d.Contacts[0].CreditChange)
	}
}

// A bad credit change names its line and field, in a dossier and in the
// editor of `crm contact add` alike.
func TestCreditChangeRefused(t *testing.T) {
	const head = "customer:\n  name: 甲公司\nowner: 李四\ncontacts:\n  - date: 2026-11-02\n" // the record's fields from line 6
	cases := []struct {
		name, rec string
		line      int
		path, msg string
	}{
		{"a class not of the policy", "    kind: 拜访\n    credit_change:\n      from: B\n      to: E\n      reason: 拖欠\n",
			9, "contacts[0].credit_change.to", `"E" is not one of A / B / C / D`},
		{"a Chinese class name", "    kind: 拜访\n    credit_change:\n      from: 良\n      to: C\n      reason: 拖欠\n",
			8, "contacts[0].credit_change.from", `"良" is not one of A / B / C / D`},
		{"no reason", "    kind: 拜访\n    credit_change:\n      from: B\n      to: C\n",
			7, "contacts[0].credit_change.reason", "is required"},
		{"a blank reason", "    kind: 拜访\n    credit_change:\n      from: B\n      to: C\n      reason: \"  \"\n",
			10, "contacts[0].credit_change.reason", "is required"},
		{"no to", "    kind: 拜访\n    credit_change:\n      from: B\n      reason: 拖欠\n",
			7, "contacts[0].credit_change.to", "is required"},
		{"no change", "    kind: 拜访\n    credit_change:\n      from: B\n      to: B\n      reason: 拖欠\n",
			9, "contacts[0].credit_change.to", "is B, as from: is"},
		{"on a complaint", "    kind: 投诉\n    credit_change:\n      from: B\n      to: C\n      reason: 拖欠\n",
			7, "contacts[0].credit_change", "is noted on a visit (拜访), not on a 投诉 record"},
		{"an unknown key", "    kind: 拜访\n    credit_change:\n      from: B\n      to: C\n      why: 拖欠\n",
			10, "contacts[0].credit_change.why", `unknown field "why"`},
		{"not a mapping", "    kind: 拜访\n    credit_change: B:C\n",
			7, "contacts[0].credit_change", "must be a mapping: from:"},
	}
	for _, c := range cases {
		for _, form := range []string{"dossier", "editor"} {
			var err error
			line := c.line
			path := c.path
			if form == "dossier" {
				_, err = archive.ParseDossier([]byte(head + c.rec))
			} else {
				// The editor holds the record alone, unindented: date: on line 1.
				rec := "date: 2026-11-02\n"
				for _, l := range strings.SplitAfter(c.rec, "\n") {
					rec += strings.TrimPrefix(l, "    ")
				}
				_, err = archive.ParseContact([]byte(rec))
				line -= 4
				path = strings.TrimPrefix(path, "contacts[0].")
			}
			var ve *archive.ValidationError
			// An unknown key is said with what else is missing.
			if !errors.As(err, &ve) || len(ve.Problems) != 1 && c.name != "an unknown key" {
				t.Errorf("%s (%s): %v, want one problem", c.name, form, err)
				continue
			}
			if p := ve.Problems[0]; p.Line != line || p.Path != path || !strings.Contains(p.Msg, c.msg) {
				t.Errorf("%s (%s): line %d: %s: %s; want line %d: %s: …%s…", c.name, form, p.Line, p.Path, p.Msg, line, path, c.msg)
			}
		}
	}
}

// AddContact writes the credit change under the record, the rest of the
// dossier as it was; the record reads back as given.
func TestAddContactWithCreditChange(t *testing.T) {
	const text = "# 客户信息档案\ncustomer:\n  name: 甲公司 # 全称\nowner: 李四\ncontacts: [] # 联系记录\nnotes: x\n"
	visit := archive.Contact{Date: date(t, "2026-11-02"), Who: "王五", Kind: archive.ContactVisit, Content: "走访",
		CreditChange: &archive.CreditNote{From: "B", To: "C", Reason: "连续两月拖欠货款: 见财务"}}
	out, err := archive.AddContact([]byte(text), visit)
	if err != nil {
		t.Fatal(err)
	}
	want := "# 客户信息档案\ncustomer:\n  name: 甲公司 # 全称\nowner: 李四\ncontacts: # 联系记录\n  - date: 2026-11-02\n    who: 王五\n    kind: 拜访\n    content: 走访\n" +
		"    credit_change:\n      from: B\n      to: C\n      reason: '连续两月拖欠货款: 见财务'\nnotes: x\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	d, err := archive.ParseDossier(out)
	if err != nil || *d.Contacts[0].CreditChange != *visit.CreditChange {
		t.Errorf("read back %+v, %v", d.Contacts[0].CreditChange, err)
	}
	// A record AddContact is given that the dossier would refuse.
	bad := visit
	bad.Kind = archive.ContactFollowUp
	if _, err := archive.AddContact([]byte(text), bad); err == nil || !strings.Contains(err.Error(), "credit_change") {
		t.Errorf("a follow-up with a credit change: %v", err)
	}
}

// The dossier templates' commented example of a contact record shows a
// visit's credit_change:; uncommented (and its reason written), it is a
// valid record.
func TestDossierTemplatesCreditChangeExample(t *testing.T) {
	for _, name := range []string{"standard.yaml", "individual.yaml"} {
		b, err := templates.FS.ReadFile("dossier/" + name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "\n  name: \"\"", "\n  name: 模板客户", 1)
		s = strings.Replace(s, "\nowner: \"\"", "\nowner: 李四", 1)
		var out []string
		inList := false
		for _, l := range strings.Split(s, "\n") {
			switch {
			case l == "contacts: []":
				l, inList = "contacts:", true
			case inList && strings.HasPrefix(l, "#  "):
				l = strings.Replace(strings.TrimPrefix(l, "#"), `reason: ""`, "reason: 连续两月拖欠货款", 1)
			default:
				inList = false
			}
			out = append(out, l)
		}
		d, err := archive.ParseDossier([]byte(strings.Join(out, "\n")))
		if err != nil {
			t.Errorf("%s, its contacts example uncommented: %v", name, err)
			continue
		}
		var found bool
		for _, c := range d.Contacts {
			if cc := c.CreditChange; cc != nil && c.Kind == archive.ContactVisit && cc.From == "B" && cc.To == "C" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no visit with a credit change in its contacts example: %+v", name, d.Contacts)
		}
	}
}

// `crm contact add --credit-change FROM:TO` reads the classes as
// `crm classify --credit` does, and writes their letters.
func TestParseCreditChange(t *testing.T) {
	for in, want := range map[string]string{"B:C": "B→C", "b:c": "B→C", "良：中": "B→C", " A : D ": "A→D"} {
		cc, err := archive.ParseCreditChange(in, "拖欠")
		if err != nil || cc.From+"→"+cc.To != want || cc.Reason != "拖欠" {
			t.Errorf("ParseCreditChange(%q) = %+v, %v; want %s", in, cc, err, want)
		}
	}
	for in, want := range map[string]string{"BC": "is not FROM:TO", "B:E": `unknown credit class "E"`, ":C": "empty credit class",
		"B:B": "the class is B before and after", "良:b": "the class is B before and after"} {
		if _, err := archive.ParseCreditChange(in, "拖欠"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCreditChange(%q) = %v, want …%s…", in, err, want)
		}
	}
}

// crm search --field names a credit change's fields as any other.
func TestCreditChangeFieldPaths(t *testing.T) {
	for _, p := range []string{"contacts.credit_change", "contacts[0].credit_change.reason", "contacts.credit_change.to"} {
		if !archive.IsFieldPath(p) {
			t.Errorf("IsFieldPath(%q) = false", p)
		}
	}
	if archive.IsFieldPath("contacts.credit_change.why") {
		t.Error("IsFieldPath(contacts.credit_change.why) = true")
	}
}
