package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

const mergeBase = `# 客户档案
customer:
  name: 测试公司 # 全称
  industry: 制造业
  telephone: "010-1234"
owner: 李四
contacts:
  - who: 甲
    date: 2026-11-20
    kind: 拜访
`

func TestMergeTextDifferentFields(t *testing.T) {
	ours := strings.Replace(mergeBase, "制造业", "零售业", 1)
	ours = strings.Replace(ours, "    kind: 拜访\n", "    kind: 拜访\n  - who: 乙\n", 1)
	theirs := strings.Replace(mergeBase, "李四", "王五", 1)
	theirs = strings.Replace(theirs, "    kind: 拜访\n", "    kind: 拜访\n  - who: 丙\n", 1)
	got, conflicts, err := archive.MergeText([]byte(mergeBase), []byte(ours), []byte(theirs), false)
	if err != nil || len(conflicts) > 0 {
		t.Fatalf("%v %v", conflicts, err)
	}
	for _, want := range []string{"# 客户档案", "name: 测试公司 # 全称", "industry: 零售业", "owner: 王五", `telephone: "010-1234"`, "- who: 乙\n  - who: 丙"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("merged text lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(string(got), "customer:") > strings.Index(string(got), "owner:") {
		t.Errorf("key order changed:\n%s", got)
	}
}

func TestMergeTextConflict(t *testing.T) {
	ours := strings.Replace(mergeBase, "制造业", "零售业", 1)
	theirs := strings.Replace(mergeBase, "制造业", "服务业", 1)
	if got, conflicts, err := archive.MergeText([]byte(mergeBase), []byte(ours), []byte(theirs), false); err != nil || got != nil || len(conflicts) != 1 || conflicts[0] != "customer.industry" {
		t.Fatalf("%q %v %v", got, conflicts, err)
	}
	got, conflicts, err := archive.MergeText([]byte(mergeBase), []byte(ours), []byte(theirs), true)
	if err != nil || len(conflicts) != 1 {
		t.Fatal(conflicts, err)
	}
	for _, want := range []string{archive.ConflictMarker, `theirs: "服务业"`, `base: "制造业"`, "industry: 零售业"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("marked text lacks %q:\n%s", want, got)
		}
	}
	if _, err := archive.ParseDossier(got); err != nil {
		t.Fatalf("marked text does not parse: %v", err)
	}
}

// Where the two sides changed different lines, the merge keeps the layout
// yaml.v3 would lose: blank lines and quoting.
func TestMergeTextKeepsLayout(t *testing.T) {
	base := "customer:\n  name: '测试公司'\n\n  industry: 制造业\n\n\nowner: 李四\nnotes: \"\"\n"
	ours := strings.Replace(base, "制造业", "零售业", 1)
	theirs := strings.Replace(base, `notes: ""`, `notes: "新"`, 1)
	got, c, err := archive.MergeText([]byte(base), []byte(ours), []byte(theirs), false)
	want := strings.Replace(ours, `notes: ""`, `notes: "新"`, 1)
	if err != nil || len(c) > 0 || string(got) != want {
		t.Fatalf("got %q, want %q (%v %v)", got, want, c, err)
	}
}
