package report

import "testing"

// A distribution's label for dossiers without a value is crm's own word
// and is worded in an English report; the same characters as a value a
// person entered in another distribution (an industry 未定) are not
// (helper-99).
func TestCategoryCellWordsOnlyCrmsLabels(t *testing.T) {
	for _, c := range []struct{ key, k, en string }{
		{"credit", noCredit, "not rated"},
		{"tier", noTier, "not set"},
		{"industry", noIndustry, "not filled in"},
		{"region", noIndustry, "not filled in"},
		{"industry", noTier, noTier},
		{"region", noCredit, noCredit},
		{"tier", noIndustry, noIndustry},
		{"level", noTier, noTier},
		{"credit", "A", "A"},
	} {
		v := categoryCell(c.key, c.k)
		if got := v.in(LangEn).String(); got != c.en {
			t.Errorf("categoryCell(%q, %q) in English = %q, want %q", c.key, c.k, got, c.en)
		}
		if got := v.in(LangZh).String(); got != c.k {
			t.Errorf("categoryCell(%q, %q) in Chinese = %q, want it as given", c.key, c.k, got)
		}
		if got := v.Any(); got != c.k {
			t.Errorf("categoryCell(%q, %q) in JSON = %v, want the Chinese", c.key, c.k, got)
		}
	}
}
