package main

import (
	"testing"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// Every command shows how it is used: an Example section (examples.go, or
// the command's own).
func TestEveryCommandHasExamples(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		root := newTestRoot(lang)
		walk(root, func(c *cobra.Command) {
			if c.Hidden && c.Name() != "textconv" {
				return
			}
			if c.Example == "" {
				t.Errorf("%s (%s): no Example: add one to examples.go", c.CommandPath(), lang)
			}
		})
	}
}

// newTestRoot is the command tree as built for a run in lang.
func newTestRoot(lang string) *cobra.Command {
	l10n.SetLang(lang)
	defer l10n.SetLang("en")
	return newRoot(&env{io: &IO{}, getenv: func(string) string { return "" }})
}
