package main

import (
	"slices"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
	"crm/report"
)

func newExportCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "export register [-o FILE] [--format xlsx|csv]",
		Short: l10n.Pick("Export the dossiers as a spreadsheet", "把档案导出为电子表格"),
	}
	c.AddCommand(newExportRegisterCmd(e))
	return c
}

// registerOptions are the flags of `crm export register`.
type registerOptions struct{ outputFlags }

func newExportRegisterCmd(e *env) *cobra.Command {
	var o registerOptions
	c := &cobra.Command{
		Use:   "register [-o 客户信息登记表.xlsx] [--format xlsx|csv|table|md|json] [--bom]",
		Short: l10n.Pick("The customer register: one row per dossier your key can read, the spreadsheet copy for analysis (R6.2)", "客户信息登记表：您的密钥能读取的每份档案一行，供分析用的电子表格副本 (R6.2)"),
		Long: l10n.Pick(`Write the customer register (客户信息登记表): one row per dossier your key can
read, with level, customer, kind, ownership, industry, region, size, tier,
credit class, credit limit, yearly sales, outstanding balance, telephone,
address, contact person, owner, trading since, last contact and last 核定.
It is the electronic spreadsheet copy of the archive kept for analysis (R6.2):
keep it as safely as the dossiers (R6.9); the file is written with mode 0600,
whole or not at all. Its headers are ones crm import recognises.`, `输出客户信息登记表：您的密钥能读取的每份档案一行，含密级、客户名称、类型、企业性质、行业、地区、规模、
层级、信用等级、信用额度、年销售额、未清欠款、联系电话、地址、联系人、负责人、开始交易日期、最近联系日期
和最近核定日期。它是供分析用的档案电子表格副本 (R6.2)，须与档案同样妥善保管 (R6.9)；文件以 0600
权限写出，要么完整写出，要么不留下。其表头可被 crm import 识别。`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.runExportRegister(&o)
		},
	}
	o.outputFlags.add(c.Flags())
	return c
}

func (e *env) runExportRegister(o *registerOptions) error {
	format, err := e.checkOutput(&o.outputFlags)
	if err != nil {
		return err
	}
	// The rows (each dossier's level, credit class, tier and file) and
	// the histories (its last 核定), read for this one export: not every
	// dossier's state. Each dossier is then decrypted (from the plaintext
	// cache after the first time) and parsed in turn, and only what the
	// register shows of it is kept: the dossiers and the whole state were
	// 3.8 GB at 100,000.
	e.snapshot = true
	e.summary = archive.SummaryRows | archive.SummaryHistories | archive.SummaryHistoriesOnce
	defer archive.PaceGC()()
	a, err := e.open(true)
	if err != nil {
		return err
	}
	l, err := report.LoadLayout("register", a.Overrides())
	if err != nil {
		return err
	}
	entries, unreadable, err := registerEntries(e, a)
	if err != nil {
		return err
	}
	r, err := report.Register(l, entries, unreadable, a.Location())
	if err != nil {
		return err
	}
	r.GeneratedAt = a.Now().In(a.Location())
	r.Marking, r.MarkingInternal = report.RegisterMarking(a.Policy, entries)
	if wrote, err := e.writeOutput(r, format, &o.outputFlags); !wrote || err != nil {
		return err
	}
	if isTerminal(e.io.Err) { // nothing but the file when run from cron, as reports
		e.errorf("%s\n", l10n.Sprintf("Wrote %s: %d dossiers (%s); keep it as safely as the dossiers (R6.9).", o.out, len(entries), format))
	}
	return nil
}

// registerEntries are the register's rows, one per dossier the key reads,
// by id, each compacted (RegisterEntry.Compact), and how many it could
// not read.
func registerEntries(e *env, a *archive.Archive) ([]report.RegisterEntry, int, error) {
	list, err := a.ListBrief(e.ctx()) // level, credit class and tier as crm list gives them
	if err != nil {
		return nil, 0, err
	}
	var entries []report.RegisterEntry
	unreadable := 0
	for _, en := range list {
		if !en.Readable {
			unreadable++
			continue
		}
		entries = append(entries, report.RegisterEntry{ID: en.ID, Level: en.Level, Credit: en.Credit, Tier: en.Tier})
	}
	list = nil
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	at := func(id string) *report.RegisterEntry {
		if k, ok := slices.BinarySearch(ids, id); ok {
			return &entries[k]
		}
		return nil
	}
	h := a.Histories()
	h.Each(func(d *archive.DossierState) {
		if en := at(d.ID); en != nil && len(d.Reviews) > 0 {
			en.LastVerified = d.Reviews[len(d.Reviews)-1].Time
		}
	})
	h.Release()
	_, err = a.Scan(e.ctx(), l10n.T("decrypting dossiers"), ids, func(d *archive.DossierState, text []byte) error {
		dd, err := archive.ParseDossier(text)
		if err != nil {
			return l10n.Errorf("dossier %s: %v", d.ID, err)
		}
		if en := at(d.ID); en != nil { // each by one goroutine
			en.Dossier = dd
			*en = en.Compact()
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return entries, unreadable, nil
}
