package archive_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/templates"
	"crm/testdata/gen"
)

// fullDossier fills every section of both survey forms (DOMAIN.md "The
// dossier"), an individual section, contacts and extra fields.
const fullDossier = `# 客户信息档案
customer:
  name: 华东机械有限公司
  kind: 机构
  industry: 制造业
  region: 华东
  size: 中型
  founded: 2001-05-02
  trading_since: 2010-03-01
  address: 上海市浦东新区张江路 88 号
  telephone: 02158881234
  fax: "021-58881235"
  ownership: 合资
  business_scope: 机床制造、销售
owner: 李四
relationship: 重要业务往来
tier: 重点
yearly_sales: 1200000
contact_person:
  name: 王采购
  title: 采购经理
  responsibilities: 设备采购
  character: 稳重
  phone: "+8613912345678"
legal_representative:
  name: 赵董
  age: 58
  education: 大学
  character: 开朗
person_in_charge:
  name: 钱总
  title: 总经理
  age: 49
  education: 硕士
  character: 稳重
  home: 上海市徐汇区
  phone: "021-64440000"
  interests: 围棋
  reputation: 行业协会理事
  origin: 浙江宁波
  experience: 二十年机床行业
  eloquence: 能说
  habits: 不饮酒
  strengths: 技术出身
  weaknesses: 谨慎
  technical_skill: 熟练
basic:
  organization: 董事会、总经理办公室
characteristics:
  staff: 320
  management_staff: 40
  employees: 280
survey:
  business_style: 踏实
  business_condition: 成长
  prices: 合理
  peak_monthly_sales: 300000
  low_monthly_sales: 120000.5
  standing: 一级
  payment_terms:
    term: 60 天
    method: 银行转账
    procedure: 月结对账
  dealings:
    main_products: 数控机床配件
    peak_monthly_amount: 80000
    low_monthly_amount: 20000
    total: 3500000
  surveyor: 李四
  reviewer: 孙主管
  in_charge: 周经理
  date: 2026-10-08
credit_survey:
  number: XY-2026-018
  bank: 中国工商银行
  bank_account: "0012345678901234"
  bank_standing: 很好
  bookkeeping: 完备
  peer_opinion: 好
  neighbour_opinion: 好
  capital: 5000000
  payment_attitude: 爽快
  business_area: 华东
  location: 市场
  business_licence: "310115000123456"
  office:
    vehicles_owned: 6
    vehicles_rented: 2
    district: 一般商业区
    tenure: 自有
    area: 1200.5
    finish: 普通
    floors: 3
    market_value: 18000000
    insurance: 0
  products:
    - name: 机床
      brand: 华机
      monthly_volume: 10
      monthly_amount: 500000
      yearly_volume: 120
      yearly_amount: 6000000
  score: 85
  class: A
  credit_limit: 500000
  credit_term: 60 天
  payment_method: 月结
  guarantee: 是
  guarantor: 母公司担保
  outstanding: 0
  manager: 周经理
  general_manager: 吴总
contacts:
  - date: 2026-10-08
    who: 李四
    kind: 拜访
    content: 季度拜访，了解扩产计划
    follow_up: 11 月寄送报价
  - date: 2024-02-29
    who: 李四
    kind: 投诉
    content: 交货延迟
  - date: 2026-11-01
    kind: 投诉
    content: 发票抬头错误
    keep_until: 2030-01-01
extra:
  会员卡号: "0012345"
  渠道:
    来源: 展会
    年份: 2025
  1: 数字键
`

func TestParseDossierFullSurvey(t *testing.T) {
	d, err := archive.ParseDossier([]byte(fullDossier))
	if err != nil {
		t.Fatal(err)
	}
	// Phone numbers, account and licence numbers stay text, leading zeros kept.
	for got, want := range map[string]string{
		d.Customer.Telephone:           "02158881234",
		d.ContactPhone():               "02158881234",
		d.ContactPerson.Phone:          "+8613912345678",
		d.CreditSurvey.BankAccount:     "0012345678901234",
		d.CreditSurvey.BusinessLicence: "310115000123456",
		d.Customer.Ownership:           "合资",
		d.Survey.PaymentTerms.Method:   "银行转账",
		d.PersonInCharge.Origin:        "浙江宁波",
		d.CreditSurvey.Guarantee:       "是",
		d.CreditSurvey.PaymentMethod:   "月结",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if d.CreditSurvey.Outstanding == nil || *d.CreditSurvey.Outstanding != 0 {
		t.Errorf("outstanding = %v, want a recorded 0", d.CreditSurvey.Outstanding)
	}
	if d.Survey.LowMonthlySales != 120000.5 || d.CreditSurvey.Office.Floors != 3 || d.CreditSurvey.Products[0].YearlyAmount != 6000000 || d.Characteristics.Employees != 280 {
		t.Errorf("numbers not decoded: %+v %+v", d.Survey, d.CreditSurvey.Office)
	}
	if d.Extra["会员卡号"] != "0012345" || d.Extra["1"] != "数字键" {
		t.Errorf("extra = %#v", d.Extra)
	}
	if m, ok := d.Extra["渠道"].(map[string]any); !ok || m["年份"] != 2025 {
		t.Errorf("extra.渠道 = %#v", d.Extra["渠道"])
	}
	// Complaints are kept two years unless the record says otherwise; a
	// complaint of 29 February is kept until 1 March.
	if len(d.Contacts) != 3 {
		t.Fatalf("contacts = %+v", d.Contacts)
	}
	if !d.Contacts[0].KeepUntil.IsZero() {
		t.Errorf("a visit got a retention date %v", d.Contacts[0].KeepUntil)
	}
	if got := d.Contacts[1].KeepUntil.Format("2006-01-02"); got != "2026-03-01" {
		t.Errorf("complaint of 2024-02-29 kept until %s, want 2026-03-01", got)
	}
	if got := d.Contacts[2].KeepUntil.Format("2006-01-02"); got != "2030-01-01" {
		t.Errorf("explicit keep_until became %s", got)
	}
}

func TestComplaintKeepUntil(t *testing.T) {
	for in, want := range map[string]string{"2026-11-22": "2028-11-22", "2024-02-29": "2026-03-01", "2027-12-31": "2029-12-31"} {
		d, _ := archive.ParseDate(in)
		if got := archive.ComplaintKeepUntil(d).Format("2006-01-02"); got != want {
			t.Errorf("ComplaintKeepUntil(%s) = %s, want %s", in, got, want)
		}
	}
	if !archive.ComplaintKeepUntil(archive.Date{}).IsZero() {
		t.Error("no date should give no retention date")
	}
}

// Every new field is checked, and the error names line and field like the
// old ones.
func TestParseDossierNewFieldErrors(t *testing.T) {
	const head = "customer:\n  name: x\nowner: y\n" // lines 1–3
	cases := []struct{ in, want string }{
		{"customer:\n  name: x\n  ownership: 私人\nowner: y\n", `line 3: customer.ownership: "私人" is not one of 国有 / 股份`},
		{head + "survey:\n  business_style: 激进\n", `line 5: survey.business_style: "激进" is not one of 积极 / 踏实 / 保守 / 投机 / 不定`},
		{head + "survey:\n  business_condition: 很好\n", `line 5: survey.business_condition: "很好" is not one of 兴隆`},
		{head + "survey:\n  prices: 便宜\n", `line 5: survey.prices: "便宜" is not one of 合理 / 偏高 / 偏低 / 削价`},
		{head + "survey:\n  standing: 四级\n", `line 5: survey.standing: "四级" is not one of 一级 / 二级 / 三级`},
		{head + "survey:\n  peak_monthly_sales: -5\n", "line 5: survey.peak_monthly_sales: must not be negative"},
		{head + "survey:\n  dealings:\n    total: .inf\n", "line 6: survey.dealings.total: must be a number, not NaN or infinity"},
		{head + "survey:\n  date: 2026-02-30\n", `line 5: survey.date: "2026-02-30" is not a date`},
		{head + "credit_survey:\n  bookkeeping: 一般\n", `line 5: credit_survey.bookkeeping: "一般" is not one of 完备 / 不完备`},
		{head + "credit_survey:\n  payment_attitude: 很好\n", `line 5: credit_survey.payment_attitude: "很好" is not one of 爽快`},
		{head + "credit_survey:\n  location: 海边\n", `credit_survey.location: "海边" is not one of 市场 / 住宅 / 郊外`},
		{head + "credit_survey:\n  guarantee: 有\n", `line 5: credit_survey.guarantee: "有" is not one of 是 / 否`},
		{head + "credit_survey:\n  outstanding: -1\n", "line 5: credit_survey.outstanding: must not be negative"},
		{head + "credit_survey:\n  outstanding: 很多\n", "line 5: credit_survey.outstanding: cannot unmarshal"},
		{head + "credit_survey:\n  office:\n    tenure: 借用\n", `line 6: credit_survey.office.tenure: "借用" is not one of 自有 / 租用`},
		{head + "credit_survey:\n  office:\n    floors: -2\n", "line 6: credit_survey.office.floors: must not be negative"},
		{head + "credit_survey:\n  products:\n    - name: a\n      monthly_amount: -3\n", "line 7: credit_survey.products[0].monthly_amount: must not be negative"},
		{head + "credit_survey:\n  products:\n    - colour: red\n", `line 6: credit_survey.products[0].colour: unknown field "colour"`},
		{head + "person_in_charge:\n  age: -1\n", "line 5: person_in_charge.age: must not be negative"},
		{head + "legal_representative:\n  age: 四十\n", "line 5: legal_representative.age: cannot unmarshal"},
		{head + "contact_person:\n  mobile: 1\n", `line 5: contact_person.mobile: unknown field "mobile"`},
		{head + "characteristics:\n  employees: -1\n", "line 5: characteristics.employees: must not be negative"},
		{head + "individual:\n  birth_date: 1990-13-01\n", `line 5: individual.birth_date: "1990-13-01" is not a date`},
		{head + "contacts:\n  - date: 2026-11-01\n    kind: 电话\n", `line 6: contacts[0].kind: "电话" is not one of 拜访 / 回访 / 接待 / 投诉`},
		{head + "contacts:\n  - date: 2026-11-01\n", "line 5: contacts[0].kind: is required"},
		{head + "contacts:\n  - kind: 拜访\n", "line 5: contacts[0].date: is required"},
		{head + "contacts:\n  - date: 2026-11-01\n    kind: 投诉\n    keep_until: 2026-10-01\n", "line 7: contacts[0].keep_until: is before the record's date"},
		{head + "contacts:\n  - date: 2026-11-01\n    kind: 拜访\n    with: 王\n", `line 7: contacts[0].with: unknown field "with"`},
		{head + "contacts: 拜访\n", "line 4: contacts: cannot unmarshal"},
		{head + "extra: [a, b]\n", "line 4: extra: must be a mapping of the department's own fields"},
		{head + "extra: text\n", "line 4: extra: must be a mapping"},
		// Found by FuzzParseDossier: a looping alias was accepted by
		// ParseDossier but refused by ChangedFields at the next edit.
		{head + "basic: &s\n  key_people: [*s]\n", "line 5: basic.key_people: *s refers to the value it is part of"},
		{head + "survey: &s\n  dealings: *s\n", "line 5: survey.dealings: *s refers to the value it is part of"},
	}
	for _, c := range cases {
		_, err := archive.ParseDossier([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseDossier(%q) = %v, want it to mention %q", c.in, err, c.want)
		}
	}
	// Every problem is reported, not only the first: values that do not
	// decode (a bad date, a word for a number, extra: not a mapping) with
	// what the checks find in the rest.
	_, err := archive.ParseDossier([]byte(head + "survey:\n  prices: 贵\n  standing: 零\n  date: 2026-02-30\ncontacts:\n  - kind: 聊天\nyearly_sales: 很多\nextra: [x]\n" +
		"person_in_charge:\n  age: 40.7\n"))
	for _, want := range []string{"line 5: survey.prices", "line 6: survey.standing", `line 7: survey.date: "2026-02-30" is not a date`, "line 9: contacts[0].date: is required",
		"line 9: contacts[0].kind", "line 10: yearly_sales: cannot unmarshal", "line 11: extra: must be a mapping", `line 13: person_in_charge.age: "40.7" is not a whole number`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("several problems: %v, want it to mention %q", err, want)
		}
	}
}

// Everything is additive: the dossiers of before, and the empty values the
// templates hold, stay valid (extra: {} and extra: with nothing, null
// outstanding, empty enumerations).
func TestParseDossierOldAndEmptyStillValid(t *testing.T) {
	texts := []string{
		"customer:\n  name: x\nowner: y\n",
		"customer:\n  name: x\nowner: y\ncredit_survey:\n  payment_attitude: 拖欠\n  credit_limit: 100\n  credit_term: 30 天\n",
		"customer:\n  name: x\nowner: y\nextra:\ncontacts:\nindividual:\n",
		"customer:\n  name: x\nowner: y\nextra: {}\ncontacts: []\ncredit_survey:\n  outstanding: null\n  guarantee: \"\"\n",
		"customer:\n  name: x\n  kind: 个人\nowner: y\nindividual:\n  id_number: 110101199003070018\n  income: 年收入约 20 万元\n",
	}
	for i := range 20 {
		texts = append(texts, string(gen.DossierText(i)))
	}
	for _, s := range texts {
		if _, err := archive.ParseDossier([]byte(s)); err != nil {
			t.Errorf("ParseDossier(%q): %v", s[:min(len(s), 80)], err)
		}
	}
	d, err := archive.ParseDossier([]byte(texts[4]))
	if err != nil || d.Individual.IDNumber != "110101199003070018" {
		t.Errorf("id number decoded as %q (%v), want the digits as written", d.Individual.IDNumber, err)
	}
}

// The numbers an older crm let through (a head count of 3.7 or -5, a
// negative turnover, capital, trading volume or credit limit) are refused
// when written, naming the field, and still read: ParseDossier is also the
// check of show, list, the reports and a merge.
func TestWrittenOnlyNumberChecks(t *testing.T) {
	for _, c := range []struct{ text, path, msg string }{
		{"characteristics:\n  staff: 3.7\n", "characteristics.staff", `"3.7" is not a whole number`},
		{"characteristics:\n  staff: -5\n", "characteristics.staff", "must not be negative"},
		{"characteristics:\n  turnover: -1\n", "characteristics.turnover", "must not be negative"},
		{"credit_survey:\n  capital: -1\n", "credit_survey.capital", "must not be negative"},
		{"credit_survey:\n  trading_volume: -1\n", "credit_survey.trading_volume", "must not be negative"},
		{"credit_survey:\n  credit_limit: -1\n", "credit_survey.credit_limit", "must not be negative"},
	} {
		text := []byte("customer:\n  name: x\nowner: y\n" + c.text)
		if _, err := archive.ParseDossier(text); err != nil {
			t.Errorf("ParseDossier(%q) = %v, want it read as an older crm wrote it", c.text, err)
		}
		_, err := archive.ParseWritten(text)
		if want := "line 5: " + c.path + ": " + c.msg; err == nil || err.Error() != want {
			t.Errorf("ParseWritten(%q) = %v, want %s", c.text, err, want)
		}
	}
	if _, err := archive.ParseWritten([]byte("customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: 0\n  turnover: 0.5\n")); err != nil {
		t.Errorf("ParseWritten of zero and a fraction of a yuan: %v", err)
	}
}

// The built-in templates, once their required fields are filled, are valid
// dossiers: every field they list exists and their empty values pass.
func TestDossierTemplatesParse(t *testing.T) {
	ents, err := fs.ReadDir(templates.FS, "dossier")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		b, err := templates.FS.ReadFile("dossier/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "\n  name: \"\"", "\n  name: 模板客户", 1)
		s = strings.Replace(s, "\nowner: \"\"", "\nowner: 李四", 1)
		d, err := archive.ParseDossier([]byte(s))
		if err != nil {
			t.Errorf("template %s: %v", e.Name(), err)
			continue
		}
		if e.Name() == "individual.yaml" && d.Customer.Kind != "个人" {
			t.Errorf("individual template has customer.kind %q", d.Customer.Kind)
		}
	}
	if !slices.Contains(names, "standard.yaml") || !slices.Contains(names, "individual.yaml") {
		t.Errorf("dossier templates: %v", names)
	}
}

// ChangedFields names paths inside extra:, whatever its keys, and a changed
// contacts list as "contacts" (never values).
func TestChangedFieldsExtraAndContacts(t *testing.T) {
	old := "customer:\n  name: x\nowner: y\nextra:\n  渠道:\n    来源: 展会\n  1: a\ncontacts:\n  - date: 2026-01-01\n    kind: 拜访\n"
	cases := []struct {
		new  string
		want []string
	}{
		{old, nil},
		{strings.Replace(old, "来源: 展会", "来源: 电话", 1), []string{"extra.渠道.来源"}},
		{strings.Replace(old, "1: a", "1: b", 1), []string{"extra.1"}},
		{old + "  - date: 2026-02-01\n    kind: 回访\n", []string{"contacts"}},
		{strings.Replace(old, "  1: a\n", "  1: a\n  2: {x: 1}\n", 1), []string{"extra.2.x"}},
	}
	for _, c := range cases {
		got, err := archive.ChangedFields([]byte(old), []byte(c.new))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ChangedFields(…, %q) = %v, want %v", c.new, got, c.want)
		}
	}
}

// Content (crm show --json) follows the dossier's fields: text stays text
// as written, dates stay days, and in extra: only plain decimals become
// numbers. Decoding the YAML into `any` turned 02158881234 into 2158881234
// and 0012345 into the octal 5349.
func TestContentKeepsTextAsWritten(t *testing.T) {
	text := "customer:\n  name: 甲\n  telephone: 02158881234\n  founded: 2001-05-02\nowner: 007\nyearly_sales: 1200\n" +
		"credit_survey:\n  score: 80\n  bank_account: 0012345678901234\ncontacts:\n  - {date: 2026-11-01, kind: 投诉, who: 110}\n" +
		"extra:\n  会员卡号: 0012345\n  手机: +8613912345678\n  积分: 12\n  折扣: -0.5\n  嵌套: {编号: 0099, 列表: [1, 01]}\n  1: 数字键\n"
	d, err := archive.ParseDossier([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if d.Extra["会员卡号"] != "0012345" || d.Extra["手机"] != "+8613912345678" || d.Extra["积分"] != 12 {
		t.Errorf("extra decoded as %#v", d.Extra)
	}
	v, err := archive.Content([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"telephone":"02158881234"`, `"founded":"2001-05-02"`, `"owner":"007"`, `"yearly_sales":1200`, `"score":80`,
		`"bank_account":"0012345678901234"`, `"date":"2026-11-01"`, `"who":"110"`, `"会员卡号":"0012345"`, `"手机":"+8613912345678"`,
		`"积分":12`, `"折扣":-0.5`, `"编号":"0099"`, `"列表":[1,"01"]`, `"1":"数字键"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if _, err := archive.ParseDossier([]byte("customer:\n  name: x\nowner: y\nextra: {[k]: v}\n")); err == nil || !strings.Contains(err.Error(), "line 4: extra: a key must be a single value") {
		t.Errorf("a list as an extra: key: %v", err)
	}
}

// TestCheckUpdateKeepsOldValues: an edit that leaves a value only a write
// refuses as an older crm kept it is checked as far as it changes; the
// fields it changes are checked whole, and a problem every read refuses
// is never let through.
func TestCheckUpdateKeepsOldValues(t *testing.T) {
	old := []byte("customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\n")
	for _, c := range []struct{ text, want string }{
		{"customer:\n  name: x2\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\n", ""},
		{"customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: 12\n  turnover: -1\n", ""},
		{"customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: -7\n  turnover: -1\n", "line 5: characteristics.staff: must not be negative"},
		{"customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\ncredit_survey:\n  capital: -3\n", "line 8: credit_survey.capital: must not be negative"},
		{"customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\n  management_staff: -2\n", "line 7: characteristics.management_staff: must not be negative"},
		{"customer:\n  name: \"\"\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\n", "line 2: customer.name: is required"},
		// a key given twice is what the edit must mend, not the old
		// head count it left as it was
		{"customer:\n  name: x\nowner: y\ncharacteristics:\n  staff: -5\n  turnover: -1\nextra:\n  a: 1\n  a: 2\n", "line 9: extra.a: key \"a\" is given twice (first on line 8): keep one, or the first value is lost"},
	} {
		err := archive.CheckUpdate(old, []byte(c.text))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckUpdate(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestIsFieldPath: search --field takes a dossier's fields and parts of
// them, list positions or not, and anything under extra:.
func TestIsFieldPath(t *testing.T) {
	for p, want := range map[string]bool{
		"customer": true, "customer.name": true, "basic.key_people.name": true,
		"basic.key_people[2].name": true, "contacts[0].date": true, "owner": true,
		"extra": true, "extra.所属集团": true, "extra.a.b": true, "credit_survey.capital": true,
		"": false, "customer.nmae": false, "customer.name.first": false, "customer..name": false,
		"custmer": false, "customer.founded.year": false, ".customer": false,
	} {
		if got := archive.IsFieldPath(p); got != want {
			t.Errorf("IsFieldPath(%q) = %v, want %v", p, got, want)
		}
	}
}

// A YAML syntax error names the line at fault. yaml.v3 names a parser
// error's line one above its mark, and the mark is where the collection
// in error begins: a list left open on the last line was said to be on
// the line above it, and an indentation error below comments at the top
// on the first key's line.
func TestParseDossierSyntaxErrorLines(t *testing.T) {
	const head = "customer:\n  name: x\n  founded: 2001-01-01\nowner: 李四\n" // lines 1–4
	const tail = "notes: y\ncontacts: []\n"                                 // after the bad line 5
	cases := []struct {
		in   string
		line int
		msg  string
	}{
		// not closed, on the last line (with and without its newline) or in the middle
		{head + "basic:\n  owners: [a, b\n", 6, "did not find expected ',' or ']'"},
		{head + "basic:\n  owners: [a, b", 6, "did not find expected ',' or ']'"},
		{head + "basic:\n  owners: [a, b\n" + tail, 6, "did not find expected ',' or ']'"},
		{head + "extra: {a: 1\n", 5, "did not find expected ',' or '}'"},
		{head + "extra: {a: 1\n" + tail, 5, "did not find expected ',' or '}'"},
		{head + "notes: \"abc\n", 5, "found unexpected end of stream"},
		{head + "notes: \"abc\n" + tail, 5, "found unexpected end of stream"},
		{head + "notes: 'abc\n", 5, "found unexpected end of stream"},
		{head + "notes: 'abc\n" + tail, 5, "found unexpected end of stream"},
		{"basic:\n  owners: [a, b\n", 2, "did not find expected ',' or ']'"},
		{"extra: [a, b\n", 1, "did not find expected ',' or ']'"},
		// not closed on line 1, with lines below: yaml's mark is the end
		{"extra: [a, b\nnotes: y\n", 1, "did not find expected ',' or ']'"},
		{"extra: {a: 1\n" + tail, 1, "did not find expected ',' or '}'"},
		{"extra: [a, b\n\n# 注释\n", 1, "did not find expected ',' or ']'"},
		{"# 客户档案\nextra: [a, b\n", 2, "did not find expected ',' or ']'"},
		{head + "extra: [a, {b: c]\n", 5, "did not find expected ',' or '}'"},
		{head + "extra: {name: y, [\n", 5, "did not find expected node content"},
		// a list over two lines: the line after which a , or ] is missing
		{head + "basic:\n  owners: [a, b,\n    c\n" + tail, 7, "did not find expected ',' or ']'"},
		// indentation: the line at fault, not the mapping's first key
		{"customer:\n  name: x\n owner: [\n", 3, "did not find expected key"},
		{"# 客户档案\n# 第二行\ncustomer:\n  name: x\n  industry: y\n owner: z\n", 6, "did not find expected key"},
		{"# 客户档案\n" + head + "basic:\n  owners:\n    - a\n    b: c\n", 9, "did not find expected '-' indicator"},
		{"# 客户档案\n" + head + "- x\n", 6, "did not find expected key"},
		{head + "notes: !x!y z\n", 5, "found undefined tag handle"},
		// the scanner's lines were right, and stay so
		{head + "notes: a: b\n", 5, "mapping values are not allowed in this context"},
		{"# 客户档案\n" + head + "owner2 \"x\"\nnotes: y\n", 6, "could not find expected ':'"},
		// yaml names no line for these: found
		{"owner: a: b\n", 1, "mapping values are not allowed in this context"},
		{head + "notes: *nothing\n", 5, "unknown anchor 'nothing' referenced"},
	}
	for _, c := range cases {
		_, err := archive.ParseDossier([]byte(c.in))
		var ve *archive.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 {
			t.Errorf("ParseDossier(%q) = %v, want one problem", c.in, err)
			continue
		}
		if p := ve.Problems[0]; p.Line != c.line || p.Msg != c.msg {
			t.Errorf("ParseDossier(%q): line %d: %s; want line %d: %s", c.in, p.Line, p.Msg, c.line, c.msg)
		}
	}
	// A contact record's editor (crm contact add) reads it the same way.
	_, err := archive.ParseContact([]byte("date: 2026-11-22\nkind: 拜访\ncontent: [a, b\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: did not find expected ',' or ']'") {
		t.Errorf("ParseContact with a list not closed: %v, want line 3", err)
	}
}

// yaml.v3 breaks lines on \r\n (one break), a lone \r, NEL, LS and PS
// too (a text from an old Mac, a web page, a word processor): the line of
// a syntax error is counted as yaml counts it, not by \n alone, which
// put every error of such a text on line 1.
func TestParseDossierSyntaxErrorLinesOtherBreaks(t *testing.T) {
	cases := []struct {
		in   string
		line int
		msg  string
	}{
		{"customer:\n  name: x\nowner: 李四\nbasic:\n  owners: [a, b\nnotes: y\n", 5, "did not find expected ',' or ']'"},
		{"customer:\n  name: x\nowner: 李四\nbasic:\n  owners: [a, b\n", 5, "did not find expected ',' or ']'"},
		{"# 客户档案\n# 第二行\ncustomer:\n  name: x\n  industry: y\n owner: z\n", 6, "did not find expected key"},
		{"customer:\n  name: x\nowner: 李四\nnotes: *nothing\n", 4, "unknown anchor 'nothing' referenced"},
		{"customer:\n  name: x\nowner: 李四\nnotes: a: b\n", 4, "mapping values are not allowed in this context"},
		{"extra: [a, b\nnotes: y\n", 1, "did not find expected ',' or ']'"},
		// yaml's reader names no line for a control character
		{"customer:\n  name: x\nowner: 李四\nnotes: a\x01b\nrelationship: 无\n", 4, "holds U+0001, a control or invisible character: remove it"},
	}
	for _, br := range []string{"\r\n", "\r", "\u0085", "\u2028", "\u2029"} {
		for _, c := range cases {
			in := strings.ReplaceAll(c.in, "\n", br)
			_, err := archive.ParseDossier([]byte(in))
			var ve *archive.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Errorf("ParseDossier(%q) = %v, want one problem", in, err)
				continue
			}
			if p := ve.Problems[0]; p.Line != c.line || p.Msg != c.msg {
				t.Errorf("ParseDossier(%q): line %d: %s; want line %d: %s", in, p.Line, p.Msg, c.line, c.msg)
			}
		}
	}
	// Breaks mixed: \n\r and \r\r\n are two each, as for yaml.
	for in, line := range map[string]int{
		"customer:\r\n  name: x\n\rowner: 李四\u2028basic:\r  owners: [a, b\u0085notes: y\u2029": 6,
		"customer:\r\r\n  name: x\rowner: 李四\rbasic:\r\n  owners: [a, b\r\n":                   6,
		"customer:\r\n  name: x\r\nowner: 李四\u0085notes: a\x01b\r":                             4,
	} {
		_, err := archive.ParseDossier([]byte(in))
		var ve *archive.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Line != line {
			t.Errorf("ParseDossier(%q) = %v, want one problem on line %d", in, err, line)
		}
	}
}

// Ten lines of aliases of aliases are only ~4,000 values read out, but
// nearly all of them copies, which yaml.v3 refuses when it reads the text
// into values ("document contains excessive aliasing"): a write that let
// it in made every later edit fail (ChangedFields; found by
// FuzzParseDossier). It is refused at the write, naming the alias.
func TestParseDossierAliasCopies(t *testing.T) {
	text := func(levels int) []byte {
		var b strings.Builder
		b.WriteString("customer:\n  name: x\nowner: y\nextra:\n  a0: &a0 [x]\n")
		for i := 1; i <= levels; i++ {
			fmt.Fprintf(&b, "  a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
		}
		return []byte(b.String())
	}
	_, err := archive.ParseDossier(text(10))
	var ve *archive.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.HasPrefix(ve.Problems[0].Path, "extra.a") ||
		!strings.Contains(ve.Problems[0].Msg, "make nearly every value of the text a copy") {
		t.Fatalf("ParseDossier of ten levels of aliases: %v, want refused naming an alias of extra", err)
	}
	if _, cerr := archive.ChangedFields(text(10), text(10)); cerr == nil {
		t.Fatal("yaml.v3 reads ten levels of aliases now: the check refuses what it need not")
	}
	// Five levels (~100 values) are read by every reader.
	if _, err := archive.ParseDossier(text(5)); err != nil {
		t.Fatalf("ParseDossier of five levels of aliases: %v", err)
	}
	if _, err := archive.ChangedFields(text(5), text(5)); err != nil {
		t.Fatalf("ChangedFields of five levels of aliases: %v", err)
	}
}

// Aliases of aliases (a billion values in 30 lines) are refused at once,
// with the alias's line and field, not read out for ever.
func TestParseDossierAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer:\n  name: x\nowner: y\nextra:\n  a0: &a0 [x, x]\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	done := make(chan error, 1)
	go func() { _, err := archive.ParseDossier([]byte(b.String())); done <- err }()
	select {
	case err := <-done:
		var ve *archive.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Line != 19 || ve.Problems[0].Path != "extra.a14" ||
			!strings.Contains(ve.Problems[0].Msg, "*a13 and the aliases before it make the text too large") {
			t.Errorf("ParseDossier of an alias bomb: %v, want *a13 on line 19 (extra.a14) refused", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ParseDossier of an alias bomb did not return in 10s")
	}
	// A few aliases, as a person writes them, stay.
	if _, err := archive.ParseDossier([]byte("customer:\n  name: x\nowner: y\nextra:\n  a: &a [x, y]\n  b: *a\n  c: [*a, *a]\n")); err != nil {
		t.Errorf("ParseDossier with a few aliases: %v", err)
	}
	// One an older crm stored is refused by show --json's reading too.
	go func() { _, err := archive.Content([]byte(b.String())); done <- err }()
	select {
	case err := <-done:
		var fe *archive.FieldError
		if !errors.As(err, &fe) || fe.Line != 19 || fe.Path != "extra.a14" {
			t.Errorf("Content of an alias bomb: %v, want *a13 on line 19 (extra.a14) refused", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Content of an alias bomb did not return in 10s")
	}
	if v, err := archive.Content([]byte("customer:\n  name: x\nowner: y\nextra:\n  a: &a [x, y]\n  c: [*a, *a]\n")); err != nil || v == nil {
		t.Errorf("Content with a few aliases: %v, %v", v, err)
	}
}
