package report

import (
	"strings"
	"testing"
)

// A syntax error in a layout names the line at fault, as a dossier's
// does: yaml names the line above an unclosed [ and above a key indented
// wrong.
func TestLayoutSyntaxErrorLines(t *testing.T) {
	const file = "templates/reports/monthly.yaml"
	for _, c := range []struct{ text, want string }{
		{"title: x\nsections:\n  - key: a\n    title: [b, c\n  - key: d\n", file + ":4: "},
		{"title: x\nsections:\n  - key: a\n   title: b\n", file + ":4: "},
		{"title: x\n\tsections: []\n", file + ":2: "},
		{"title: [x\nsections: []\n", file + ":1: "},
		{"title: {zh: 月报, en: Monthly}\nsections:\n  - key: a\n    titel: b\n", file + ":4: "}, // not syntax: yaml's line
	} {
		_, err := ParseLayout("monthly", file, []byte(c.text))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v, want it to start with %q", c.text, err, c.want)
		}
	}
}
