package archive

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // the policy's zone must load on machines without zoneinfo

	"gopkg.in/yaml.v3"

	"crm/classify"
	"crm/l10n"
	"crm/templates"
)

// PolicyFile is the name of the policy file at the archive's root.
const PolicyFile = "crm.yaml"

// Policy is the archive's crm.yaml: every rule of DOMAIN.md that a
// department may set differently. The defaults are in
// templates/policy/crm.yaml. Every accessor that interprets it is in this
// file.
type Policy struct {
	Format         string            `yaml:"format"`
	ArchiveID      string            `yaml:"archive_id"`
	Name           string            `yaml:"name"`
	KeyKind        string            `yaml:"key_kind"`
	HomeDepartment string            `yaml:"home_department"`
	Timezone       string            `yaml:"timezone"`
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
	// Added after the first archives were made: a crm.yaml without them
	// gets the defaults of their accessors.
	Contacts ContactPolicy `yaml:"contacts"`
	Intake   IntakePolicy  `yaml:"intake"`
	Requests RequestPolicy `yaml:"requests"`
	Git      GitPolicy     `yaml:"git"`

	loc *time.Location
	// sha is the SHA-256 of the crm.yaml this policy was read from
	// (ParsePolicy), "" for one made otherwise: replay compares it with
	// the policy the journal recorded at an event's place (declassifyFrom).
	sha string
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
	// Decide: accepting or rejecting a problem event (journal.decision);
	// empty means the members roles.
	Decide []string `yaml:"decide"`
}

// LoanPolicy is R7.1: loan period, renewals, who borrows, who approves.
type LoanPolicy struct {
	Days      int                 `yaml:"days"`
	Renewals  int                 `yaml:"renewals"`
	Borrowers []string            `yaml:"borrowers"`
	Approvers map[string][]string `yaml:"approvers"`
	// ApproversWhenSelf: when the borrower holds an approver role, that
	// approval comes from another holder of the role or from one of these
	// roles (nobody approves their own loan); default gm.
	ApproversWhenSelf []string `yaml:"approvers_when_self"`
}

// ReviewPolicy is R6.5.
type ReviewPolicy struct {
	Cadence string `yaml:"cadence"`
	// Signoff: the roles that sign off a quarter's 核定; default supervisor.
	Signoff []string `yaml:"signoff"`
}

// ContactPolicy is the sister rules' "Intake and records": how often a
// customer of each tier is visited, and how long a complaint is kept.
type ContactPolicy struct {
	// VisitEvery maps a tier (重点, 普通, 潜在) to the longest span between
	// two visits (拜访), like 1m or 3m; a tier not named, or "" / 无,
	// has no cadence. Absent: 重点 1m, 普通 3m.
	VisitEvery map[string]string `yaml:"visit_every"`
	// ComplaintRetention is how long a complaint record is kept
	// (default 2y).
	ComplaintRetention string `yaml:"complaint_retention"`
}

// IntakePolicy is R6.1 and R6.3: who hands in the monthly customer
// information report, and by which day of the month.
type IntakePolicy struct {
	Submitters []string `yaml:"submitters"` // default sales
	DueDay     int      `yaml:"due_day"`    // default 7: the first week
}

// RequestPolicy is R6.7 for statistics: who approves a request from
// another department, and how long an approval lasts.
type RequestPolicy struct {
	Approvers []string `yaml:"approvers"`  // default manager (客服部经理)
	ValidDays int      `yaml:"valid_days"` // default 30
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

// IDScheme is how dossier ids are made: Style random (the default, also
// when the key is absent: ids two clones cannot both make, see NewID) or
// sequential (prefix + zero-padded number, C-000001). Loans and
// destruction requests follow the same style.
type IDScheme struct {
	Style  string `yaml:"style"`
	Prefix string `yaml:"prefix"`
	Digits int    `yaml:"digits"`
}

// GitPolicy is how crm works with git when the archive is a repository.
type GitPolicy struct {
	// Autocommit: each write commits its events and the files they pin
	// (default on, also when the key is absent).
	Autocommit *bool `yaml:"autocommit"`
}

// AutoCommit reports whether each write commits itself to git.
func (p *Policy) AutoCommit() bool { return p.Git.Autocommit == nil || *p.Git.Autocommit }

// DefaultTimezone is the zone of a policy that names none: the department
// works in China.
const DefaultTimezone = "Asia/Shanghai"

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
	p.sha = sha256Hex(b)
	return &p, nil
}

// check checks the policy section by section, in the order of crm.yaml,
// and fills in what a section leaves to its default (id_scheme.style, the
// time zone). The first problem found is returned.
func (p *Policy) check() error {
	for _, section := range []func() error{
		p.checkFormat, p.checkLevels, p.checkIDScheme, p.checkRecovery,
		p.checkCredit, p.checkLater, p.checkKeyKind, p.checkTimezone,
	} {
		if err := section(); err != nil {
			return err
		}
	}
	return nil
}

func (p *Policy) checkFormat() error {
	if p.Format != "crm/v1" {
		return l10n.Errorf("format is %q, this crm reads %q", p.Format, "crm/v1")
	}
	return nil
}

func (p *Policy) checkLevels() error {
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
	return nil
}

func (p *Policy) checkIDScheme() error {
	if p.IDScheme.Digits < 1 || p.IDScheme.Digits > 12 || !idPrefixRE().MatchString(p.IDScheme.Prefix) {
		return l10n.Errorf("id_scheme: prefix must be letters/digits ending in - or _, digits 1–12")
	}
	switch p.IDScheme.Style {
	case "":
		p.IDScheme.Style = IDRandom
	case IDRandom, IDSequential:
	default:
		return l10n.Errorf("id_scheme.style: %q, want random or sequential", p.IDScheme.Style)
	}
	return nil
}

func (p *Policy) checkRecovery() error {
	if p.Recovery != "" {
		if _, err := ParseRecipient(p.Recovery); err != nil {
			return l10n.Errorf("recovery: %v", err)
		}
	}
	return nil
}

// checkCredit checks the credit thresholds (R8) and the value grades.
func (p *Policy) checkCredit() error {
	if err := p.Thresholds().Validate(); err != nil {
		return l10n.Errorf("credit.thresholds: %v", err)
	}
	if a, b := p.GradeShares(); a <= 0 || b < 0 || a+b > 1 {
		return l10n.Errorf("grades: a_share must be above 0, b_share at least 0, and together at most 1")
	}
	return nil
}

func (p *Policy) checkKeyKind() error {
	if p.KeyKind != "x25519" && p.KeyKind != "pq" {
		return l10n.Errorf("key_kind: %q, want x25519 or pq", p.KeyKind)
	}
	return nil
}

func (p *Policy) checkTimezone() error {
	loc, err := time.LoadLocation(cmpOr(p.Timezone, DefaultTimezone))
	if err != nil {
		return l10n.Errorf("timezone: %q is not a time zone name like Asia/Shanghai", p.Timezone)
	}
	p.loc = loc
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var idPrefixRE = lazyRE(`^[A-Za-z][A-Za-z0-9]*[-_]?$`)

// Location is the policy's time zone: dates are shown, loans fall due,
// quarters and report periods are cut in it.
func (p *Policy) Location() *time.Location {
	if p.loc == nil {
		if loc, err := time.LoadLocation(cmpOr(p.Timezone, DefaultTimezone)); err == nil {
			p.loc = loc
		} else {
			p.loc = time.FixedZone("CST", 8*3600)
		}
	}
	return p.loc
}

// RunsOut is the moment a secrecy period whose expiry day is exp (the date
// classify.Expiry gives, at midnight UTC) runs out (R7.2.4): 00:00 of that
// day in the policy's zone. From then on the dossier is 内部 (markLevelAt),
// maintain declassifies it, the reports count and register its
// declassification then (State.DeclassifiedAt), and replay accepts a
// dossier.declassify dated no earlier (DossierDeclassify.check).
func (p *Policy) RunsOut(exp time.Time) time.Time {
	return time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, p.Location())
}

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

// LevelRank is the position of a level in the policy, lowest first; -1
// for a level the policy does not have.
func (p *Policy) LevelRank(name string) int {
	for i, l := range p.Levels {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// CheckLevel returns a usage error if name is not a level of the policy.
func (p *Policy) CheckLevel(name string) error {
	if p.Level(name) == nil {
		return usageErr("", l10n.Errorf("unknown level %q: choose one of %s", name, l10n.Listed(p.LevelNames())))
	}
	return nil
}

// ParseLevelName accepts a policy level name, or any name
// classify.ParseLevel knows (秘密, secret, …) that the policy has.
func (p *Policy) ParseLevelName(s string) (string, error) {
	if p.Level(s) != nil {
		return s, nil
	}
	if lv, err := classify.ParseLevel(s); err == nil && p.Level(lv.String()) != nil {
		return lv.String(), nil
	}
	return "", p.CheckLevel(s)
}

// LevelPeriod returns the default secrecy period of a level: the policy's
// levels[].period, else DOMAIN.md's default (classify.DefaultPeriod).
func (p *Policy) LevelPeriod(level string) classify.Period {
	if lp := p.Level(level); lp != nil && lp.Period != "" {
		if per, err := classify.ParsePeriod(lp.Period); err == nil {
			return per
		}
	}
	lv, _ := classify.ParseLevel(level)
	return classify.DefaultPeriod(lv)
}

// TopLevel is the most secret level of the policy (绝密 by default):
// raising to it or lowering from it needs permissions.classify_top_secret.
func (p *Policy) TopLevel() string { return p.Levels[len(p.Levels)-1].Name }

// ClassifyRoles are the roles that may change a level from one level to
// another (R7.2).
func (p *Policy) ClassifyRoles(from, to string) []string {
	if top := p.TopLevel(); from == top || to == top {
		return p.Permissions.ClassifyTopSecret
	}
	return p.Permissions.Classify
}

// DeclassifiedLevel is the level a dossier drops to when its secrecy period
// runs out (R7.2.4): 内部, or the policy's least secret level if it has no 内部.
func (p *Policy) DeclassifiedLevel() string {
	if n := classify.Internal.String(); p.Level(n) != nil {
		return n
	}
	return p.Levels[0].Name
}

// ExampleID is a dossier id as this policy's scheme makes them, for a
// message that shows what one looks like: the first sequential id, or a
// random one with the policy's prefix.
func (p *Policy) ExampleID() string {
	if p.IDScheme.Style == IDSequential {
		return p.FormatID(1)
	}
	return p.IDScheme.Prefix + exampleRandom
}

// FormatID makes the dossier id with number n.
func (p *Policy) FormatID(n int) string {
	return fmt.Sprintf("%s%0*d", p.IDScheme.Prefix, p.IDScheme.Digits, n)
}

// idNumber returns the number in a dossier id of this scheme.
func (p *Policy) idNumber(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, p.IDScheme.Prefix)
	if !ok || rest == "" {
		return 0, false
	}
	// Counted in 64 bits whatever int's size, so that a 32-bit build
	// refuses what it cannot hold rather than wrapping round.
	var n int64
	for _, c := range rest {
		if c < '0' || c > '9' || n > 1e12 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > math.MaxInt {
		return 0, false
	}
	return int(n), true
}

// RoleIDs lists the policy's role ids, sorted.
func (p *Policy) RoleIDs() []string {
	var ids []string
	for k := range p.Roles {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}

// CheckRoles returns an error naming the first role that the policy does not know.
func (p *Policy) CheckRoles(roles []string) error {
	if len(roles) == 0 {
		return usageErr("role", l10n.Errorf("at least one role is needed"))
	}
	for _, r := range roles {
		if _, ok := p.Roles[r]; !ok {
			return usageErr("role", l10n.Errorf("unknown role %q: choose from %s", r, l10n.Listed(p.RoleIDs())))
		}
	}
	return nil
}

// roleText is role as a message names it: its id, or in Chinese its
// title (supervisor → 客户信息主管), said in either language (l10n.Phrase:
// a message kept in both).
func (p *Policy) roleText(role string) l10n.Phrase {
	return l10n.Said(func(chinese bool) string {
		if chinese {
			return p.RoleTitle(role)
		}
		return role
	})
}

// rolesText is roles as a message names them: [supervisor manager gm];
// in Chinese as a sentence lists them (RolesList: 客户信息主管、客户服务部经理),
// 无 for none.
func (p *Policy) rolesText(roles []string) l10n.Phrase {
	roles = slices.Clone(roles)
	return l10n.Said(func(chinese bool) string {
		if !chinese {
			return "[" + strings.Join(roles, " ") + "]"
		}
		if len(roles) == 0 {
			return l10n.NoneWord
		}
		return p.rolesList(roles, true)
	})
}

// chainText is an approval chain as a message names it: [supervisor
// manager gm]; in Chinese by the titles, in order (客户信息主管 →
// 客户服务部经理 → 总经理).
func (p *Policy) chainText(chain []string) l10n.Phrase {
	chain = slices.Clone(chain)
	return l10n.Said(func(chinese bool) string {
		if !chinese {
			return p.rolesText(chain).Say(false)
		}
		return strings.Join(p.titles(chain), " → ")
	})
}

// idsText is ids (of members, of dossiers) as a message lists them: [li
// zhang]; in Chinese listed as a sentence lists them (li、zhang), 无 for
// none. The ids stay ids: only the list reads as Chinese.
func idsText(ids []string) l10n.Phrase {
	ids = slices.Clone(ids)
	return l10n.Said(func(chinese bool) string {
		if chinese {
			if len(ids) == 0 {
				return l10n.NoneWord
			}
			return l10n.ListIn(true, ids)
		}
		return fmt.Sprint(ids)
	})
}

// RolesList is roles as a sentence lists them (supervisor, manager, gm;
// in Chinese by their titles: 客户信息主管、客户服务部经理、总经理).
func (p *Policy) RolesList(roles []string) string { return p.rolesList(roles, l10n.Chinese()) }

// rolesList is RolesList in Chinese (chinese) or in English.
func (p *Policy) rolesList(roles []string, chinese bool) string {
	if !chinese {
		return strings.Join(roles, ", ")
	}
	return l10n.ListIn(true, p.titles(roles))
}

// titles are the policy's titles of roles (RoleTitle), in order.
func (p *Policy) titles(roles []string) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = p.RoleTitle(r)
	}
	return out
}

// RoleTitle is a role's title in the policy (clerk → 客户信息专员), or the
// id (also without a policy: p nil).
func (p *Policy) RoleTitle(role string) string {
	if p == nil {
		return role
	}
	if t := p.Roles[role]; t != "" {
		return t
	}
	return role
}

// LoanApprovers returns the roles that must each approve a loan of a
// dossier of level (policy loan.approvers: the level's entry, else default).
func (p *Policy) LoanApprovers(level string) []string {
	if r, ok := p.Loan.Approvers[level]; ok {
		return r
	}
	return p.Loan.Approvers["default"]
}

// LoanDays is the default (and longest) loan period in days.
func (p *Policy) LoanDays() int {
	if p.Loan.Days > 0 {
		return p.Loan.Days
	}
	return 3
}

// HoldRoles are the roles that may put a dossier on hold and release it
// (policy permissions.hold; else those who run the archive, permissions.members).
func (p *Policy) HoldRoles() []string {
	if len(p.Permissions.Hold) > 0 {
		return p.Permissions.Hold
	}
	return p.Permissions.Members
}

// Writers returns the roles that may write a dossier file of level: the
// roles of permissions.write that also read the level. Every event that
// pins a file of an existing dossier (an update, and every re-encryption:
// it could carry other content, and no checker without a key can tell)
// must be by one of them (FORMAT.md, "Who may write a file"); a role that
// only reads never pins a file.
func (p *Policy) Writers(level string) []string {
	return p.readingOf(p.Permissions.Write, level)
}

// Reviewers are the roles that may record a 核定 (permissions.review) of
// a dossier at level: those of them that read it (R6.5: the 核定 checks
// the content).
func (p *Policy) Reviewers(level string) []string {
	return p.readingOf(p.Permissions.Review, level)
}

// readingOf is those of roles that read level (none for an unknown level).
func (p *Policy) readingOf(roles []string, level string) []string {
	lp := p.Level(level)
	if lp == nil {
		return nil
	}
	var out []string
	for _, r := range roles {
		if slices.Contains(lp.Readers, r) {
			out = append(out, r)
		}
	}
	return out
}

// DestroyRoles are the roles that may execute an approved destruction
// (policy permissions.destroy; else permissions.members).
func (p *Policy) DestroyRoles() []string {
	if len(p.Permissions.Destroy) > 0 {
		return p.Permissions.Destroy
	}
	return p.Permissions.Members
}

// DecideRoles are the roles that may accept or reject a problem event
// (policy permissions.decide; else permissions.members).
func (p *Policy) DecideRoles() []string {
	if len(p.Permissions.Decide) > 0 {
		return p.Permissions.Decide
	}
	return p.Permissions.Members
}

// NeedsEndorsement reports whether a request from department dept needs
// its department manager's sign-off (R6.7).
func (p *Policy) NeedsEndorsement(dept string) bool { return dept != p.HomeDepartment }

// Thresholds returns the policy's credit thresholds (R8), or the defaults
// when it sets none. ParsePolicy has checked them.
func (p *Policy) Thresholds() classify.Thresholds {
	th := classify.Thresholds{A: p.Credit.Thresholds["A"], B: p.Credit.Thresholds["B"], C: p.Credit.Thresholds["C"]}
	if th == (classify.Thresholds{}) {
		return classify.DefaultThresholds()
	}
	return th
}

// GradeShares returns the ABC value-grade shares, or the defaults when the
// policy sets none. ParsePolicy has checked them.
func (p *Policy) GradeShares() (a, b float64) {
	if p.Grades.AShare == 0 && p.Grades.BShare == 0 {
		return classify.DefaultAShare, classify.DefaultBShare
	}
	return p.Grades.AShare, p.Grades.BShare
}

// CreditTermsOf returns the limit and terms of a credit class, if the
// policy sets them.
func (p *Policy) CreditTermsOf(class string) (CreditTerms, bool) {
	t, ok := p.Credit.Classes[class]
	return t, ok
}

// MissingApprovers returns the roles whose approval loan l still needs
// for a dossier of level, in the policy's order.
func (p *Policy) MissingApprovers(l *Loan, level string) []string {
	done := map[string]bool{}
	for _, a := range l.Approvals {
		done[a.Role] = true
	}
	var missing []string
	for _, r := range p.LoanApprovers(level) {
		if !done[r] {
			missing = append(missing, r)
		}
	}
	return missing
}

// CreditOf is a dossier's credit class (R8) given the journaled override in
// force (override, "" for none) and its content (nil when unreadable): the
// override, else the class written in its credit survey, else the class of
// its survey score under the policy's thresholds; with where it came from
// and the rule.
func (p *Policy) CreditOf(override, reason string, dd *Dossier) (class, source string, rule classify.Rule) {
	var written string
	var score *int
	if dd != nil {
		written, score = dd.CreditSurvey.Class, dd.CreditSurvey.Score
	}
	class, source = p.CreditClassOf(override, written, score)
	switch source {
	case CreditFromJournal:
		rule = classify.Rule{ID: "journal", Text: "日志记录的调整：" + reason, TextEN: "set in the journal: " + reason}
	case CreditFromDossier:
		rule = classify.Rule{ID: classify.RuleDossier, Text: "档案信用调查表中写明的信用等级", TextEN: "the class written in the dossier's credit survey"}
	case CreditFromScore:
		_, rule, _ = classify.ClassifyScore(*score, p.Thresholds())
	}
	return class, source, rule
}

// CreditClassOf is the class CreditOf gives and where it comes from,
// without the rule: the override set in the journal, else the class the
// credit survey writes (written), else the class of its score.
func (p *Policy) CreditClassOf(override, written string, score *int) (class, source string) {
	switch {
	case override != "":
		return override, CreditFromJournal
	case written != "":
		return written, CreditFromDossier
	case score != nil:
		if c, err := classify.ScoreClass(*score, p.Thresholds()); err == nil {
			return string(c), CreditFromScore
		}
	}
	return "", ""
}

// checkLater checks the sections added after the first archives: each may
// be absent (its defaults apply).
func (p *Policy) checkLater() error {
	for key, rs := range map[string][]string{
		"loan.approvers_when_self": p.Loan.ApproversWhenSelf, "review.signoff": p.Review.Signoff,
		"intake.submitters": p.Intake.Submitters, "requests.approvers": p.Requests.Approvers,
	} {
		for _, r := range rs {
			if _, ok := p.Roles[r]; !ok {
				return l10n.Errorf("%s: unknown role %q", key, r)
			}
		}
	}
	for tier, v := range p.Contacts.VisitEvery {
		if _, err := classify.ParseTier(tier); err != nil {
			return l10n.Errorf("contacts.visit_every: %v", err)
		}
		if !noSpan(v) {
			if _, err := classify.ParseSpan(v); err != nil {
				return l10n.Errorf("contacts.visit_every.%s: %v", tier, err)
			}
		}
	}
	if r := p.Contacts.ComplaintRetention; r != "" {
		if _, err := classify.ParseSpan(r); err != nil {
			return l10n.Errorf("contacts.complaint_retention: %v", err)
		}
	}
	if d := p.Intake.DueDay; d < 0 || d > 28 {
		return l10n.Errorf("intake.due_day: %d, want a day of the month from 1 to 28", d)
	}
	if p.Requests.ValidDays < 0 {
		return l10n.Errorf("requests.valid_days: must not be negative")
	}
	return nil
}

// noSpan reports whether a policy span says "none".
func noSpan(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == "无" || strings.EqualFold(s, "none")
}

// orDefault is roles, or def when the policy names none.
func orDefault(roles []string, def ...string) []string {
	if len(roles) > 0 {
		return roles
	}
	return def
}

// SelfLoanApprovers are the roles that give an approval the borrower
// would owe themselves (policy loan.approvers_when_self, default gm).
func (p *Policy) SelfLoanApprovers() []string { return orDefault(p.Loan.ApproversWhenSelf, "gm") }

// SignoffRoles are the roles that sign off a quarter's 核定 (policy
// review.signoff; default the supervisor, 客户信息主管, and the manager, who
// signs off the supervisor's own).
func (p *Policy) SignoffRoles() []string { return orDefault(p.Review.Signoff, "supervisor", "manager") }

// DefaultVisitEvery is the visit cadence of a policy that sets none
// (sister rules: key customers visited monthly on a plan, ordinary ones
// at least once a quarter, potential ones on no cadence).
var DefaultVisitEvery = map[string]string{"重点": "1m", "普通": "3m"}

// VisitEvery is the longest span between two visits (拜访) of a customer
// of tier, and false when the tier has no cadence.
func (p *Policy) VisitEvery(tier string) (classify.Period, bool) {
	m := p.Contacts.VisitEvery
	if m == nil {
		m = DefaultVisitEvery
	}
	for k, v := range m {
		if t, err := classify.ParseTier(k); err != nil || string(t) != tier || noSpan(v) {
			continue
		}
		per, err := classify.ParseSpan(v)
		return per, err == nil
	}
	return classify.Period{}, false
}

// ComplaintRetention is how long a complaint record is kept (policy
// contacts.complaint_retention; default DefaultComplaintRetentionYears).
func (p *Policy) ComplaintRetention() classify.Period {
	if per, err := classify.ParseSpan(p.Contacts.ComplaintRetention); err == nil {
		return per
	}
	return classify.Period{Years: DefaultComplaintRetentionYears}
}

// ComplaintKeepUntil is the day a complaint filed on date is kept until
// under the policy: the date plus the policy's retention (sister rules:
// complaints are kept two years), or the record's own keep_until when it
// was written and is later. A keep_until written earlier than the
// retention does not shorten it: a complaint is never removed before it.
func (p *Policy) ComplaintKeepUntil(c Contact) Date {
	if c.Kind != ContactComplaint || c.Date.IsZero() {
		return c.KeepUntil
	}
	keep := Date{classify.AddSpan(c.Date.Time, p.ComplaintRetention())}
	if !c.KeepUntil.IsZero() && !c.keepDefaulted && c.KeepUntil.After(keep.Time) {
		return c.KeepUntil
	}
	return keep
}

// CheckContact checks a contact record about to be filed into a dossier
// against the policy and today (in the policy's zone): a record is of a
// contact that took place, so it is not dated after today (a visit dated
// ahead would count for the tier's visit cadence until that day), and a
// complaint is not to be kept for less than the policy's retention.
func (a *Archive) CheckContact(c Contact) error {
	if today := a.civilToday(); c.Date.After(today) {
		return usageErr("date", l10n.Errorf("%s is after today (%s): a contact record is filed once the contact took place", c.Date.Format(time.DateOnly), today.Format(time.DateOnly)))
	}
	// One kept until before its own date is the dossier's check to refuse.
	if c.Kind == ContactComplaint && !c.Date.IsZero() && !c.KeepUntil.IsZero() && !c.KeepUntil.Before(c.Date.Time) {
		c.keepDefaulted = true
		if keep := a.Policy.ComplaintKeepUntil(c); c.KeepUntil.Before(keep.Time) {
			return usageErr("keep-until", l10n.Errorf("%s is before the end of the complaint's retention (%s from its date, contacts.complaint_retention): keep it until %s or later", c.KeepUntil.Format(time.DateOnly), l10n.Pick(a.Policy.ComplaintRetention().String(), a.Policy.ComplaintRetention().Chinese()), keep.Format(time.DateOnly)))
		}
	}
	return nil
}

// Submitters are the roles that hand in the monthly customer information
// report (R6.1; policy intake.submitters, default sales).
func (p *Policy) Submitters() []string { return orDefault(p.Intake.Submitters, "sales") }

// HandInDueDay is the day of the month by whose end the monthly report
// is due (R6.1: the first week; policy intake.due_day, default 7).
func (p *Policy) HandInDueDay() int {
	if p.Intake.DueDay > 0 {
		return p.Intake.DueDay
	}
	return 7
}

// StatsApprovers are the roles of 客服部 that approve a statistics
// request from another department (R6.7; policy requests.approvers,
// default manager).
func (p *Policy) StatsApprovers() []string { return orDefault(p.Requests.Approvers, "manager") }

// StatsValidDays is how many days an approved statistics request lasts
// (policy requests.valid_days, default 30).
func (p *Policy) StatsValidDays() int {
	if p.Requests.ValidDays > 0 {
		return p.Requests.ValidDays
	}
	return 30
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
