package archive

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// The sections of the dossier that carry the sister rules' two survey forms
// (客户信息调查表 and 客户信用调查表), individual customers, the contact
// records and the department's own fields. Every one is optional: a dossier
// written before they existed stays valid.
//
// Struct tags under `check:` are read by checkFields:
//
//	required   the value must be given (a non-blank text, a date)
//	nonneg     a number must not be negative, an int a whole number (every
//	           number must be finite)
//	written    the field's checks run only on a text about to be written
//	           (parseWritten): an older crm let such values in, and a
//	           dossier kept with one must still open, list and report
//	enum=NAME  a text must be one of Enums[NAME] when given

// ContactPerson is the customer's 接洽人: who we deal with day to day
// (客户信息调查表).
type ContactPerson struct {
	Name             string `yaml:"name" json:"name"`
	Title            string `yaml:"title" json:"title"`                       // 职务
	Responsibilities string `yaml:"responsibilities" json:"responsibilities"` // 负责事项
	Character        string `yaml:"character" json:"character"`               // 性格
	Phone            string `yaml:"phone" json:"phone"`                       // 直线或手机
}

// Person is the customer's legal representative (法定代表人) or person in
// charge (负责人): the 客户信息调查表 asks age, education and character, the
// 客户信用调查表 the rest.
type Person struct {
	Name           string `yaml:"name" json:"name"`
	Title          string `yaml:"title" json:"title"`                     // 职务、名誉职位
	Age            int    `yaml:"age" json:"age" check:"nonneg"`          // 年龄
	Education      string `yaml:"education" json:"education"`             // 学历
	Character      string `yaml:"character" json:"character"`             // 性格、气质
	Home           string `yaml:"home" json:"home"`                       // 住所
	Phone          string `yaml:"phone" json:"phone"`                     // 住所电话
	Interests      string `yaml:"interests" json:"interests"`             // 兴趣
	Reputation     string `yaml:"reputation" json:"reputation"`           // 声誉
	Origin         string `yaml:"origin" json:"origin"`                   // 籍贯、出身地
	Experience     string `yaml:"experience" json:"experience"`           // 经历
	Eloquence      string `yaml:"eloquence" json:"eloquence"`             // 口才：能说 / 普通 / 口拙
	Habits         string `yaml:"habits" json:"habits"`                   // 嗜好
	Strengths      string `yaml:"strengths" json:"strengths"`             // 长处、特长
	Weaknesses     string `yaml:"weaknesses" json:"weaknesses"`           // 短处
	TechnicalSkill string `yaml:"technical_skill" json:"technical_skill"` // 技术：熟练 / 不很熟练 / 不熟
}

// Survey is what the 客户信息调查表 records beyond the basic record: the
// surveyor's judgement of how the customer does business, and its dealings
// with us.
type Survey struct {
	BusinessStyle     string       `yaml:"business_style" json:"business_style" check:"enum=business_style"`             // 经营作风
	BusinessCondition string       `yaml:"business_condition" json:"business_condition" check:"enum=business_condition"` // 经营状况
	Prices            string       `yaml:"prices" json:"prices" check:"enum=prices"`                                     // 价格
	PeakMonthlySales  float64      `yaml:"peak_monthly_sales" json:"peak_monthly_sales" check:"nonneg"`                  // 旺季月销售额（元）
	LowMonthlySales   float64      `yaml:"low_monthly_sales" json:"low_monthly_sales" check:"nonneg"`                    // 淡季月销售额（元）
	Standing          string       `yaml:"standing" json:"standing" check:"enum=standing"`                               // 同业地位
	PaymentTerms      PaymentTerms `yaml:"payment_terms" json:"payment_terms"`
	Dealings          Dealings     `yaml:"dealings" json:"dealings"`
	Surveyor          string       `yaml:"surveyor" json:"surveyor"`   // 调查人
	Reviewer          string       `yaml:"reviewer" json:"reviewer"`   // 审核人
	InCharge          string       `yaml:"in_charge" json:"in_charge"` // 负责人（本公司）
	Date              Date         `yaml:"date" json:"date"`           // 调查日期
}

// PaymentTerms are the customer's 付款条件: term, method and procedure.
type PaymentTerms struct {
	Term      string `yaml:"term" json:"term"`           // 期限
	Method    string `yaml:"method" json:"method"`       // 方式
	Procedure string `yaml:"procedure" json:"procedure"` // 手续
}

// Dealings are the customer's dealings with us (与本公司往来).
type Dealings struct {
	MainProducts      string  `yaml:"main_products" json:"main_products"`                            // 主要采购产品
	PeakMonthlyAmount float64 `yaml:"peak_monthly_amount" json:"peak_monthly_amount" check:"nonneg"` // 旺季月采购额（元）
	LowMonthlyAmount  float64 `yaml:"low_monthly_amount" json:"low_monthly_amount" check:"nonneg"`   // 淡季月采购额（元）
	Total             float64 `yaml:"total" json:"total" check:"nonneg"`                             // 累计往来金额（元）
}

// Office is the credit survey's 店铺/办公情况: vehicles and premises.
type Office struct {
	VehiclesOwned  int     `yaml:"vehicles_owned" json:"vehicles_owned" check:"nonneg"`   // 自有车辆
	VehiclesRented int     `yaml:"vehicles_rented" json:"vehicles_rented" check:"nonneg"` // 租用车辆
	District       string  `yaml:"district" json:"district"`                              // 场所：繁华区 / 一般商业区 / 偏僻地区
	Tenure         string  `yaml:"tenure" json:"tenure" check:"enum=tenure"`              // 自有 / 租用
	Area           float64 `yaml:"area" json:"area" check:"nonneg"`                       // 面积（平方米）
	Finish         string  `yaml:"finish" json:"finish"`                                  // 装饰：精装 / 普通 / 差
	Floors         int     `yaml:"floors" json:"floors" check:"nonneg"`                   // 层数
	MarketValue    float64 `yaml:"market_value" json:"market_value" check:"nonneg"`       // 市价（元）
	Insurance      float64 `yaml:"insurance" json:"insurance" check:"nonneg"`             // 保险金额（元），0 为无
}

// Product is one line of the credit survey's 交易品种: what the customer
// trades, by brand, with monthly and yearly volume and amount.
type Product struct {
	Name          string  `yaml:"name" json:"name"`
	Brand         string  `yaml:"brand" json:"brand"`
	MonthlyVolume float64 `yaml:"monthly_volume" json:"monthly_volume" check:"nonneg"`
	MonthlyAmount float64 `yaml:"monthly_amount" json:"monthly_amount" check:"nonneg"`
	YearlyVolume  float64 `yaml:"yearly_volume" json:"yearly_volume" check:"nonneg"`
	YearlyAmount  float64 `yaml:"yearly_amount" json:"yearly_amount" check:"nonneg"`
}

// Individual is what the sister rules survey of an individual customer
// (customer.kind: 个人).
type Individual struct {
	Gender      string `yaml:"gender" json:"gender"`
	BirthDate   Date   `yaml:"birth_date" json:"birth_date"`
	IDNumber    string `yaml:"id_number" json:"id_number"` // 身份证号：text, never a number
	Occupation  string `yaml:"occupation" json:"occupation"`
	Employer    string `yaml:"employer" json:"employer"`
	Family      string `yaml:"family" json:"family"`           // 家庭情况
	Income      string `yaml:"income" json:"income"`           // 收入情况
	Housing     string `yaml:"housing" json:"housing"`         // 住房情况
	Preferences string `yaml:"preferences" json:"preferences"` // 爱好与消费偏好
}

// Contact is one record of a contact with the customer, filed into the
// dossier (sister rules, "Intake and records"): a visit (拜访), a follow-up
// (回访), a reception (接待) or a complaint (投诉).
type Contact struct {
	Date     Date   `yaml:"date" json:"date" check:"required"`
	Who      string `yaml:"who" json:"who"` // 经办人（本公司人员）
	Kind     string `yaml:"kind" json:"kind" check:"required,enum=contact_kind"`
	Content  string `yaml:"content" json:"content"`
	FollowUp string `yaml:"follow_up" json:"follow_up"`
	// KeepUntil is how long a complaint is kept; ParseDossier fills it in
	// when absent (ComplaintKeepUntil), and Policy.ComplaintKeepUntil
	// then applies the policy's retention instead.
	KeepUntil Date `yaml:"keep_until" json:"keep_until"`
	// CreditChange is the change in the customer's credit a visit noted
	// (信用异动), nil for none.
	CreditChange *CreditNote `yaml:"credit_change,omitempty" json:"credit_change,omitempty"`

	keepDefaulted bool // KeepUntil was not written: ParseDossier filled it in
}

// CreditNote is a change in the customer's credit noted on a visit, and
// why (信用异动; sister rules, "Intake and records": "visits also note
// changes in the customer's credit and why"): the credit class (R8) the
// customer had and the one the visit found, and the reason.
//
// Only a visit (拜访) may carry one (contactChecks refuses it on the other
// kinds): the rules give the noting of credit changes to visits, which is
// where the department's people see the customer's business for
// themselves; what a follow-up call, a reception or a complaint suggests
// about credit is checked on the next visit or goes to the supervisor as
// a reason for `crm classify --credit`. Either way the note changes no
// class: R8's classes come from the credit investigation and the
// customer's trade, and setting one stays the supervisor's journaled
// `crm classify --credit` step. The monthly report lists the month's
// notes (信用异动) and marks those whose class the archive does not have
// yet (待复核).
//
// from and to are credit classes as credit_survey.class takes them: the
// policy's classes, A, B, C and D (classify.CreditClasses; the policy sets
// each one's limit and terms, not their names). They must differ: a class
// that did not change is no 信用异动.
type CreditNote struct {
	From   string `yaml:"from" json:"from" check:"required,enum=credit_class"` // 原信用等级
	To     string `yaml:"to" json:"to" check:"required,enum=credit_class"`     // 现信用等级
	Reason string `yaml:"reason" json:"reason" check:"required"`               // 异动原因
}

// UnmarshalYAML reads a mapping (from:, to:, reason:; a key it does not
// know is refused, as unknownFields does, which does not look into a type
// with its own UnmarshalYAML); written any other way (credit_change: B:C)
// it is refused with what to write instead.
func (c *CreditNote) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nodeError(n, l10n.T("must be a mapping: from: (the credit class before), to: (the class after), reason: (why)"))
	}
	type plain CreditNote
	if err := n.Decode((*plain)(c)); err != nil {
		return err
	}
	if ps := unknownFields(n, reflect.TypeFor[plain](), ""); len(ps) > 0 {
		te := &yaml.TypeError{}
		for _, p := range ps {
			te.Errors = append(te.Errors, fmt.Sprintf("line %d: %s", p.Line, p.Msg))
		}
		return te
	}
	return nil
}

// The kinds of contact record.
const (
	ContactVisit     = "拜访"
	ContactFollowUp  = "回访"
	ContactReception = "接待"
	ContactComplaint = "投诉"
)

// ContactKinds lists the kinds of contact record.
var ContactKinds = []string{ContactVisit, ContactFollowUp, ContactReception, ContactComplaint}

// contactKindWords are the English words each kind of contact record may
// be given as, the first the one shown; a record stores the Chinese
// (ContactKinds), whichever was typed.
var contactKindWords = map[string][]string{
	ContactVisit:     {"visit"},
	ContactFollowUp:  {"follow_up", "follow-up"},
	ContactReception: {"reception"},
	ContactComplaint: {"complaint"},
}

// ContactKindWord is the English word shown for kind, one of
// ContactKinds ("" for any other).
func ContactKindWord(kind string) string {
	if w := contactKindWords[kind]; len(w) > 0 {
		return w[0]
	}
	return ""
}

// ParseContactKind returns the kind of contact record s names: one of
// ContactKinds as written, or its English word (visit, follow_up or
// follow-up, reception, complaint; any case). ok is false for anything
// else.
func ParseContactKind(s string) (kind string, ok bool) {
	if slices.Contains(ContactKinds, s) {
		return s, true
	}
	for _, k := range ContactKinds {
		for _, w := range contactKindWords[k] {
			if strings.EqualFold(s, w) {
				return k, true
			}
		}
	}
	return "", false
}

// DefaultComplaintRetentionYears is how long a complaint record is kept by
// the sister rules ("投诉记录 kept two years"). It is a default: the
// policy's contacts.complaint_retention replaces it
// (Policy.ComplaintRetention, Policy.ComplaintKeepUntil).
const DefaultComplaintRetentionYears = 2

// ComplaintKeepUntil returns the default retention date of a complaint
// filed on date: DefaultComplaintRetentionYears later, to the day (a
// complaint of 29 February is kept until 1 March). It knows no policy; the
// zero Date gives the zero Date.
func ComplaintKeepUntil(date Date) Date {
	if date.IsZero() {
		return Date{}
	}
	return Date{date.AddDate(DefaultComplaintRetentionYears, 0, 0)}
}

// Extra is the department's own fields (extra:): any keys, with texts,
// numbers, lists or nested mappings as values. Keys are kept as text.
type Extra map[string]any

// UnmarshalYAML accepts a mapping, or nothing.
func (x *Extra) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		*x = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nodeError(n, l10n.T("must be a mapping of the department's own fields (key: value)"))
	}
	v, err := content(n, nil, 0) // numbers written as 0012345 or +86… keep their text
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nodeError(&yaml.Node{Line: fe.Line}, fe.Msg)
		}
		return err
	}
	*x = Extra(v.(map[string]any))
	return nil
}

// Enumerations of the survey forms (sister rules, DOMAIN.md "The dossier").
var (
	// Ownerships is 企业性质: the 客户信息调查表's 国有/股份/合伙/合资/店铺/其他
	// and the 客户信用调查表's 独资 and 个人, in one list.
	Ownerships = []string{"国有", "股份", "合伙", "合资", "独资", "个人", "店铺", "其他"}
	// BusinessStyles is the way of doing business (经营作风).
	BusinessStyles = []string{"积极", "踏实", "保守", "投机", "不定"}
	// BusinessConditions is the business condition (经营状况).
	BusinessConditions = []string{"兴隆", "成长", "稳定", "衰退", "不定"}
	// PriceLevels is how the customer prices (价格).
	PriceLevels = []string{"合理", "偏高", "偏低", "削价"}
	// Standings is the standing among peers (同业地位).
	Standings = []string{"一级", "二级", "三级"}
	// Bookkeeping is the state of the customer's books (账簿组织).
	Bookkeeping = []string{"完备", "不完备"}
	// Locations is where the customer does business (经营地点).
	Locations = []string{"市场", "住宅", "郊外"}
	// Tenures is whether premises are owned or rented.
	Tenures = []string{"自有", "租用"}
	// YesNo answers a yes-or-no question such as 是否担保.
	YesNo = []string{"是", "否"}
)

// Enums names every enumeration a `check:"enum=NAME"` tag may use.
var Enums = map[string][]string{
	"customer_kind":      CustomerKinds,
	"size":               Sizes,
	"relationship":       Relationships,
	"tier":               Tiers,
	"payment_attitude":   PaymentAttitude,
	"credit_class":       CreditClasses,
	"ownership":          Ownerships,
	"business_style":     BusinessStyles,
	"business_condition": BusinessConditions,
	"prices":             PriceLevels,
	"standing":           Standings,
	"bookkeeping":        Bookkeeping,
	"location":           Locations,
	"tenure":             Tenures,
	"yes_no":             YesNo,
	"contact_kind":       ContactKinds,
}

// ContactPhone is the number the department calls the customer on: the
// customer's telephone (customer.telephone), else the contact person's
// (contact_person.phone), else "". Reports and the register read it here so
// that they agree.
func (d *Dossier) ContactPhone() string {
	if d.Customer.Telephone != "" {
		return d.Customer.Telephone
	}
	return d.ContactPerson.Phone
}

// IsIndividual reports whether the customer is a person (customer.kind:
// 个人), whose survey is the individual section, rather than an
// organisation (机构, or no kind given).
func (d *Dossier) IsIndividual() bool { return d.Customer.Kind == "个人" }

// IsFieldPath reports whether p names a field of a dossier or a part of
// one (customer, customer.name, basic.key_people.name, contacts[2].date),
// or anything under extra: (the department's own fields, any name): what
// crm search --field may name. A list's positions may be left out.
func IsFieldPath(p string) bool {
	t := reflect.TypeFor[Dossier]()
	for i, part := range strings.Split(p, ".") {
		name, _, _ := strings.Cut(part, "[")
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || name == "" {
			return false
		}
		var next reflect.Type
		for _, f := range fieldsOf(t) {
			if f.name == name {
				next = t.Field(f.index).Type
				break
			}
		}
		switch {
		case next == nil:
			return false
		case i == 0 && next == reflect.TypeFor[Extra]():
			return true
		}
		t = next
	}
	return true
}
