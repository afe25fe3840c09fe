package main

import (
	"testing"

	"github.com/clipperhouse/displaywidth"

	"crm/archive"
	"crm/l10n"
)

// TestEveryKindHasAChineseTerm: `crm log` and `crm maintain` name each
// event by archive.KindText, and so do the refusals made in archive/; in
// Chinese a kind without a term showed its English id (dossier.merge,
// review.signoff, loan.cancel… in a Chinese log; dossier.hold（li）被拒绝
// in verify). The terms are the registry's (KindSpec.Term), the one table
// of them. The log's kind column is as wide as the widest kind
// (kindColumn); the Chinese terms are kept within 16 columns, so that a
// new term does not widen it.
func TestEveryKindHasAChineseTerm(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	l10n.SetLang("zh")
	for _, s := range archive.Kinds() {
		if s.Term == "" {
			t.Errorf("kind %s has no Chinese term (KindSpec.Term in archive/kinds.go)", s.Kind)
			continue
		}
		if got := archive.KindText(s.Kind); got != s.Term {
			t.Errorf("KindText(%s) in Chinese = %q, want its term %q", s.Kind, got, s.Term)
		}
		if w := displaywidth.String(s.Term); w > 16 {
			t.Errorf("kind %s: term %q is %d columns wide, more than 16", s.Kind, s.Term, w)
		}
	}
	l10n.SetLang("en")
	for _, s := range archive.Kinds() {
		if got := archive.KindText(s.Kind); got != string(s.Kind) {
			t.Errorf("KindText(%s) in English = %q, want the kind itself", s.Kind, got)
		}
	}
}
