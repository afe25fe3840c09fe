package main

import (
	"strings"
	"testing"

	"crm/archive"
	"crm/l10n"
)

// TestDeniedSaysNoneAsASentenceDoes: a refusal for want of a role says
// "none" as every Chinese sentence does, 无 (l10n.NoneWord), whoever words
// it. The command line used to word it again with its own list of roles,
// which said （无） where the archive's own message said 无 (helper 131).
func TestDeniedSaysNoneAsASentenceDoes(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	l10n.SetLang("zh")
	raw, err := archive.DefaultPolicyText("测试", "")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := archive.ParsePolicy(raw)
	if err != nil {
		t.Fatal(err)
	}
	e := &archive.Error{Code: archive.Denied, Step: l10n.Words{En: "a legal hold", Zh: "冻结档案"}, Actor: "li"}
	got := present(e, pol)
	if want := "冻结档案需要以下角色之一：无；li 的角色为无"; !strings.Contains(got, want) {
		t.Errorf("present(%#v) in Chinese = %q, want it to say %q", e, got, want)
	}
	if strings.Contains(got, "（无）") {
		t.Errorf("present in Chinese = %q: （无） in a sentence", got)
	}
	if got != e.Error() {
		t.Errorf("present = %q, the archive's message %q: one wording, not two", got, e.Error())
	}
}
