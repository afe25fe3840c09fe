package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/viper"

	"crm/archive"
	"crm/l10n"
)

// A merge the user's roles may not make (a "role" conflict: a gm who
// reads but may not write dossiers) names the roles needed as every
// message names roles: by id in English, by the policy's titles in
// Chinese. The work handed on is answered before the archive is opened:
// the titles then come from crm.yaml in the work tree (worktreePolicy),
// and, when that does not read, the ids stand. Before (helper 128) the
// Chinese message named the ids.
func TestRoleConflictNamesRoleTitles(t *testing.T) {
	defer l10n.SetLang("en")
	dir := t.TempDir()
	raw, err := archive.DefaultPolicyText("测试", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, archive.PolicyFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	envAt := func(dir string) *env {
		v := viper.New()
		v.Set("archive", dir)
		return &env{io: &IO{}, v: v}
	}
	pol := envAt(dir).worktreePolicy()
	if pol == nil {
		t.Fatal("crm.yaml of the work tree not read")
	}
	rec := &mergeRecord{Dossier: "C-000001", Conflict: "role", Conflicts: []string{"clerk", "supervisor", "manager"}, Readers: []string{"li", "su"}}
	for _, c := range []struct {
		lang string
		pol  *archive.Policy
		want string
	}{
		{"zh", pol, "档案 C-000001 在两个克隆中都被修改，合并须具备以下角色之一：客户信息专员、客户信息主管、客户服务部经理；可由 li、su 合并"},
		{"en", pol, "dossier C-000001 was changed in both clones, and merging it needs one of the roles clerk, supervisor, manager: li, su can merge it"},
		// No policy (crm.yaml does not read): the ids.
		{"zh", envAt(t.TempDir()).worktreePolicy(), "合并须具备以下角色之一：clerk、supervisor、manager；"},
	} {
		l10n.SetLang(c.lang)
		if got := conflictLine(rec, c.pol); !strings.Contains(got, c.want) {
			t.Errorf("%s (policy %v): %q, want %q", c.lang, c.pol != nil, got, c.want)
		}
	}
}
