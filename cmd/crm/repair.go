package main

import (
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

// lockTimeout is how long a step waits for another process's lock
// (CRM_LOCK_TIMEOUT, a Go duration like 30s; default archive.DefaultLockTimeout).
func (e *env) lockTimeout() (time.Duration, error) {
	s := e.v.GetString("lock_timeout")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("CRM_LOCK_TIMEOUT %q: use a duration like 30s or 2m", s)
	}
	return d, nil
}

// racyWindow sets how long after a change a journal folder's time is not
// trusted by the caches (CRM_RACY_WINDOW, default 2s): longer on a file
// system with coarse times.
func (e *env) racyWindow() error {
	s := e.v.GetString("racy_window")
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return usagef("CRM_RACY_WINDOW %q: use a duration like 2s or 10s", s)
	}
	journal.SetRacyWindow(d)
	return nil
}

func newRepairCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "repair [--json]",
		Short: l10n.Pick("Finish or undo what interrupted commands left, bring views back to the journal, then check (exit 4 if a person is needed)", "完成或撤销中断的命令留下的文件，按日志恢复成员文件等，然后核查（需人处理时退出码 4）"),
		Long: l10n.Pick(`Bring the archive's files back to what its journal says, wherever that needs
no person's decision, then run the checks of crm verify:

  - temporary files of interrupted writes: a dossier file the journal records
    is put in place, anything else an interrupted command left is removed;
    a dossier set aside by an interrupted destruction is put back unless the
    journal records the destruction (every crm command that writes does
    this much by itself);
  - members/*.yaml missing, stale or edited by hand are written again from
    the journal;
  - files of dossiers the journal records as destroyed, or whose creation a
    manager's decision rejected, are removed (git history keeps them);
  - dossiers whose recipients are stale (a borrower's own return, a loan
    approved by the gm, an interrupted member change) are re-encrypted, if
    your key is a writer's that opens them.

It never deletes a dossier file the journal pins, nor a file it does not
know. What is left needs a person and is listed (exit 4): a dossier changed
outside crm is restored from git, a forged event is settled by a manager.`,
			`按日志恢复档案库中无需人工决定的部分，然后执行 crm verify 的全部核查：完成或清理中断写入留下的临时文件
（日志已记录的档案文件放回原处，其余删除；中断的销毁：日志已记录则删除，否则放回）；按日志重写缺失、过期或被手改的成员文件；
删除日志记录为已销毁、或其创建已被经理裁定驳回的档案文件（git 历史中仍保留）；收件人过期的档案（借阅人自行归还、总经理批准借阅、中断的成员变更）用你的密钥重新加密（须为该密级的写入者）。
从不删除日志所记录的档案文件，也不删除不认识的文件。剩下需人处理的问题逐条列出（退出码 4）。`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(false)
			if err != nil {
				return err
			}
			rep, err := a.Repair(e.ctx())
			if err != nil {
				return err
			}
			ps, err := a.Verify(e.ctx())
			if err != nil {
				return err
			}
			if asJSON {
				out := struct {
					*archive.RepairReport
					Pending  []archive.Problem `json:"pending"`
					Problems []archive.Problem `json:"problems"`
				}{rep, withHints(a.VerifyNotes()), withHints(ps)}
				if out.Fixed == nil {
					out.Fixed = []archive.Fix{}
				}
				if err := printJSON(e.io.Out, out); err != nil {
					return err
				}
			} else {
				for _, f := range rep.Fixed {
					e.printf("%s\n", l10n.Sprintf("repaired: %s", f))
				}
				for _, s := range rep.Errors {
					e.printf("%s\n", l10n.Sprintf("not repaired: %s", s))
				}
				for _, n := range a.VerifyNotes() {
					e.printf("%s\n", l10n.Sprintf("pending: %s", noteText(n)))
				}
				for _, p := range ps {
					e.printf("%s\n", noteText(p))
				}
			}
			if len(ps) > 0 {
				return integrity(l10n.Errorf("%d problem(s) need a person (see SECURITY.md, \"What a problem means\")", len(ps)))
			}
			if !asJSON {
				if len(rep.Fixed) == 0 && len(rep.Errors) == 0 {
					e.printf("%s\n", l10n.T("Nothing to repair."))
				}
				e.printf("%s\n", l10n.Sprintf("ok: %d event(s), %d member(s), %d dossier(s) verified.", len(a.State.Journal.Events), len(a.State.Members), len(a.State.Dossiers)))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
