package report

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/l10n"
	"crm/templates"
)

// Text is a piece of text in the two languages crm speaks.
type Text struct {
	Zh string `yaml:"zh" json:"zh"`
	En string `yaml:"en" json:"en"`
}

// In returns the text in lang ("zh" or "en"), falling back to the other
// language when that one is empty.
func (t Text) In(lang string) string {
	if lang == LangEn {
		if t.En != "" {
			return t.En
		}
		return t.Zh
	}
	if t.Zh != "" {
		return t.Zh
	}
	return t.En
}

// IsZero reports whether t has no text in either language.
func (t Text) IsZero() bool { return t.Zh == "" && t.En == "" }

// Kind is the kind of a column's values. It decides how a value is checked by
// Build and how each format writes it.
type Kind string

// The column kinds a layout may use.
const (
	KindText    Kind = "text"    // any text; written as text everywhere (phone numbers stay text)
	KindInt     Kind = "int"     // a whole number (a count)
	KindNumber  Kind = "number"  // a decimal number (an amount); two decimals in text formats
	KindDate    Kind = "date"    // a calendar date, YYYY-MM-DD
	KindPercent Kind = "percent" // a fraction (0.125), shown as a percentage (12.5%)
)

var kinds = []Kind{KindText, KindInt, KindNumber, KindDate, KindPercent}

func (k Kind) valid() bool {
	for _, v := range kinds {
		if k == v {
			return true
		}
	}
	return false
}

// numeric reports whether values of kind k are numbers (right-aligned).
func (k Kind) numeric() bool { return k == KindInt || k == KindNumber || k == KindPercent }

// UnmarshalYAML rejects unknown kinds with the line they are on.
func (k *Kind) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, l10n.Sprintf("column kind must be one of %s", kindList()))}}
	}
	s = n.Value
	if !Kind(s).valid() {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, l10n.Sprintf("unknown column kind %q: use one of %s", s, kindList()))}}
	}
	*k = Kind(s)
	return nil
}

// kindList lists the column kinds for a message (l10n.List).
func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return l10n.List(s)
}

// Column is one column of a section: its key (English snake_case, the key of
// the values in a Row and in the JSON output), its titles and its kind.
type Column struct {
	Key  string `yaml:"key"`
	Zh   string `yaml:"zh"`
	En   string `yaml:"en"`
	Kind Kind   `yaml:"kind"`
}

// Title returns the column's title in lang.
func (c Column) Title(lang string) string { return Text{Zh: c.Zh, En: c.En}.In(lang) }

// SectionLayout is one section of a layout.
type SectionLayout struct {
	Key     string   `yaml:"key"`
	Title   Text     `yaml:"title"`
	Note    Text     `yaml:"note"`
	Columns []Column `yaml:"columns"`
}

// Layout is a report layout: templates/reports/<name>.yaml.
type Layout struct {
	Name     string          `yaml:"-"` // the report's name, e.g. "monthly"
	Source   string          `yaml:"-"` // where it was read from: "templates/reports/<name>.yaml" or "built-in templates/reports/<name>.yaml"
	Title    Text            `yaml:"title"`
	Sections []SectionLayout `yaml:"sections"`
	// Notes are texts the data-gathering code may add to a report, by key,
	// with {placeholders} filled in by Note.
	Notes map[string]Text `yaml:"notes"`
}

// Section returns the section with the given key, or nil.
func (l *Layout) Section(key string) *SectionLayout {
	for i := range l.Sections {
		if l.Sections[i].Key == key {
			return &l.Sections[i]
		}
	}
	return nil
}

// Note returns the layout's note key with every {name} replaced by vars[name].
func (l *Layout) Note(key string, vars map[string]string) (Text, error) {
	t, ok := l.Notes[key]
	if !ok {
		return Text{}, l10n.Errorf("%s: no note %q under notes:; add it to the layout", l.Source, key)
	}
	if len(vars) > 0 {
		pairs := make([]string, 0, 2*len(vars))
		for k, v := range vars {
			pairs = append(pairs, "{"+k+"}", v)
		}
		r := strings.NewReplacer(pairs...)
		t = Text{Zh: r.Replace(t.Zh), En: r.Replace(t.En)}
	}
	return t, nil
}

// LayoutDir is where layouts live, in the built-in templates and in an archive.
const LayoutDir = "templates/reports"

// The regular expressions of this package are compiled on first use, not
// as every crm process starts (`crm show` and `crm textconv` pay that per
// call).
var (
	nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_-]*$`) })
	keyRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]*$`) })
)

// LoadLayout reads the layout of report name. override is the archive's root
// directory (e.g. os.DirFS(archiveDir)) and may be nil: a file
// templates/reports/<name>.yaml in it wins over the built-in layout. A broken
// file gives an error that names it and the line.
func LoadLayout(name string, override fs.FS) (*Layout, error) {
	if !nameRE().MatchString(name) {
		return nil, l10n.Errorf("report name %q: use lower-case letters, digits, - and _ (e.g. %s)", name, l10n.List(LayoutNames()))
	}
	file := LayoutDir + "/" + name + ".yaml"
	if override != nil {
		data, err := fs.ReadFile(override, file)
		switch {
		case err == nil:
			l, err := ParseLayout(name, file, data)
			if err != nil {
				return nil, l10n.Errorf("%w\n(fix %s, or remove it to use the built-in layout)", err, file)
			}
			return l, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, l10n.Errorf("%s: %w", file, err)
		}
	}
	data, err := fs.ReadFile(templates.FS, "reports/"+name+".yaml")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, l10n.Errorf("no report %q: use one of %s, or add %s", name, l10n.List(LayoutNames()), file)
		}
		return nil, err
	}
	return ParseLayout(name, "built-in "+file, data)
}

// LayoutNames lists the built-in report layouts, sorted.
func LayoutNames() []string {
	ents, _ := fs.ReadDir(templates.FS, "reports")
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	return names
}

var (
	lineRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`) })
	notFoundRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`field (\S+) not found in type \S+`) })
	// wrongKindRE is yaml's message for a value that is not of a
	// layout's own type: the tag, the value (for a scalar) and the type.
	wrongKindRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S*report\\.\\w+)$")
	})
	// typeNames are a layout's types as a message names them.
	typeNames = map[string]string{
		"[]report.SectionLayout": l10n.N("a list of sections"),
		"[]report.Column":        l10n.N("a list of columns"),
		"map[string]report.Text": l10n.N("a map of notes"),
		"report.Text":            "{zh: …, en: …}",
		"report.Layout":          l10n.N("a layout (title:, sections:)"),
		"report.SectionLayout":   l10n.N("a section (key:, title:, columns:)"),
		"report.Column":          l10n.N("a column {key:, zh:, en:, kind:}"),
	}
)

// ParseLayout parses a layout read from file (used in messages). Unknown
// fields, unknown column kinds, missing titles and duplicate keys are errors
// of the form "file:line: problem".
func ParseLayout(name, file string, data []byte) (*Layout, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErr(file, data, err)
	}
	if len(root.Content) == 0 {
		return nil, l10n.Errorf("%s: empty layout: it needs title: and sections:", file)
	}
	var l Layout
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		return nil, yamlErr(file, data, err)
	}
	l.Name, l.Source = name, file
	if err := l.validate(file, root.Content[0]); err != nil {
		return nil, err
	}
	return &l, nil
}

// yamlErr is yaml's err about layout file (its text data) as a layout's
// problems are said. A syntax error's line is the one at fault
// (archive.SyntaxLine): yaml names the line above an unclosed [ or a key
// indented wrong.
func yamlErr(file string, data []byte, err error) error {
	var lines []string
	var te *yaml.TypeError
	syntax := !errors.As(err, &te)
	if syntax {
		lines = []string{err.Error()}
	} else {
		lines = te.Errors
	}
	for i, s := range lines {
		if m := notFoundRE().FindStringSubmatch(s); m != nil {
			s = strings.Replace(s, m[0], l10n.Sprintf("unknown field %q", m[1]), 1)
		}
		m := lineRE().FindStringSubmatch(s)
		line, msg := 0, strings.TrimPrefix(s, "yaml: ")
		if m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		if syntax {
			line = archive.SyntaxLine(data, line, msg)
		}
		if line > 0 {
			s = atLine(file, line, yamlWords(msg))
		} else {
			s = l10n.Sprintf("%s: %s", file, yamlWords(msg))
		}
		lines[i] = s
	}
	return errors.New(strings.Join(lines, "\n"))
}

// yamlWords is one of yaml's messages about a layout in the user's
// language: a value that is not of a layout's own type says what it
// should be (a list of sections, not "abc"); the others are
// l10n.YAMLWords.
func yamlWords(msg string) string {
	m := wrongKindRE().FindStringSubmatch(msg)
	if m == nil {
		return l10n.YAMLWords(msg)
	}
	want, ok := typeNames[m[3]]
	if !ok {
		return l10n.YAMLWords(msg)
	}
	want = l10n.T(want)
	switch m[1] {
	case "seq":
		return l10n.Sprintf("this should be %s, not a list", want)
	case "map":
		return l10n.Sprintf("this should be %s, not fields (name: value)", want)
	}
	return l10n.Sprintf("this should be %s, not %q", want, m[2])
}

// atLine is msg about line of file, as a layout's problems are said:
// file:line: msg.
func atLine(file string, line int, msg string) string {
	return l10n.Sprintf("%s:%d: %s", file, line, msg)
}

// validate checks what the YAML decoder cannot; root is the document's
// mapping node, for line numbers.
func (l *Layout) validate(file string, root *yaml.Node) error {
	at := func(n *yaml.Node, msg string) error {
		line := root.Line
		if n != nil {
			line = n.Line
		}
		return errors.New(atLine(file, line, msg))
	}
	if l.Title.Zh == "" {
		return at(field(root, "title"), l10n.T("title: needs zh: (the report's Chinese title)"))
	}
	secNodes := field(root, "sections")
	if len(l.Sections) == 0 {
		return at(orNode(secNodes, root), l10n.T("sections: needs at least one section"))
	}
	seen := map[string]bool{}
	for i, s := range l.Sections {
		sn := item(secNodes, i)
		switch {
		case !keyRE().MatchString(s.Key):
			return at(orNode(field(sn, "key"), sn), l10n.Sprintf("section key %q: use lower-case snake_case, e.g. by_level", s.Key))
		case seen[s.Key]:
			return at(field(sn, "key"), l10n.Sprintf("section key %q used twice", s.Key))
		case s.Title.Zh == "":
			return at(orNode(field(sn, "title"), sn), l10n.Sprintf("section %s: title: needs zh:", s.Key))
		case len(s.Columns) == 0:
			return at(orNode(field(sn, "columns"), sn), l10n.Sprintf("section %s: columns: needs at least one column", s.Key))
		}
		seen[s.Key] = true
		colNodes := field(sn, "columns")
		cols := map[string]bool{}
		for j, c := range s.Columns {
			cn := item(colNodes, j)
			switch {
			case !keyRE().MatchString(c.Key):
				return at(orNode(field(cn, "key"), cn), l10n.Sprintf("section %s: column key %q: use lower-case snake_case, e.g. date_out", s.Key, c.Key))
			case cols[c.Key]:
				return at(field(cn, "key"), l10n.Sprintf("section %s: column key %q used twice", s.Key, c.Key))
			case c.Zh == "":
				return at(cn, l10n.Sprintf("section %s: column %s needs zh: (its Chinese title)", s.Key, c.Key))
			case c.Kind == "":
				return at(cn, l10n.Sprintf("section %s: column %s needs kind: (one of %s)", s.Key, c.Key, kindList()))
			}
			cols[c.Key] = true
		}
	}
	return nil
}

// field returns the value node of key in mapping n, or nil.
var field = archive.MappingValue

// item returns element i of sequence n, or nil.
func item(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}
