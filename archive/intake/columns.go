package intake

import (
	"bytes"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/l10n"
)

// Special targets of a column, beside dossier field paths.
const (
	TargetLevel  = "level" // the 密级 to create the dossier at (not a dossier field)
	TargetIgnore = "-"     // the column is not imported
	extraPrefix  = "extra."
)

// kind is how a cell is turned into a YAML value.
type kind int

const (
	kText kind = iota
	kInt
	kNumber
	kDate
)

// fieldKinds maps every scalar field path of archive.Dossier (customer.name,
// credit_survey.office.area, …) to its kind, and fieldOrder to its place in
// the dossier. Lists (contacts, products, key people) are not columns.
// They are made on first use (by reflection over the dossier's type: 0.4 ms
// that every command paid at start, and only an import needs them).
var fields = sync.OnceValues(func() (map[string]kind, map[string]int) {
	kinds, order := map[string]kind{}, map[string]int{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			path := prefix + name
			switch {
			case ft == reflect.TypeFor[archive.Date]():
				kinds[path] = kDate
			case ft.Kind() == reflect.Struct:
				walk(ft, path+".")
				continue
			case ft.Kind() == reflect.String:
				kinds[path] = kText
			case ft.Kind() == reflect.Int:
				kinds[path] = kInt
			case ft.Kind() == reflect.Float64:
				kinds[path] = kNumber
			default:
				continue
			}
			order[path] = len(order)
		}
	}
	walk(reflect.TypeFor[archive.Dossier](), "")
	return kinds, order
})

// fieldKinds is the first of fields.
func fieldKinds() map[string]kind { k, _ := fields(); return k }

// fieldOrder is the second of fields.
func fieldOrder() map[string]int { _, o := fields(); return o }

// Fields returns every dossier field path a column may fill, sorted.
func Fields() []string {
	out := make([]string, 0, len(fieldKinds()))
	for p := range fieldKinds() {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// checkTarget reports whether target is something a column may fill: a
// scalar dossier field, extra.KEY, level or -.
func checkTarget(target string) bool {
	if _, ok := fieldKinds()[target]; ok {
		return true
	}
	if k, ok := strings.CutPrefix(target, extraPrefix); ok {
		return strings.TrimSpace(k) != "" && !strings.Contains(k, ".")
	}
	return target == TargetLevel || target == TargetIgnore
}

// defaultColumns are the headers recognised out of the box: the department's
// Chinese terms and their English equivalents (R6.3: the clerk enters what
// sales collected, often as a spreadsheet). Headers compare after
// normalisation (see normHeader): case, spaces and a unit in brackets do
// not matter.
var defaultColumns = map[string][]string{
	"customer.name":                  {"客户名称", "名称", "客户", "客户全称", "公司名称", "单位名称", "企业名称", "name", "customer", "customer name", "company"},
	"customer.kind":                  {"客户类型", "kind", "customer kind"},
	"customer.industry":              {"行业", "所属行业", "industry"},
	"customer.region":                {"地区", "区域", "所在地区", "region"},
	"customer.size":                  {"规模", "企业规模", "size"},
	"customer.founded":               {"成立日期", "创业日期", "founded"},
	"customer.trading_since":         {"开始交易日期", "开始合作日期", "合作日期", "trading since"},
	"customer.address":               {"地址", "公司地址", "住址", "通讯地址", "address"},
	"customer.telephone":             {"电话", "联系电话", "公司电话", "电话号码", "telephone", "phone", "tel"},
	"customer.fax":                   {"传真", "fax"},
	"customer.ownership":             {"企业性质", "ownership"},
	"customer.business_scope":        {"经营范围", "营业项目", "business scope"},
	"owner":                          {"负责人", "档案负责人", "客户经理", "owner"},
	"relationship":                   {"关系", "与本公司关系", "relationship"},
	"tier":                           {"层级", "客户层级", "tier"},
	"yearly_sales":                   {"年销售额", "yearly sales", "sales"},
	"contact_person.name":            {"联系人", "接洽人", "contact", "contact person"},
	"contact_person.title":           {"联系人职务", "接洽人职务"},
	"contact_person.phone":           {"联系人电话", "接洽人电话", "手机", "mobile"},
	"legal_representative.name":      {"法定代表人", "法人代表", "法人", "legal representative"},
	"person_in_charge.name":          {"企业负责人", "person in charge"},
	"characteristics.staff":          {"员工人数", "人数", "staff"},
	"credit_survey.bank":             {"开户银行", "往来银行", "bank"},
	"credit_survey.bank_account":     {"银行账号", "账号", "bank account"},
	"credit_survey.business_licence": {"营业执照", "营业执照号", "营业执照登记号码", "统一社会信用代码", "business licence"},
	"credit_survey.score":            {"信用评分", "评分", "credit score", "score"},
	"credit_survey.class":            {"信用等级", "credit class", "credit"},
	"credit_survey.credit_limit":     {"信用额度", "赊销额度", "credit limit"},
	"credit_survey.credit_term":      {"信用期限", "credit term"},
	"credit_survey.payment_method":   {"付款方式", "payment method"},
	"credit_survey.payment_attitude": {"付款态度", "payment attitude"},
	"credit_survey.guarantee":        {"是否担保", "担保", "guarantee"},
	"credit_survey.outstanding":      {"未清欠款", "欠款", "outstanding"},
	"individual.gender":              {"性别", "gender"},
	"individual.birth_date":          {"出生日期", "birth date"},
	"individual.id_number":           {"身份证号", "身份证号码", "身份证", "id number"},
	"individual.occupation":          {"职业", "occupation"},
	"notes":                          {"备注", "notes", "remarks"},
	TargetLevel:                      {"密级", "level"},
	// Columns of crm's own register (R6.2) that the archive keeps itself.
	TargetIgnore: {"序号", "档案编号", "编号", "最近核定日期", "最近联系日期", "合作年限", "no.", "id", "dossier", "last verified", "last contact", "cooperation"},
}

// ColumnMap maps normalised header texts to targets: dossier field paths,
// extra.KEY, level, or - (ignore).
type ColumnMap map[string]string

// DefaultColumns returns the headers crm recognises without a map file.
func DefaultColumns() ColumnMap {
	m := ColumnMap{}
	for target, headers := range defaultColumns {
		for _, h := range headers {
			m[normHeader(h)] = target
		}
	}
	return m
}

// normHeader is the form headers are compared in: no surrounding or inner
// white space, lower case, full-width brackets as ASCII, and without a
// trailing unit in brackets (年销售额（元） → 年销售额).
func normHeader(h string) string {
	h = strings.NewReplacer("（", "(", "）", ")", "\u3000", " ").Replace(h)
	h = strings.ToLower(strings.Join(strings.Fields(h), " "))
	if i := strings.LastIndex(h, "("); i > 0 && strings.HasSuffix(h, ")") {
		h = strings.TrimSpace(h[:i])
	}
	return strings.TrimPrefix(h, "*")
}

// lookup returns the target of a header: the map's entry for it, else
// extra.<header> (the department's own fields), and whether it came from
// the map.
func (m ColumnMap) lookup(header string) (string, bool) {
	if t, ok := m[normHeader(header)]; ok {
		return t, true
	}
	return extraPrefix + strings.TrimSpace(header), false
}

// ParseColumnMap reads a map file: a YAML mapping of header text to target
// (a dossier field path such as customer.telephone, extra.KEY, level, or -
// to ignore the column), e.g.
//
//	客户编号: extra.客户编号
//	手机号码: contact_person.phone
//	序号: "-"
//
// Its entries are added to, and win over, the default headers. file names
// the map in messages.
func ParseColumnMap(file string, data []byte) (ColumnMap, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, l10n.Errorf("%s: %v", file, err)
	}
	m := DefaultColumns()
	if len(root.Content) == 0 {
		return m, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, l10n.Errorf("%s: line %d: a column map is a mapping of header: field, like 手机号码: contact_person.phone", file, top.Line)
	}
	var problems []string
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || strings.TrimSpace(k.Value) == "" {
			problems = append(problems, l10n.Sprintf("%s: line %d: a column map is a mapping of header: field, like 手机号码: contact_person.phone", file, k.Line))
			continue
		}
		target := strings.TrimSpace(v.Value)
		if !checkTarget(target) {
			problems = append(problems, l10n.Sprintf("%s: line %d: %s: %q is not a dossier field: use a path like customer.telephone, extra.KEY, level, or - to skip the column", file, v.Line, k.Value, target))
			continue
		}
		m[normHeader(k.Value)] = target
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return m, nil
}
