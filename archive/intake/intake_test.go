package intake

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"crm/archive"
)

// goodCSV is a customer list as a department keeps it: a title row, Chinese
// headers (one with a unit), a column crm does not know, phone numbers with
// leading zeros and a mobile with +86.
const goodCSV = `客户信息登记表,,,,,,,,
序号,客户名称,地址,联系电话,行业,地区,负责人,年销售额（元）,信用额度,开始交易日期,会员卡号,信用等级
1,华东机械有限公司,上海市浦东新区张江路 88 号,02158881234,制造业,华东,李四,"1,200,000",500000,2010/3/1,0012345,A
2,南方贸易公司,广州市天河区,+8613912345678,批发业,华南,王五,¥80000,,2019年5月6日,,B

3,北方个体户,,01012345678,零售业,华北,李四,0,,,,
4,,,,,,,,,,,
5
`

func read(t *testing.T, data []byte, o Options) *Result {
	t.Helper()
	res, err := Read(bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func parse(t *testing.T, rec Record) *archive.Dossier {
	t.Helper()
	d, err := archive.ParseDossier(rec.Text)
	if err != nil {
		t.Fatalf("row %d: %v\n%s", rec.Row, err, rec.Text)
	}
	return d
}

func TestReadCSV(t *testing.T) {
	for _, bom := range []string{"", "\uFEFF"} {
		res := read(t, []byte(bom+goodCSV), Options{Format: CSV, Source: "客户表.csv"})
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %v", res.Err())
		}
		if res.HeaderRow != 2 || len(res.Records) != 3 {
			t.Fatalf("header row %d, %d records", res.HeaderRow, len(res.Records))
		}
		// Row numbers are the spreadsheet's: the empty row 5 is skipped.
		if rows := []int{res.Records[0].Row, res.Records[1].Row, res.Records[2].Row}; !slices.Equal(rows, []int{3, 4, 6}) {
			t.Errorf("rows %v, want 3 4 6", rows)
		}
		d := parse(t, res.Records[0])
		if d.Customer.Name != "华东机械有限公司" || d.Customer.Telephone != "02158881234" || d.Customer.Address != "上海市浦东新区张江路 88 号" ||
			d.Owner != "李四" || d.YearlySales != 1200000 || d.CreditSurvey.CreditLimit != 500000 || d.CreditSurvey.Class != "A" ||
			d.Customer.TradingSince.Format("2006-01-02") != "2010-03-01" || d.Extra["会员卡号"] != "0012345" {
			t.Errorf("row 3 read as %+v\n%s", d, res.Records[0].Text)
		}
		if !strings.HasPrefix(string(res.Records[0].Text), "# 客户信息档案：由 crm import 自 客户表.csv 第 3 行导入\n") {
			t.Errorf("text does not say where it came from:\n%s", res.Records[0].Text)
		}
		d = parse(t, res.Records[1])
		if d.Customer.Telephone != "+8613912345678" || d.YearlySales != 80000 || d.Customer.TradingSince.Format("2006-01-02") != "2019-05-06" {
			t.Errorf("row 4 read as %+v", d.Customer)
		}
		if d := parse(t, res.Records[2]); d.Customer.Telephone != "01012345678" {
			t.Errorf("leading zero lost: %q", d.Customer.Telephone)
		}
		var targets []string
		for _, c := range res.Columns {
			targets = append(targets, c.Header+"→"+c.Target)
		}
		if !slices.Contains(targets, "会员卡号→extra.会员卡号") || !slices.Contains(targets, "序号→-") || !slices.Contains(targets, "年销售额（元）→yearly_sales") {
			t.Errorf("columns %v", targets)
		}
	}
}

// Excel on Chinese Windows saves "CSV" as GBK.
func TestReadCSVGBK(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("客户名称,电话,负责人\n华东机械,02158881234,李四\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := read(t, gbk, Options{Format: CSV})
	if len(res.Errors) > 0 || len(res.Records) != 1 {
		t.Fatalf("%v %v", res.Err(), res.Records)
	}
	if d := parse(t, res.Records[0]); d.Customer.Name != "华东机械" || d.Customer.Telephone != "02158881234" {
		t.Errorf("GBK read as %+v", d.Customer)
	}
}

// Every problem of every row is reported, with the spreadsheet's row number
// and the column's header; no row with a problem becomes a record.
func TestReadCSVErrors(t *testing.T) {
	in := "客户名称,电话,负责人,规模,年销售额,成立日期,信用评分,密级,信用额度,员工人数\n" +
		"好公司,021-1,李四,大型,100,2001-01-01,80,,,\n" + // row 2: fine
		"坏公司,021-2,李四,巨型,很多,2001-13-01,80.5,,,\n" + // row 3: four problems
		",021-3,李四,,,,,,,\n" + // row 4: no name
		"无负责人,021-4,,,,,,机密,,\n" + // row 5: no owner
		"负数,021-5,李四,,-5,,,,,\n" + // row 6: negative sales
		"负额度,021-6,李四,,,,,,-100,-3\n" // row 7: what only a write refuses
	res := read(t, []byte(in), Options{Format: CSV})
	var msgs []string
	for _, e := range res.Errors {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`row 3, column 规模: "巨型" is not one of 大型 / 中型 / 小型 / 个体`,
		`row 3, column 年销售额: "很多" is not a number`,
		`row 3, column 成立日期: "2001-13-01" is not a date`,
		`row 3, column 信用评分: "80.5" is not a whole number`,
		`row 4, column 客户名称: is required`,
		`row 5, column 负责人: is required`,
		`row 6, column 年销售额: must not be negative`,
		`row 7, column 信用额度: must not be negative`,
		`row 7, column 员工人数: must not be negative`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors do not mention %q:\n%s", want, all)
		}
	}
	if len(res.Records) != 1 || res.Records[0].Row != 2 {
		t.Errorf("records %+v, want only row 2", res.Records)
	}
	if res.Err() == nil {
		t.Error("Err() is nil")
	}
}

func TestDefaultsAndLevel(t *testing.T) {
	in := "客户名称,密级\n甲,机密\n乙,\n"
	res := read(t, []byte(in), Options{Format: CSV, Defaults: map[string]string{"owner": "李四", "level": "秘密"}})
	if len(res.Errors) > 0 {
		t.Fatal(res.Err())
	}
	if res.Records[0].Level != "机密" || res.Records[1].Level != "秘密" {
		t.Errorf("levels %q %q, want 机密 (the row's) and 秘密 (the default)", res.Records[0].Level, res.Records[1].Level)
	}
	if d := parse(t, res.Records[1]); d.Owner != "李四" {
		t.Errorf("owner default not applied: %q", d.Owner)
	}
	// The archive checks the levels; a bad one is reported with the row's
	// other problems.
	check := func(l string) error {
		if l != "秘密" && l != "机密" {
			return errors.New("unknown level")
		}
		return nil
	}
	res = read(t, []byte("客户名称,密级,规模\n甲,超密,巨型\n"), Options{Format: CSV, CheckLevel: check, Defaults: map[string]string{"owner": "李四"}})
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "row 2, column 密级: unknown level\nrow 2, column 规模:") {
		t.Errorf("bad level: %v", err)
	}
	// Without a default, a spreadsheet with no owner column fails on every
	// row, naming the field.
	if res := read(t, []byte(in), Options{Format: CSV}); len(res.Errors) != 2 || res.Errors[1].Error() != "row 3: owner: is required" {
		t.Errorf("no owner column: %v", res.Err())
	}
	if _, err := Read(strings.NewReader(in), Options{Format: CSV, Defaults: map[string]string{"colour": "x"}}); err == nil {
		t.Error("a default for an unknown field was accepted")
	}
}

func TestColumnMap(t *testing.T) {
	m, err := ParseColumnMap("map.yaml", []byte("# 本部门的表头\n手机号码: contact_person.phone\n客户编号: extra.客户编号\n电话: \"-\"\n单位: customer.name\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := "单位,手机号码,电话,客户编号,负责人\n甲公司,013800138000,999,007,李四\n"
	res := read(t, []byte(in), Options{Format: CSV, Columns: m})
	if len(res.Errors) > 0 {
		t.Fatal(res.Err())
	}
	d := parse(t, res.Records[0])
	if d.Customer.Name != "甲公司" || d.ContactPerson.Phone != "013800138000" || d.Customer.Telephone != "" || d.Extra["客户编号"] != "007" {
		t.Errorf("mapped row read as %+v %+v %v", d.Customer, d.ContactPerson, d.Extra)
	}
	for _, bad := range []struct{ in, want string }{
		{"电话: customer.phone\n", `map.yaml: line 1: 电话: "customer.phone" is not a dossier field`},
		{"电话: contacts\n", `"contacts" is not a dossier field`},
		{"- a\n", "map.yaml: line 1: a column map is a mapping"},
		{"电话: [a]\n", "map.yaml: line 1: a column map is a mapping"},
		{"电话: extra.a.b\n", `"extra.a.b" is not a dossier field`},
	} {
		if _, err := ParseColumnMap("map.yaml", []byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseColumnMap(%q) = %v, want %q", bad.in, err, bad.want)
		}
	}
}

// No header names a known column twice, and every default target exists.
func TestDefaultColumnsConsistent(t *testing.T) {
	seen := map[string]string{}
	for target, headers := range defaultColumns {
		if !checkTarget(target) {
			t.Errorf("default target %q is not a dossier field", target)
		}
		for _, h := range headers {
			if prev, ok := seen[normHeader(h)]; ok {
				t.Errorf("header %q maps to %s and %s", h, prev, target)
			}
			seen[normHeader(h)] = target
		}
	}
	for _, p := range []string{"customer.telephone", "credit_survey.outstanding", "credit_survey.office.area", "survey.payment_terms.term", "individual.birth_date"} {
		if !slices.Contains(Fields(), p) {
			t.Errorf("Fields() lacks %s", p)
		}
	}
}

func TestFileProblems(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"a,b\n1,2\n", "no header row: none of the first 20 rows has a column for the customer's name"},
		{"客户名称,电话,联系电话\n甲,1,2\n", "row 1, column 联系电话: fills customer.telephone, as column 电话 does"},
		{"客户名称\n\"甲\n", "not a readable CSV file: line 2"},
	}
	for _, c := range cases {
		res, err := Read(strings.NewReader(c.in), Options{Format: CSV})
		if err == nil {
			err = res.Err()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%q) = %v, want %q", c.in, err, c.want)
		}
	}
}

// crm's own CSV protects cells from Excel (' before a formula, ="…" around
// digit strings); reading it back undoes that.
func TestReadsCRMsOwnCSVBack(t *testing.T) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll([][]string{{"客户名称", "电话", "负责人", "备注"}, {"'=甲", `="02158881234"`, "李四", "'+加急"}})
	in := b.String()
	res := read(t, []byte(in), Options{Format: CSV})
	if len(res.Errors) > 0 {
		t.Fatal(res.Err())
	}
	d := parse(t, res.Records[0])
	if d.Customer.Name != "=甲" || d.Customer.Telephone != "02158881234" || d.Notes != "+加急" {
		t.Errorf("read back as %q %q %q", d.Customer.Name, d.Customer.Telephone, d.Notes)
	}
}

// xlsxFixture makes a workbook the way people fill one in: a cover sheet
// first, the customers on a second, phone numbers typed as text, amounts and
// dates as numbers with display formats, and an id typed as a number (which
// Excel has already rounded).
func xlsxFixture(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellStr("Sheet1", "A1", "说明")
	f.NewSheet("客户")
	rows := [][]any{
		{"客户名称", "电话", "负责人", "年销售额", "开始交易日期", "身份证号", "员工人数"},
		{"华东机械", "02158881234", "李四", 1200000.5, time.Date(2010, 3, 1, 0, 0, 0, 0, time.UTC), "110101199003070018", 320},
		{"西部公司", "013800138000", "王五", 300, "2011-02-03", int64(110101199003070018), 12.5},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("客户", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("客户", "D2", "D3", money)
	f.SetCellStyle("客户", "E2", "E2", dateStyle)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadXLSX(t *testing.T) {
	data := xlsxFixture(t)
	// The first sheet is the cover: no header row there.
	if _, err := Read(bytes.NewReader(data), Options{Format: XLSX}); err == nil || !strings.Contains(err.Error(), "no header row") {
		t.Errorf("first sheet: %v", err)
	}
	if _, err := Read(bytes.NewReader(data), Options{Format: XLSX, Sheet: "客户表"}); err == nil || !strings.Contains(err.Error(), `the workbook has no sheet "客户表": it has Sheet1, 客户`) {
		t.Errorf("missing sheet: %v", err)
	}
	res := read(t, data, Options{Format: XLSX, Sheet: "客户", TmpDir: t.TempDir()})
	if res.Sheet != "客户" {
		t.Errorf("sheet %q", res.Sheet)
	}
	var msgs []string
	for _, e := range res.Errors {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`row 3, column 身份证号: "1.1010119900307E+17" is a number Excel has rounded`,
		`row 3, column 员工人数: "12.5" is not a whole number`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors do not mention %q:\n%s", want, all)
		}
	}
	if len(res.Records) != 1 {
		t.Fatalf("records %+v", res.Records)
	}
	d := parse(t, res.Records[0])
	if d.Customer.Telephone != "02158881234" || d.YearlySales != 1200000.5 || d.Customer.TradingSince.Format("2006-01-02") != "2010-03-01" ||
		d.Individual.IDNumber != "110101199003070018" || d.Characteristics.Staff != 320 {
		t.Errorf("row 2 read as %+v %+v\n%s", d.Customer, d.Individual, res.Records[0].Text)
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.csv": CSV, "客户.XLSX": XLSX, "b.xlsm": XLSX} {
		if f, ok := FormatOf(name); !ok || f != want {
			t.Errorf("FormatOf(%q) = %v, %v", name, f, ok)
		}
	}
	if _, ok := FormatOf("a.xls"); ok {
		t.Error("FormatOf(.xls) accepted: excelize cannot read the old binary format")
	}
}
