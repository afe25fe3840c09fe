package main

import (
	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newTemplatesCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "templates",
		Short: l10n.Pick("The archive's own templates (templates/): list them, pin them in the journal", "档案库自带的模板（templates/）：列出，登记到日志"),
		Long: l10n.Pick(`An archive may override the built-in dossier and report templates with files
of the same name under templates/ (dossier/NAME.yaml, reports/NAME.yaml). An
override is used only once a manager has pinned it: crm templates pin records
every file under templates/ with its SHA-256 in a signed templates.update
event. A file that is not pinned, or changed since, is not used (the command
that needs it fails, exit 4) and crm verify names it.`, `档案库可用 templates/ 下同名文件（dossier/NAME.yaml、reports/NAME.yaml）覆盖内置的档案与报表模板。
覆盖模板须经经理登记后才会使用：crm templates pin 把 templates/ 下每个文件及其 SHA-256 记入签名的 templates.update 事件。
未登记或登记后被修改的文件不会被使用（需要它的命令失败，退出码 4），crm verify 会指出它。`),
	}
	c.AddCommand(newTemplatesListCmd(e), newTemplatesPinCmd(e))
	return c
}

func newTemplatesListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: l10n.Pick("List the overrides under templates/ and whether the journal pins them", "列出 templates/ 下的覆盖模板及其登记状态"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Reads what the journal pins, nothing of the dossiers: a
			// whole replay was 21 s and 2.39 GB at 100,000 dossiers.
			e.snapshot, e.summary = true, archive.SummaryNone
			a, err := e.open(false)
			if err != nil {
				return err
			}
			ts := a.Templates()
			if asJSON {
				return printJSON(e.io.Out, nonNil(ts))
			}
			var rows [][]string
			for _, t := range ts {
				rows = append(rows, []string{archive.TemplatesDir + "/" + t.Path, templateStatusText(t.Status)})
			}
			return printTable(e.io.Out, []string{l10n.Pick("FILE", "文件"), l10n.Pick("STATUS", "状态")}, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newTemplatesPinCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "pin",
		Short: l10n.Pick("Pin the files now under templates/ as the archive's overrides (manager)", "把 templates/ 下现有文件登记为本档案库的覆盖模板（经理）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			files, changed, err := a.PinTemplates()
			if err != nil {
				return err
			}
			for _, f := range files {
				e.printf("%s  %s/%s\n", f.SHA256[:12], archive.TemplatesDir, f.Path)
			}
			if !changed {
				e.printf("%s\n", l10n.T("The journal already pins these overrides: nothing written."))
				return nil
			}
			e.printf("%s\n", l10n.Sprintf("Pinned %d override(s) (templates.update).", len(files)))
			return nil
		},
	}
}
