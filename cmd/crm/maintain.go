package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"crm/l10n"
)

func newMaintainCmd(e *env) *cobra.Command {
	var within string
	var asJSON bool
	c := &cobra.Command{
		Use:   "maintain [--within DUR] [--json]",
		Short: l10n.Pick("Cron job: revoke expired loans, declassify, re-encrypt stale files, report what is due (exit 10 when a person is needed)", "定时任务：收回逾期借阅权限、自行解密、重新加密收件人过期的档案，提示待办事项（需人处理时退出码 10）"),
		Long: l10n.Pick(`Revoke the access of loans past due (re-encrypting their dossiers), and print
overdue loans, reviews (核定) due within --within or overdue, and requests
waiting for a sign-off or approval. Safe to run every hour: a run with nothing
to revoke writes nothing. Exit 10 when something needs a person, so cron can
mail the output. It also re-encrypts files whose recipients a step
recorded without a file (a borrower's own return, the gm's approval). Run it
with a writer's key for every level (the manager's): only a writer of a level
writes its files, so with a key that only reads, the access of overdue loans is
revoked in the journal but the files wait for a writer.

crontab (hourly; chronic from moreutils keeps cron quiet unless the exit is non-zero, e.g. 10):
  0 * * * *  cd /srv/crm-archive && CRM_IDENTITY=/etc/crm/maintain.key chronic crm maintain

systemd: crm-maintain.service
  [Service]
  Type=oneshot
  WorkingDirectory=/srv/crm-archive
  Environment=CRM_IDENTITY=/etc/crm/maintain.key
  ExecStart=/usr/local/bin/crm maintain
  SuccessExitStatus=10
and crm-maintain.timer
  [Timer]
  OnCalendar=hourly
  Persistent=true
  [Install]
  WantedBy=timers.target`, `收回逾期借阅的解密权限（重新加密），并列出逾期借阅、--within 期限内到期或已逾期的核定、
待签字或待审批的申请。可每小时运行：无事可做时不写任何文件。需人处理时退出码 10，便于 cron 发信。
还会重新加密收件人已由无文件步骤改变的档案（借阅人自行归还、总经理批准）。请用各密级写入者的密钥运行（经理的密钥）：
只有该密级的写入者才能写文件。crontab 与 systemd 定时器示例见英文帮助（--lang en）。`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			win, err := parseSpanFlag("--within", within)
			if err != nil {
				return err
			}
			a, err := e.open(false)
			if err != nil {
				return err
			}
			rep, err := a.Maintain(e.ctx(), win)
			if rep == nil {
				return err
			}
			if rep.NeedsPerson() {
				e.exit = ExitDue
			}
			if asJSON {
				if perr := printJSON(e.io.Out, rep); perr != nil {
					return perr
				}
				return err
			}
			for _, l := range rep.Expired {
				e.printf("%s\n", l10n.Sprintf("revoked: loan %s of %s by %s was due %s; the file no longer opens with their key.", l.ID, l.Dossier, l.Borrower, a.FormatTime(l.Due)))
			}
			if n := len(rep.Rekeyed); n > 0 {
				e.printf("%s\n", l10n.Sprintf("re-encrypted: %d dossier(s) to the recipients the journal gives them now (%s).", n, strings.Join(rep.Rekeyed, ", ")))
			}
			if rep.Declassified > 0 {
				e.printf("%s\n", l10n.Sprintf("declassified: %d dossier(s) whose secrecy period ran out are now 内部 (R7.2.4).", rep.Declassified))
			}
			for _, l := range rep.Overdue {
				e.printf("%s\n", l10n.Sprintf("overdue: loan %s of %s by %s, due %s: `crm borrow return %s`", l.ID, l.Dossier, l.Borrower, a.Date(l.Due), l.ID))
			}
			for _, r := range rep.Reviews {
				left := l10n.Sprintf("%s days left", strconv.Itoa(r.DaysLeft))
				if r.Overdue {
					left = l10n.T("overdue")
				}
				e.printf("%s\n", l10n.Sprintf("review due: %s (%s, owner %s) for %s, %s: `crm review done %s`", r.ID, r.Level, r.Owner, rep.Quarter, left, r.ID))
			}
			for _, l := range rep.PendingLoans {
				e.printf("%s\n", l10n.Sprintf("waiting: loan %s of %s by %s needs a sign-off or approval", l.ID, l.Dossier, l.Borrower))
			}
			for _, r := range rep.Destructions {
				if n := r.NextRole(); n != "" {
					e.printf("%s\n", l10n.Sprintf("waiting: destruction request %s of %s needs a %s's approval", r.ID, r.Dossier, n))
				} else {
					e.printf("%s\n", l10n.Sprintf("waiting: destruction request %s of %s is approved and waits to be executed", r.ID, r.Dossier))
				}
			}
			if !rep.NeedsPerson() && len(rep.Expired) == 0 && rep.Declassified == 0 && len(rep.Rekeyed) == 0 {
				e.printf("%s\n", l10n.T("Nothing to do."))
			}
			return err
		},
	}
	c.Flags().StringVar(&within, "within", "14d", l10n.Pick("report reviews when the quarter ends within this window", "季度结束前多久开始提示核定"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}
