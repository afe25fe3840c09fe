package archive_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

func TestRemoveContactsKeepsTheRest(t *testing.T) {
	text := `# 客户档案
customer:
  name: 测试公司 # 名称
owner: 李四
contacts:
  - date: 2024-01-10
    kind: 投诉
    content: 发货延迟
  # 二〇二五年
  - date: 2025-03-01
    kind: 拜访
  - date: 2024-02-01
    kind: 投诉
    content: |
      多行
      内容
notes: 末尾 # 保留
`
	out, removed, err := archive.RemoveContacts([]byte(text), func(c archive.Contact) bool { return c.Kind == archive.ContactComplaint })
	if err != nil {
		t.Fatal(err)
	}
	want := `# 客户档案
customer:
  name: 测试公司 # 名称
owner: 李四
contacts:
  - date: 2025-03-01
    kind: 拜访
notes: 末尾 # 保留
`
	if string(out) != want || len(removed) != 2 || removed[1].Content != "多行\n内容\n" {
		t.Fatalf("got %d removed:\n%s", len(removed), out)
	}
	// Nothing to remove: the same text.
	out, removed, err = archive.RemoveContacts([]byte(text), func(archive.Contact) bool { return false })
	if err != nil || string(out) != text || removed != nil {
		t.Fatalf("nothing removed: %v %v", removed, err)
	}
	// A flow list is rewritten through the node tree.
	flow := "customer: {name: x}\nowner: y\ncontacts: [{date: 2024-01-10, kind: 投诉}, {date: 2025-01-10, kind: 拜访}]\n"
	out, removed, err = archive.RemoveContacts([]byte(flow), func(c archive.Contact) bool { return c.Kind == archive.ContactComplaint })
	if err != nil || len(removed) != 1 {
		t.Fatal(removed, err)
	}
	d, err := archive.ParseDossier(out)
	if err != nil || len(d.Contacts) != 1 || d.Contacts[0].Kind != archive.ContactVisit {
		t.Fatalf("flow: %v\n%s", err, out)
	}
}

// Visits follow the tier's cadence from the last 拜访 (or the creation);
// complaints past retention show in maintain and are removed as a normal
// update.
func TestVisitsAndComplaintsInMaintain(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	key := f.createAs("li", "customer:\n  name: 重点\nowner: 李四\ntier: 重点\ncontacts:\n  - {date: 2026-11-01, kind: 拜访}\n  - {date: 2024-11-01, kind: 投诉, content: 旧}\n  - {date: 2026-01-05, kind: 投诉}\n", "")
	plain := f.createAs("li", "customer:\n  name: 普通\nowner: 李四\ntier: 普通\n", "")
	f.createAs("li", "customer:\n  name: 潜在\nowner: 李四\ntier: 潜在\n", "")
	hidden := f.create("绝密")
	rep, err := f.as("li").Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	f.sameMaintainFromDigests("li", rep)
	// 22 November: the key customer was visited on 1 November (due 1
	// December); the ordinary one is due three months after creation.
	if len(rep.Visits) != 0 || rep.Unchecked != 1 {
		t.Fatalf("visits %+v, unchecked %d (%s)", rep.Visits, rep.Unchecked, hidden)
	}
	if len(rep.Complaints) != 1 || rep.Complaints[0].ID != key || strings.Join(rep.Complaints[0].KeptUntil, ",") != "2026-11-01" {
		t.Fatalf("complaints %+v", rep.Complaints)
	}
	f.now = time.Date(2026, 12, 2, 9, 0, 0, 0, f.now.Location())
	rep, _ = f.as("zhang").Maintain(ctx, classify.Period{Days: 14})
	f.sameMaintainFromDigests("zhang", rep)
	if len(rep.Visits) != 1 || rep.Visits[0].ID != key || rep.Visits[0].Due != "2026-12-01" || rep.Visits[0].LastVisit != "2026-11-01" || rep.Unchecked != 0 {
		t.Fatalf("visits %+v", rep.Visits)
	}
	f.now = time.Date(2027, 2, 23, 9, 0, 0, 0, f.now.Location())
	rep, _ = f.as("li").Maintain(ctx, classify.Period{Days: 14})
	f.sameMaintainFromDigests("li", rep)
	var ids []string
	for _, v := range rep.Visits {
		ids = append(ids, v.ID+"@"+v.Due)
	}
	if strings.Join(ids, " ") != key+"@2026-12-01 "+plain+"@2027-02-22" || !rep.NeedsPerson() {
		t.Fatalf("visits %v", ids)
	}
	removed, err := f.as("li").RemoveExpiredComplaints(key)
	if err != nil || len(removed) != 1 || removed[0].Content != "旧" {
		t.Fatalf("removed %+v: %v", removed, err)
	}
	a := f.as("li")
	if u := a.State.Dossiers[key].Updates; len(u) != 1 || strings.Join(u[0].Fields, ",") != "contacts" || u[0].By != "li" {
		t.Fatalf("updates %+v", u)
	}
	if removed, err := a.RemoveExpiredComplaints(key); err != nil || removed != nil {
		t.Fatalf("second removal: %v %v", removed, err)
	}
	f.verifyClean()
}

// sameMaintainFromDigests fails unless maintain as member id, with the
// plaintext cache and the digests kept there, reports what want (made
// without any cache) does: once making the digests, once reading them
// without reading any dossier file.
func (f *fixture) sameMaintainFromDigests(id string, want *archive.MaintainReport) {
	f.t.Helper()
	// The run before bundled the months it found closed: these find
	// nothing more to bundle.
	cut := *want
	cut.Bundled = nil
	w, _ := json.Marshal(&cut)
	for run := range 2 {
		a := f.as(id)
		a.EnableCache(f.cache)
		rep, _ := a.Maintain(ctx, classify.Period{Days: 14})
		if len(rep.Bundled) > 0 {
			f.t.Fatalf("run %d bundled %+v again", run, rep.Bundled)
		}
		if err := a.SaveCache(); err != nil {
			f.t.Fatal(err)
		}
		if g, _ := json.Marshal(rep); string(g) != string(w) {
			f.t.Fatalf("run %d from the digests:\n got %s\nwant %s", run, g, w)
		}
		if run == 1 && a.ListFilesRead() != 0 {
			f.t.Fatalf("the second run read %d dossier files", a.ListFilesRead())
		}
	}
}
