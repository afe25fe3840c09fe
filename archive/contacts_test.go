package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
	"crm/templates"
)

func date(t *testing.T, s string) archive.Date {
	t.Helper()
	d, err := archive.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// AddContact splices the record in where the list ends: every other byte
// of the dossier, comments and blank lines included, stays as it was.
func TestAddContactKeepsTheText(t *testing.T) {
	visit := archive.Contact{Date: date(t, "2026-11-22"), Who: "李四", Kind: archive.ContactVisit, Content: "季度拜访\n了解扩产计划", FollowUp: "寄报价"}
	const head = "# 客户信息档案\ncustomer:\n  name: 甲公司 # 全称\n\nowner: 李四\n"
	cases := []struct{ name, in, want string }{
		{"no list yet", head,
			head + "\ncontacts:\n  - date: 2026-11-22\n    who: 李四\n    kind: 拜访\n    content: |-\n      季度拜访\n      了解扩产计划\n    follow_up: 寄报价\n"},
		{"no list, no final newline", "customer:\n  name: 甲\nowner: 李四",
			"customer:\n  name: 甲\nowner: 李四\n\ncontacts:\n  - date: 2026-11-22\n"},
		{"the template's empty list, with a comment", head + "# 联系记录\ncontacts: [] # 拜访等\n#  - date: 示例\nnotes: x\n",
			head + "# 联系记录\ncontacts: # 拜访等\n  - date: 2026-11-22\n"},
		{"an empty value", head + "contacts:\nnotes: x\n", head + "contacts:\n  - date: 2026-11-22\n"},
		{"a list with items, then a comment and a key", head + "contacts:\n  - date: 2026-01-05\n    kind: 回访\n    content: |\n      第一行\n\n      第三行\n    # 条目内的注释\n\n# 分析与备注\nnotes: x\n",
			head + "contacts:\n  - date: 2026-01-05\n    kind: 回访\n    content: |\n      第一行\n\n      第三行\n    # 条目内的注释\n  - date: 2026-11-22\n"},
		{"an indentless list", head + "contacts:\n- date: 2026-01-05\n  kind: 接待\nnotes: x\n", head + "contacts:\n- date: 2026-01-05\n  kind: 接待\n- date: 2026-11-22\n"},
		{"a list at the end", head + "contacts:\n  - date: 2026-01-05\n    kind: 接待", head + "contacts:\n  - date: 2026-01-05\n    kind: 接待\n  - date: 2026-11-22\n"},
	}
	for _, c := range cases {
		out, err := archive.AddContact([]byte(c.in), visit)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !strings.HasPrefix(string(out), c.want) {
			t.Errorf("%s: got\n%s\nwant it to start with\n%s", c.name, out, c.want)
		}
		// Whatever followed the list is still there, unchanged.
		if i := strings.Index(c.in, "\nnotes: x\n"); i >= 0 && !strings.HasSuffix(string(out), c.in[i:]) {
			t.Errorf("%s: the rest of the text changed:\n%s", c.name, out)
		}
		fields, err := archive.ChangedFields([]byte(c.in), out)
		if err != nil || len(fields) != 1 || fields[0] != "contacts" {
			t.Errorf("%s: changed %v (%v), want only contacts", c.name, fields, err)
		}
	}
}

func TestAddContactCRLFAndFlow(t *testing.T) {
	visit := archive.Contact{Date: date(t, "2026-11-22"), Kind: archive.ContactFollowUp, Content: "电话回访"}
	crlf := "customer:\r\n  name: 甲\r\nowner: 李四\r\ncontacts:\r\n  - date: 2026-01-05\r\n    kind: 接待\r\nnotes: x\r\n"
	out, err := archive.AddContact([]byte(crlf), visit)
	if err != nil {
		t.Fatal(err)
	}
	if want := "    kind: 接待\r\n  - date: 2026-11-22\r\n    kind: 回访\r\n    content: 电话回访\r\nnotes: x\r\n"; !strings.HasSuffix(string(out), want) {
		t.Errorf("CRLF: got %q", out)
	}
	// A flow list with items is rewritten through the node tree.
	flow := "customer:\n  name: 甲\nowner: 李四 # 负责人\ncontacts: [{date: 2026-01-05, kind: 接待}]\n"
	out, err = archive.AddContact([]byte(flow), visit)
	if err != nil {
		t.Fatal(err)
	}
	d, err := archive.ParseDossier(out)
	if err != nil || len(d.Contacts) != 2 || d.Contacts[1].Content != "电话回访" || !strings.Contains(string(out), "# 负责人") {
		t.Errorf("flow list: %v\n%s", err, out)
	}
}

// A complaint gets its retention date written out; a bad record is refused
// with the field named.
func TestAddContactComplaintAndErrors(t *testing.T) {
	text := []byte("customer:\n  name: 甲\nowner: 李四\n")
	out, err := archive.AddContact(text, archive.Contact{Date: date(t, "2026-11-22"), Kind: archive.ContactComplaint, Content: "交货延迟"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "    keep_until: 2028-11-22\n") {
		t.Errorf("complaint without its retention date:\n%s", out)
	}
	for _, c := range []struct {
		c    archive.Contact
		want string
	}{
		{archive.Contact{Date: date(t, "2026-11-22"), Kind: "电话"}, `contacts[0].kind: "电话" is not one of 拜访 / 回访 / 接待 / 投诉`},
		{archive.Contact{Kind: archive.ContactVisit}, "contacts[0].date: is required"},
		{archive.Contact{Date: date(t, "2026-11-22"), Kind: archive.ContactComplaint, KeepUntil: date(t, "2026-01-01")}, "contacts[0].keep_until: is before the record's date"},
	} {
		if _, err := archive.AddContact(text, c.c); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AddContact(%+v) = %v, want %q", c.c, err, c.want)
		}
	}
	if _, err := archive.AddContact([]byte("customer:\n  name: 甲\nowner: 李四\ncontacts: 见附件\n"), archive.Contact{Date: date(t, "2026-11-22"), Kind: archive.ContactVisit}); err == nil {
		t.Error("a dossier whose contacts: is not a list was accepted")
	}
}

// On the built-in templates the record lands in place of the empty list,
// and the rest of the template is untouched.
func TestAddContactOnTemplates(t *testing.T) {
	for _, name := range []string{"standard", "individual"} {
		b, err := templates.FS.ReadFile("dossier/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "\n  name: \"\"", "\n  name: 模板客户", 1)
		s = strings.Replace(s, "\nowner: \"\"", "\nowner: 李四", 1)
		out, err := archive.AddContact([]byte(s), archive.Contact{Date: date(t, "2026-11-22"), Kind: archive.ContactReception, Content: "来访"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := strings.Replace(s, "\ncontacts: []\n", "\ncontacts:\n  - date: 2026-11-22\n    kind: 接待\n    content: 来访\n", 1)
		if string(out) != want {
			t.Errorf("%s: got\n%s", name, out)
		}
	}
}

// The editor of `crm contact add` holds one record; ParseContact reads it
// with the same checks, naming line and field.
func TestParseContact(t *testing.T) {
	c, err := archive.ParseContact([]byte("# 联系记录\ndate: 2026-11-22\nwho: \"李四\"\nkind: 接待\ncontent: |\n  来访\n  参观工厂\nfollow_up: \"\"\n"))
	if err != nil || c.Kind != archive.ContactReception || c.Content != "来访\n参观工厂\n" || c.Date.Format("2006-01-02") != "2026-11-22" {
		t.Errorf("ParseContact = %+v, %v", c, err)
	}
	for _, bad := range []struct{ in, want string }{
		{"date: 2026-11-22\nkind: 聊天\n", `line 2: kind: "聊天" is not one of`},
		{"kind: 拜访\n", "date: is required"},
		{"date: 2026-11-22\nkind: 拜访\nmood: good\n", `line 3: mood: unknown field "mood"`},
		{"date: 2026-02-30\nkind: 拜访\n", `line 1: date: "2026-02-30" is not a date`},
		{"- a\n", "a contact record is a mapping"},
		{"date: [\n", "line 1: did not find expected node content"},
	} {
		if _, err := archive.ParseContact([]byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseContact(%q) = %v, want %q", bad.in, err, bad.want)
		}
	}
}
