package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clipperhouse/displaywidth"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var genTime = time.Date(2026, 11, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))

func day(y int, m time.Month, d int) Value { return Date(time.Date(y, m, d, 15, 0, 0, 0, time.UTC)) }

// fixture is a report that exercises every kind, CJK text, cells that
// spreadsheets would mangle, an empty section and notes.
func fixture(t testing.TB) *Report {
	t.Helper()
	data, err := os.ReadFile("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLayout("fixture", "testdata/fixture.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(l, map[string][]Row{
		"summary": {{"created": Int(3), "updated": Int(12), "net": Int(-2)}},
		"customers": {
			{"dossier": Str("C-0001"), "customer": Str("华东精密机械有限公司"), "phone": Str("13800138000"), "level": Str("机密"),
				"sales": Num(1234567.5), "share": Num(0.4567), "since": day(2019, 3, 1), "remarks": Str("重点客户|年度框架协议")},
			{"dossier": Str("C-0002"), "customer": Str("Acme 贸易 (上海)"), "phone": Str("021-58881234"), "level": Str("秘密"),
				"sales": Int(-2500), "share": Num(0.05), "since": day(2024, 11, 30), "remarks": Str(`=HYPERLINK("http://x.test","点我")`)},
			{"dossier": Str("C-0003"), "customer": Str("张三个体户"), "phone": Str("01012345678"), "level": Str("内部"),
				"remarks": Str("-5 天后复核\n第二行 *加急*")},
			{"dossier": Str("C-0004"), "customer": Str("@risk 咨询"), "phone": Str("+8613912345678"), "level": Str("绝密"),
				"sales": Num(0), "share": Num(0), "since": day(2026, 1, 5), "remarks": Str("")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Period = "2026-10"
	r.GeneratedAt = genTime
	n, err := l.Note("unreadable", map[string]string{"count": "2"})
	if err != nil {
		t.Fatal(err)
	}
	r.Notes = []Text{n}
	return r
}

func render(t testing.TB, r *Report, f Format, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r, f, o); err != nil {
		t.Fatalf("Render %v: %v", f, err)
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	r := fixture(t)
	for _, c := range []struct {
		file string
		f    Format
		o    Options
	}{
		{"fixture.table.txt", Table, Options{}},
		{"fixture.en.table.txt", Table, Options{Lang: "en"}},
		{"fixture.md", Markdown, Options{}},
		{"fixture.en.md", Markdown, Options{Lang: "en"}},
		{"fixture.csv", CSV, Options{}},
		{"fixture.json", JSON, Options{}},
	} {
		t.Run(c.file, func(t *testing.T) { golden(t, c.file, render(t, r, c.f, c.o)) })
	}
}

func TestJSONSchema(t *testing.T) {
	var got struct {
		Schema      string `json:"schema"`
		Report      string `json:"report"`
		GeneratedAt string `json:"generated_at"`
		Sections    []struct {
			Key     string           `json:"key"`
			Columns []map[string]any `json:"columns"`
			Rows    []map[string]any `json:"rows"`
		} `json:"sections"`
	}
	if err := json.Unmarshal(render(t, fixture(t), JSON, Options{}), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != SchemaID || got.Report != "fixture" || got.GeneratedAt != "2026-11-01T08:30:00+08:00" {
		t.Errorf("header: %+v", got)
	}
	rows := got.Sections[1].Rows
	if v, ok := rows[0]["sales"].(float64); !ok || v != 1234567.5 {
		t.Errorf("sales = %#v, want the number 1234567.5", rows[0]["sales"])
	}
	if v, ok := rows[0]["phone"].(string); !ok || v != "13800138000" {
		t.Errorf("phone = %#v, want the string 13800138000", rows[0]["phone"])
	}
	if v, ok := rows[0]["since"].(string); !ok || v != "2019-03-01" {
		t.Errorf("since = %#v, want 2019-03-01", rows[0]["since"])
	}
	if v, ok := rows[2]["sales"]; !ok || v != nil {
		t.Errorf("empty sales = %#v (present %v), want null", v, ok)
	}
	if got.Sections[2].Rows == nil {
		t.Errorf("empty section rows = null, want []")
	}
}

// TestTableCJKAlignment checks that every line of each table has the same
// display width, Chinese characters counting two columns.
func TestTableCJKAlignment(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		out := string(render(t, fixture(t), Table, Options{Lang: lang}))
		tables, width := 0, -1
		for line := range strings.SplitSeq(out, "\n") {
			if !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "|") {
				width = -1 // between tables
				continue
			}
			w := displaywidth.String(line)
			if width == -1 {
				width = w
				tables++
			} else if w != width {
				t.Errorf("lang %s: line %q is %d columns wide, the table's first line %d", lang, line, w, width)
			}
		}
		if tables != 3 {
			t.Errorf("lang %s: found %d tables, want 3:\n%s", lang, tables, out)
		}
		if strings.ContainsAny(out, "─│┌┼") {
			t.Errorf("box-drawing characters in the table output")
		}
	}
}

func TestTableAlignsNumbersRight(t *testing.T) {
	out := string(render(t, fixture(t), Table, Options{}))
	for _, want := range []string{"|    3 |", "|   -2 |", "| 1234567.50 |", "|   -2500.00 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "| 档案编号 |") || strings.Contains(out, "DOSSIER") {
		t.Errorf("headers not as written:\n%s", out)
	}
}

func TestTableCleansControlCharacters(t *testing.T) {
	r := fixture(t)
	r.Sections[1].Rows[0]["customer"] = Str("坏\x1b[31m名\x07")
	out := string(render(t, r, Table, Options{}))
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
}

func TestMarkdown(t *testing.T) {
	out := string(render(t, fixture(t), Markdown, Options{}))
	for _, want := range []string{
		"| 新建 | 更新 | 净增 |\n| ---: | ---: | ---: |\n| 3 | 12 | -2 |",
		`重点客户\|年度框架协议`,
		`-5 天后复核<br>第二行 \*加急\*`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestCSV(t *testing.T) {
	r := fixture(t)
	plain := render(t, r, CSV, Options{})
	withBOM := render(t, r, CSV, Options{BOM: true})
	if bytes.HasPrefix(plain, []byte("\xEF\xBB\xBF")) {
		t.Errorf("BOM written though not asked for")
	}
	if !bytes.HasPrefix(withBOM, []byte("\xEF\xBB\xBF")) || !bytes.Equal(withBOM[3:], plain) {
		t.Errorf("BOM: want EF BB BF followed by the plain output")
	}
	recs := readCSV(t, plain)
	find := func(first string) []string {
		for _, rec := range recs {
			if rec[0] == first {
				return rec
			}
		}
		t.Fatalf("no record starting with %q in %q", first, recs)
		return nil
	}
	if rec := find("3"); !slices.Equal(rec, []string{"3", "12", "-2"}) {
		t.Errorf("summary = %q: negative count must stay -2", rec)
	}
	c1, c2, c3, c4 := find("C-0001"), find("C-0002"), find("C-0003"), find("C-0004")
	checks := []struct{ got, want string }{
		{c1[2], `="13800138000"`},                    // mobile number stays text in Excel
		{c1[4], "1234567.50"},                        // number stays a number
		{c1[5], "45.7%"},                             // percent
		{c1[6], "2019-03-01"},                        // date
		{c2[2], "021-58881234"},                      // not all digits: as is
		{c2[4], "-2500.00"},                          // negative number not neutralised
		{c2[7], `'=HYPERLINK("http://x.test","点我")`}, // formula neutralised
		{c3[2], `="01012345678"`},                    // leading zero kept
		{c3[4], ""},                                  // empty
		{c3[7], "'-5 天后复核\n第二行 *加急*"},                // text starting with - neutralised
		{c4[1], "'@risk 咨询"},                         // @ neutralised
		{c4[2], `="+8613912345678"`},                 // +digits: text, not formula
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	// Blocks: title line, header, rows, note; separated by empty lines.
	if !bytes.Contains(plain, []byte("\n\n客户清单\n档案编号,客户名称,")) {
		t.Errorf("section block layout changed:\n%s", plain)
	}
}

func TestCSVText(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"abc":                "abc",
		"=1+1":               "'=1+1",
		"+1":                 `="+1"`,
		"+1 (555)":           "'+1 (555)",
		"-x":                 "'-x",
		"@SUM(A1)":           "'@SUM(A1)",
		"\tx":                "'\tx",
		"12345":              "12345",
		"0123":               `="0123"`,
		"0":                  "0",
		"110105194912310021": `="110105194912310021"`,
		"11010519491231002X": "11010519491231002X",
		// an escape sequence, DEL and C1 written into a note by hand
		"\x1b[31mRED\x1b[0m": "\uFFFD[31mRED\uFFFD[0m",
		"a\x7fb\u009bc":      "a\uFFFDb\uFFFDc",
		"two\nlines":         "two\nlines",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXLSX(t *testing.T) {
	r := fixture(t)
	tmp := t.TempDir()
	b := render(t, r, XLSX, Options{TmpDir: tmp})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"说明", "概况", "客户清单", "空表"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := cell("说明", "A1"); got != "测试报表" {
		t.Errorf("cover A1 = %q", got)
	}
	for ref, want := range map[string]string{"A1": "档案编号", "B1": "客户名称", "E1": "年销售额", "G1": "开始交易日期"} {
		if got := cell("客户清单", ref); got != want {
			t.Errorf("header %s = %q, want %q", ref, got, want)
		}
	}
	numeric := func(sheet, ref string) {
		t.Helper()
		typ, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s!%s has type %v, want a number", sheet, ref, typ)
		}
		raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Sscanf(raw, "%g", new(float64)); err != nil {
			t.Errorf("%s!%s = %q, not a number", sheet, ref, raw)
		}
	}
	numeric("客户清单", "E2") // sales
	numeric("客户清单", "E3") // negative sales
	numeric("客户清单", "F2") // percent
	numeric("客户清单", "G2") // date serial
	numeric("概况", "C2")   // -2
	if got := cell("客户清单", "E3"); got != "-2,500.00" {
		t.Errorf("E3 shows %q, want -2,500.00", got)
	}
	if got := cell("客户清单", "G2"); got != "2019-03-01" {
		t.Errorf("date G2 shows %q, want 2019-03-01", got)
	}
	if got := cell("客户清单", "F2"); got != "45.7%" {
		t.Errorf("percent F2 shows %q, want 45.7%%", got)
	}
	if typ, _ := f.GetCellType("客户清单", "C2"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("phone C2 has type %v, want a string", typ)
	}
	if got := cell("客户清单", "H3"); got != `=HYPERLINK("http://x.test","点我")` {
		t.Errorf("H3 = %q: text must stay text", got)
	}
	if fm, _ := f.GetCellFormula("客户清单", "H3"); fm != "" {
		t.Errorf("H3 became a formula %q", fm)
	}
	// Column widths: set, and the Chinese name column wider than the level column.
	wName, _ := f.GetColWidth("客户清单", "B")
	wLevel, _ := f.GetColWidth("客户清单", "D")
	if wName < 20 || wLevel >= wName || wLevel < minColWidth {
		t.Errorf("widths: name %v, level %v", wName, wLevel)
	}
	panes, err := f.GetPanes("客户清单")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v", panes)
	}
	// Header style: bold.
	sid, _ := f.GetCellStyle("客户清单", "A1")
	st, err := f.GetStyle(sid)
	if err != nil || st.Font == nil || !st.Font.Bold || len(st.Border) == 0 || len(st.Fill.Color) == 0 {
		t.Errorf("header style = %+v (%v), want bold, bordered, filled", st, err)
	}
	// English sheet names.
	b = render(t, r, XLSX, Options{Lang: "en"})
	fe, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer fe.Close()
	if got, want := fe.GetSheetList(), []string{"About", "Summary", "Customers", "Nothing here"}; !slices.Equal(got, want) {
		t.Errorf("en sheets = %q, want %q", got, want)
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	long := strings.Repeat("很长的标题", 10)
	for _, c := range []struct{ in, want string }{
		{"说明", "说明"},
		{"说明", "说明 (2)"},
		{"a/b:c*d?e[f]g\\h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"history", "history_"},
		{"", "_"},
		{long, long[:len("很")*31]},
		{long, strings.Repeat("很长的标题", 6)[:len("很")*27] + " (2)"},
		{"Summary", "Summary"},
		{"SUMMARY", "SUMMARY (2)"},
	} {
		if got := sheetName(used, c.in); got != c.want {
			t.Errorf("sheetName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"table": Table, "md": Markdown, "Markdown": Markdown, "CSV": CSV, " xlsx ": XLSX, "json": JSON} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := ParseFormat("pdf")
	if err == nil || !strings.Contains(err.Error(), `"pdf"`) || !strings.Contains(err.Error(), "table, md, csv, xlsx, json") {
		t.Errorf("ParseFormat(pdf) error = %v, want it to name pdf and list the formats", err)
	}
	for f := Table; f <= JSON; f++ {
		if g, ok := FormatForFile("out/report" + strings.ToUpper(f.Ext())); !ok || g != f {
			t.Errorf("FormatForFile(%s) = %v, %v", f.Ext(), g, ok)
		}
	}
	if err := Render(&bytes.Buffer{}, fixture(t), Format(99), Options{}); err == nil {
		t.Errorf("Render with an unknown format: no error")
	}
	if err := Render(&bytes.Buffer{}, fixture(t), Table, Options{Lang: "fr"}); err == nil || !strings.Contains(err.Error(), "zh or en") {
		t.Errorf("Render with lang fr: %v", err)
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"table", "md", "csv", "xlsx", "json", "", "MD", "pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFormat(s)
		if err != nil {
			return
		}
		again, err := ParseFormat(got.String())
		if err != nil || again != got {
			t.Errorf("ParseFormat(%q) = %v, but ParseFormat(%q) = %v, %v", s, got, got.String(), again, err)
		}
	})
}

func TestBuiltInLayouts(t *testing.T) {
	names := LayoutNames()
	want := []string{"annual", "classification", "destruction", "loans", "monthly", "quarterly", "register", "reviews"}
	if !slices.Equal(names, want) {
		t.Errorf("LayoutNames() = %q, want %q", names, want)
	}
	for _, name := range names {
		l, err := LoadLayout(name, nil)
		if err != nil {
			t.Fatalf("built-in layout %s: %v", name, err)
		}
		if l.Title.En == "" {
			t.Errorf("%s: no English title", name)
		}
		for _, s := range l.Sections {
			if s.Title.En == "" {
				t.Errorf("%s/%s: no English title", name, s.Key)
			}
			for _, c := range s.Columns {
				if c.En == "" {
					t.Errorf("%s/%s/%s: no English title", name, s.Key, c.Key)
				}
			}
		}
		r, err := Build(l, nil)
		if err != nil {
			t.Fatal(err)
		}
		for f := Table; f <= JSON; f++ {
			render(t, r, f, Options{})
		}
	}
	m, _ := LoadLayout("monthly", nil)
	for _, key := range []string{"summary", "by_level", "by_credit", "by_tier", "by_grade", "by_industry", "by_region", "dangerous", "key_customers"} {
		if m.Section(key) == nil {
			t.Errorf("monthly has no section %s", key)
		}
	}
	if _, err := m.Note("unreadable", map[string]string{"count": "3"}); err != nil {
		t.Error(err)
	}
}

func TestLoadLayoutOverride(t *testing.T) {
	const file = "templates/reports/monthly.yaml"
	good := "title: {zh: 本部门月报, en: Our monthly}\nsections:\n  - key: summary\n    title: {zh: 概况}\n    columns:\n      - {key: created, zh: 新建, kind: int}\n"
	l, err := LoadLayout("monthly", fstest.MapFS{file: {Data: []byte(good)}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Title.Zh != "本部门月报" || l.Source != file {
		t.Errorf("override not used: %+v", l)
	}
	l, err = LoadLayout("monthly", fstest.MapFS{})
	if err != nil || l.Title.Zh != "客户信息报表" || !strings.HasPrefix(l.Source, "built-in ") {
		t.Errorf("without override: %v, %+v", err, l)
	}

	for _, c := range []struct{ name, yaml, want string }{
		{"unknown field", "title: {zh: 月报}\nsections:\n  - key: summary\n    title: {zh: 概况}\n    colour: red\n    columns: [{key: a, zh: 甲, kind: int}]\n",
			file + `:5: unknown field "colour"`},
		{"unknown kind", "title: {zh: 月报}\nsections:\n  - key: summary\n    title: {zh: 概况}\n    columns:\n      - {key: a, zh: 甲, kind: money}\n",
			file + `:6: unknown column kind "money": use one of text, int, number, date, percent`},
		{"syntax", "title: {zh: 月报\nsections: [\n", file + ":"},
		{"duplicate column", "title: {zh: 月报}\nsections:\n  - key: summary\n    title: {zh: 概况}\n    columns:\n      - {key: a, zh: 甲, kind: int}\n      - {key: a, zh: 乙, kind: int}\n",
			file + `:7: section summary: column key "a" used twice`},
		{"no kind", "title: {zh: 月报}\nsections:\n  - key: summary\n    title: {zh: 概况}\n    columns:\n      - {key: a, zh: 甲}\n",
			file + ":6: section summary: column a needs kind:"},
		{"bad key", "title: {zh: 月报}\nsections:\n  - key: Summary\n    title: {zh: 概况}\n    columns: [{key: a, zh: 甲, kind: int}]\n",
			file + `:3: section key "Summary"`},
		{"no title", "sections:\n  - key: summary\n    title: {zh: 概况}\n    columns: [{key: a, zh: 甲, kind: int}]\n",
			file + ":1: title: needs zh:"},
		{"empty", "# nothing\n", file + ": empty layout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadLayout("monthly", fstest.MapFS{file: {Data: []byte(c.yaml)}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := LoadLayout("weekly", nil); err == nil || !strings.Contains(err.Error(), "monthly") {
		t.Errorf("unknown report: %v, want the list of reports", err)
	}
	if _, err := LoadLayout("../etc/passwd", nil); err == nil {
		t.Errorf("path in report name accepted")
	}
}

func TestBuildErrors(t *testing.T) {
	l, err := LoadLayout("loans", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data map[string][]Row
		want string
	}{
		{map[string][]Row{"borrowings": nil}, `no section "borrowings" (it has loans)`},
		{map[string][]Row{"loans": {{"card": Str("1")}}}, `section loans, row 1: layout built-in templates/reports/loans.yaml has no column "card"`},
		{map[string][]Row{"loans": {{"card_no": Str("1")}, {"renewals": Str("one")}}}, `row 2, column renewals: a int column cannot hold text value "one"`},
		{map[string][]Row{"loans": {{"date_out": Int(3)}}}, `column date_out: a date column cannot hold int value "3"`},
	} {
		if _, err := Build(l, c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build error = %v, want it to contain %q", err, c.want)
		}
	}
	r, err := Build(l, map[string][]Row{"loans": {{"card_no": Int(17), "renewals": Int(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Sections[0].Rows[0]["card_no"]; v.k != vStr || v.s != "17" {
		t.Errorf("int in a text column = %#v, want text 17", v)
	}
}

func TestShare(t *testing.T) {
	if !Share(1, 0).IsNull() || Share(1, 4).num() != 0.25 {
		t.Errorf("Share")
	}
}

// Each kind of value reads back what it was given, from its one word:
// negative numbers, a date before 1970 and one in another zone.
func TestValueKinds(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		v    Value
		want any
		text string
	}{
		{Int(-42), int64(-42), "-42"},
		{Num(-0.125), -0.125, "-0.125"},
		{Date(time.Date(1965, 3, 1, 23, 30, 0, 0, cst)), time.Date(1965, 3, 1, 0, 0, 0, 0, time.UTC), "1965-03-01"},
		{Date(time.Date(2026, 12, 31, 23, 59, 0, 0, cst)), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "2026-12-31"},
		{Str("甲"), "甲", "甲"},
		{Value{}, nil, ""},
	} {
		if got := c.v.Any(); got != c.want || c.v.String() != c.text {
			t.Errorf("%s: Any %v (%T), String %q; want %v, %q", c.text, got, got, c.v.String(), c.want, c.text)
		}
	}
}

// BenchmarkRender renders one 10,000-row section in each format.
func BenchmarkRender(b *testing.B) {
	l, err := LoadLayout("loans", nil)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]Row, 10_000)
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = Row{
			"card_no": Str(fmt.Sprintf("L2026-%05d", i)), "dossier": Str(fmt.Sprintf("C-%05d", i%3000)), "level": Str("机密"),
			"borrower": Str("王经理"), "borrower_title": Str("经理"), "department": Str("市场部"), "purpose": Str("年度合同续签前核对客户资信"),
			"dept_manager": Str("李四"), "approver": Str("张三"), "date_out": Date(d.AddDate(0, 0, i%365)), "due": Date(d.AddDate(0, 0, i%365+3)),
			"renewals": Int(i % 2), "returned": Date(d.AddDate(0, 0, i%365+2)), "intact": Str("是"), "remarks": Str(""),
		}
	}
	r, err := Build(l, map[string][]Row{"loans": rows})
	if err != nil {
		b.Fatal(err)
	}
	r.Period, r.GeneratedAt = "2026", genTime
	tmp := b.TempDir()
	for f := Table; f <= JSON; f++ {
		b.Run(f.String(), func(b *testing.B) {
			var n int64
			for b.Loop() {
				var c countWriter
				if err := Render(&c, r, f, Options{TmpDir: tmp}); err != nil {
					b.Fatal(err)
				}
				n = int64(c)
			}
			b.ReportMetric(float64(n), "bytes/op-out")
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// spyWriter lists dir when the workbook is written, while excelize still
// holds its spill files.
type spyWriter struct {
	dir   string
	files []string
}

func (s *spyWriter) Write(p []byte) (int, error) {
	if s.files == nil {
		ents, _ := os.ReadDir(s.dir)
		s.files = []string{}
		for _, e := range ents {
			s.files = append(s.files, e.Name())
		}
	}
	return len(p), nil
}

// TestXLSXSpillsToTmpDir checks that a sheet too big for memory is spilled
// to Options.TmpDir (memory-backed in real use), not to the system's /tmp.
func TestXLSXSpillsToTmpDir(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: writes a large sheet")
	}
	l, err := LoadLayout("loans", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]Row, 40_000)
	for i := range rows {
		rows[i] = Row{"card_no": Str(fmt.Sprintf("L%06d", i)), "purpose": Str("年度合同续签前核对客户资信情况"), "remarks": Str(strings.Repeat("备注", 100)),
			"renewals": Int(i), "date_out": day(2026, 1, 1+i%28)}
	}
	r, err := Build(l, map[string][]Row{"loans": rows})
	if err != nil {
		t.Fatal(err)
	}
	spy := &spyWriter{dir: t.TempDir()}
	if err := Render(spy, r, XLSX, Options{TmpDir: spy.dir}); err != nil {
		t.Fatal(err)
	}
	if len(spy.files) == 0 {
		t.Errorf("nothing spilled to TmpDir %s", spy.dir)
	}
	if ents, _ := os.ReadDir(spy.dir); len(ents) != 0 {
		t.Errorf("spill files left behind: %v", ents)
	}
}

// Make's build fits the rows it owns in place and writes a cell back only
// when it changed: a row of eight cells is a full small map, which even an
// equal write grows to a table (three allocations each, Go 1.26), so the
// whole 核定 register cost 480 MB more. Building 2,000 such rows takes a
// few allocations, not thousands.
func TestBuildOwnedRowsNotGrown(t *testing.T) {
	l, err := LoadLayout("reviews", nil)
	if err != nil {
		t.Fatal(err)
	}
	day := Date(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	rows := func() []Row {
		rs := make([]Row, 2000)
		for i := range rs {
			rs[i] = Row{"dossier": Str("C-000001"), "level": Str("秘密"), "quarter": Str("2026Q4"), "verified_on": day,
				"verified_by": Str("李四"), "signed_off_by": Str(""), "result": Str(""), "remarks": Str("资料核对无误")}
		}
		return rs
	}
	sets := make([][]Row, 3)
	for i := range sets {
		sets[i] = rows()
	}
	k := 0
	allocs := testing.AllocsPerRun(len(sets)-1, func() {
		if _, err := build(l, map[string][]Row{"reviews": sets[k]}, nil, true); err != nil {
			t.Fatal(err)
		}
		k++
	})
	if allocs > 100 {
		t.Errorf("build of 2,000 owned rows made %v allocations", allocs)
	}
	if got := sets[0][0]["remarks"].String(); got != "资料核对无误" {
		t.Errorf("remarks %q", got)
	}
}

// TestBuiltinTitlesFitSheetNames: every section title of the built-in
// layouts, in both languages, fits an Excel sheet name whole (31 UTF-16
// units): a workbook's tabs are not cut mid-word.
func TestBuiltinTitlesFitSheetNames(t *testing.T) {
	for _, name := range LayoutNames() {
		l, err := LoadLayout(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range l.Sections {
			for _, title := range []string{s.Title.Zh, s.Title.En} {
				if n := utf16Len(title); n > maxSheetName {
					t.Errorf("%s: section %s: title %q is %d units, more than a sheet name's %d", name, s.Key, title, n, maxSheetName)
				}
			}
		}
	}
}
