package l10n

import "testing"

// A Chinese Windows sets no LANG: its display language (zh-CN) picks
// Chinese. A locale variable, when set, still wins, and elsewhere no
// variable means English.
func TestDetectFallsBackToSystemLanguage(t *testing.T) {
	defer func(f func() string) { systemLang = f }(systemLang)
	none := func(string) string { return "" }
	systemLang = func() string { return "zh-CN" }
	if got := Detect(none); got != "zh" {
		t.Errorf("no locale variable, display language zh-CN: %q, want zh", got)
	}
	lang := func(k string) string {
		if k == "LANG" {
			return "en_US.UTF-8"
		}
		return ""
	}
	if got := Detect(lang); got != "en" {
		t.Errorf("LANG=en_US.UTF-8, display language zh-CN: %q, want en", got)
	}
	systemLang = func() string { return "" }
	if got := Detect(none); got != "en" {
		t.Errorf("no locale variable, no display language: %q, want en", got)
	}
}
