package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipperhouse/displaywidth"
	"github.com/xuri/excelize/v2"

	"crm/archive"
	"crm/classify"
	"crm/testdata/reportfx"
)

var (
	fxOnce sync.Once
	fx     *reportfx.Fixture
	fxErr  error
)

// fixtureArchive builds the report fixture once per test binary.
func fixtureArchive(t testing.TB, who string) *archive.Archive {
	t.Helper()
	fxOnce.Do(func() {
		dir, err := tempDir()
		if err != nil {
			fxErr = err
			return
		}
		fx, fxErr = reportfx.Build(dir)
	})
	if fxErr != nil {
		t.Fatal(fxErr)
	}
	a, err := fx.Open(who)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The period each report is tested on.
var fixturePeriods = map[string]Period{
	"monthly":        MonthPeriod(2026, 10, cst),
	"quarterly":      QuarterPeriod(classify.Quarter{Year: 2026, Q: 4}, cst),
	"annual":         YearPeriod(2026, cst),
	"loans":          {},
	"destruction":    {},
	"reviews":        {},
	"classification": {},
}

func makeFixtureReport(t testing.TB, name, who string) *Report {
	t.Helper()
	return makeReport(t, fixtureArchive(t, who), name)
}

// makeReport makes report name of a for its period in fixturePeriods.
func makeReport(t testing.TB, a *archive.Archive, name string) *Report {
	t.Helper()
	l, err := LoadLayout(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Make(a, l, fixturePeriods[name])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// xlsxDump reads a workbook back with excelize and writes every sheet's
// cells as text, for a golden file.
func xlsxDump(t testing.TB, b []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("excelize cannot read the workbook back: %v", err)
	}
	defer f.Close()
	var out bytes.Buffer
	for _, sh := range f.GetSheetList() {
		fmt.Fprintf(&out, "== %s ==\n", sh)
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out.WriteString(strings.Join(r, " | "))
			out.WriteString("\n")
		}
	}
	return out.Bytes()
}

// TestReportsGolden renders every report of the fixture archive, as the
// clerk sees it (机密 dossiers unreadable), in every format.
func TestReportsGolden(t *testing.T) {
	for _, name := range Reports {
		r := makeFixtureReport(t, name, "clerk")
		for _, c := range []struct {
			ext string
			f   Format
			o   Options
		}{
			{"table.txt", Table, Options{}},
			{"en.table.txt", Table, Options{Lang: "en"}},
			{"md", Markdown, Options{}},
			{"csv", CSV, Options{}},
			{"json", JSON, Options{}},
			{"xlsx.txt", XLSX, Options{TmpDir: t.TempDir()}},
		} {
			t.Run(name+"."+c.ext, func(t *testing.T) {
				out := render(t, r, c.f, c.o)
				if c.f == XLSX {
					out = xlsxDump(t, out)
				}
				golden(t, "archive/"+name+"."+c.ext, out)
			})
		}
	}
}

func cell(r *Report, section string, row int, col string) string {
	s := r.Section(section)
	if s == nil || row >= s.Len() {
		return "<none>"
	}
	return s.Cell(row, col).String()
}

func findRow(r *Report, section, col, val string) Row {
	s := r.Section(section)
	for i := range s.Len() {
		if s.Cell(i, col).String() == val {
			return s.Row(i)
		}
	}
	return nil
}

// TestMonthlyFigures checks the October figures by hand.
func TestMonthlyFigures(t *testing.T) {
	r := makeFixtureReport(t, "monthly", "clerk")
	want := map[string]string{"created": "2", "updated": "1", "verified": "1", "borrowed": "2", "returned": "1",
		"overdue": "2", "destroyed": "1", "total": "5"}
	for k, v := range want {
		if got := cell(r, "summary", 0, k); got != v {
			t.Errorf("summary %s = %s, want %s", k, got, v)
		}
	}
	// 机密: 宏远 and 金桥 (raised on 10-21); the clerk reads neither.
	if row := findRow(r, "by_level", "level", "机密"); row == nil || row["count"].String() != "2" {
		t.Errorf("by_level 机密 = %v, want 2", row)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0].Zh, "有 2 份档案") {
		t.Errorf("notes = %v, want the unreadable note for 2 dossiers", r.Notes)
	}
	// 天成 (score 30) is dangerous; 宏远 (35) is too but unreadable.
	if d := r.Section("dangerous"); d.Len() != 1 || cell(r, "dangerous", 0, "customer") != "广州天成电子有限公司" {
		t.Errorf("dangerous: %d rows, the first %s", d.Len(), cell(r, "dangerous", 0, "customer"))
	}
	if k := r.Section("key_customers"); k.Len() != 1 || cell(r, "key_customers", 0, "last_verified") != "2026-10-20" || cell(r, "key_customers", 0, "contact_phone") != "021-58881234" {
		t.Errorf("key customers: %d rows, the first verified %s, phone %s", k.Len(), cell(r, "key_customers", 0, "last_verified"), cell(r, "key_customers", 0, "contact_phone"))
	}
	// 未清欠款 from credit_survey.outstanding: the manager reads both
	// dangerous customers; 宏远 records none, so its cell is empty, not 0.
	m := makeFixtureReport(t, "monthly", "manager")
	tc, hy := findRow(m, "dangerous", "dossier", "C-000005"), findRow(m, "dangerous", "dossier", "C-000003")
	if tc == nil || tc["outstanding"].String() != "125000.5" || hy == nil || !hy["outstanding"].IsNull() {
		t.Errorf("dangerous outstanding: 天成 %v, 宏远 %v", tc, hy)
	}
}

// TestMonthlyHandIns: the monthly report lists every member who owed
// the month's customer information report (R6.1), from the journal's
// register of hand-ins: no key needed, a rejected hand-in not counted, a
// member added mid-month not listed until the next month, and nobody
// 未交 before the due day has ended.
func TestMonthlyHandIns(t *testing.T) {
	rows := func(r *Report) string {
		s := r.Section("hand_ins")
		if s == nil {
			t.Fatal("the monthly report has no hand_ins section")
		}
		var b strings.Builder
		for i := range s.Len() {
			for _, k := range []string{"member", "name", "due", "status", "handed_in", "first_on", "rejected"} {
				b.WriteString(s.Cell(i, k).String() + " ")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	// 郑业务's hand-in of 3 October was turned down: his first that
	// counts is the late one of 12 October. 陈业务 became a sales member
	// on 15 October: not asked for October's.
	oct := "feng 冯业务 2026-10-07 未交 0  0 \n" +
		"wu 吴业务 2026-10-07 按期 2 2026-10-05 0 \n" +
		"zheng 郑业务 2026-10-07 逾期 1 2026-10-12 1 \n"
	for _, who := range []string{"clerk", ""} { // without a key: the same
		if got := rows(makeFixtureReport(t, "monthly", who)); got != oct {
			t.Errorf("October's hand-ins as %q:\n%s\nwant\n%s", who, got, oct)
		}
	}
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    Period
		want string
	}{
		// November: 陈业务 owes it; nobody handed in.
		{MonthPeriod(2026, 11, cst), "chen 陈业务 2026-11-07 未交 0  0 \n" +
			"feng 冯业务 2026-11-07 未交 0  0 \n" +
			"wu 吴业务 2026-11-07 未交 0  0 \n" +
			"zheng 郑业务 2026-11-07 未交 0  0 \n"},
		// January 2027 on the 5th: not due yet.
		{MonthPeriod(2027, 1, cst), "chen 陈业务 2027-01-07 待交 0  0 \n" +
			"feng 冯业务 2027-01-07 待交 0  0 \n" +
			"wu 吴业务 2027-01-07 待交 0  0 \n" +
			"zheng 郑业务 2027-01-07 待交 0  0 \n"},
		// June, before any sales member was added: nobody owed it.
		{MonthPeriod(2026, 6, cst), ""},
	} {
		r, err := Make(fixtureArchive(t, "clerk"), l, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := rows(r); got != c.want {
			t.Errorf("%s's hand-ins:\n%s\nwant\n%s", c.p.Label, got, c.want)
		}
	}
}

// TestHandInStatus: a hand-in is on time up to the last instant of the
// due day in the policy's zone (intake.due_day, default the 7th).
func TestHandInStatus(t *testing.T) {
	a := fixtureArchive(t, "clerk")
	due := a.Policy.HandInDue(MonthPeriod(2026, 10, cst).Start)
	if want := time.Date(2026, 10, 8, 0, 0, 0, 0, cst); !due.Equal(want) {
		t.Fatalf("due = %v, want %v", due, want)
	}
	at := func(t time.Time) *archive.Submission { return &archive.Submission{At: t} }
	for _, c := range []struct {
		first *archive.Submission
		now   time.Time
		want  string
	}{
		{at(due.Add(-time.Second)), due, "按期"},
		{at(due), due, "逾期"},
		{nil, due.Add(-time.Second), "待交"},
		{nil, due, "未交"},
	} {
		if got := handInStatus(c.first, due, c.now).Zh; got != c.want {
			t.Errorf("first %v, now %v: %s, want %s", c.first, c.now, got, c.want)
		}
	}
}

// TestMonthlyWithoutKey: journal figures stay, content figures say how
// many dossiers were left out.
func TestMonthlyWithoutKey(t *testing.T) {
	r := makeFixtureReport(t, "monthly", "")
	if got := cell(r, "summary", 0, "created"); got != "2" {
		t.Errorf("created = %s without a key, want 2", got)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0].En, "5 dossiers cannot be decrypted") {
		t.Errorf("notes = %v", r.Notes)
	}
	if n := r.Section("dangerous").Len(); n != 0 {
		t.Errorf("dangerous has %d rows without a key", n)
	}
}

// TestMonthBoundaryInBeijingTime: a dossier created at 00:30 on
// 1 November in Beijing (16:30 UTC on 31 October) is November's.
func TestMonthBoundaryInBeijingTime(t *testing.T) {
	a := fixtureArchive(t, "clerk")
	g, err := Gather(a, "monthly", MonthPeriod(2026, 11, cst))
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Data["summary"][0]["created"].String(); got != "1" {
		t.Errorf("November created = %s, want 1 (C-000007, 00:30 on 1 Nov CST)", got)
	}
}

func TestQuarterlyFigures(t *testing.T) {
	r := makeFixtureReport(t, "quarterly", "manager")
	if got := cell(r, "summary", 0, "due") + "/" + cell(r, "summary", 0, "verified"); got != "6/2" {
		t.Errorf("due/verified = %s, want 6/2", got)
	}
	if len(r.Notes) != 0 {
		t.Errorf("the manager reads everything, notes = %v", r.Notes)
	}
	row := findRow(r, "not_verified", "dossier", "C-000004")
	if row == nil || row["last_verified"].String() != "2026-09-25" || row["owner"].String() != "王专员" {
		t.Errorf("not verified C-000004 = %v", row)
	}
}

func TestPeriods(t *testing.T) {
	now := time.Date(2027, 1, 1, 1, 0, 0, 0, cst) // 17:00 UTC on 31 December
	if p := PreviousMonth(now, cst); p.Label != "2026-12" {
		t.Errorf("previous month = %s", p.Label)
	}
	if p := PreviousMonth(now.UTC(), cst); p.Label != "2026-12" {
		t.Errorf("previous month from UTC = %s", p.Label)
	}
	if p := PreviousQuarter(now, cst); p.Label != "2026Q4" {
		t.Errorf("previous quarter = %s", p.Label)
	}
	if p := PreviousYear(now, cst); p.Label != "2026" {
		t.Errorf("previous year = %s", p.Label)
	}
	for _, c := range []struct {
		s    string
		f    func(string) (Period, error)
		want string
	}{
		{"2026-10", ParseMonth, "2026-10"}, {"2026/3", nil, ""}, {"2026-13", ParseMonth, ""}, {"26-10", ParseMonth, ""},
		{"2026Q3", ParseQuarter, "2026Q3"}, {"2026q4", ParseQuarter, "2026Q4"}, {"2026-Q1", ParseQuarter, "2026Q1"},
		{"2026Q5", ParseQuarter, ""}, {"Q3", ParseQuarter, ""},
		{"2026", ParseYear, "2026"}, {"20266", ParseYear, ""}, {"abcd", ParseYear, ""},
	} {
		if c.f == nil {
			continue
		}
		p, err := c.f(c.s)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q parsed as %s, want an error", c.s, p.Label)
			}
			continue
		}
		if err != nil || p.Label != c.want {
			t.Errorf("%q = %s, %v; want %s", c.s, p.Label, err, c.want)
		}
	}
	p, _ := ParseMonth("2026-10")
	p = p.In(cst)
	if !p.Contains(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) || p.Contains(time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("October in Beijing time is [30 Sep 16:00Z, 31 Oct 16:00Z)")
	}
}

// cst is the zone of the fixture's policy (Asia/Shanghai), in which
// periods are cut.
var cst, _ = time.LoadLocation("Asia/Shanghai")

var fxDir string

func tempDir() (string, error) {
	d, err := os.MkdirTemp("", "crm-report-fixture-")
	fxDir = d
	return d, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fxDir != "" {
		os.RemoveAll(fxDir)
	}
	os.Exit(code)
}

// TestArchiveTablesAlign: every table of every report lines up in a
// terminal, Chinese characters counting two columns.
func TestArchiveTablesAlign(t *testing.T) {
	for _, name := range Reports {
		out := string(render(t, makeFixtureReport(t, name, "manager"), Table, Options{}))
		width := -1
		for line := range strings.SplitSeq(out, "\n") {
			if !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "|") {
				width = -1
				continue
			}
			if w := displaywidth.String(line); width == -1 {
				width = w
			} else if w != width {
				t.Errorf("%s: line %q is %d columns wide, its table %d", name, line, w, width)
			}
		}
	}
}

// TestLoanOverdue: a loan falls overdue at its due instant (archive.Loan.Due,
// out plus the loan's days), and is overdue in every period it is still
// out in after that (R7.1: the monthly report shows every loan to chase).
func TestLoanOverdue(t *testing.T) {
	oct, now := MonthPeriod(2026, 10, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	out := time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)
	due := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	// 01:00 on 1 November in Beijing: November's, not October's.
	lateDue := time.Date(2026, 10, 31, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		l    archive.Loan
		now  time.Time
		p    Period
		want bool
	}{
		{"returned at the due instant", archive.Loan{Out: out, Due: due, Returned: due}, now, oct, false},
		{"returned just before it", archive.Loan{Out: out, Due: due, Returned: due.Add(-time.Hour)}, now, oct, false},
		{"returned after it", archive.Loan{Out: out, Due: due, Returned: due.Add(time.Hour)}, now, oct, true},
		{"never returned", archive.Loan{Out: out, Due: due}, now, oct, true},
		{"taken back by loan.expire", archive.Loan{Out: out, Due: due, Expired: due.Add(24 * time.Hour)}, now, oct, true},
		{"not yet due", archive.Loan{Out: out, Due: due}, due.Add(-time.Hour), oct, false},
		{"due in October, still out in November", archive.Loan{Out: out, Due: due}, now, MonthPeriod(2026, 11, cst), true},
		{"due in October, back on 1 November", archive.Loan{Out: out, Due: due, Returned: time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)}, now, MonthPeriod(2026, 11, cst), true},
		{"due in October, back in October", archive.Loan{Out: out, Due: due, Returned: due.Add(time.Hour)}, now, MonthPeriod(2026, 11, cst), false},
		{"due in October, back at the start of November", archive.Loan{Out: out, Due: due, Returned: MonthPeriod(2026, 11, cst).Start}, now, MonthPeriod(2026, 11, cst), false},
		{"due in November", archive.Loan{Out: out, Due: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}, now, oct, false},
		{"still out, report made before it fell due", archive.Loan{Out: out, Due: due}, due, MonthPeriod(2026, 11, cst), false},
		{"the whole history", archive.Loan{Out: out, Due: due}, now, Period{}, true},
		{"still out, a month not begun by now", archive.Loan{Out: out, Due: due}, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), MonthPeriod(2026, 12, cst), false},
		{"still out, a month beginning at now", archive.Loan{Out: out, Due: due}, MonthPeriod(2026, 12, cst).Start, MonthPeriod(2026, 12, cst), false},
		{"still out, a month begun by now", archive.Loan{Out: out, Due: due}, MonthPeriod(2026, 12, cst).Start.Add(time.Second), MonthPeriod(2026, 12, cst), true},
		{"due in November Beijing time", archive.Loan{Out: out, Due: lateDue}, now, oct, false},
		{"overdue in November Beijing time", archive.Loan{Out: out, Due: lateDue}, now, MonthPeriod(2026, 11, cst), true},
		{"never went out", archive.Loan{Due: due}, now, oct, false},
	} {
		if got := overdueIn(&c.l, c.p, c.now); got != c.want {
			t.Errorf("%s: overdue = %v, want %v", c.name, got, c.want)
		}
	}
}

// The reports read the dossiers' digests kept with the plaintext cache:
// made on the first run, read on the second, they give what reading every
// dossier without a cache gives.
func TestReportsFromDigests(t *testing.T) {
	cache := t.TempDir()
	for _, who := range []string{"clerk", "manager"} {
		for _, name := range Reports {
			want := render(t, makeFixtureReport(t, name, who), JSON, Options{})
			for run := range 2 {
				a := fixtureArchive(t, who)
				a.EnableCache(cache)
				r := makeReport(t, a, name)
				if err := a.SaveCache(); err != nil {
					t.Fatal(err)
				}
				if got := render(t, r, JSON, Options{}); !bytes.Equal(got, want) {
					t.Fatalf("%s as %s, run %d from the digests:\n got %.600s\nwant %.600s", name, who, run, got, want)
				}
			}
		}
	}
}

// A damaged dossier outside a report's period does not stop the report:
// only the dossiers it reads are checked (a report reads the digests of
// every dossier, kept for the next).
func TestReportIgnoresDossiersOutsideThePeriod(t *testing.T) {
	fx, err := reportfx.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := os.ReadFile(filepath.Join(fx.Dir, "dossiers", "C-000006.age"))
	if err := os.WriteFile(filepath.Join(fx.Dir, "dossiers", "C-000007.age"), other, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := fx.Open("clerk")
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Make(a, l, MonthPeriod(2026, 10, cst)); err != nil {
		t.Fatalf("October's report refused over a dossier created in November: %v", err)
	}
	// November's reads it: refused, the file named.
	if _, err := Make(a, l, MonthPeriod(2026, 11, cst)); err == nil || !strings.Contains(err.Error(), "C-000007.age") {
		t.Fatalf("November's report made over a damaged dossier: %v", err)
	}
}

// TestMonthlyCreditChanges: the monthly report lists the month's visits
// that noted a change in credit (信用异动), of the dossiers the key reads,
// by date; the latest such visit of a dossier whose class the archive
// does not give the customer is marked 待复核: 华东精密's survey still
// gives A; 天成's score gives D, as its visit found; 张三 was classed C in
// the journal. 华东精密's September visit is not October's.
func TestMonthlyCreditChanges(t *testing.T) {
	rows := func(r *Report) string {
		s := r.Section("credit_changes")
		if s == nil {
			t.Fatal("the monthly report has no credit_changes section")
		}
		var b strings.Builder
		for i := range s.Len() {
			for _, k := range []string{"dossier", "customer", "date", "who", "credit_from", "credit_to", "reason", "remarks"} {
				b.WriteString(s.Cell(i, k).String() + "|")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	oct := "C-000006|张三个体户|2026-10-05|李业务|B|C|改为现金交易||\n" +
		"C-000005|广州天成电子有限公司|2026-10-08|王专员|C|D|货款逾期两月未付||\n" +
		"C-000001|华东精密机械有限公司|2026-10-10|王专员|A|B|回款放缓|待复核：档案中信用等级现为 A，尚未调为 B|\n"
	for _, who := range []string{"clerk", "manager"} {
		if got := rows(makeFixtureReport(t, "monthly", who)); got != oct {
			t.Errorf("October's changes in credit as %s:\n%s\nwant\n%s", who, got, oct)
		}
	}
	// Without a key nothing is read: no rows. September's visit is
	// superseded by October's: listed, not marked.
	if got := rows(makeFixtureReport(t, "monthly", "")); got != "" {
		t.Errorf("without a key: %s", got)
	}
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Make(fixtureArchive(t, "clerk"), l, MonthPeriod(2026, 9, cst))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rows(r), "C-000001|华东精密机械有限公司|2026-09-05|李业务|B|A|付款及时||\n"; got != want {
		t.Errorf("September's changes in credit:\n%s\nwant\n%s", got, want)
	}
}
