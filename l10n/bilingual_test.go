package l10n

import (
	"errors"
	"io/fs"
	"testing"
)

// An error of Errorf is said in either language whatever the process's,
// with what it wraps said in it too, and errors.Is still sees through it.
func TestErrorfSaysBothLanguages(t *testing.T) {
	defer SetLang(Lang())
	for _, lang := range []string{"en", "zh"} {
		SetLang(lang)
		inner := Errorf("%s: %w", Word("changing a dossier's level"), fs.ErrNotExist)
		err := Errorf("superseded by a concurrent step: %s", Errorf("%s: %w", "x", inner))
		if got, want := In(false, err), "superseded by a concurrent step: x: changing a dossier's level: file does not exist"; got != want {
			t.Errorf("%s: in English %q, want %q", lang, got, want)
		}
		if got, want := In(true, err), "已被另一处同时进行的步骤取代：x：更改档案密级：file does not exist"; got != want {
			t.Errorf("%s: in Chinese %q, want %q", lang, got, want)
		}
		if got := In(lang == "zh", err); got != err.Error() {
			t.Errorf("%s: In of the process's language %q, Error %q", lang, got, err.Error())
		}
		if !errors.Is(inner, fs.ErrNotExist) || !errors.Is(Errorf("%s: %w", "y", inner), fs.ErrNotExist) {
			t.Errorf("%s: errors.Is does not see through Errorf's %%w", lang)
		}
	}
}

// A Phrase prints in the process's language and is said in either.
func TestPhrases(t *testing.T) {
	defer SetLang(Lang())
	SetLang("zh")
	p := Textf("raising a dossier to or lowering it from %s", "绝密")
	if got, want := p.String(), Sprintf("raising a dossier to or lowering it from %s", "绝密"); got != want {
		t.Errorf("Textf prints %q, want %q", got, want)
	}
	if got, want := p.Say(false), "raising a dossier to or lowering it from 绝密"; got != want {
		t.Errorf("Textf in English %q, want %q", got, want)
	}
	roles := Said(func(zh bool) string {
		if zh {
			return "经理"
		}
		return "[manager]"
	})
	none := Words{En: "[]", Zh: "无"}
	f := "%s needs one of the roles %v; %s holds %v"
	if got, want := Sayf(false, f, Word("changing a dossier's level"), roles, "li", none), "changing a dossier's level needs one of the roles [manager]; li holds []"; got != want {
		t.Errorf("Sayf in English %q, want %q", got, want)
	}
	if got, want := Sayf(true, f, Word("changing a dossier's level"), roles, "li", none), "更改档案密级需要以下角色之一：经理；li 的角色为无"; got != want {
		t.Errorf("Sayf in Chinese %q, want %q", got, want)
	}
	if got := Sprintf(f, Word("changing a dossier's level"), roles, "li", none); got != Sayf(true, f, Word("changing a dossier's level"), roles, "li", none) {
		t.Errorf("Sprintf of Phrases %q: not as said in the process's language", got)
	}
}
