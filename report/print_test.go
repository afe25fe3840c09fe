package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"crm/archive"
	"crm/testdata/gen"
	"crm/testdata/needs"
)

// TestXLSXPrintSetup checks what the workbook asks a spreadsheet program
// to print, sheet by sheet, without one: A4 landscape, one page wide, the
// header row repeated, the marking, title and period on top and page
// numbers below. TestXLSXPrintsInLibreOffice checks what is printed.
func TestXLSXPrintSetup(t *testing.T) {
	r := makeFixtureReport(t, "monthly", "manager")
	for _, lang := range []string{LangZh, LangEn} {
		f, err := excelize.OpenReader(bytes.NewReader(render(t, r, XLSX, Options{Lang: lang, TmpDir: t.TempDir()})))
		if err != nil {
			t.Fatal(err)
		}
		titles := map[string]string{} // sheet → print titles
		for _, n := range f.GetDefinedName() {
			if n.Name == "_xlnm.Print_Titles" {
				titles[n.Scope] = n.RefersTo
			}
		}
		wantHead := map[string][]string{
			LangZh: {"机密 ★ 禁止外传", "客户信息报表", "统计期间：2026-10"},
			LangEn: {"机密 ★ do not disclose", "Monthly customer information report", "Period: 2026-10"},
		}[lang]
		wantFoot := map[string]string{LangZh: "第 &P 页 / 共 &N 页", LangEn: "Page &P of &N"}[lang]
		for i, sh := range f.GetSheetList() {
			pl, err := f.GetPageLayout(sh)
			if err != nil {
				t.Fatal(err)
			}
			if *pl.Size != 9 || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
				t.Errorf("%s %s: page layout size %d, %s, fit %v×%v; want A4 (9) landscape, 1 page wide, any height",
					lang, sh, *pl.Size, *pl.Orientation, pl.FitToWidth, pl.FitToHeight)
			}
			props, err := f.GetSheetProps(sh)
			if err != nil {
				t.Fatal(err)
			}
			if props.FitToPage == nil || !*props.FitToPage {
				t.Errorf("%s %s: fit to page is off: the fit-to sizes would be ignored", lang, sh)
			}
			hf, err := f.GetHeaderFooter(sh)
			if err != nil || hf == nil {
				t.Fatalf("%s %s: no header and footer (%v)", lang, sh, err)
			}
			for _, w := range wantHead {
				if !strings.Contains(hf.OddHeader, w) {
					t.Errorf("%s %s: header %q lacks %q", lang, sh, hf.OddHeader, w)
				}
			}
			if !strings.Contains(hf.OddFooter, wantFoot) {
				t.Errorf("%s %s: footer %q lacks %q", lang, sh, hf.OddFooter, wantFoot)
			}
			if i == 0 { // the cover has no header row
				continue
			}
			if want := "'" + sh + "'!$1:$1"; titles[sh] != want {
				t.Errorf("%s %s: print titles %q, want %q", lang, sh, titles[sh], want)
			}
		}
	}
}

// TestXLSXPageHeaderEscapes: an & in the title is text, not a header code,
// and a long title is cut to keep the header within Excel's 255 units.
func TestXLSXPageHeaderEscapes(t *testing.T) {
	head, _ := pageHeaderFooter(&Report{Title: Text{Zh: "A&B 报表"}, Period: "2026"}, LangZh)
	if !strings.Contains(head, "A&&B 报表") {
		t.Errorf("header %q: & not doubled", head)
	}
	head, _ = pageHeaderFooter(&Report{Title: Text{Zh: strings.Repeat("很长的标题&", 60)}, Marking: "绝密", Period: "2026Q4"}, LangZh)
	if n := utf16Len(head); n > maxHeaderField {
		t.Errorf("header is %d units long, over %d", n, maxHeaderField)
	}
	if !strings.Contains(head, "…") || !strings.Contains(head, "2026Q4") || !strings.Contains(head, "绝密") {
		t.Errorf("long title: header %q should keep marking and period and cut the title", head)
	}
	if regexp.MustCompile(`(^|[^&])(&&)*&…`).MatchString(head) {
		t.Errorf("cut inside an escaped &: %q", head)
	}
}

// TestXLSXPrintsInLibreOffice prints workbooks to PDF with LibreOffice and
// reads the pages back with poppler-utils: every page A4 landscape and
// marked, every sheet of the small monthly report on one page, and a
// section long enough for several pages with its header row on each.
//
// Needs soffice (libreoffice-calc-nogui, fonts-noto-cjk for the Chinese),
// pdftotext and pdfinfo (poppler-utils): package needs skips it without
// them, or fails in CI.
func TestXLSXPrintsInLibreOffice(t *testing.T) {
	for _, tool := range []string{"soffice", "pdftotext", "pdfinfo"} {
		needs.Tool(t, tool, "the printed workbook is not checked (apt-get install --no-install-recommends libreoffice-calc-nogui fonts-noto-cjk poppler-utils)")
	}
	if testing.Short() && !needs.Required() {
		t.Skip("skipped with -short: LibreOffice takes a few seconds")
	}
	dir := t.TempDir()

	// The fixture: five dossiers in October, the manager reads the 机密 ones.
	small := makeFixtureReport(t, "monthly", "manager")
	writeXLSX(t, filepath.Join(dir, "small.xlsx"), small, Options{TmpDir: dir})

	// A generated archive whose dangerous customer list (credit class D)
	// runs over several pages.
	g, err := gen.Build(filepath.Join(dir, "archive"), 150, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(context.Background(), filepath.Join(dir, "archive"), g.Archive.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetIdentity(g.Manager); err != nil {
		t.Fatal(err)
	}
	l, err := LoadLayout("monthly", nil)
	if err != nil {
		t.Fatal(err)
	}
	large, err := Make(a, l, MonthPeriod(2026, 10, cst))
	if err != nil {
		t.Fatal(err)
	}
	writeXLSX(t, filepath.Join(dir, "large.xlsx"), large, Options{Lang: LangEn, TmpDir: dir})

	sofficeToPDF(t, dir, "small.xlsx", "large.xlsx")

	// Small: one page per sheet (the cover and one per section), each marked.
	pages := pdfPages(t, filepath.Join(dir, "small.pdf"))
	if want := 1 + len(small.Sections); len(pages) != want {
		t.Errorf("small monthly report: %d pages, want %d (one per sheet)", len(pages), want)
	}
	for i, p := range pages {
		for _, w := range []string{"机密 ★ 禁止外传", "客户信息报表", "统计期间：2026-10", fmt.Sprintf("第 %d 页 / 共 %d 页", i+1, len(pages))} {
			if !strings.Contains(p, w) {
				t.Errorf("small, page %d lacks %q:\n%s", i+1, w, p)
			}
		}
	}

	// Large, in English: the dangerous list's pages each start with its
	// column titles.
	pages = pdfPages(t, filepath.Join(dir, "large.pdf"))
	if large.Marking != "绝密" {
		t.Fatalf("the generated archive has 绝密 dossiers, marking %q", large.Marking)
	}
	sec := large.Section("dangerous")
	var heads []string
	for _, c := range sec.Columns[:3] {
		heads = append(heads, c.Title(LangEn))
	}
	onSection := 0
	for i, p := range pages {
		for _, w := range []string{"绝密 ★ do not disclose", "Period: 2026-10", fmt.Sprintf("Page %d of %d", i+1, len(pages))} {
			if !strings.Contains(p, w) {
				t.Errorf("large, page %d lacks %q", i+1, w)
			}
		}
		if !strings.HasPrefix(footer(p), sec.Title.In(LangEn)) { // the footer names the sheet
			continue
		}
		onSection++
		if !regexp.MustCompile(strings.Join(heads, `\s+`)).MatchString(p) {
			t.Errorf("large, page %d (%s) lacks the header row %q:\n%s", i+1, sec.Title.In(LangEn), heads, p)
		}
	}
	if onSection < 2 {
		t.Errorf("the dangerous list (%d rows) printed on %d pages: the test needs several", sec.Len(), onSection)
	}
	// At least 20 rows a page (34 here); the other sheets are short.
	if most := 1 + len(large.Sections) + sec.Len()/20 + large.Section("key_customers").Len()/20; len(pages) > most {
		t.Errorf("large monthly report: %d pages, want at most %d", len(pages), most)
	}
}

func writeXLSX(t *testing.T, path string, r *Report, o Options) {
	t.Helper()
	if err := os.WriteFile(path, render(t, r, XLSX, o), 0o600); err != nil {
		t.Fatal(err)
	}
}

// sofficeToPDF converts files in dir to PDF with a private LibreOffice
// profile and HOME, so that parallel runs do not share (and lock) one.
func sofficeToPDF(t *testing.T, dir string, files ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	home := filepath.Join(dir, "home")
	args := append([]string{"-env:UserInstallation=file://" + filepath.Join(home, "lo"), "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir}, files...)
	cmd := exec.CommandContext(ctx, "soffice", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(f, ".xlsx")+".pdf")); err != nil {
			t.Fatalf("soffice wrote no PDF for %s:\n%s", f, out)
		}
	}
}

// footer is the last line of a page's text.
func footer(page string) string {
	lines := strings.Split(strings.TrimSpace(page), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var pageSizeRE = regexp.MustCompile(`(?m)^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts`)

// pdfPages checks with pdfinfo that every page of pdf is A4 landscape, and
// returns each page's text from pdftotext -layout.
func pdfPages(t *testing.T, pdf string) []string {
	t.Helper()
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", "100000", pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", pdf, err)
	}
	sizes := pageSizeRE.FindAllStringSubmatch(string(info), -1)
	if len(sizes) == 0 {
		t.Fatalf("pdfinfo %s lists no page sizes:\n%s", pdf, info)
	}
	for _, m := range sizes {
		w, _ := strconv.ParseFloat(m[2], 64)
		h, _ := strconv.ParseFloat(m[3], 64)
		if w < h || w < 840 || w > 843 || h < 594 || h > 596 {
			t.Errorf("%s page %s is %s × %s pt, want A4 landscape (841.9 × 595.3)", filepath.Base(pdf), m[1], m[2], m[3])
		}
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	pages := strings.Split(string(text), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	if len(pages) != len(sizes) {
		t.Fatalf("%s: pdftotext found %d pages, pdfinfo %d", pdf, len(pages), len(sizes))
	}
	return pages
}

func TestGrouped(t *testing.T) {
	for _, c := range []struct {
		s    string
		k    Kind
		want string
	}{
		{"56000000.00", KindNumber, "56,000,000.00"}, {"-2500.00", KindNumber, "-2,500.00"}, {"999.50", KindNumber, "999.50"},
		{"3000", KindInt, "3,000"}, {"-12", KindInt, "-12"}, {"123456", KindInt, "123,456"}, {"13800138000", KindText, "13800138000"},
	} {
		if got := grouped(c.s, c.k); got != c.want {
			t.Errorf("grouped(%q, %s) = %q, want %q", c.s, c.k, got, c.want)
		}
	}
}
