package main

import (
	"testing"

	"github.com/clipperhouse/displaywidth"

	"crm/archive"
)

// TestEveryKindHasAChineseTerm: `crm log` and `crm maintain` name each
// event by kindText; in Chinese a kind without a term showed its English id
// (dossier.merge, review.signoff, loan.cancel… in a Chinese log). The log's
// kind column is as wide as the widest kind (kindColumn); the Chinese terms
// are kept within 16 columns, so that a new term does not widen it.
func TestEveryKindHasAChineseTerm(t *testing.T) {
	for _, s := range archive.Kinds() {
		term, ok := kindTerms[s.Kind]
		if !ok {
			t.Errorf("kind %s has no Chinese term in kindTerms", s.Kind)
			continue
		}
		if w := displaywidth.String(term); w > 16 {
			t.Errorf("kind %s: term %q is %d columns wide, more than 16", s.Kind, term, w)
		}
	}
	for k := range kindTerms {
		if archive.SpecOf(k) == nil {
			t.Errorf("kindTerms names %s, which is not a registered kind", k)
		}
	}
}
