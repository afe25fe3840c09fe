package archive

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"

	"crm/l10n"
	"crm/templates"
)

// PolicyFile is the name of the policy file at the archive's root.
const PolicyFile = "crm.yaml"

// Policy is the archive's crm.yaml: every rule of DOMAIN.md that a
// department may set differently. The defaults are in templates/policy/crm.yaml.
type Policy struct {
	Format         string            `yaml:"format"`
	ArchiveID      string            `yaml:"archive_id"`
	Name           string            `yaml:"name"`
	KeyKind        string            `yaml:"key_kind"`
	HomeDepartment string            `yaml:"home_department"`
	Roles          map[string]string `yaml:"roles"`
	Levels         []LevelPolicy     `yaml:"levels"`
	DefaultLevel   string            `yaml:"default_level"`
	Permissions    Permissions       `yaml:"permissions"`
	Loan           LoanPolicy        `yaml:"loan"`
	Review         ReviewPolicy      `yaml:"review"`
	Destruction    DestructionPolicy `yaml:"destruction"`
	Credit         CreditPolicy      `yaml:"credit"`
	Grades         GradePolicy       `yaml:"grades"`
	IDScheme       IDScheme          `yaml:"id_scheme"`
	Recovery       string            `yaml:"recovery"`
}

// LevelPolicy says who reads a level (R7.2.2) and its default secrecy period (R7.2.4).
type LevelPolicy struct {
	Name    string   `yaml:"name"`
	Readers []string `yaml:"readers"`
	Period  string   `yaml:"period"`
}

// Permissions lists the roles allowed each step.
type Permissions struct {
	Write             []string `yaml:"write"`
	Members           []string `yaml:"members"`
	Classify          []string `yaml:"classify"`
	ClassifyTopSecret []string `yaml:"classify_top_secret"`
	Review            []string `yaml:"review"`
	// Hold: legal hold and release (冻结); empty means the members roles.
	Hold []string `yaml:"hold"`
	// Destroy: executing an approved destruction; empty means the members roles.
	Destroy []string `yaml:"destroy"`
}

// LoanPolicy is R7.1: loan period, renewals, who borrows, who approves.
type LoanPolicy struct {
	Days      int                 `yaml:"days"`
	Renewals  int                 `yaml:"renewals"`
	Borrowers []string            `yaml:"borrowers"`
	Approvers map[string][]string `yaml:"approvers"`
}

// ReviewPolicy is R6.5.
type ReviewPolicy struct {
	Cadence string `yaml:"cadence"`
}

// DestructionPolicy is R6.10: the approval chain in order, and witnesses.
type DestructionPolicy struct {
	Chain     []string `yaml:"chain"`
	Witnesses int      `yaml:"witnesses"`
}

// CreditPolicy is R8.
type CreditPolicy struct {
	Thresholds map[string]int         `yaml:"thresholds"`
	Classes    map[string]CreditTerms `yaml:"classes"`
}

// CreditTerms is a credit class's limit and payment terms.
type CreditTerms struct {
	Limit float64 `yaml:"limit"`
	Terms string  `yaml:"terms"`
}

// GradePolicy sets the ABC value-grade shares.
type GradePolicy struct {
	AShare float64 `yaml:"a_share"`
	BShare float64 `yaml:"b_share"`
}

// IDScheme is how dossier ids are made: prefix + zero-padded number.
type IDScheme struct {
	Prefix string `yaml:"prefix"`
	Digits int    `yaml:"digits"`
}

// DefaultPolicyText renders the built-in policy template for a new archive.
func DefaultPolicyText(name, recovery string) ([]byte, error) {
	raw, err := templates.FS.ReadFile("policy/crm.yaml")
	if err != nil {
		return nil, err
	}
	t, err := template.New("crm.yaml").Parse(string(raw))
	if err != nil {
		return nil, err
	}
	idb := make([]byte, 8)
	if _, err := rand.Read(idb); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, map[string]string{
		"ArchiveID": hex.EncodeToString(idb),
		"Name":      strings.ReplaceAll(name, `"`, `'`),
		"Recovery":  recovery,
	})
	return b.Bytes(), err
}

// ParsePolicy decodes and checks crm.yaml's bytes. Errors name the field.
func ParsePolicy(b []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, l10n.Errorf("%s: %v", PolicyFile, err)
	}
	if err := p.check(); err != nil {
		return nil, l10n.Errorf("%s: %v", PolicyFile, err)
	}
	return &p, nil
}

func (p *Policy) check() error {
	if p.Format != "crm/v1" {
		return l10n.Errorf("format is %q, this crm reads %q", p.Format, "crm/v1")
	}
	if len(p.Levels) == 0 {
		return l10n.Errorf("levels: at least one level is needed")
	}
	for _, l := range p.Levels {
		for _, r := range l.Readers {
			if _, ok := p.Roles[r]; !ok {
				return l10n.Errorf("levels.%s.readers: unknown role %q", l.Name, r)
			}
		}
	}
	if p.Level(p.DefaultLevel) == nil {
		return l10n.Errorf("default_level: %q is not one of the levels", p.DefaultLevel)
	}
	if p.IDScheme.Digits < 1 || p.IDScheme.Digits > 12 || !idPrefixRE.MatchString(p.IDScheme.Prefix) {
		return l10n.Errorf("id_scheme: prefix must be letters/digits ending in - or _, digits 1–12")
	}
	if p.Recovery != "" {
		if _, err := ParseRecipient(p.Recovery); err != nil {
			return l10n.Errorf("recovery: %v", err)
		}
	}
	if err := p.Thresholds().Validate(); err != nil {
		return l10n.Errorf("credit.thresholds: %v", err)
	}
	if a, b := p.GradeShares(); a <= 0 || b < 0 || a+b > 1 {
		return l10n.Errorf("grades: a_share must be above 0, b_share at least 0, and together at most 1")
	}
	if p.KeyKind != "x25519" && p.KeyKind != "pq" {
		return l10n.Errorf("key_kind: %q, want x25519 or pq", p.KeyKind)
	}
	return nil
}

var idPrefixRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*[-_]?$`)

// Level returns the policy of the named level, or nil.
func (p *Policy) Level(name string) *LevelPolicy {
	for i := range p.Levels {
		if p.Levels[i].Name == name {
			return &p.Levels[i]
		}
	}
	return nil
}

// LevelNames lists the levels, lowest first.
func (p *Policy) LevelNames() []string {
	var n []string
	for _, l := range p.Levels {
		n = append(n, l.Name)
	}
	return n
}

// CheckLevel returns a usage error if name is not a level of the policy.
func (p *Policy) CheckLevel(name string) error {
	if p.Level(name) == nil {
		return Usage(l10n.Errorf("unknown level %q: choose one of %s", name, strings.Join(p.LevelNames(), ", ")))
	}
	return nil
}

// FormatID makes the dossier id with number n.
func (p *Policy) FormatID(n int) string {
	return fmt.Sprintf("%s%0*d", p.IDScheme.Prefix, p.IDScheme.Digits, n)
}

// CheckRoles returns an error naming the first role that the policy does not know.
func (p *Policy) CheckRoles(roles []string) error {
	if len(roles) == 0 {
		return Usage(l10n.Errorf("at least one --role is needed"))
	}
	for _, r := range roles {
		if _, ok := p.Roles[r]; !ok {
			var known []string
			for k := range p.Roles {
				known = append(known, k)
			}
			slices.Sort(known)
			return Usage(l10n.Errorf("unknown role %q: choose from %s", r, strings.Join(known, ", ")))
		}
	}
	return nil
}

// hasAny reports whether roles and allowed share a role.
func hasAny(roles, allowed []string) bool {
	for _, r := range roles {
		if slices.Contains(allowed, r) {
			return true
		}
	}
	return false
}

// idNumber returns the number in a dossier id of this scheme.
func (p *Policy) idNumber(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, p.IDScheme.Prefix)
	if !ok || rest == "" {
		return 0, false
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' || n > 1e12 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
