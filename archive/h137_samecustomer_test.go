package archive_test

import (
	"fmt"
	"testing"

	"crm/archive"
)

// One dossier per customer (R5) is checked against every dossier the key
// reads, though the state of a command that creates a dossier (crm new)
// or is about one (crm edit) holds some dossiers' parts only; the step
// after the check still works on such a state, and the archive is then
// what a replay says.
func TestSameCustomerOnAPartialState(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 12 {
		ids = append(ids, f.createAs("li", fmt.Sprintf("customer:\n  name: 客户%d\nowner: 李四\n", i), "秘密"))
	}
	f.settle()
	f.reader("li", f.clock) // saves the snapshot
	for _, open := range []struct {
		name string
		a    func() *archive.Archive
	}{
		{"create", func() *archive.Archive { return f.creator("li") }},
		{"about one", func() *archive.Archive { return f.openAbout("li", ids[0], true) }},
	} {
		t.Run(open.name, func(t *testing.T) {
			f.t = t
			a := open.a()
			if !a.Partial() {
				t.Fatal("the state is not partial: the test tests nothing")
			}
			for i, id := range ids {
				dd := &archive.Dossier{Customer: archive.Customer{Name: fmt.Sprintf("客户 %d", i)}}
				got, unread, err := a.SameCustomer(ctx, dd, "")
				if err != nil || got != id || unread != 0 {
					t.Fatalf("客户%d: got %q, %d unread, %v; want %s", i, got, unread, err, id)
				}
			}
			id := ids[0]
			if open.name == "create" {
				var err error
				if id, err = a.Create([]byte("customer:\n  name: 新客户\nowner: 李四\n"), "秘密"); err != nil {
					t.Fatal(err)
				}
			} else {
				o, err := a.Read(id)
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := a.Update(id, o.SHA256, o.Text, append(o.Text, "notes: 改\n"...)); err != nil {
					t.Fatal(err)
				}
			}
			// The step worked on its own parts, as without the check.
			if !a.Partial() || a.State.Dossiers[id] == nil {
				t.Fatalf("after the step: partial %v, %s in the state %v", a.Partial(), id, a.State.Dossiers[id] != nil)
			}
			cold := f.cold("li")
			if d := cold.State.Dossiers[id]; d == nil || d.SHA256 != a.State.Dossiers[id].SHA256 || len(cold.State.Problems) != 0 {
				t.Fatalf("a replay: %s %v, problems %v", id, d, cold.State.Problems)
			}
			f.verifyClean()
			f.settle()
			f.reader("li", f.clock) // the next subtest's snapshot
		})
	}
}

// Holder: the first dossier by id but the one excepted; people (个人) are
// never compared; SameCustomer of a person lists nothing.
func TestSameCustomerHolder(t *testing.T) {
	f := newFixture(t)
	a1 := f.createAs("li", "customer:\n  name: 华东机械（上海）\nowner: 李四\n", "秘密")
	a2 := f.createAs("li", "customer:\n  name: 华东机械(上海)\nowner: 李四\n", "秘密")
	top := f.createAs("zhang", "customer:\n  name: 绝密客户\nowner: 李四\n", "绝密")
	a := f.as("li")
	cs, err := a.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		individual bool
		except     string
		want       string
	}{
		{"华东机械 ( 上海 )", false, "", a1},
		{"华东机械(上海)", false, a1, a2},
		{"华东机械(上海)", false, a2, a1},
		{"华东机械(上海)", true, "", ""},
		{"绝密客户", false, "", ""}, // not readable: counted in Unread
		{"西北重工", false, "", ""},
	} {
		if got := cs.Holder(c.name, c.individual, c.except); got != c.want {
			t.Errorf("Holder(%q, %v, %q) = %q, want %q", c.name, c.individual, c.except, got, c.want)
		}
	}
	if cs.Unread != 1 {
		t.Errorf("Unread = %d, want 1 (%s)", cs.Unread, top)
	}
	person := &archive.Dossier{Customer: archive.Customer{Name: "华东机械(上海)", Kind: "个人"}}
	if id, unread, err := a.SameCustomer(ctx, person, ""); id != "" || unread != 0 || err != nil {
		t.Errorf("a person: %q, %d unread, %v; want nothing compared", id, unread, err)
	}
}

// OtherCustomer: an edit is checked only when it changes whose dossier it
// is as far as the rule goes.
func TestOtherCustomer(t *testing.T) {
	org := func(name string) *archive.Dossier {
		return &archive.Dossier{Customer: archive.Customer{Name: name, Kind: "机构"}}
	}
	person := func(name string) *archive.Dossier {
		return &archive.Dossier{Customer: archive.Customer{Name: name, Kind: "个人"}}
	}
	for _, c := range []struct {
		name    string
		old, dd *archive.Dossier
		want    bool
	}{
		{"same name", org("南方贸易"), org("南方贸易"), false},
		{"same name, other brackets and spaces", org("华东（上海）"), org("华东 (上海)"), false},
		{"renamed", org("南方贸易"), org("北方贸易"), true},
		{"a person renamed", person("张伟"), person("张三"), false},
		{"a person's made an organisation's", person("张伟"), org("张伟"), true},
		{"an organisation's made a person's", org("张伟"), person("张伟"), false},
		{"no old text", nil, org("张伟"), true},
	} {
		if got := archive.OtherCustomer(c.old, c.dd); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
