package main

import (
	"strconv"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

func newReviewCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "review",
		Short: l10n.Pick("The quarterly verification (核定, R6.5): what is due, and recording it", "季度核定 (R6.5)：待核定列表与登记"),
	}
	c.AddCommand(newReviewDueCmd(e), newReviewDoneCmd(e))
	return c
}

func newReviewDueCmd(e *env) *cobra.Command {
	var quarter, within string
	var asJSON bool
	c := &cobra.Command{
		Use:   "due [--quarter 2026Q4] [--within DUR] [--json]",
		Short: l10n.Pick("List dossiers not yet verified in the quarter, from the journal (exit 10 when any are due within the window or overdue)", "列出本季度尚未核定的档案（只读日志；窗口内到期或已逾期时退出码 10）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			q := a.Quarter()
			if quarter != "" {
				if q, err = parseQuarterFlag(quarter); err != nil {
					return err
				}
			}
			var win classify.Period
			if within != "" {
				if win, err = parseSpanFlag("--within", within); err != nil {
					return err
				}
			}
			due := a.ReviewsDue(q)
			alarm := false
			for _, r := range due {
				if within == "" || a.DueWithin(r, win) {
					alarm = true
				}
			}
			if alarm {
				e.exit = ExitDue
			}
			if asJSON {
				if due == nil {
					due = []archive.DueReview{}
				}
				return printJSON(e.io.Out, map[string]any{"quarter": q.String(), "due": due})
			}
			if len(due) == 0 {
				e.printf("%s\n", l10n.Sprintf("Every dossier is verified for %s.", q))
				return nil
			}
			var rows [][]string
			for _, r := range due {
				left := strconv.Itoa(r.DaysLeft)
				if r.Overdue {
					left = l10n.Pick("OVERDUE", "已逾期")
				}
				rows = append(rows, []string{r.ID, r.Level, r.Owner + " " + r.OwnerName, r.LastReview, left})
			}
			e.printf("%s\n", l10n.Sprintf("%d dossier(s) not verified (核定) in %s:", len(due), q))
			return printTable(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("OWNER", "负责人"), l10n.Pick("LAST REVIEW", "上次核定"), l10n.Pick("DAYS LEFT", "剩余天数")}, rows)
		},
	}
	c.Flags().StringVar(&quarter, "quarter", "", l10n.Pick("calendar quarter, like 2026Q4 (default: the current one)", "日历季度，如 2026Q4（默认本季度）"))
	c.Flags().StringVar(&within, "within", "", l10n.Pick("exit 10 only if the quarter ends within this window (14d, 2w, 1m) or is over; default: whenever any is due", "仅当季度在此期限内结束或已结束时退出码 10（如 14d）"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newReviewDoneCmd(e *env) *cobra.Command {
	var note string
	c := &cobra.Command{
		Use:   "done ID [--note N]",
		Short: l10n.Pick("Record this quarter's verification of a dossier (clerk or supervisor)", "登记本季度核定（信息专员或主管）"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil {
				return err
			}
			q, err := a.ReviewDone(args[0], note)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Dossier %s verified for %s.", args[0], q))
			return nil
		},
	}
	c.Flags().StringVar(&note, "note", "", l10n.Pick("what was checked, supplemented or adjusted", "核对、补充或调整了什么"))
	return c
}
