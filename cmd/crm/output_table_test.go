package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// tablewriterOut is printTable's output by tablewriter.
func tablewriterOut(t testing.TB, headers []string, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	if err := printTablewriter(&b, headers, rows); err != nil {
		t.Fatalf("tablewriter: %v", err)
	}
	return b.String()
}

// checkTable fails unless printTable writes what tablewriter writes for the
// table, and renderASCIITable draws it itself when native says so. It
// reports whether renderASCIITable drew it.
func checkTable(t testing.TB, headers []string, rows [][]string, native bool) bool {
	t.Helper()
	want := tablewriterOut(t, headers, rows)
	var b bytes.Buffer
	err := renderASCIITable(&b, headers, rows)
	drawn := err == nil
	switch {
	case errors.Is(err, errTableFallback):
		if b.Len() > 0 {
			t.Errorf("renderASCIITable(%q, %q) fell back after writing %q", headers, rows, b.String())
		}
		if native {
			t.Errorf("renderASCIITable(%q, %q) fell back to tablewriter", headers, rows)
		}
	case err != nil:
		t.Fatalf("renderASCIITable(%q, %q): %v", headers, rows, err)
	case b.String() != want:
		t.Errorf("renderASCIITable(%q, %q):\n%s\ntablewriter:\n%s", headers, rows, b.String(), want)
	}
	b.Reset()
	if err := printTable(&b, headers, rows); err != nil {
		t.Fatalf("printTable(%q, %q): %v", headers, rows, err)
	}
	if b.String() != want {
		t.Errorf("printTable(%q, %q):\n%s\ntablewriter:\n%s", headers, rows, b.String(), want)
	}
	return drawn
}

// listHeaders are crm list's columns, in English and in Chinese.
var listHeaders = [][]string{
	{"ID", "LEVEL", "STATUS", "CREATED", "CHANGED", "CUSTOMER", "OWNER", "EXPIRES", "CREDIT", "TIER"},
	{"编号", "密级", "状态", "建档日期", "最近变更", "客户名称", "负责人", "解密日期", "信用", "层级"},
}

var handPickedTables = []struct {
	name    string
	headers []string
	rows    [][]string
}{
	{"example", []string{"ID", "LEVEL", "STATUS"}, [][]string{{"C-0000025YMP", "秘密", "active"}}},
	{"list", listHeaders[0], [][]string{
		{"C-0000025YMP", "秘密", "active", "2026-01-02", "2026-11-20", "上海某某贸易有限公司", "张三", "2036-01-02", "A", "重点"},
		{"C-000001", "机密", "closed", "2025-12-31", "2026-01-01", "Acme (China) Ltd.", "li.si", "", "C (dangerous)", ""},
		{"C-000002", "内部", "archived", "2026-03-04", "2026-03-04", "（未解密）", "", "长期", "B（危险）", "一般"},
	}},
	{"list zh", listHeaders[1], [][]string{
		{"C-0000025YMP", "绝密", "在办", "2026-01-02", "2026-11-20", "北京·朝阳区①号客户", "王五", "2036-01-02", "AAA", "战略"},
	}},
	{"borrow list", []string{"LOAN", "DOSSIER", "BORROWER", "DEPARTMENT", "STATUS", "DUE", "PURPOSE"}, [][]string{
		{"L-000001", "C-000001", "zhangsan", "销售部", "out OVERDUE", "2026-11-01", "审计核查"},
		{"L-000002", "C-000002", "lisi", "Finance", "returned", "", "audit, 2026 Q3"},
	}},
	{"borrow card", []string{"BORROW CARD 借阅卡", ""}, [][]string{
		{"card no. (卡号)", "L-000001"},
		{"borrower (借阅人)", "zhangsan 张三"},
		{"dept. manager's sign-off (部门经理签字)", "-"},
		{"approved by (批准人)", "wangwu, zhaoliu"},
		{"remarks (备注)", ""},
	}},
	{"single column", []string{"FILE"}, [][]string{{"a.docx"}, {"模板.xlsx"}, {""}}},
	{"numbers", []string{"Row", "Customer", "Level"}, [][]string{{"1", "甲", "秘密"}, {"10", "乙", "机密"}, {"100", "丙", "绝密"}, {"-3.25", "1e9", "0x1F"}}},
	{"empty cells", []string{"A", "B", "C"}, [][]string{{"", "", ""}, {"x", "", "y"}, {"", "长", ""}}},
	{"empty header cells", []string{"", "", ""}, [][]string{{"a", "", "中文"}}},
	{"all empty", []string{""}, [][]string{{""}}},
	{"no rows", []string{"ID", "LEVEL"}, nil},
	{"no rows empty", []string{"ID", "LEVEL"}, [][]string{}},
	{"header wider", []string{"A VERY LONG HEADER", "短"}, [][]string{{"x", "很长很长的内容"}}},
	{"spaces", []string{"  ID ", "NAME\u3000"}, [][]string{{"  lead", "trail  "}, {"\u3000全角空格\u3000", "\u00a0nbsp\u00a0"}, {"in side", "  "}}},
	{"trimmed breaks", []string{"A\n", "\tB"}, [][]string{{"x\r\n", "\n\ny\t "}}},
	{"fullwidth", []string{"（一）", "、，。"}, [][]string{{"（）、，", "ＡＢＣ１２３"}, {"「引号」", "！？"}}},
	{"ambiguous", []string{"·", "①"}, [][]string{{"α·β", "①②③"}, {"§ ° ± ×", "→ ← ↑"}, {"Ω", "…"}}},
	{"emoji", []string{"E"}, [][]string{{"😀"}, {"👍🏽"}, {"🇨🇳"}, {"❤️"}, {"👨‍👩‍👧"}}},
	{"zero width", []string{"Z"}, [][]string{{"e\u0301"}, {"a\u200bb"}, {"\u200d"}, {"\ufeffbom"}, {"\u0301"}}},
	{"box drawing", []string{"─┼─"}, [][]string{{"│a│"}, {"╔═╗"}}},
	{"ascii punctuation", []string{"|", "+"}, [][]string{{"-+-", "|x|"}, {"~!@#$%^&*()_", "{}[]<>?/\\'\""}}},
	{"replacement char", []string{"R"}, [][]string{{"\ufffd"}}},
}

func TestPrintTableHandPicked(t *testing.T) {
	for _, c := range handPickedTables {
		t.Run(c.name, func(t *testing.T) { checkTable(t, c.headers, c.rows, true) })
	}
}

// TestPrintTableFallback: tables renderASCIITable leaves to tablewriter,
// which prints them its own way (multi-line cells, expanded tabs, escapes
// not counted, short rows padded, empty rows dropped).
func TestPrintTableFallback(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers []string
		rows    [][]string
	}{
		{"newline", []string{"A"}, [][]string{{"a\nbb"}, {"c"}}},
		{"newline in header", []string{"A\nB"}, [][]string{{"x"}}},
		{"tab", []string{"A"}, [][]string{{"a\tb"}}},
		{"carriage return", []string{"A"}, [][]string{{"a\rb"}}},
		{"ansi", []string{"A"}, [][]string{{"\x1b[31mred\x1b[0m"}}},
		{"osc", []string{"A"}, [][]string{{"\x1b]8;;http://x\x07link\x1b]8;;\x07"}}},
		{"bell", []string{"A"}, [][]string{{"a\x07b"}}},
		{"nul", []string{"A"}, [][]string{{"a\x00b"}}},
		{"del", []string{"A"}, [][]string{{"a\x7fb"}}},
		{"c1", []string{"A"}, [][]string{{"a\u0085b\u009b"}}},
		{"invalid utf-8", []string{"A"}, [][]string{{"a\xffb"}, {"\xe4\xb8"}}},
		{"short row", []string{"A", "B"}, [][]string{{"x"}}},
		{"long row", []string{"A", "B"}, [][]string{{"x", "y", "z"}}},
		{"empty row", []string{"A", "B"}, [][]string{{}, {"1", "2"}}},
		{"nil row", []string{"A", "B"}, [][]string{nil}},
		{"no header", nil, [][]string{{"x", "y"}}},
		{"nothing", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if checkTable(t, c.headers, c.rows, false) {
				t.Errorf("renderASCIITable drew it")
			}
		})
	}
}

// tableRunes are what random cells are made of.
var tableRunes = []string{
	"a", "Z", "0", "9", " ", " ", "-", "|", "+", ".", "(", ")", "#",
	"中", "文", "秘", "密", "张", "三", "有", "限", "公", "司", "ア", "한",
	"（", "）", "、", "，", "。", "：", "「", "」", "Ａ", "１", "\u3000",
	"·", "①", "②", "α", "Ω", "§", "°", "×", "…", "→", "★", "№", "\u00a0", "\ufffd",
	"😀", "👍", "🏽", "🇨", "🇳", "❤", "\ufe0f", "\u200d", "\u200b", "\u0301", "\ufeff",
	"─", "│", "┼", "═",
}

// rareRunes send a table to tablewriter.
var rareRunes = []string{"\n", "\t", "\r", "\x1b[1m", "\x1b", "\x00", "\x7f", "\u0085", "\xff"}

func randomCell(r *rand.Rand, rare bool) string {
	var b strings.Builder
	for range r.IntN(12) {
		if rare && r.IntN(40) == 0 {
			b.WriteString(rareRunes[r.IntN(len(rareRunes))])
			continue
		}
		b.WriteString(tableRunes[r.IntN(len(tableRunes))])
	}
	return b.String()
}

func randomTable(r *rand.Rand, rare bool) ([]string, [][]string) {
	n := 1 + r.IntN(6)
	headers := make([]string, n)
	for j := range headers {
		headers[j] = randomCell(r, rare)
	}
	rows := make([][]string, r.IntN(8))
	for i := range rows {
		m := n
		if rare && r.IntN(20) == 0 {
			m = r.IntN(n + 2)
		}
		rows[i] = make([]string, m)
		for j := range rows[i] {
			rows[i][j] = randomCell(r, rare)
		}
	}
	return headers, rows
}

// testRandomTables checks n random tables: the even ones of common
// runes, which renderASCIITable must draw, the odd ones with now and then
// a rune or a row length that may send them to tablewriter.
func testRandomTables(t *testing.T, seed uint64, n int) {
	r := rand.New(rand.NewPCG(seed, 1))
	drawn, fell := 0, 0
	for i := range n {
		headers, rows := randomTable(r, i%2 == 1)
		if checkTable(t, headers, rows, i%2 == 0) {
			drawn++
		} else {
			fell++
		}
		if t.Failed() {
			return
		}
	}
	if fell == 0 || drawn <= fell {
		t.Errorf("%d tables drawn, %d left to tablewriter", drawn, fell)
	}
}

func TestPrintTableRandom(t *testing.T) { testRandomTables(t, 1, 2000) }

// withTableWidths runs f with twwidth's East-Asian width and narrow box
// drawing set, then puts them back.
func withTableWidths(t *testing.T, eastAsian, narrowBorders bool, f func()) {
	ea := twwidth.IsEastAsian()
	narrow := ea && twwidth.Width("─") == 1 // not told otherwise; off at start unless East-Asian
	defer twwidth.SetOptions(twwidth.Options{EastAsianWidth: ea, ForceNarrowBorders: narrow})
	twwidth.SetOptions(twwidth.Options{EastAsianWidth: eastAsian, ForceNarrowBorders: narrowBorders})
	f()
}

func TestPrintTableEastAsian(t *testing.T) {
	for _, s := range []struct{ ea, narrow bool }{{true, false}, {true, true}, {false, true}, {false, false}} {
		t.Run(fmt.Sprintf("eastasian=%v,narrowborders=%v", s.ea, s.narrow), func(t *testing.T) {
			withTableWidths(t, s.ea, s.narrow, func() {
				if got := twwidth.Width("·"); got != map[bool]int{false: 1, true: 2}[s.ea] {
					t.Fatalf(`twwidth.Width("·") = %d`, got)
				}
				for _, c := range handPickedTables {
					checkTable(t, c.headers, c.rows, true)
				}
				testRandomTables(t, 2, 500)
			})
		})
	}
}

// TestPrintTableEnvironment runs itself in a process of its own under each
// environment (CRM_TABLE_HELPER=1: checkTablesHere): twwidth decides
// East-Asian width (and narrow box drawing) once, from the environment,
// and renderASCIITable must measure as tablewriter does whatever it
// decided.
func TestPrintTableEnvironment(t *testing.T) {
	if os.Getenv("CRM_TABLE_HELPER") == "1" {
		checkTablesHere(t)
		return
	}
	if testing.Short() {
		t.Skip("-short: this test runs the test binary once per environment")
	}
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "LANG", "LC_ALL", "LC_CTYPE", "RUNEWIDTH_EASTASIAN", "TERM", "TERM_PROGRAM", "TERM_PROGRAM_WSL",
			"VTE_VERSION", "ALACRITTY_LOG", "WT_PROFILE_ID", "ConEmuANSI":
			continue
		}
		base = append(base, kv)
	}
	for _, c := range []struct {
		env      []string
		wantWide bool // "·" 2 columns wide
		wantBox  int  // columns of "─"
	}{
		{[]string{"LANG=C"}, false, 1},
		{[]string{"LANG=en_US.UTF-8", "TERM=dumb"}, false, 1},
		{[]string{"LANG=zh_CN.UTF-8"}, true, 2},
		{[]string{"LANG=C", "LC_ALL=ja_JP.UTF-8"}, true, 2},
		{[]string{"LANG=zh_CN.UTF-8", "TERM=xterm-256color"}, false, 1},
		{[]string{"LANG=zh_CN.UTF-8", "TERM=dumb", "RUNEWIDTH_EASTASIAN=0"}, false, 1},
		{[]string{"LANG=C", "RUNEWIDTH_EASTASIAN=1"}, true, 2},
		{[]string{"LANG=C", "RUNEWIDTH_EASTASIAN=1", "TERM_PROGRAM=vscode"}, true, 1},
	} {
		t.Run(strings.Join(c.env, ","), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPrintTableEnvironment$", "-test.count=1")
			cmd.Env = append(append(append([]string{}, base...), c.env...),
				"CRM_TABLE_HELPER=1", fmt.Sprintf("CRM_TABLE_WANT=%v,%d", c.wantWide, c.wantBox))
			if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("PASS")) {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

// checkTablesHere is TestPrintTableEnvironment in the process it started
// under one environment (CRM_TABLE_WANT: what twwidth should decide).
func checkTablesHere(t *testing.T) {
	if got := fmt.Sprintf("%v,%d", twwidth.Width("·") == 2, twwidth.Width("─")); got != os.Getenv("CRM_TABLE_WANT") {
		t.Fatalf("wide ambiguous, box width = %s, want %s (%+v)", got, os.Getenv("CRM_TABLE_WANT"), twwidth.Debugging())
	}
	for _, c := range handPickedTables {
		checkTable(t, c.headers, c.rows, true)
	}
	testRandomTables(t, 3, 300)
}

// benchRows are 10,000 rows of crm list's ten columns.
func benchRows() [][]string {
	r := rand.New(rand.NewPCG(7, 7))
	levels := []string{"秘密", "机密", "绝密", "内部"}
	names := []string{"上海某某贸易有限公司", "Acme (China) Ltd.", "北京·朝阳区①号客户", "（未解密）", "深圳市南山区科技有限公司第二分公司"}
	owners := []string{"张三", "李四", "wangwu", "欧阳娜娜", ""}
	rows := make([][]string, 10000)
	for i := range rows {
		rows[i] = []string{
			fmt.Sprintf("C-%08X", r.Uint32()), levels[r.IntN(len(levels))], "active",
			"2026-01-02", "2026-11-20", names[r.IntN(len(names))], owners[r.IntN(len(owners))],
			"2036-01-02", []string{"A", "B", "C（危险）"}[r.IntN(3)], []string{"重点", "一般", ""}[r.IntN(3)],
		}
	}
	return rows
}

// TestPrintTableWriteError: a failed write is printTable's error (tablewriter
// does not tell it).
func TestPrintTableWriteError(t *testing.T) {
	err := printTable(failingWriter{}, []string{"A"}, [][]string{{"x"}})
	if !errors.Is(err, errFailingWriter) {
		t.Fatalf("printTable to a failing writer: %v", err)
	}
}

var errFailingWriter = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errFailingWriter }

// BenchmarkPrintTable: crm list's table of 10,000 dossiers by tablewriter
// and by printTable.
func BenchmarkPrintTable(b *testing.B) {
	rows := benchRows()
	for _, bm := range []struct {
		name string
		f    func(io.Writer, []string, [][]string) error
	}{
		{"tablewriter", printTablewriter},
		{"printTable", printTable},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.f(io.Discard, listHeaders[1], rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
