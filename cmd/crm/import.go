package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/intake"
	"crm/l10n"
)

// importOptions are the flags of `crm import`.
type importOptions struct {
	mapFile   string
	sheet     string
	level     string
	owner     string
	dryRun    bool
	allowDisk bool
}

func newImportCmd(e *env) *cobra.Command {
	var o importOptions
	c := &cobra.Command{
		Use:   "import FILE|- [--map FILE] [--sheet NAME] [--level L] [--owner NAME] [--dry-run]",
		Short: l10n.Pick("Create one dossier per row of a customer spreadsheet (.xlsx or .csv), all or nothing", "按客户表格（.xlsx 或 .csv）每行新建一份档案，全部成功或全不写入"),
		Long: l10n.Pick(`Create one dossier per row of a customer spreadsheet (R6.3). The header row
names the columns: Chinese and English headers such as 客户名称/name, 地址,
电话/联系电话, 行业, 地区, 负责人/owner, 关系, 层级, 年销售额, 信用等级, 信用额度
and 密级 are known; other headers go to the dossier's extra: fields. A map
file (YAML, header: field path) adds headers or overrides them, e.g.
  手机号码: contact_person.phone
  客户编号: extra.客户编号
  序号: "-"
Every row is checked first. If any row has a problem, every problem is
printed (row number and column) and nothing is written (exit 2). --dry-run
checks and shows what would be created.`, `按客户表格每行新建一份档案 (R6.3)。表头行给出各列含义：客户名称/name、地址、电话/联系电话、
行业、地区、负责人/owner、关系、层级、年销售额、信用等级、信用额度、密级等中英文表头可直接识别；
其他表头存入档案的 extra: 自定义字段。映射文件（YAML，表头: 字段路径）可增加或改写表头，如
  手机号码: contact_person.phone
  客户编号: extra.客户编号
  序号: "-"
先检查每一行；任何一行有问题时列出全部问题（行号与列名），不写入任何档案（退出码 2）。
--dry-run 只检查并显示将要新建的档案。`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.runImport(args[0], &o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.mapFile, "map", "", l10n.Pick("column map: a YAML file of header: field path (e.g. 手机号码: contact_person.phone)", "列映射文件：YAML，表头: 字段路径（如 手机号码: contact_person.phone）"))
	f.StringVar(&o.sheet, "sheet", "", l10n.Pick("the XLSX sheet to read (default: the first)", "读取的 XLSX 工作表（默认第一个）"))
	f.StringVar(&o.level, "level", "", l10n.Pick("secrecy level (密级) for rows without a 密级 column (default from policy)", "没有密级列的行所用的密级（默认见策略）"))
	f.StringVar(&o.owner, "owner", "", l10n.Pick("the dossier owner (档案负责人) for rows without one", "未填负责人的行所用的档案负责人"))
	f.BoolVar(&o.dryRun, "dry-run", false, l10n.Pick("check every row and show what would be created; write nothing", "只检查并显示将要新建的档案，不写入"))
	f.BoolVar(&o.allowDisk, "allow-disk-tmp", false, l10n.Pick("let the XLSX reader spill to disk when no memory-backed storage exists", "无内存文件系统时允许 XLSX 临时文件落盘"))
	return c
}

func (e *env) runImport(file string, o *importOptions) error {
	var data []byte
	stdin := file == "-"
	if stdin {
		// Standard input, as --from - is elsewhere: a workbook is told
		// from CSV by its first bytes (an XLSX file is a zip archive).
		b, err := readAll(e.io.In)
		if err != nil {
			return l10n.Errorf("reading standard input: %v", err)
		}
		data, file = b, l10n.T("standard input")
	}
	opts, err := o.intakeOptions(file, stdin, data)
	if err != nil {
		return err
	}
	if !stdin {
		if data, err = os.ReadFile(file); err != nil {
			return l10n.Errorf("reading %s: %v", file, err)
		}
	}
	a, err := e.open(!o.dryRun)
	if err != nil {
		return err
	}
	if o.level != "" {
		if o.level, err = levelFlag(a, o.level); err != nil {
			return err
		}
		opts.Defaults[intake.TargetLevel] = o.level
	}
	if opts.Format == intake.XLSX {
		dir, err := e.plaintextDir(o.allowDisk)
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		opts.TmpDir = dir
	}
	opts.CheckLevel = a.Policy.CheckLevel
	res, err := e.readSpreadsheet(file, data, opts)
	if err != nil {
		return err
	}
	if err := e.importedBefore(a, file, res); err != nil {
		return err
	}
	levels, err := importLevels(a, file, res.Records, o.dryRun)
	if err != nil {
		return err
	}
	if o.dryRun {
		return e.printImportPlan(file, res, levels)
	}
	// One lock and one sync for the whole file (Bulk), as the generator
	// does: a Create of its own re-read the journal under the lock each
	// time, and 10,000 rows took over 20 minutes, slower with every row.
	// What is printed is what is on disk once the batch is done.
	ids := make([]string, 0, len(res.Records))
	failed, ferr := -1, error(nil)
	err = a.Bulk(func() error {
		for i, r := range res.Records {
			id, err := a.Create(r.Text, levels[i])
			if err != nil {
				failed, ferr = i, err
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	created := 0
	for i, id := range ids {
		if d := a.State.Dossiers[id]; d != nil {
			created++
			e.printf("%s\n", l10n.Sprintf("Created dossier %s (%s) from row %d: %s", id, d.Level, res.Records[i].Row, res.Records[i].Name))
		}
	}
	if err != nil {
		if created == 0 {
			return err
		}
		at, err := importStopped(created, failed, len(res.Records), ferr, err)
		return l10n.Errorf("%s, row %d: %v (the %d dossier(s) before it were created)", file, res.Records[at].Row, err, created)
	}
	e.printf("%s\n", l10n.Sprintf("Imported %d dossiers from %s.", len(res.Records), file))
	return nil
}

// importStopped is the record a batch import stopped at, and why: the
// first record not on disk once the batch is done (created of them are).
// That is the record whose Create failed (failed, with ferr) only when
// every record before it was written; a file of an earlier record that
// could not be written (Bulk's writer runs behind the steps, so a later
// step is the one refused) stopped it there, with Bulk's error.
func importStopped(created, failed, n int, ferr, err error) (int, error) {
	if failed >= 0 && failed == created {
		return failed, ferr
	}
	return min(created, n-1), err
}

// intakeOptions checks the flags that need no archive and turns them into
// the spreadsheet reader's options; with stdin, data is what standard
// input held and says the format (file is read later otherwise).
func (o *importOptions) intakeOptions(file string, stdin bool, data []byte) (intake.Options, error) {
	format, ok := intake.FormatOf(file)
	if stdin {
		format, ok = intake.CSV, true
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			format = intake.XLSX
		}
	}
	if !ok {
		return intake.Options{}, usagef("%s: crm reads .xlsx and .csv spreadsheets (save an .xls file as .xlsx first)", file)
	}
	opts := intake.Options{Format: format, Sheet: o.sheet, Source: filepath.Base(file), Defaults: map[string]string{}}
	if o.sheet != "" && format != intake.XLSX {
		return opts, usagef("--sheet is for XLSX workbooks only")
	}
	if o.mapFile != "" {
		b, err := os.ReadFile(o.mapFile)
		if err != nil {
			return opts, usagef("--map: %v", err)
		}
		if opts.Columns, err = intake.ParseColumnMap(o.mapFile, b); err != nil {
			return opts, usage(err)
		}
	}
	if o.owner != "" {
		opts.Defaults["owner"] = o.owner
	}
	return opts, nil
}

// readSpreadsheet reads the rows to import: any problem of any row is
// printed, and then the import stops before anything is written (exit 2);
// a warning is printed and the import goes on.
// Columns crm does not know are noted.
func (e *env) readSpreadsheet(file string, data []byte, opts intake.Options) (*intake.Result, error) {
	res, err := intake.Read(bytes.NewReader(data), opts)
	if err != nil {
		var he *intake.HeaderError
		if errors.As(err, &he) && len(he.Sheets) > 1 {
			return nil, usagef("%s: %v (the workbook's sheets: %s; choose one with --sheet NAME)", file, err, l10n.List(he.Sheets))
		}
		return nil, usagef("%s: %v", file, err)
	}
	// Warnings first: the values they are about are imported as they
	// stand (a phone stored as a number), unless a problem stops it all.
	for _, w := range res.Warnings {
		e.errorf("%s: %s\n", file, l10n.Sprintf("warning: %s", w.Error()))
	}
	if len(res.Errors) > 0 {
		noOwner := false
		for _, re := range res.Errors {
			e.errorf("%s: %s\n", file, re.Error())
			noOwner = noOwner || re.Column == "" && re.Field == "owner"
		}
		if noOwner {
			return nil, dataf("%s: %d problem(s); nothing was imported: rows without an owner take one from a 负责人 (owner) column, or from --owner NAME", file, len(res.Errors))
		}
		return nil, dataf("%s: %d problem(s); nothing was imported", file, len(res.Errors))
	}
	if len(res.Records) == 0 {
		return nil, usagef("%s: no customer rows below the header (row %d)", file, res.HeaderRow)
	}
	var extra []string
	for _, c := range res.Columns {
		if !c.Known {
			extra = append(extra, c.Header)
		}
	}
	if len(extra) > 0 {
		e.errorf("%s\n", l10n.Sprintf("note: columns crm does not know are kept under extra: %s", l10n.List(extra)))
	}
	return res, nil
}

// importedBefore refuses rows whose customer has a dossier already (R5:
// one dossier per customer), as a customer on two rows of the file is
// refused: the same spreadsheet imported twice, or a customer entered by
// hand before. It compares organisations' names as the file's rows are
// compared (archive.Customers) with the dossiers the key opens, and says
// how many it could not check.
func (e *env) importedBefore(a *archive.Archive, file string, res *intake.Result) error {
	cs, err := a.Customers(a.Context())
	if err != nil {
		return err
	}
	column := res.Header("customer.name")
	problems := 0
	for _, r := range res.Records {
		id := cs.Holder(r.Name, r.Individual, "")
		if id == "" {
			continue
		}
		re := &intake.RowError{Row: r.Row, Column: column, Msg: l10n.Sprintf("%s has dossier %s already: one dossier per customer; remove the row, and file what is new into that dossier (`crm edit %s`)", r.Name, id, id)}
		e.errorf("%s: %s\n", file, re.Error())
		problems++
	}
	if problems > 0 {
		return dataf("%s: %d problem(s); nothing was imported", file, problems)
	}
	e.notChecked(cs.Unread)
	return nil
}

// notChecked notes how many dossiers the key does not open, and so were
// not checked for the customer (one dossier per customer, R5).
func (e *env) notChecked(unread int) {
	if unread > 0 {
		e.errorf("%s\n", l10n.Sprintf("note: %d dossier(s) your key does not open were not checked for the same customers", unread))
	}
}

// printImportPlan says what a --dry-run would create.
func (e *env) printImportPlan(file string, res *intake.Result, levels []string) error {
	rows := make([][]string, len(res.Records))
	for i, r := range res.Records {
		rows[i] = []string{fmt.Sprint(r.Row), r.Name, levels[i]}
	}
	if err := printTable(e.io.Out, []string{l10n.Pick("Row", "行号"), l10n.Pick("Customer", "客户名称"), l10n.Pick("Level", "密级")}, rows); err != nil {
		return err
	}
	var cols []string
	for _, c := range res.Columns {
		cols = append(cols, c.Header+" → "+c.Target)
	}
	e.printf("%s\n", l10n.Sprintf("Columns (header row %d): %s", res.HeaderRow, l10n.List(cols)))
	e.printf("%s\n", l10n.Sprintf("Would create %d dossiers from %s; nothing was written (--dry-run).", len(res.Records), file))
	return nil
}

// importLevels is every row's level (R7.2.3: the relationship's unless the
// row or --level gives one), checked like a creation (the importer can read
// it) before anything is written: all rows or none. A dry run without a key
// only says the levels.
func importLevels(a *archive.Archive, file string, rs []intake.Record, dryRun bool) ([]string, error) {
	levels := make([]string, len(rs))
	_, noKey := a.Me()
	for i, r := range rs {
		c, err := a.CheckCreate(r.Text, r.Level)
		if err != nil && !(dryRun && noKey != nil) {
			return nil, l10n.Errorf("%s, row %d: %w", file, r.Row, err)
		}
		levels[i] = c.Level
	}
	return levels, nil
}
