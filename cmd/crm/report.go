package main

import (
	"cmp"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"crm/archive"
	"crm/l10n"
	"crm/report"
)

// outputFlags say where a report or register goes and in which format:
// the flags `crm report` and `crm export register` share.
type outputFlags struct {
	format    string
	out       string
	bom       bool
	allowDisk bool
}

// add defines the output flags on fs.
func (o *outputFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&o.format, "format", "", l10n.Pick("output format: table, md, csv, xlsx or json (default: from -o's extension, else table)", "输出格式：table、md、csv、xlsx、json（默认按 -o 的扩展名，否则 table）"))
	fs.StringVarP(&o.out, "output", "o", "", l10n.Pick("write to FILE (whole or not at all) instead of standard output (- is standard output)", "写入文件 FILE（完整写出或不留下；- 为标准输出）"))
	fs.BoolVar(&o.bom, "bom", false, l10n.Pick("start CSV with a UTF-8 byte-order mark, for Excel on Chinese Windows", "CSV 开头加 UTF-8 BOM（中文 Windows 的 Excel 需要）"))
	fs.BoolVar(&o.allowDisk, "allow-disk-tmp", false, l10n.Pick("let the XLSX writer spill to disk when no memory-backed storage exists", "无内存文件系统时允许 XLSX 临时文件落盘"))
}

// reportFlags are the flags shared by every `crm report` subcommand.
type reportFlags struct {
	outputFlags
	month   string
	quarter string
	year    string
	forReq  string // --for: the statistics request (R6.7) 客服部 makes the report under
}

var reportShort = map[string][2]string{
	"monthly":        {"Monthly customer information report (客户信息报表, R6.1)", "月度客户信息报表 (R6.1)"},
	"quarterly":      {"Quarterly 核定 completion: which dossiers were and were not verified (R6.5)", "季度核定完成情况 (R6.5)"},
	"annual":         {"The year's archive summary (R6.8)", "年度档案报表 (R6.8)"},
	"loans":          {"Loan register (借阅登记, R7.1)", "借阅登记表 (R7.1)"},
	"destruction":    {"Destruction list (销毁清册, R6.10)", "销毁清册 (R6.10)"},
	"reviews":        {"核定 register: every verification (R6.5)", "核定登记表 (R6.5)"},
	"classification": {"Classification register: markings and changes of level, credit class and tier (R7.2, R8)", "密级变更登记表 (R7.2, R8)"},
}

func newReportCmd(e *env) *cobra.Command {
	var fl reportFlags
	c := &cobra.Command{
		Use:   "report monthly|quarterly|annual|loans|destruction|reviews|classification [--month 2026-10|--quarter 2026Q3|--year 2026] [--format table|md|csv|xlsx|json] [-o FILE]",
		Short: l10n.Pick("Make the department's reports and registers, as a table, Markdown, CSV, XLSX or JSON", "生成部门报表与登记表（表格、Markdown、CSV、XLSX、JSON）"),
		Long: l10n.Pick(`Make a report. Periods are calendar months, quarters and years in China
Standard Time (UTC+8). Without a period flag, monthly, quarterly and annual
cover the last full month, quarter or year; the registers cover everything.
A period that has not begun yet is refused. Figures from the journal need no
key; figures from dossier content use what your key can decrypt, and the
report says how many dossiers it could not read. Headers, and the words crm
writes in cells, are Chinese unless --lang en (or CRM_LANG=en) is given; JSON
keeps the Chinese words. What a person wrote is printed as written. With -o the
file is written whole or not at all; nothing else is printed when there is no
terminal (cron).`, `生成报表。期间按北京时间（UTC+8）的自然月、季度、年划分；不指定期间时，月报、季报、年报
取上一个完整的月、季、年，登记表取全部记录；尚未开始的期间不予生成。取自登记簿的数字无需密钥；
需读取档案内容的统计只计您能解密的档案，并注明未能读取的份数。表头及 crm 写入单元格的用语默认为
中文，--lang en 时为英文（JSON 保留中文用语）；人工填写的内容照原样输出。使用 -o 时文件
要么完整写出，要么不留下；无终端（cron）时除文件外不输出任何内容。`),
	}
	fl.outputFlags.add(c.PersistentFlags())
	c.PersistentFlags().StringVar(&fl.forReq, "for", "", l10n.Pick("make it for the requester of this approved statistics request, R-… (客服部, R6.7); the report says so", "为该已批准的统计资料申请（R-…）的申请人编制（客服部，R6.7）；报表注明此事"))
	for _, name := range report.Reports {
		sub := &cobra.Command{
			Use:   name,
			Short: l10n.Pick(reportShort[name][0], reportShort[name][1]),
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return e.runReport(cmd, name, &fl)
			},
		}
		f := sub.Flags()
		switch name {
		case "monthly":
			f.StringVar(&fl.month, "month", "", l10n.Pick("the month, YYYY-MM (default: last month)", "月份 YYYY-MM（默认上月）"))
		case "quarterly":
			f.StringVar(&fl.quarter, "quarter", "", l10n.Pick("the quarter, YYYYQn (default: last quarter)", "季度 YYYYQn（默认上季度）"))
		case "annual":
			f.StringVar(&fl.year, "year", "", l10n.Pick("the year, YYYY (default: last year)", "年份 YYYY（默认上一年）"))
		default:
			f.StringVar(&fl.month, "month", "", l10n.Pick("only this month, YYYY-MM (default: everything)", "只列该月 YYYY-MM（默认全部）"))
			f.StringVar(&fl.quarter, "quarter", "", l10n.Pick("only this quarter, YYYYQn", "只列该季度 YYYYQn"))
			f.StringVar(&fl.year, "year", "", l10n.Pick("only this year, YYYY", "只列该年 YYYY"))
		}
		c.AddCommand(sub)
	}
	return c
}

// reportPeriod parses the period flags; ok is false when none was given.
func reportPeriod(cmd *cobra.Command, fl *reportFlags) (report.Period, bool, error) {
	var set []string
	for _, n := range []string{"month", "quarter", "year"} {
		if f := cmd.Flags().Lookup(n); f != nil && f.Changed {
			set = append(set, "--"+n)
		}
	}
	switch len(set) {
	case 0:
		return report.Period{}, false, nil
	case 1:
	default:
		return report.Period{}, false, usagef("give only one of %s", l10n.List(set))
	}
	var p report.Period
	var err error
	switch set[0] {
	case "--month":
		if p, err = report.ParseMonth(fl.month); err != nil {
			return p, false, usagef("--month %q: use YYYY-MM, e.g. 2026-10", fl.month)
		}
	case "--quarter":
		q, err := parseQuarterFlag(fl.quarter)
		if err != nil {
			return p, false, err
		}
		p = report.QuarterPeriod(q, time.UTC)
	default:
		if p, err = report.ParseYear(fl.year); err != nil {
			return p, false, usagef("--year %q: use YYYY, e.g. 2026", fl.year)
		}
	}
	return p, true, nil
}

// reportLang is the language of a report's headers: the --lang setting
// (flag, CRM_LANG or config) if given, else Chinese, the department's own
// terms, whatever the locale (cron often runs with LANG=C).
func (e *env) reportLang() string {
	if l := e.v.GetString("lang"); l != "" {
		return l
	}
	return report.LangZh
}

// contentReport reports whether report name reads dossier content (the
// registers come from the journal alone).
func contentReport(name string) bool {
	switch name {
	case "monthly", "quarterly", "annual":
		return true
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr }) // *os.File, termWriter
	return ok && term.IsTerminal(int(f.Fd()))
}

// resolveFormat is the output's format: --format, else -o's extension,
// else a table; --format and an extension crm knows must agree.
func (o *outputFlags) resolveFormat() (report.Format, error) {
	switch {
	case o.format != "":
		f, err := report.ParseFormat(o.format)
		if err != nil {
			return f, usagef("--format: %v", err)
		}
		// A file named for one format holding another (CSV in a .xlsx)
		// opens as garbage, or not at all, in Excel/WPS.
		if byName, ok := report.FormatForFile(o.out); ok && o.out != "" && byName != f {
			return f, usagef("-o %s is named for %s but --format says %s: make them agree, or leave --format out to go by the name", o.out, byName, f)
		}
		return f, nil
	case o.out != "":
		if f, ok := report.FormatForFile(o.out); ok {
			return f, nil
		} else if ext := filepath.Ext(o.out); ext != "" {
			return f, usagef("-o %s: crm does not know the extension %s; name the format with --format %s", o.out, ext, strings.Join(report.FormatNames(), "|"))
		}
	}
	return report.Table, nil
}

// checkOutput checks where the output goes and in which format, before
// any work, and returns the format.
func (e *env) checkOutput(o *outputFlags) (report.Format, error) {
	if o.out == "-" {
		o.out = "" // standard output, as --from - is standard input
	}
	format, err := o.resolveFormat()
	if err != nil {
		return format, err
	}
	if o.bom && format != report.CSV {
		return format, usagef("--bom is for CSV only (the format is %s)", format)
	}
	if o.out == "" {
		if format.Binary() && isTerminal(e.io.Out) {
			return format, usagef("XLSX is a binary workbook and standard output is a terminal: write it to a file with -o FILE.xlsx")
		}
		return format, nil
	}
	if st, err := os.Stat(o.out); err == nil && st.IsDir() {
		return format, l10n.Errorf("-o %s is a folder: name a file in it", o.out)
	}
	dir := filepath.Dir(o.out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return format, l10n.Errorf("-o %s: directory %s does not exist: create it first", o.out, dir)
	}
	return format, nil
}

// writeOutput renders r to standard output, or to -o's file (whole or not
// at all); an XLSX workbook spills only into private memory-backed
// storage. It reports whether it wrote a file.
func (e *env) writeOutput(r *report.Report, format report.Format, o *outputFlags) (bool, error) {
	opts := report.Options{Lang: e.reportLang(), BOM: o.bom}
	if format == report.XLSX {
		dir, err := e.plaintextDir(o.allowDisk)
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		opts.TmpDir = dir
	}
	if o.out == "" {
		return false, report.Render(e.io.Out, r, format, opts)
	}
	err := writeReportFile(o.out, func(w io.Writer) error { return report.Render(w, r, format, opts) })
	return err == nil, err
}

func (e *env) runReport(cmd *cobra.Command, name string, fl *reportFlags) error {
	// Everything that can be checked without the archive first, so that
	// bad input changes nothing and costs nothing.
	format, err := e.checkOutput(&fl.outputFlags)
	if err != nil {
		return err
	}
	period, given, err := reportPeriod(cmd, fl)
	if err != nil {
		return err
	}
	// The registers come from the journal, the other reports also read
	// dossier content; both use the key when there is one, which also says
	// who is asking (R6.7). A report only reads: the state snapshot will
	// do, and of it the loans, destruction requests and histories, and
	// the rows for the reports that read content (digests).
	e.snapshot = true
	// The histories are read for this one report, which lets them go
	// before it reads the dossiers' content (Histories.Release).
	e.summary = archive.SummaryLoans | archive.SummaryDestructions | archive.SummaryHistories | archive.SummaryHistoriesOnce
	// A report keeps the histories part (40 MB at 100,000 dossiers), the
	// digests and its rows while it gathers: under archive.PaceGC's
	// budget the peak of a monthly report there is 225 MB in 1.24 s
	// (paced at 25% all along: 229 MB, 1.46 s; at the default pace 249-
	// 307 MB), of a quarterly one 250 MB (268 MB).
	defer archive.PaceGC()()
	if contentReport(name) {
		e.summary |= archive.SummaryRows
	}
	a, err := e.open(false)
	if err != nil {
		return err
	}
	// A period not begun is a usage error, said before whether the
	// member may have the report (as a bad flag is): it needs only the
	// policy's time zone, known now that the archive is open.
	if !given {
		period = report.DefaultPeriod(name, a.Now(), a.Location())
	} else if period.NotBegun(a.Now(), a.Location()) {
		return periodNotBegun(period, period.Current(a.Now(), a.Location()))
	}
	// R6.7: outside 客服部, only under an approved request; 客服部 makes
	// it for a request's requester with --for.
	var req *archive.StatsRequest
	if fl.forReq != "" {
		req, err = a.StatsRequestFor(fl.forReq, name)
	} else {
		req, err = a.StatsAccess(name)
	}
	if err != nil {
		return err
	}
	l, err := report.LoadLayout(name, a.Overrides())
	if err != nil {
		return err
	}
	r, err := report.Make(a, l, period)
	if err != nil {
		return err
	}
	if err := readSome(a, name, r, req); err != nil {
		return err
	}
	report.SetRequest(r, a, req)
	if wrote, err := e.writeOutput(r, format, &fl.outputFlags); !wrote || err != nil {
		return err
	}
	if isTerminal(e.io.Err) {
		e.errorf("%s\n", l10n.Sprintf("Wrote %s (%s %s, %s).", fl.out, name, cmp.Or(period.Label, "all"), format))
	}
	return nil
}

// readSome refuses a report that needs dossier content and read none:
// figures from no dossier at all are not figures, and cron must notice. A
// member outside 客服部 reporting under an approved statistics request
// (req) reads no level by role: they get the journal's figures.
func readSome(a *archive.Archive, name string, r *report.Report, req *archive.StatsRequest) error {
	if r.Unreadable == 0 || r.Read > 0 || (req != nil && !readsAnyLevel(a)) {
		return nil
	}
	if a.Identity() == nil {
		return &archive.Error{Code: archive.Denied, Next: archive.NextIdentity,
			Err: l10n.Errorf("the %s report needs the content of %d dossier(s) and there is no identity to read them with", name, r.Unreadable)}
	}
	return denied(l10n.Errorf("the %s report needs the content of %d dossier(s) and your key (%s) opens none of them: nothing written", name, r.Unreadable, a.Identity().Path))
}

// writeReportFile writes a report to path through a temporary file in the
// same folder (mode 0600: reports hold customer data, R6.9), synced and
// renamed over path only when rendering succeeded, so a failed run leaves
// no partial file behind.
func writeReportFile(path string, render func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return l10n.Errorf("-o %s: directory %s does not exist: create it first", path, dir)
	}
	var renderErr error
	err := archive.WriteAtomic(path, 0o600, func(w io.Writer) error {
		renderErr = render(w)
		return renderErr
	})
	if err != nil && renderErr == nil {
		return l10n.Errorf("-o %s: %v", path, err)
	}
	return err
}

// readsAnyLevel reports whether the working member's roles read some level.
func readsAnyLevel(a *archive.Archive) bool {
	me, err := a.Me()
	if err != nil {
		return false
	}
	for _, l := range a.Policy.Levels {
		if me.HasRole(l.Readers...) {
			return true
		}
	}
	return false
}

// periodNotBegun is the usage error for a report of period p, which has
// not begun (report.Period.NotBegun); now is the period of its kind that
// holds today.
func periodNotBegun(p, now report.Period) error {
	switch p.Unit {
	case "month":
		return usagef("--month %s has not begun yet (this month is %s)", p.Label, now.Label)
	case "quarter":
		return usagef("--quarter %s has not begun yet (this quarter is %s)", p.Label, now.Label)
	}
	return usagef("--year %s has not begun yet (this year is %s)", p.Label, now.Label)
}
