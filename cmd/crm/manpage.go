package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manHeader is what the .TH line of every page says besides its title.
type manHeader struct {
	Section string
	Date    time.Time
	Source  string // the package and version, "crm v1.2.3"
	Manual  string // the manual's name
}

// writeManTree writes a roff man page for c and each available command
// below it into dir, named by the command's path with dashes
// (crm-borrow-approve.1).
//
// crm writes its pages itself rather than through cobra/doc: that package
// converts markdown to roff with go-md2man and blackfriday, whose
// initialisation (1.2–1.9 ms, a map of HTML entities) every command paid at
// start, `show` included, for a command packagers run once.
func writeManTree(c *cobra.Command, h manHeader, dir string) error {
	for _, s := range c.Commands() {
		if !s.IsAvailableCommand() || s.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := writeManTree(s, h, dir); err != nil {
			return err
		}
	}
	name := strings.ReplaceAll(c.CommandPath(), " ", "-")
	return os.WriteFile(filepath.Join(dir, name+"."+h.Section), manPage(c, h), 0o644)
}

// manPage is c's man page. Command names (crm-borrow-approve) are
// written as they are, so that whatis and a search for "name(1)" find
// them.
func manPage(c *cobra.Command, h manHeader) []byte {
	var b strings.Builder
	name := strings.ReplaceAll(c.CommandPath(), " ", "-")
	fmt.Fprintf(&b, ".TH %s %s %s %s %s\n", roffQuote(strings.ToUpper(name)), roffQuote(h.Section),
		roffQuote(h.Date.Format("Jan 2006")), roffQuote(h.Source), roffQuote(h.Manual))
	b.WriteString(".nh\n.ad l\n")
	b.WriteString(".SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n", name, roffEscape(c.Short))
	b.WriteString(".SH SYNOPSIS\n")
	fmt.Fprintf(&b, "\\fB%s\\fP\n", roffEscape(c.UseLine()))
	b.WriteString(".SH DESCRIPTION\n")
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	manText(&b, desc)
	manFlags(&b, "OPTIONS", c.NonInheritedFlags())
	manFlags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", c.InheritedFlags())
	if c.Example != "" {
		b.WriteString(".SH EXAMPLE\n.EX\n")
		for _, l := range strings.Split(strings.TrimRight(c.Example, "\n"), "\n") {
			b.WriteString(roffLine(l) + "\n")
		}
		b.WriteString(".EE\n")
	}
	var also []string
	if p := c.Parent(); p != nil {
		also = append(also, strings.ReplaceAll(p.CommandPath(), " ", "-"))
	}
	subs := slices.Clone(c.Commands())
	slices.SortFunc(subs, func(x, y *cobra.Command) int { return strings.Compare(x.Name(), y.Name()) })
	for _, s := range subs {
		if s.IsAvailableCommand() && !s.IsAdditionalHelpTopicCommand() {
			also = append(also, name+"-"+s.Name())
		}
	}
	if len(also) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		for i, a := range also {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "\\fB%s(%s)\\fP", a, h.Section)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// manText writes text as roff paragraphs: blank lines part them, and a
// run of indented lines (an example) is kept as it is.
func manText(b *strings.Builder, text string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	inPara, inCode := false, false
	for _, l := range lines {
		indented := strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "\t")
		switch {
		case strings.TrimSpace(l) == "":
			if inCode {
				b.WriteString(".EE\n")
				inCode = false
			}
			inPara = false
		case indented:
			if !inCode {
				b.WriteString(".PP\n.EX\n")
				inCode, inPara = true, false
			}
			b.WriteString(roffLine(l) + "\n")
		default:
			if inCode {
				b.WriteString(".EE\n")
				inCode = false
			}
			if !inPara {
				b.WriteString(".PP\n")
				inPara = true
			}
			b.WriteString(roffLine(l) + "\n")
		}
	}
	if inCode {
		b.WriteString(".EE\n")
	}
}

// manFlags writes the flags of fs that are not hidden under the heading.
func manFlags(b *strings.Builder, heading string, fs *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", heading)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		b.WriteString(".TP\n")
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			fmt.Fprintf(b, "\\fB\\-%s\\fP, ", roffEscape(f.Shorthand))
		}
		fmt.Fprintf(b, "\\fB\\-\\-%s\\fP", roffEscape(f.Name))
		varname, usage := pflag.UnquoteUsage(f)
		if varname != "" {
			fmt.Fprintf(b, " \\fI%s\\fP", roffEscape(varname))
		}
		b.WriteString("\n")
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" && d != "0s" {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		b.WriteString(roffLine(usage) + "\n")
	})
}

// roffLine is s escaped, and kept from being read as a request when it
// starts with a dot or an apostrophe.
func roffLine(s string) string {
	s = roffEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffEscape escapes what roff reads in running text: backslashes, and
// hyphens (a minus in options and paths, not a hyphen to break at).
func roffEscape(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// roffQuote is s as a quoted argument of a request.
func roffQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\e`, `"`, `\(dq`).Replace(s) + `"`
}
