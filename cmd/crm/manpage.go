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
	fmt.Fprintf(&b, "%s \\- %s\n", name, roffLines(c.Short))
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

// manText writes text as roff paragraphs: blank lines part them; a line
// that starts with "- " or "* " (indented or not) starts a bulleted item,
// filled with the indented lines that follow it; any other run of
// indented lines (an example) is kept as it is.
func manText(b *strings.Builder, text string) {
	const (
		none = iota
		para
		item
		code
	)
	in := none
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		trimmed := strings.TrimSpace(l)
		indented := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")
		bullet := strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "* ")
		switch {
		case trimmed == "":
			if in == code {
				b.WriteString(".EE\n")
			}
			in = none
		case bullet:
			if in == code {
				b.WriteString(".EE\n")
			}
			b.WriteString(".IP \\(bu 2\n")
			b.WriteString(roffText(strings.TrimSpace(trimmed[2:])) + "\n")
			in = item
		case indented && in == item:
			b.WriteString(roffText(trimmed) + "\n") // the item goes on
		case indented:
			if in != code {
				b.WriteString(".PP\n.EX\n")
				in = code
			}
			b.WriteString(roffLine(l) + "\n")
		default:
			if in == code {
				b.WriteString(".EE\n")
			}
			if in != para {
				b.WriteString(".PP\n")
				in = para
			}
			b.WriteString(roffText(l) + "\n")
		}
	}
	if in == code {
		b.WriteString(".EE\n")
	}
}

// roffText is a line of running text: roffLine, with `code` in bold.
func roffText(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an odd number of backticks: left as they are
		return roffLine(s)
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString(`\fB` + roffEscape(p) + `\fP`)
		} else {
			b.WriteString(roffEscape(p))
		}
	}
	return guardRequest(b.String())
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
		b.WriteString(roffLines(usage) + "\n")
	})
}

// roffLine is s escaped, and kept from being read as a request when it
// starts with a dot or an apostrophe.
func roffLine(s string) string { return guardRequest(roffEscape(s)) }

// roffLines is roffLine for each line of s.
func roffLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = roffLine(l)
	}
	return strings.Join(lines, "\n")
}

// guardRequest keeps a line of roff from being read as a request.
func guardRequest(s string) string {
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		return `\&` + s
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
