package archive

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// The archive travels through git, and two files in its tree tell git
// what to do with the others: .gitattributes (how to convert, diff and
// merge them) and .gitignore (what to leave out). Verify checks that
// neither undoes the archive: ciphertext stays binary (no line-ending
// conversion, no filter, no text merge), journal and member files keep LF,
// and nothing crm writes is ignored (an ignored journal folder would
// silently keep events out of every push).

// gitPattern is one pattern of a .gitignore or .gitattributes line.
type gitPattern struct {
	text    string
	re      *regexp.Regexp
	dirOnly bool
	negate  bool
}

// parseGitPattern reads a pattern as git does (gitignore(5)): a pattern
// with a slash before its end is relative to the root, one without matches
// at any level; a trailing slash matches folders only; * and ? do not
// match a slash, ** matches any number of folders.
func parseGitPattern(p string) (gitPattern, bool) {
	g := gitPattern{text: p}
	if strings.HasPrefix(p, "!") {
		g.negate, p = true, p[1:]
	} else if strings.HasPrefix(p, `\`) {
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") {
		g.dirOnly, p = true, strings.TrimRight(p, "/")
	}
	if p == "" {
		return g, false
	}
	anchored := strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(p[i+1:], ']')
			if j < 0 {
				b.WriteString(regexp.QuoteMeta("["))
				continue
			}
			class := p[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return g, false
	}
	g.re = re
	return g, true
}

func (g gitPattern) match(p string, isDir bool) bool {
	return g.re != nil && (isDir || !g.dirOnly) && g.re.MatchString(p)
}

// gitLines returns the non-blank, non-comment lines of a git file.
func gitLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// attributesOf computes the git attributes of path p from .gitattributes
// lines: the last line that sets an attribute wins. Values: "true" (set),
// "false" (unset), or the value given; an unspecified attribute is absent.
func attributesOf(lines []string, p string) map[string]string {
	attrs := map[string]string{}
	for _, l := range lines {
		f := strings.Fields(l)
		g, ok := parseGitPattern(f[0])
		if !ok || g.negate || !g.match(p, false) {
			continue
		}
		for _, a := range f[1:] {
			switch {
			case a == "binary":
				attrs["diff"], attrs["merge"], attrs["text"] = "false", "false", "false"
			case strings.HasPrefix(a, "-"):
				attrs[a[1:]] = "false"
			case strings.HasPrefix(a, "!"):
				delete(attrs, a[1:])
			default:
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					v = "true"
				}
				attrs[k] = v
			}
		}
	}
	return attrs
}

// gitattributes checks that .gitattributes leaves crm's files as crm
// wrote them.
func (c *checker) gitattributes() {
	b, err := sharedfile.ReadFile(c.abs(".gitattributes"))
	if err != nil {
		return
	}
	lines := gitLines(b)
	age := attributesOf(lines, DossierPath("C-000001"))
	switch {
	case age["text"] != "false":
		c.add(".gitattributes", l10n.N("does not mark %s binary (-text): git may convert line endings inside ciphertext"), "dossiers/*.age")
	case age["eol"] != "" || age["filter"] != "" || age["working-tree-encoding"] != "" || age["ident"] == "true":
		c.add(".gitattributes", l10n.N("gives %s an eol, filter, working-tree-encoding or ident attribute: git would change the ciphertext"), "dossiers/*.age")
	case !slices.Contains([]string{"", "false", "binary", "crm"}, age["merge"]):
		c.add(".gitattributes", l10n.N("merges %s with %q: ciphertext is merged by crm's driver or not at all"), "dossiers/*.age", age["merge"])
	}
	for _, p := range [][2]string{{journal.PathOf(c.a.now, strings.Repeat("0", 64)), journal.Dir + "/…/*.yaml"}, {MembersDir + "/m.yaml", MembersDir + "/*.yaml"}, {PolicyFile, PolicyFile}} {
		at := attributesOf(lines, p[0])
		if at["eol"] == "crlf" || at["filter"] != "" || at["working-tree-encoding"] != "" || at["ident"] == "true" {
			c.add(".gitattributes", l10n.N("gives %s an eol=crlf, filter, working-tree-encoding or ident attribute: git would change its bytes and so its hash or signature"), p[1])
		}
	}
}

// gitignore checks that .gitignore keeps none of crm's files out of git.
func (c *checker) gitignore() {
	b, err := sharedfile.ReadFile(c.abs(".gitignore"))
	if err != nil {
		return
	}
	var pats []gitPattern
	for _, l := range gitLines(b) {
		if g, ok := parseGitPattern(l); ok {
			pats = append(pats, g)
		}
	}
	// ignoredBy returns the pattern that decides that p is ignored, or "".
	ignoredBy := func(p string, isDir bool) string {
		dir := ""
		for _, part := range strings.Split(path.Dir(p), "/") {
			if part == "." {
				break
			}
			dir = path.Join(dir, part)
			if g := lastMatch(pats, dir, true); g != nil && !g.negate {
				return g.text
			}
		}
		if g := lastMatch(pats, p, isDir); g != nil && !g.negate {
			return g.text
		}
		return ""
	}
	samples := []string{PolicyFile, ".gitattributes"}
	for _, m := range c.s.SortedMembers() {
		samples = append(samples, MembersDir+"/"+m.ID+".yaml")
	}
	for _, d := range c.s.SortedDossiers() {
		samples = append(samples, DossierPath(d.ID))
	}
	months := map[string]bool{}
	for _, e := range c.s.Journal.Events {
		if dir := path.Dir(e.Path); !months[dir] {
			months[dir] = true
			samples = append(samples, e.Path)
		}
		if b := e.Bundle(); b != "" && !months[path.Dir(e.Path)+"/"+b] {
			months[path.Dir(e.Path)+"/"+b] = true
			samples = append(samples, path.Dir(e.Path)+"/"+b)
		}
	}
	// Paths crm will write, whether or not they exist yet.
	samples = append(samples, MembersDir+"/m.yaml", DossierPath("C-000001"), journal.PathOf(c.a.now, strings.Repeat("0", 64)), TemplatesDir+"/reports/monthly.yaml", TemplatesDir+"/dossier/standard.yaml")
	reported := map[string]bool{}
	for _, p := range samples {
		if g := ignoredBy(p, false); g != "" && !reported[g] {
			reported[g] = true
			c.add(".gitignore", l10n.N("pattern %q keeps %s out of git: it would never reach the other clones"), g, p)
		}
	}
}

func lastMatch(pats []gitPattern, p string, isDir bool) *gitPattern {
	var last *gitPattern
	for i := range pats {
		if pats[i].match(p, isDir) {
			last = &pats[i]
		}
	}
	return last
}
