package report

import (
	"io"
	"strings"
	"testing"

	"crm/l10n"
)

// manyRows is a section's rows of which only the count is known: more
// than an XLSX sheet holds, made without holding a million rows.
type manyRows int

func (n manyRows) Len() int             { return int(n) }
func (manyRows) Keys() []string         { return nil }
func (manyRows) Cell(int, string) Value { return Value{} }

// The errors a user meets with a report are in the user's language
// (helper 134): a section too long for one XLSX sheet, and the figures
// an archive's layout has no section, column or kind for. They used to be
// English whatever the language.
func TestReportErrorsInChinese(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	big := &Report{Name: "register", Sections: []Section{{Key: "dossiers", src: manyRows(maxSheetRows)}}}
	l, err := LoadLayout("loans", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{
			"报表 register 的部分 dossiers：1048576 行超出一张 XLSX 工作表的容量（最多 1048575 行）：请改用 CSV 或 JSON 格式",
			`报表 loans：版式 built-in templates/reports/loans.yaml 没有标识为 "borrowings" 的部分（现有 loans）`,
			`报表 loans 的部分 loans 第 1 行：版式 built-in templates/reports/loans.yaml 没有标识为 "card" 的列`,
			`报表 loans 的部分 loans 第 2 行 renewals 列：int 类型的列不能存放 text 类型的值 "one"`,
		}},
		{"en", []string{
			"report register, section dossiers: 1048576 rows do not fit in one XLSX sheet (at most 1048575): choose the CSV or JSON format",
			`report loans: layout built-in templates/reports/loans.yaml has no section "borrowings" (it has loans)`,
			`report loans, section loans, row 1: layout built-in templates/reports/loans.yaml has no column "card"`,
			`report loans, section loans, row 2, column renewals: a int column cannot hold text value "one"`,
		}},
	} {
		l10n.SetLang(c.lang)
		errs := []error{Render(io.Discard, big, XLSX, Options{Lang: LangZh})}
		for _, data := range []map[string][]Row{
			{"borrowings": nil},
			{"loans": {{"card": Str("1")}}},
			{"loans": {{"card_no": Str("1")}, {"renewals": Str("one")}}},
		} {
			_, err := Build(l, data)
			errs = append(errs, err)
		}
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), c.want[i]) {
				t.Errorf("%s: error = %v, want it to contain %q", c.lang, err, c.want[i])
			}
		}
	}
}

// A broken layout is named with its file and line in Chinese, every word
// of crm's own in Chinese.
func TestLayoutErrorsInChinese(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	l10n.SetLang("zh")
	for _, c := range []struct{ yaml, want string }{
		{"title: {zh: 月报}\nsections:\n  - key: s\n    title: {zh: 概况}\n    columns: [{key: a, zh: 甲, kind: money}]\n",
			`f.yaml:5：未知的列类型 "money"：请用 text、int、number、date、percent 之一`},
		{"title: {en: Monthly}\nsections: []\n", "f.yaml:1：title: 须有 zh:（报表的中文标题）"},
		{"title: {zh: 月报}\nsections: []\n", "f.yaml:2：sections: 须至少有一个部分"},
		{"title: {zh: 月报}\nsections:\n  - key: s\n    title: {zh: 概况}\n    columns: [{key: a, zh: 甲, kind: int}, {key: a, zh: 乙, kind: int}]\n",
			`f.yaml:5：部分 s：列的标识 "a" 用了两次`},
		{"title: {zh: 月报}\nsections:\n  - key: s\n    title: {zh: 概况}\n    columns: [{key: a, kind: int}]\n",
			"f.yaml:5：部分 s：列 a 须有 zh:（列的中文标题）"},
		// yaml's own words, and a value that is not of the layout's type
		{"title: {zh: 月报}\n\tsections: []\n", "f.yaml:2：出现了不能作为开头的字符（如制表符或 @、`）：缩进只能用空格，特殊字符开头的值请加引号"},
		{"title: {zh: 月报}\nsections: abc\n", `f.yaml:2：这里应当是部分的列表，而不是 "abc"`},
		{"title: {zh: 月报}\nnotes: [a]\nsections: []\n", "f.yaml:2：这里应当是说明的映射（名称: {zh: …, en: …}），而不是列表"},
		{"title: {zh: 月报}\nsections:\n  - key: [a]\n", "f.yaml:3：这里应当是一段文字，而不是列表或多个字段"},
	} {
		_, err := ParseLayout("m", "f.yaml", []byte(c.yaml))
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseLayout(%q) error = %v, want %q", c.yaml, err, c.want)
		}
	}
	l10n.SetLang("en") // in English, a layout's types are named, not Go's
	for _, c := range []struct{ yaml, want string }{
		{"title: {zh: 月报}\nsections: abc\n", `f.yaml:2: this should be a list of sections, not "abc"`},
		{"title: {zh: 月报}\nsections:\n  a: b\n", "f.yaml:3: this should be a list of sections, not fields (name: value)"},
	} {
		_, err := ParseLayout("m", "f.yaml", []byte(c.yaml))
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseLayout(%q) error = %v, want %q", c.yaml, err, c.want)
		}
	}
	l10n.SetLang("zh")
	l := &Layout{Source: "f.yaml"}
	if _, err := l.Note("unreadable", nil); err == nil || err.Error() != `f.yaml：notes: 下没有说明 "unreadable"；请把它加到版式中` {
		t.Errorf("Note error = %v", err)
	}
	if _, err := LoadLayout("Weekly", nil); err == nil || !strings.HasPrefix(err.Error(), `报表名 "Weekly"：只能用小写字母、数字、- 和 _（如 annual、`) {
		t.Errorf("LoadLayout(Weekly) error = %v", err)
	}
	if _, err := LoadLayout("weekly", nil); err == nil || !strings.HasPrefix(err.Error(), `没有报表 "weekly"：请用 annual、`) {
		t.Errorf("LoadLayout(weekly) error = %v", err)
	}
}
