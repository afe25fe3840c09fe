package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// seqIDRE is a dossier, loan, destruction, hand-in or request id of the
// sequential numbering (C-000001, l-1), which an archive made with the
// default id scheme (random: C-0Q7K4M8Z3X) never has.
var seqIDRE = regexp.MustCompile(`\b[CLDSRcldsr]-[0-9]+\b`)

// randomIDRE is a whole random id: a prefix and ten characters of
// Crockford's base 32, as crm writes them.
var randomIDRE = regexp.MustCompile(`^[CLDSR]-[0-9A-HJKMNP-TV-Z]{10}$`)

// The help's examples show ids the default id scheme makes, and short
// forms that it answers to: "crm show 1" or "crm borrow approve L-000001"
// teach what fails in an archive made by a plain crm init.
func TestExampleIDsAreDefaultScheme(t *testing.T) {
	root := newTestRoot("en")
	walk(root, func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#") {
				continue
			}
			for _, id := range seqIDRE.FindAllString(line, -1) {
				t.Errorf("%s: example %q: %s is a sequential id, not one the default scheme makes (like C-0Q7K4M8Z3X)", c.CommandPath(), line, id)
			}
			for _, w := range regexp.MustCompile(`\b[CLDSR]-[0-9A-Za-z]{5,}\b`).FindAllString(line, -1) {
				if len(w) == 12 && !randomIDRE.MatchString(w) {
					t.Errorf("%s: example %q: %s is not a random id crm could make", c.CommandPath(), line, w)
				}
			}
			words := strings.Fields(line)
			if len(words) < 2 || words[0] != "crm" {
				continue
			}
			cmd, rest, err := root.Find(words[1:])
			if err != nil || cmd.ParseFlags(rest) != nil {
				continue // TestExamplesParse says so
			}
			for _, a := range cmd.Flags().Args() {
				if regexp.MustCompile(`^[0-9]+$`).MatchString(a) {
					t.Errorf("%s: example %q: %s is a sequential dossier number, which the default scheme does not answer to", c.CommandPath(), line, a)
				}
			}
		}
	})
}
