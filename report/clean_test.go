package report

import "testing"

// A value a dossier kept from before crm refused such characters (a
// name with U+202E, an escape sequence) is printed neutralised in every
// format that cleans: the table, Markdown and XLSX (clean), and CSV
// (cleanCSV), which keeps its line breaks and tabs.
func TestCleanBidiAndControls(t *testing.T) {
	for in, want := range map[string]string{
		"华东\u202e红械机":  "华东\ufffd红械机",
		"a\x1b[31mb":   "a\ufffd[31mb",
		"零\u200b宽":     "零\ufffd宽",
		"两行\n地址\t甲":    "两行\n地址 甲",
		"plain 上海（浦东）": "plain 上海（浦东）",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"华东\u202e红":  "华东\ufffd红",
		"a\x1bb":     "a\ufffdb",
		"两行\r\n\t地址": "两行\r\n\t地址",
	} {
		if got := cleanCSV(in); got != want {
			t.Errorf("cleanCSV(%q) = %q, want %q", in, got, want)
		}
	}
}
