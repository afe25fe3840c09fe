package main

import (
	"strings"
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

// Every example runs a command that exists, with flags it has: examples
// that drifted from the commands would teach users errors.
func TestExamplesParse(t *testing.T) {
	root := newTestRoot("en")
	walk(root, func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			for _, part := range strings.Split(line, "&&") {
				part, _, _ = strings.Cut(part, "|")
				part, _, _ = strings.Cut(part, ">")
				words := strings.Fields(part)
				if len(words) == 0 || words[0] != "crm" {
					continue
				}
				cmd, rest, err := root.Find(words[1:])
				if err != nil || cmd == root && len(words) > 1 && !strings.HasPrefix(words[1], "-") {
					t.Errorf("%s: example %q: no such command", c.CommandPath(), part)
					continue
				}
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("%s: example %q: %v", c.CommandPath(), part, err)
				}
			}
		}
	})
}
