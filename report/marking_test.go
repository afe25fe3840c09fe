package report

import (
	"slices"
	"strings"
	"testing"

	"crm/classify"
	"crm/templates"
)

// TestMarking: a report is marked with the highest level among the
// dossiers it read or names, today's level or the one its rows print.
func TestMarking(t *testing.T) {
	nov := MonthPeriod(2026, 11, cst)
	for _, c := range []struct {
		name, who string
		p         Period
		want      string
		internal  bool
	}{
		// October's overdue loans are of two 机密 dossiers, which the
		// report names (R7.1), whoever runs it; counts by level name no
		// dossier.
		{"monthly", "clerk", MonthPeriod(2026, 10, cst), "机密", false},
		{"monthly", "manager", MonthPeriod(2026, 10, cst), "机密", false},
		{"monthly", "", MonthPeriod(2026, 10, cst), "机密", false},
		// One of them is still out in November: it is named there too.
		{"monthly", "clerk", nov, "机密", false},
		{"monthly", "", nov, "机密", false},
		// The clerk reads the 秘密 and 内部 dossiers only, and September
		// had no overdue loan.
		{"monthly", "clerk", MonthPeriod(2026, 9, cst), "秘密", false},
		// Without a key: journal figures only, no dossier shown.
		{"monthly", "", MonthPeriod(2026, 9, cst), "", false},
		// Names every due dossier, 机密 ones included, whoever runs it.
		{"quarterly", "", QuarterPeriod(classify.Quarter{Year: 2026, Q: 4}, cst), "机密", false},
		// November's only 核定 is of 张三 (内部).
		{"reviews", "", nov, "内部", true},
		// 天成 is 内部 today, but the register prints its raise to 机密.
		{"classification", "", nov, "机密", false},
		// No loan went out in September.
		{"loans", "", MonthPeriod(2026, 9, cst), "", false},
	} {
		a := fixtureArchive(t, c.who)
		l, err := LoadLayout(c.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Make(a, l, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Marking != c.want || r.MarkingInternal != c.internal {
			t.Errorf("%s %s as %q: marking %q (internal %v), want %q (%v)", c.name, c.p.Label, c.who, r.Marking, r.MarkingInternal, c.want, c.internal)
		}
	}
}

func TestMarkingText(t *testing.T) {
	for _, c := range []struct {
		r          Report
		lang, want string
	}{
		{Report{Marking: "机密"}, LangZh, "机密 ★ 禁止外传"},
		{Report{Marking: "绝密"}, LangEn, "绝密 ★ do not disclose"},
		{Report{Marking: "内部", MarkingInternal: true}, LangZh, "内部 · 仅限客服部"},
		{Report{Marking: "内部", MarkingInternal: true}, LangEn, "内部 (internal) · keep within 客服部"},
		{Report{}, LangZh, ""},
	} {
		if got := markingText(&c.r, c.lang); got != c.want {
			t.Errorf("markingText(%q, %s) = %q, want %q", c.r.Marking, c.lang, got, c.want)
		}
	}
	// The text formats print it under the title; none without a marking.
	out := string(render(t, &Report{Title: Text{Zh: "报表"}, Marking: "机密"}, Table, Options{}))
	if !strings.HasPrefix(out, "报表\n密级：机密 ★ 禁止外传\n") {
		t.Errorf("table output starts %q", out)
	}
	if out := string(render(t, &Report{Title: Text{Zh: "报表"}}, Markdown, Options{})); strings.Contains(out, "密级") {
		t.Errorf("unmarked report prints a marking:\n%s", out)
	}
}

// An archive's copy of the monthly layout made before the overdue loans'
// section, or before the hand-ins, or before the changes in credit
// (addedSections), still makes the report, without what it lacks.
func TestLayoutWithoutAddedSection(t *testing.T) {
	b, err := templates.FS.ReadFile("reports/monthly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, c := range []struct {
		from, to string
		gone     []string
	}{
		{"  - key: overdue_loans", "  # 密级分布", []string{"overdue_loans", "hand_ins"}},
		{"  # 客户信息报告上交情况", "  # 密级分布", []string{"hand_ins"}},
		{"  # 信用异动：", "  # 重点客户统计表", []string{"credit_changes"}},
	} {
		i := strings.Index(text, c.from)
		j := strings.Index(text, c.to)
		if i < 0 || j < i {
			t.Fatal("the built-in monthly layout changed: fix the test")
		}
		l, err := ParseLayout("monthly", "templates/reports/monthly.yaml", []byte(text[:i]+text[j:]))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Make(fixtureArchive(t, "manager"), l, MonthPeriod(2026, 10, cst))
		if err != nil {
			t.Fatalf("an older copy of the layout, without %v: %v", c.gone, err)
		}
		var keys []string
		for _, s := range r.Sections {
			keys = append(keys, s.Key)
		}
		for _, key := range []string{"overdue_loans", "hand_ins", "credit_changes"} {
			if got, want := slices.Contains(keys, key), !slices.Contains(c.gone, key); got != want {
				t.Errorf("a layout without %v: section %s there: %v, want %v", c.gone, key, got, want)
			}
		}
	}
}
