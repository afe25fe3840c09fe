package archive

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"crm/archive/journal"
	"crm/classify"
	"crm/l10n"
)

// CheckID returns a usage error unless id is a plain dossier id (letters,
// digits, - and _; no path separators or dots), so that an id can never
// name a file outside dossiers/. It is for checks made before an archive
// is open, whose id scheme is not known yet: its message shows no example
// id (an open archive's checkID shows one in the archive's own form).
func CheckID(id string) error {
	if !journal.IsDossierID(id) {
		return usageErr("id", l10n.Errorf("%q is not a dossier id (letters, digits, - and _ only)", id))
	}
	return nil
}

// checkID is CheckID for an open archive: its message shows an id as this
// archive makes them (C-000001 when ids are sequential), not always the
// random form.
func (a *Archive) checkID(id string) error {
	if !journal.IsDossierID(id) {
		return usageErr("id", l10n.Errorf("%q is not a dossier id (letters, digits, - and _ only, like %s)", id, a.Policy.ExampleID()))
	}
	return nil
}

// Date is a calendar date written YYYY-MM-DD; the zero Date is "not given".
type Date struct{ time.Time }

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, l10n.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// UnmarshalYAML accepts YYYY-MM-DD, or an empty/null value for "not given".
// A bad date is a *yaml.TypeError ("line N: …"), so that decoding goes on
// and the other problems of the document are found too.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, l10n.T("a date must be a single value YYYY-MM-DD"))
	}
	if n.Tag == "!!null" || n.Value == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*d = v
	return nil
}

// nodeError is a problem with node n that lets the YAML decoder go on with
// the rest of the document.
func nodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

// MarshalYAML writes YYYY-MM-DD, or an empty string.
func (d Date) MarshalYAML() (any, error) {
	if d.IsZero() {
		return "", nil
	}
	return d.Format(time.DateOnly), nil
}

// Dossier is the content of a customer dossier (R5). The plaintext kept in
// the archive is the YAML text as the user wrote it, comments included;
// this struct is what validation and reports read from it. Every section
// is optional except customer.name and owner.
type Dossier struct {
	Customer            Customer        `yaml:"customer" json:"customer"`
	Owner               string          `yaml:"owner" json:"owner" check:"required"`
	Relationship        string          `yaml:"relationship" json:"relationship" check:"enum=relationship"`
	Tier                string          `yaml:"tier" json:"tier" check:"enum=tier"`
	YearlySales         float64         `yaml:"yearly_sales" json:"yearly_sales" check:"nonneg"`
	ContactPerson       ContactPerson   `yaml:"contact_person" json:"contact_person"`
	LegalRepresentative Person          `yaml:"legal_representative" json:"legal_representative"`
	PersonInCharge      Person          `yaml:"person_in_charge" json:"person_in_charge"`
	Basic               Basic           `yaml:"basic" json:"basic"`
	Characteristics     Characteristics `yaml:"characteristics" json:"characteristics"`
	Business            Business        `yaml:"business" json:"business"`
	Trading             Trading         `yaml:"trading" json:"trading"`
	Purchasing          Purchasing      `yaml:"purchasing" json:"purchasing"`
	Survey              Survey          `yaml:"survey" json:"survey"`
	CreditSurvey        CreditSurvey    `yaml:"credit_survey" json:"credit_survey"`
	Individual          Individual      `yaml:"individual" json:"individual"`
	Contacts            []Contact       `yaml:"contacts" json:"contacts"`
	Notes               string          `yaml:"notes" json:"notes"`
	Extra               Extra           `yaml:"extra" json:"extra,omitempty"`
}

// Customer is the customer's identity (R5.2, and the head of both survey
// forms: address, telephone, fax, 企业性质, business scope).
type Customer struct {
	Name          string `yaml:"name" json:"name" check:"required"`
	Kind          string `yaml:"kind" json:"kind" check:"enum=customer_kind"`
	Industry      string `yaml:"industry" json:"industry"`
	Region        string `yaml:"region" json:"region"`
	Size          string `yaml:"size" json:"size" check:"enum=size"`
	Founded       Date   `yaml:"founded" json:"founded"`
	TradingSince  Date   `yaml:"trading_since" json:"trading_since"`
	Address       string `yaml:"address" json:"address"`
	Telephone     string `yaml:"telephone" json:"telephone"` // text: leading zeros and + are kept
	Fax           string `yaml:"fax" json:"fax"`
	Ownership     string `yaml:"ownership" json:"ownership" check:"enum=ownership"` // 企业性质
	BusinessScope string `yaml:"business_scope" json:"business_scope"`              // 营业项目、经营范围
}

// Basic is the basic record (基本档案, R5.2).
type Basic struct {
	Situation      string      `yaml:"situation" json:"situation"`
	Organization   string      `yaml:"organization" json:"organization"`
	Owners         []string    `yaml:"owners" json:"owners"`
	Managers       []string    `yaml:"managers" json:"managers"`
	KeyPeople      []KeyPerson `yaml:"key_people" json:"key_people"`
	Qualifications string      `yaml:"qualifications" json:"qualifications"`
	Assets         string      `yaml:"assets" json:"assets"`
}

// KeyPerson is a person who matters in the customer's purchase decisions.
type KeyPerson struct {
	Name  string `yaml:"name" json:"name"`
	Title string `yaml:"title" json:"title"`
	Role  string `yaml:"role" json:"role"`
	Notes string `yaml:"notes" json:"notes"`
}

// Characteristics is 客户特征 (R5.3). Staff is the total head count; the
// 客户信息调查表 splits it into management and other employees.
type Characteristics struct {
	ServiceRegion        string  `yaml:"service_region" json:"service_region"`
	SalesCapability      string  `yaml:"sales_capability" json:"sales_capability"`
	DevelopmentPotential string  `yaml:"development_potential" json:"development_potential"`
	Culture              string  `yaml:"culture" json:"culture"`
	BusinessPolicy       string  `yaml:"business_policy" json:"business_policy"`
	Staff                int     `yaml:"staff" json:"staff" check:"nonneg,written"`
	ManagementStaff      int     `yaml:"management_staff" json:"management_staff" check:"nonneg"`
	Employees            int     `yaml:"employees" json:"employees" check:"nonneg"`
	Turnover             float64 `yaml:"turnover" json:"turnover" check:"nonneg,written"`
	ManagementStyle      string  `yaml:"management_style" json:"management_style"`
}

// Business is 业务状况 (R5.4).
type Business struct {
	SalesCurrent        string `yaml:"sales_current" json:"sales_current"`
	SalesPast           string `yaml:"sales_past" json:"sales_past"`
	StaffQuality        string `yaml:"staff_quality" json:"staff_quality"`
	CompetitorRelations string `yaml:"competitor_relations" json:"competitor_relations"`
	AttitudeToUs        string `yaml:"attitude_to_us" json:"attitude_to_us"`
}

// Trading is 交易活动现状 (R5.5).
type Trading struct {
	SalesActivity  string `yaml:"sales_activity" json:"sales_activity"`
	Problems       string `yaml:"problems" json:"problems"`
	Strengths      string `yaml:"strengths" json:"strengths"`
	Plans          string `yaml:"plans" json:"plans"`
	Reputation     string `yaml:"reputation" json:"reputation"`
	CreditStanding string `yaml:"credit_standing" json:"credit_standing"`
	TradingTerms   string `yaml:"trading_terms" json:"trading_terms"`
	CreditProblems string `yaml:"credit_problems" json:"credit_problems"`
}

// Purchasing is the purchasing procedure and investment plans (R5.1).
type Purchasing struct {
	Procedure       string `yaml:"procedure" json:"procedure"`
	InvestmentPlans string `yaml:"investment_plans" json:"investment_plans"`
}

// CreditSurvey is the 客户信用调查表 (R8). The person in charge it asks
// about is Dossier.PersonInCharge; the founding and trading dates are the
// customer's.
type CreditSurvey struct {
	Number           string    `yaml:"number" json:"number"` // 编号
	Bank             string    `yaml:"bank" json:"bank"`
	BankAccount      string    `yaml:"bank_account" json:"bank_account"`
	BankStanding     string    `yaml:"bank_standing" json:"bank_standing"`
	Accounts         string    `yaml:"accounts" json:"accounts"`
	Bookkeeping      string    `yaml:"bookkeeping" json:"bookkeeping" check:"enum=bookkeeping"` // 账簿组织
	PeerOpinion      string    `yaml:"peer_opinion" json:"peer_opinion"`
	NeighbourOpinion string    `yaml:"neighbour_opinion" json:"neighbour_opinion"`
	Capital          float64   `yaml:"capital" json:"capital" check:"nonneg,written"`
	PaymentAttitude  string    `yaml:"payment_attitude" json:"payment_attitude" check:"enum=payment_attitude"`
	TradingVolume    float64   `yaml:"trading_volume" json:"trading_volume" check:"nonneg,written"`
	BusinessArea     string    `yaml:"business_area" json:"business_area"`             // 营业区域
	Location         string    `yaml:"location" json:"location" check:"enum=location"` // 经营地点
	BusinessLicence  string    `yaml:"business_licence" json:"business_licence"`       // 营业执照登记号码
	Office           Office    `yaml:"office" json:"office"`                           // 店铺/办公情况
	Products         []Product `yaml:"products" json:"products"`                       // 交易品种
	Surveyor         string    `yaml:"surveyor" json:"surveyor"`
	Date             Date      `yaml:"date" json:"date"`
	Score            *int      `yaml:"score" json:"score"`
	Class            string    `yaml:"class,omitempty" json:"class,omitempty" check:"enum=credit_class"`
	CreditLimit      float64   `yaml:"credit_limit,omitempty" json:"credit_limit,omitempty" check:"nonneg,written"` // 赊销额度（元）
	CreditTerm       string    `yaml:"credit_term,omitempty" json:"credit_term,omitempty"`
	PaymentMethod    string    `yaml:"payment_method" json:"payment_method"`           // 付款方式
	Guarantee        string    `yaml:"guarantee" json:"guarantee" check:"enum=yes_no"` // 是否担保
	Guarantor        string    `yaml:"guarantor" json:"guarantor"`                     // 担保人、担保方式
	Outstanding      *float64  `yaml:"outstanding" json:"outstanding" check:"nonneg"`  // 未清欠款（元）; nil: not recorded
	Manager          string    `yaml:"manager" json:"manager"`                         // 经理签字
	GeneralManager   string    `yaml:"general_manager" json:"general_manager"`         // 总经理签字
}

// Enumerations of the dossier's fields.
// The classifications come from package classify, so that what the
// validator accepts and what the rules understand cannot drift apart.
var (
	CustomerKinds = []string{"机构", "个人"}
	Sizes         = stringsOf(classify.SizeClasses())
	Relationships = classify.Relationships()
	Tiers         = stringsOf(classify.Tiers())
	// PaymentAttitude is the credit survey's scale, from 爽快 (prompt) to
	// 嗜欠尾款 (habitually leaves balances unpaid), then the four words
	// dossiers used before the survey's scale was adopted, still accepted.
	PaymentAttitude = []string{"爽快", "普通", "尚可", "迟延", "为难", "嗜欠尾款", "及时", "一般", "拖延", "拖欠"}
	CreditClasses   = stringsOf(classify.CreditClasses())
)

func stringsOf[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// FieldError is a problem with one field of a YAML document.
type FieldError struct {
	Path string // e.g. customer.name
	Line int
	Msg  string

	missing bool // a required field that is not given
}

func (e *FieldError) Error() string {
	switch {
	case e.Path != "" && e.Line > 0:
		return l10n.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Msg)
	case e.Line > 0:
		return l10n.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Path != "":
		return e.Path + ": " + e.Msg
	}
	return e.Msg
}

// ValidationError lists every problem found in a dossier.
type ValidationError struct{ Problems []*FieldError }

func (e *ValidationError) Error() string {
	var s []string
	for _, p := range e.Problems {
		s = append(s, p.Error())
	}
	return strings.Join(s, "; ")
}

// ErrEmptyDossier is returned for a document with nothing in it (an editor
// session whose buffer was emptied: the user gave up).
var ErrEmptyDossier = errors.New("empty dossier")

var unknownFieldRE = lazyRE(`^field (\S+) not found in type`)

var yamlLineRE = lazyRE(`^yaml: (?:unmarshal errors:\n\s*)?line (\d+): (.*)$`)

// ParseDossier decodes and validates a dossier's YAML text. Errors are a
// *ValidationError whose problems name the line and field.
//
// It is the check of every read (show, list, search, the reports, a
// merge) as well as of a write, so it stays lenient with what an older
// crm let into the archive: the checks of a field tagged `written` (see
// dossier_sections.go) are left to parseWritten, and a dossier kept with
// such a value still opens, lists, reports and verifies.
func ParseDossier(text []byte) (*Dossier, error) {
	return parseDossier(text, false)
}

// parseDossier is ParseDossier; written also runs the checks of the
// fields tagged `written` (parseWritten).
func parseDossier(text []byte, written bool) (*Dossier, error) {
	return parseDoc(readDoc(text), written)
}

// dossierDoc is a dossier's text and its node (dossierNode), read once for
// the several checks of one write: parseWritten, checkAgainstPolicy and
// ChangedFields each read the text again before, and the generator's
// edits (Bulk) spent a tenth of their time in yaml.v3 reading the same two
// texts five times. The node is only read, never changed.
type dossierDoc struct {
	text []byte
	top  *yaml.Node // the text's mapping; nil when err
	err  error      // dossierNode's
}

// readDoc reads text's node (dossierNode) for the checks that follow.
func readDoc(text []byte) *dossierDoc {
	top, err := dossierNode(text)
	return &dossierDoc{text: text, top: top, err: err}
}

// decode decodes the document into v: from its node when it has one, else
// from the text as yaml.Unmarshal reads it (a text dossierNode refused,
// such as an empty one, reads as it always did).
func (d *dossierDoc) decode(v any) error {
	if d.top != nil {
		return d.top.Decode(v)
	}
	return yaml.Unmarshal(d.text, v)
}

// parseDoc is parseDossier of a text already read.
func parseDoc(doc *dossierDoc, written bool) (*Dossier, error) {
	// The text is scanned once, into a node: the node gives line numbers
	// for every check, and the struct is decoded from it.
	top, err := doc.top, doc.err
	if err != nil {
		return nil, err
	}
	if ps := unknownFields(top, reflect.TypeFor[Dossier](), ""); len(ps) > 0 {
		return nil, &ValidationError{ps}
	}
	// Values that do not decode are reported with what the checks below
	// find in the rest (a field that failed to decode is not checked again).
	var d Dossier
	ps, err := decodeNode(top, &d)
	if err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	for _, p := range ps {
		failed[p.Path] = true
		if strings.Contains(p.Msg, "already defined") {
			// A key given twice stops the decoding of its whole
			// mapping: the other checks would report what is not wrong.
			return nil, &ValidationError{ps}
		}
	}
	var checked []*FieldError
	checkFields(reflect.ValueOf(&d).Elem(), top, "", 0, written, &checked)
	for _, p := range checked {
		if !failed[p.Path] {
			ps = append(ps, p)
		}
	}
	ps = append(ps, crossChecks(top, &d)...)
	if len(ps) > 0 {
		return nil, &ValidationError{ps}
	}
	// Complaints are kept two years unless the record says otherwise
	// (sister rules, "Intake and records").
	for i := range d.Contacts {
		if c := &d.Contacts[i]; c.Kind == ContactComplaint && c.KeepUntil.IsZero() {
			c.KeepUntil, c.keepDefaulted = ComplaintKeepUntil(c.Date), true
		}
	}
	return &d, nil
}

// parseWritten is ParseDossier for a text about to be written (a new
// dossier, an edit): it also refuses a key given twice in one mapping.
// yaml.v3 refuses that in the fields it decodes, but in extra: (the
// department's own fields) the later value silently won, and what the
// user wrote first was lost. It refuses control and invisible characters
// (UnsafeRune) in every key and value. It also runs the checks of the fields tagged
// `written` (a head count of 3.7 or -5, a negative turnover or capital),
// which older crm did not make. Only writes refuse these: a dossier
// already kept that way still opens, and its next edit must mend it.
func parseWritten(text []byte) (*Dossier, error) { return parseWrittenDoc(readDoc(text)) }

// parseWrittenDoc is parseWritten of a text already read.
func parseWrittenDoc(doc *dossierDoc) (*Dossier, error) {
	d, err := parseDoc(doc, true)
	if err != nil {
		return nil, err
	}
	top := doc.top
	if ps := twiceGiven(top, top); len(ps) > 0 {
		return nil, &ValidationError{ps}
	}
	if ps := unsafeText(top, "", doc.text); len(ps) > 0 {
		return nil, &ValidationError{ps}
	}
	return d, nil
}

// CheckUpdate checks newText, an edit of oldText, as Update writes it:
// what ParseWritten checks, but a problem only a write refuses (a field
// tagged `written`, see dossier_sections.go) that oldText already had, in
// a field the edit leaves as it was, does not stop it. A dossier an older
// crm kept with a head count of -5 can still have a contact added or its
// expired complaints removed (R6.9's retention); the edit that touches
// that field must mend it, and no new such value gets in.
func CheckUpdate(oldText, newText []byte) error {
	return checkUpdateDocs(readDoc(oldText), readDoc(newText))
}

// checkUpdateDocs is CheckUpdate of two texts already read.
func checkUpdateDocs(od, nd *dossierDoc) error {
	_, err := parseWrittenDoc(nd)
	var ve *ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	var old *ValidationError
	if _, oerr := parseWrittenDoc(od); !errors.As(oerr, &old) {
		return err
	}
	changed, cerr := changedFieldsDocs(od, nd)
	if cerr != nil {
		// A key given twice (yaml.v3 refuses it where ChangedFields
		// reads): that is what to mend, not the old value it kept. The
		// node is the one read already (nil when the text did not read).
		if nd.top != nil {
			if dups := twiceGiven(nd.top, nd.top); len(dups) > 0 {
				return &ValidationError{dups}
			}
		}
		return err
	}
	had := map[[2]string]bool{}
	for _, p := range old.Problems {
		had[[2]string{p.Path, p.Msg}] = true
	}
	var left []*FieldError
	for _, p := range ve.Problems {
		if !had[[2]string{p.Path, p.Msg}] || slices.Contains(changed, p.Path) {
			left = append(left, p)
		}
	}
	if len(left) == 0 {
		if _, lerr := parseDoc(nd, false); lerr != nil {
			return err // a problem every read refuses is never let in
		}
		return nil
	}
	return &ValidationError{left}
}

// ParseWritten is ParseDossier with the checks of a write (parseWritten),
// for a text made to be written whole: a new dossier in the editor, an
// import's rows before any is created (all or nothing). An edit of a
// dossier is checked with CheckUpdate.
func ParseWritten(text []byte) (*Dossier, error) { return parseWritten(text) }

// twiceGiven reports each key given again in a mapping under n (a merge
// key, <<, may be).
func twiceGiven(top, n *yaml.Node) []*FieldError {
	var ps []*FieldError
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
				if line, again := first[k.Value]; again {
					ps = append(ps, &FieldError{Path: pathAtLine(top, k.Line), Line: k.Line,
						Msg: l10n.Sprintf("key %q is given twice (first on line %d): keep one, or the first value is lost", k.Value, line)})
				} else {
					first[k.Value] = k.Line
				}
			}
			ps = append(ps, twiceGiven(top, n.Content[i+1])...)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			ps = append(ps, twiceGiven(top, c)...)
		}
	}
	return ps
}

// dossierNode is the mapping node of a dossier's one YAML document, or
// ErrEmptyDossier, or a *ValidationError for text that is not one mapping.
func dossierNode(text []byte) (*yaml.Node, error) {
	// A dossier in crm's own form (a template filled in) is read without
	// yaml.v3, to the same node: one mapping, no alias, one document.
	if top, ok := journal.ReadMapping(text); ok {
		return top, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var root yaml.Node
	if err := dec.Decode(&root); err == io.EOF {
		return nil, ErrEmptyDossier
	} else if err != nil {
		return nil, &ValidationError{[]*FieldError{syntaxError(text, err)}}
	}
	if len(root.Content) == 0 || (root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null") {
		return nil, ErrEmptyDossier
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, &ValidationError{[]*FieldError{{Line: top.Line, Msg: l10n.T("a dossier must be a YAML mapping of fields (customer:, owner:, …)")}}}
	}
	// One document per dossier: a second one would be stored but never
	// validated.
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			line = syntaxError(text, err).Line
		}
		return nil, &ValidationError{[]*FieldError{{Line: line, Msg: l10n.T("a dossier is one YAML document: remove the second one (after ---)")}}}
	}
	// An alias inside the node it names is a loop: decoding into the struct
	// lets it through, but every later reading of the text (ChangedFields
	// on the next edit, show --json) refuses it.
	if a := loopingAlias(top, make([]*yaml.Node, 0, 32)); a != nil {
		return nil, &ValidationError{[]*FieldError{{Path: pathAtLine(top, a.Line), Line: a.Line, Msg: l10n.Sprintf("*%s refers to the value it is part of: write the value out instead", a.Value)}}}
	}
	// Aliases to aliases multiply: 30 lines of `b: &b [*a, *a]` are a
	// billion values once read out, which every reading of the text
	// (extra:'s values, show --json) walks.
	if fe := swellingProblem(text, top); fe != nil {
		return nil, &ValidationError{[]*FieldError{fe}}
	}
	return top, nil
}

// swellingProblem is the problem of text, parsed as top, if its aliases
// read out pass maxExpandedNodes (swellingAlias), naming the alias at
// which they do; nil if not. A text without a * holds no alias: nothing
// is counted.
func swellingProblem(text []byte, top *yaml.Node) *FieldError {
	if bytes.IndexByte(text, '*') < 0 {
		return nil
	}
	a := swellingAlias(top)
	if a == nil {
		if a = copiedAlias(top); a != nil {
			return &FieldError{Path: pathAtLine(top, a.Line), Line: a.Line, Msg: l10n.Sprintf("*%s and the aliases before it make nearly every value of the text a copy, which YAML readers refuse: write the values out instead", a.Value)}
		}
		return nil
	}
	return &FieldError{Path: pathAtLine(top, a.Line), Line: a.Line, Msg: l10n.Sprintf("*%s and the aliases before it make the text too large once read out: write the values out instead", a.Value)}
}

// crossChecks are the rules between fields, or on a field's range, that
// the `check:` tags do not say: the credit score is a whole number 0–100,
// trading began after the founding, a record is not kept until before its
// own date.
func crossChecks(top *yaml.Node, d *Dossier) []*FieldError {
	var ps []*FieldError
	if n := nodeAt(top, "credit_survey.score"); n != nil && n.Tag != "!!null" && n.Tag != "!!int" {
		ps = append(ps, &FieldError{Path: "credit_survey.score", Line: n.Line, Msg: l10n.Sprintf("%q is not a whole number 0–100", n.Value)})
	} else if s := d.CreditSurvey.Score; s != nil && (*s < 0 || *s > 100) {
		ps = append(ps, &FieldError{Path: "credit_survey.score", Line: lineOf(top, "credit_survey.score"), Msg: l10n.Sprintf("%d is outside 0–100", *s)})
	}
	if !d.Customer.Founded.IsZero() && !d.Customer.TradingSince.IsZero() && d.Customer.TradingSince.Before(d.Customer.Founded.Time) {
		ps = append(ps, &FieldError{Path: "customer.trading_since", Line: lineOf(top, "customer.trading_since"), Msg: l10n.T("is before customer.founded")})
	}
	contacts := nodeAt(top, "contacts")
	for i, c := range d.Contacts {
		if !c.KeepUntil.IsZero() && !c.Date.IsZero() && c.KeepUntil.Before(c.Date.Time) {
			var line int
			if contacts != nil && contacts.Kind == yaml.SequenceNode && i < len(contacts.Content) {
				line = lineOf(contacts.Content[i], "keep_until")
			}
			ps = append(ps, &FieldError{Path: fmt.Sprintf("contacts[%d].keep_until", i), Line: line, Msg: l10n.T("is before the record's date")})
		}
		if c.CreditChange != nil {
			var item *yaml.Node
			if contacts != nil && contacts.Kind == yaml.SequenceNode && i < len(contacts.Content) {
				item = contacts.Content[i]
			}
			ps = append(ps, creditChangeChecks(item, &c, fmt.Sprintf("contacts[%d].", i))...)
		}
	}
	return ps
}

// creditChangeChecks are the rules of a contact record's credit change
// (信用异动, CreditChange) that the `check:` tags do not say: only a
// visit (拜访) notes one, and its class changed. item is the record's
// mapping node (nil: no lines known), prefix the record's path and a dot
// ("contacts[2].", "" for a record on its own).
func creditChangeChecks(item *yaml.Node, c *Contact, prefix string) []*FieldError {
	cc := c.CreditChange
	if cc == nil {
		return nil
	}
	line := func(path string) int {
		if item == nil || item.Kind != yaml.MappingNode {
			return 0
		}
		return lineOf(item, path)
	}
	var ps []*FieldError
	if c.Kind != "" && c.Kind != ContactVisit {
		ps = append(ps, &FieldError{Path: prefix + "credit_change", Line: line("credit_change"),
			Msg: l10n.Sprintf("a change in credit (信用异动) is noted on a visit (%s), not on a %s record: file it with a visit, or leave credit_change out", ContactVisit, c.Kind)})
	}
	if cc.From != "" && cc.From == cc.To {
		ps = append(ps, &FieldError{Path: prefix + "credit_change.to", Line: line("credit_change.to"),
			Msg: l10n.Sprintf("is %s, as from: is: a class that did not change is no change in credit; give the class the customer changed to, or leave credit_change out", cc.To)})
	}
	return ps
}

// checkFields checks the decoded struct v against the `check:` tags of its
// fields (see dossier_sections.go), recursively; n is v's mapping node (nil
// when absent) and line the line to report for a field that is not there.
// Every number must be finite. The checks of a field tagged `written` run
// only when written is set (a text about to be written: parseWritten).
func checkFields(v reflect.Value, n *yaml.Node, path string, line int, written bool, ps *[]*FieldError) {
	if n != nil && n.Kind != yaml.MappingNode {
		n = nil
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		key, val := child(n, f.name)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
			if fv.Kind() == reflect.Struct && val != nil && val.Kind != yaml.MappingNode {
				continue // not a mapping: decodeNode said so, and nothing in it is to check
			}
		}
		c := fieldCheck{f: f, parent: path, line: line, val: val, written: written, ps: ps}
		if key != nil {
			c.line = key.Line
		}
		c.check(fv)
	}
}

// fieldCheck is the check of one field's value: its tags, where it is
// (its value node, nil when absent, and the line to report) and where its
// problems go.
type fieldCheck struct {
	f       fieldInfo
	parent  string
	line    int
	val     *yaml.Node
	written bool // the text is about to be written: parseWritten
	ps      *[]*FieldError
}

// nonneg reports whether the field's number must be a non-negative one
// (and an int field's a whole one) here: a `written` field's only when the
// text is about to be written.
func (c *fieldCheck) nonneg() bool {
	return c.f.nonneg && (c.written || !c.f.written)
}

// path is the field's dotted path, made only when needed: most fields are
// fine.
func (c *fieldCheck) path() string {
	if c.parent == "" {
		return c.f.name
	}
	return c.parent + "." + c.f.name
}

func (c *fieldCheck) bad(msg string) {
	*c.ps = append(*c.ps, &FieldError{Path: c.path(), Line: c.line, Msg: msg})
}

func (c *fieldCheck) required() {
	*c.ps = append(*c.ps, &FieldError{Path: c.path(), Line: c.line, Msg: l10n.T("is required"), missing: true})
}

func (c *fieldCheck) check(fv reflect.Value) {
	switch fv.Kind() {
	case reflect.String:
		c.checkString(fv.String())
	case reflect.Float64:
		c.checkFloat(fv.Float())
	case reflect.Int:
		c.checkInt(fv.Int())
	case reflect.Struct:
		if d, ok := fv.Interface().(Date); ok {
			if c.f.required && d.IsZero() {
				c.required()
			}
			return
		}
		checkFields(fv, c.val, c.path(), c.line, c.written, c.ps)
	case reflect.Slice:
		c.checkItems(fv)
	}
}

func (c *fieldCheck) checkString(s string) {
	if c.f.required && strings.TrimSpace(s) == "" {
		c.required()
	} else if c.f.enum != nil && s != "" && !slices.Contains(c.f.enum, s) {
		c.bad(l10n.Sprintf("%q is not one of %s", s, strings.Join(c.f.enum, " / ")))
	}
}

func (c *fieldCheck) checkFloat(x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		c.bad(l10n.T("must be a number, not NaN or infinity"))
	} else if c.nonneg() && x < 0 {
		c.bad(l10n.T("must not be negative"))
	}
}

func (c *fieldCheck) checkInt(x int64) {
	// YAML decodes 40.7 into an int as 40: refuse it (every int field is
	// nonneg; characteristics.staff only on write, as it was once let in).
	if c.nonneg() && c.val != nil && c.val.Kind == yaml.ScalarNode && c.val.Tag == "!!float" {
		c.bad(l10n.Sprintf("%q is not a whole number", c.val.Value))
	} else if c.nonneg() && x < 0 {
		c.bad(l10n.T("must not be negative"))
	}
}

// checkItems checks each item of a list of records.
func (c *fieldCheck) checkItems(fv reflect.Value) {
	if fv.Type().Elem().Kind() != reflect.Struct {
		return
	}
	for i := range fv.Len() {
		var item *yaml.Node
		iline := c.line
		if c.val != nil && c.val.Kind == yaml.SequenceNode && i < len(c.val.Content) {
			item = c.val.Content[i]
			iline = item.Line
		}
		checkFields(fv.Index(i), item, fmt.Sprintf("%s[%d]", c.path(), i), iline, c.written, c.ps)
	}
}

// fieldInfo is what checkFields needs of one struct field.
type fieldInfo struct {
	index            int
	name             string
	required, nonneg bool
	written          bool // the checks run on write only (parseWritten)
	enum             []string
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

// fieldsOf returns the YAML fields of struct type t with their checks,
// computed once per type.
func fieldsOf(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		f := fieldInfo{index: i, name: name}
		for _, c := range strings.Split(sf.Tag.Get("check"), ",") {
			switch {
			case c == "required":
				f.required = true
			case c == "nonneg":
				f.nonneg = true
			case c == "written":
				f.written = true
			case strings.HasPrefix(c, "enum="):
				e, ok := Enums[strings.TrimPrefix(c, "enum=")]
				if !ok {
					panic("archive: " + t.String() + "." + sf.Name + ": no enumeration " + c)
				}
				f.enum = e
			}
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

// child returns the key and value nodes of key in mapping n (the last one
// if written twice), or nils.
func child(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			k, v = n.Content[i], n.Content[i+1]
		}
	}
	return k, v
}

// loopingAlias returns the first alias under n that names n or one of its
// parents (in stack), or nil.
func loopingAlias(n *yaml.Node, stack []*yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		if slices.Contains(stack, n.Alias) || n.Alias == n {
			return n
		}
		return nil
	}
	stack = append(stack, n)
	for _, c := range n.Content {
		if a := loopingAlias(c, stack); a != nil {
			return a
		}
	}
	return nil
}

// maxExpandedNodes is how many values a dossier may hold with its
// aliases read out: far more than any form filled in holds.
const maxExpandedNodes = 100_000

// swellingAlias is the alias of top (which holds no loop: loopingAlias)
// at which its values, aliases read out, pass maxExpandedNodes, or nil.
// Each node's size is counted once, so that this is quick itself.
func swellingAlias(top *yaml.Node) *yaml.Node {
	sizes := map[*yaml.Node]int{}
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			return size(n.Alias)
		}
		if s, ok := sizes[n]; ok {
			return s
		}
		s := 1
		for _, c := range n.Content {
			s = min(s+size(c), maxExpandedNodes+1)
		}
		sizes[n] = s
		return s
	}
	if size(top) <= maxExpandedNodes {
		return nil
	}
	// The first alias, in the text's order, at which the count passes.
	total := 0
	var walk func(n *yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if n.Kind == yaml.AliasNode {
			if total += size(n); total > maxExpandedNodes {
				return n
			}
			return nil
		}
		total++
		for _, c := range n.Content {
			if a := walk(c); a != nil {
				return a
			}
		}
		return nil
	}
	return walk(top)
}

// copiedAlias is the alias of top (which holds no loop, and fewer than
// maxExpandedNodes values with its aliases read out: swellingAlias) at
// which yaml.v3, reading the text into values, would refuse it as
// "document contains excessive aliasing": past 1,000 values read, more
// than 99 in 100 of them read through an alias, counted as it reads them
// (its decoder's decodeCount and aliasCount, the document's node first).
// The struct a write decodes into leaves extra:'s values as they are, but
// every later reading of the text reads them out (ChangedFields at the
// next edit, show --json): ten lines of `b: &b [*a, *a]` are only ~4,000
// values, yet nearly all copies. Nil if yaml.v3 would read it.
func copiedAlias(top *yaml.Node) *yaml.Node {
	decoded, aliased := 1, 0 // the document's node
	var at *yaml.Node        // the alias being read out, or the last one
	var read func(n *yaml.Node, depth int) bool
	read = func(n *yaml.Node, depth int) bool {
		decoded++
		if depth > 0 {
			aliased++
		}
		if aliased > 100 && decoded > 1000 && float64(aliased)/float64(decoded) > 0.99 {
			return false
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return true
			}
			if depth == 0 {
				at = n
			}
			return read(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if !read(c, depth) {
				return false
			}
		}
		return true
	}
	if read(top, 0) || at == nil {
		return nil
	}
	return at
}

// decodeNode decodes mapping top into v. The problems of single values
// (yaml's type errors, bad dates) come back as FieldErrors with their paths;
// any other failure is returned as a *ValidationError.
func decodeNode(top *yaml.Node, v any) ([]*FieldError, error) {
	err := top.Decode(v)
	if err == nil {
		return nil, nil
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Path = pathAtLine(top, fe.Line)
		return nil, &ValidationError{[]*FieldError{fe}}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var ps []*FieldError
		for _, m := range te.Errors {
			p := yamlError(errors.New("yaml: " + m))
			p.Path = pathAtLine(top, p.Line)
			ps = append(ps, p)
		}
		return ps, nil
	}
	return nil, &ValidationError{[]*FieldError{yamlError(err)}}
}

// syntaxError is yamlError for text that did not parse. yaml's reader
// refuses a control character (an Esc pasted in vim with Ctrl-V) with no
// line: the line is found here, so that the editor and --from name the
// line and field as for an escaped one (unsafeText).
func syntaxError(text []byte, err error) *FieldError {
	fe := yamlError(err)
	if !strings.Contains(err.Error(), "control characters are not allowed") {
		fe.Line = SyntaxLine(text, fe.Line, fe.Msg)
		return fe
	}
	if fe.Line > 0 {
		return fe
	}
	line := 1
	for i, r := range string(text) {
		switch {
		case lineBreakLen(text[i:]) > 0:
			if r != '\n' || i == 0 || text[i-1] != '\r' { // \r\n is one break
				line++
			}
		case r == '\t':
		case r < 0x20, r == 0x7f, r > 0x85 && r < 0xa0, r >= 0xd800 && r < 0xe000, r == 0xfffe, r == 0xffff:
			return &FieldError{Line: line, Msg: l10n.Sprintf("holds %U, a control or invisible character: remove it", r)}
		}
	}
	return fe
}

// yamlParserProblems are the messages of yaml.v3's parser (parserc.go),
// as opposed to its scanner's. yaml.v3 names a parser error's line by the
// 0-based number of its mark (go-yaml/yaml#205), one line above it, and
// that mark is where the collection in error begins (the [ of a list not
// closed, the first key of the mapping whose indentation is wrong) unless
// that is on line 1: then it is where the parser stopped.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// SyntaxLine is the line of text that yaml's syntax error msg is about,
// given the line yaml named (0 for none): of a dossier, and of any YAML
// file crm reads (a report's layout). A scanner's line is right. A
// parser's is one line above its mark (yamlParserProblems), and the mark
// may be the start of the mapping, not the line at fault: the line is the
// first from the mark's on whose text up to its end already fails with
// msg (the [ of a list never closed, the key indented wrong), and an error
// found at the end of the text is on its last line that holds anything.
// An error named with no line (its marks on line 1 for yaml, or one that
// is not the parser's: an alias to no anchor) is searched for from line 1.
func SyntaxLine(text []byte, line int, msg string) int {
	start := line
	switch {
	case slices.Contains(yamlParserProblems, msg):
		start = line + 1
	case line > 0:
		return line
	default:
		start = 1
	}
	// ends[k] is the length of the text up to the end of line k.
	ends := []int{0}
	last := 0 // the last line that holds anything
	for i, l := range yamlLines(text) {
		ends = append(ends, ends[i]+len(l))
		if len(bytes.TrimSpace(l)) > 0 {
			last = i + 1
		}
	}
	if last == 0 {
		return 0 // no text
	}
	fails := func(k int) bool { return failsWith(text[:ends[k]], msg) }
	start = min(start, last+1) // a mark at the end of the text
	if start > 1 && fails(start-1) {
		// The text fails already before the mark's line: the mark is
		// where the parser stopped, not where the collection in error
		// began, for yaml names no line for that on line 1 (`extra:
		// [a, b` with lines below it). Searched for from line 1.
		if k := firstFailing(1, start-1, fails); k > 0 {
			return k
		}
	}
	if start > last {
		return last // found at the end of the text
	}
	if k := firstFailing(start, last, fails); k > 0 {
		return k
	}
	if line == 0 && start == 1 {
		return 0 // not found: no line is better than a wrong one
	}
	return start
}

// yamlLines splits text after each of its line breaks as yaml.v3 counts
// them (is_break in its scanner): \n, \r\n (one break), a lone \r, NEL
// (U+0085), LS (U+2028) and PS (U+2029). A text typed on an old Mac, or
// pasted from a web page or a word processor, holds the last four: split
// on \n only, it was one line, and an error below its first line was
// said to be on line 1.
func yamlLines(text []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i := 0; i < len(text); {
		n := lineBreakLen(text[i:])
		if n == 0 {
			i++
			continue
		}
		i += n
		lines = append(lines, text[start:i])
		start = i
	}
	return append(lines, text[start:])
}

// TextLines is text's lines as yaml.v3 counts them (yamlLines), each
// without its line break: a problem's Line k is TextLines(text)[k-1], for
// a command that reads the line itself (the field a syntax error is in).
func TextLines(text []byte) []string {
	lines := yamlLines(text)
	out := make([]string, len(lines))
	for i, l := range lines {
		// Only a line's end is a break (\r\n first: one break).
		for _, br := range []string{"\r\n", "\n", "\r", "\u0085", "\u2028", "\u2029"} {
			if bytes.HasSuffix(l, []byte(br)) {
				l = l[:len(l)-len(br)]
				break
			}
		}
		out[i] = string(l)
	}
	return out
}

// lineBreakLen is the length of the line break that b starts with
// (yamlLines), else 0.
func lineBreakLen(b []byte) int {
	switch {
	case len(b) == 0:
		return 0
	case b[0] == '\n':
		return 1
	case b[0] == '\r':
		if len(b) > 1 && b[1] == '\n' {
			return 2
		}
		return 1
	case bytes.HasPrefix(b, []byte("\u0085")):
		return 2
	case bytes.HasPrefix(b, []byte("\u2028")), bytes.HasPrefix(b, []byte("\u2029")):
		return 3
	}
	return 0
}

// firstFailing is the first line k from start to last for which fails
// holds, or 0: it tries start, then lines further and further on, then
// halves the gap before the first that fails, so that a long text is
// parsed a few times, not once for each line. Whether the text up to a
// line fails does not change back and forth in the texts a person writes
// (a list left open stays open), which halving relies on.
func firstFailing(start, last int, fails func(int) bool) int {
	if fails(start) {
		return start
	}
	lo, hi := start, 0 // lo: does not fail; hi: fails
	for step := 1; hi == 0; step *= 2 {
		k := min(lo+step, last)
		if fails(k) {
			hi = k
		} else if k == last {
			return 0
		} else {
			lo = k
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// failsWith reports whether yaml refuses text, each of its documents,
// with msg.
func failsWith(text []byte, msg string) bool {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return false
		}
		if err != nil {
			return yamlError(err).Msg == msg
		}
	}
}

func yamlError(err error) *FieldError {
	msg := err.Error()
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		msg := m[2]
		if u := unknownFieldRE().FindStringSubmatch(msg); u != nil {
			msg = l10n.Sprintf("unknown field %q (the dossier template lists every field)", u[1])
		}
		return &FieldError{Line: line, Msg: msg}
	}
	return &FieldError{Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// unknownFields reports the keys of mapping n that struct type t has no
// field for, recursively (what yaml's KnownFields does when decoding text,
// which a node decode cannot). Types that decode themselves stop the walk.
func unknownFields(n *yaml.Node, t reflect.Type, prefix string) []*FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return nil
	}
	var ps []*FieldError
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := fieldsOf(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			j := slices.IndexFunc(fields, func(f fieldInfo) bool { return f.name == k })
			if j < 0 {
				ps = append(ps, &FieldError{Path: path, Line: n.Content[i].Line, Msg: l10n.Sprintf("unknown field %q (the dossier template lists every field)", k)})
				continue
			}
			ps = append(ps, unknownFields(n.Content[i+1], t.Field(fields[j].index).Type, path)...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			ps = append(ps, unknownFields(c, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i))...)
		}
	}
	return ps
}

// lineOf returns the line of the value at a dotted path, or of the closest
// existing parent key, or 0.
func lineOf(n *yaml.Node, path string) int {
	line := 0
	for _, k := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

// nodeAt returns the value node at a dotted path, or nil.
func nodeAt(n *yaml.Node, path string) *yaml.Node {
	for _, k := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// pathAtLine returns the dotted path of the deepest key on the given line.
func pathAtLine(n *yaml.Node, line int) string {
	var best string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Kind != yaml.ScalarNode {
					continue // a list or mapping as a key has no path
				}
				p := n.Content[i].Value
				if prefix != "" {
					p = prefix + "." + p
				}
				if n.Content[i].Line == line || n.Content[i+1].Line == line {
					best = p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", prefix, i))
			}
		}
	}
	walk(n, "")
	return best
}

// ChangedFields compares two dossier texts and returns the sorted dotted
// paths of the values that were added, removed or changed. Comments and key
// order do not count. Values are never returned.
//
// The two texts are parsed side by side: a batch of edits (Bulk) spends
// much of its one busy core here.
func ChangedFields(oldText, newText []byte) ([]string, error) {
	return changedFieldsDocs(&dossierDoc{text: oldText}, &dossierDoc{text: newText})
}

// changedFieldsDocs is ChangedFields of two texts, read from their nodes
// where they have one (readDoc).
func changedFieldsDocs(od, nd *dossierDoc) ([]string, error) {
	var a map[string]string
	var aerr error
	var wg sync.WaitGroup
	wg.Go(func() { a, aerr = flatten(od) })
	b, err := flatten(nd)
	wg.Wait()
	if aerr != nil && strings.Contains(aerr.Error(), "already defined") {
		// An old text kept with a key given twice in extra: (before new
		// and edit refused it: parseWritten) maps to nothing: every field
		// of the new text counts as changed, so that the step that mends
		// it can be written.
		a, aerr = map[string]string{}, nil
	}
	if aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func flatten(doc *dossierDoc) (map[string]string, error) {
	var v any
	if err := doc.decode(&v); err != nil {
		return nil, err
	}
	m := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		// Keys are walked in order: two keys may give one path (0 and
		// 0.0, or a.b and a: {b:}), and the last walked is kept, the same
		// every time (a map's own order is random).
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x[k])
			}
		case map[any]any: // a mapping with keys that are not all text (extra:)
			type key struct {
				text, kind string
				v          any // looked up, a NaN key finds nothing
			}
			keys := make([]key, 0, len(x))
			for k, v := range x {
				keys = append(keys, key{fmt.Sprint(k), fmt.Sprintf("%T", k), v})
			}
			slices.SortFunc(keys, func(a, b key) int {
				// (The values last: keys .nan and .NaN are both NaN.)
				return cmp.Or(strings.Compare(a.text, b.text), strings.Compare(a.kind, b.kind),
					strings.Compare(fmt.Sprint(a.v), fmt.Sprint(b.v)))
			})
			for _, k := range keys {
				p := k.text
				if prefix != "" {
					p = prefix + "." + p
				}
				walk(p, k.v)
			}
		case []any:
			// A list is compared as a whole; its items are not addressed.
			b, _ := yaml.Marshal(x)
			m[prefix] = string(b)
		default:
			m[prefix] = fmt.Sprintf("%T:%v", x, x)
		}
	}
	walk("", v)
	return m, nil
}

// lazyRE is expr, compiled on first use rather than as every command
// starts (as cmd/crm does with its own).
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
