package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

// Hand-ins (R6.1, R6.3): sales hand in the monthly customer information
// report with `crm submit`; clerks fold each into a dossier with
// `crm submissions merge`.

func newSubmitCmd(e *env) *cobra.Command {
	var from, dossier string
	c := &cobra.Command{
		Use:   "submit --from FILE|- [--dossier ID]",
		Short: l10n.Pick("Hand in a customer information report (sales, R6.1): encrypted to the clerks, not readable by you afterwards", "提交客户信息报告（业务人员，R6.1）：加密给客服部，提交后本人不能再读取"),
		Long: l10n.Pick(`Hand in what you learnt about a customer (R6.1: in the first week of every
month), as a dossier-shaped YAML text or a part of one (the dossier template's
fields; owner: is not needed, customer.name is unless --dossier names the
dossier it is about). It is encrypted to the members who read the level it is
kept at (the clerks', or the dossier's when higher), stored in submissions/ and
journaled; you cannot read it back, and a hand-in never gives you access to
the archive. A clerk folds it into the dossier (crm submissions merge).`, `提交您了解到的客户信息（R6.1：每月第一周内），格式为档案 YAML 或其中一部分（字段同档案模板；
无需 owner:；未用 --dossier 指明档案时须有 customer.name）。报告加密给可阅读相应密级的成员（客服部
人员；档案密级更高时按档案密级），存入 submissions/ 并记入日志；提交后您无法再读取，提交也不会使您
获得档案库的阅读权限。由信息专员并入档案（crm submissions merge）。`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return usagef("--from FILE (or - for standard input) is needed: the report to hand in")
			}
			text, err := readInput(e, from)
			if err != nil {
				return err
			}
			// A hand-in's rule reads of the dossiers only the level and
			// status of the one it is about: that dossier's part of the
			// state snapshot, or the snapshot's header (members, policy,
			// hand-ins) for a new customer, advanced under the lock by
			// what was added since (archive.OpenOptions.SnapshotSteps).
			e.snapshot, e.snapshotSteps = true, true
			if dossier != "" {
				if err := archive.CheckID(dossier); err != nil {
					return onFlag("dossier", err)
				}
				e.only = dossier
			} else {
				e.summary = archive.SummaryNone
			}
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if dossier != "" {
				// A short form (2, c-2, a random id's first characters) as
				// every step on a dossier takes it, recorded in full.
				if dossier, err = a.ResolveID(dossier); err != nil {
					return onFlag("dossier", err)
				}
			}
			sub, err := a.Submit(text, dossier)
			if err != nil {
				return dossierError(from, text, err)
			}
			about := ""
			if sub.About != "" {
				about = " " + l10n.Sprintf("about %s", sub.About)
			}
			e.printf("%s\n", l10n.Sprintf("Handed in %s%s for %s, encrypted to %s; you cannot read it back.", sub.ID, about, sub.Month, l10n.List(sub.Recipients)))
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", l10n.Pick("the report: FILE, or - for standard input", "报告文件 FILE（- 为标准输入）"))
	c.Flags().StringVar(&dossier, "dossier", "", l10n.Pick("the dossier it is about, if the customer has one", "所涉客户档案编号（如已建档）"))
	return c
}

func newSubmissionsCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "submissions list|show|merge|reject",
		Short: l10n.Pick("The hand-ins of sales (R6.1, R6.3): list them, read one, fold it into a dossier, or turn it down", "业务人员提交的客户信息报告 (R6.1, R6.3)：列出、阅读、并入档案或退回"),
	}
	c.AddCommand(newSubmissionsListCmd(e), newSubmissionsShowCmd(e), newSubmissionsMergeCmd(e), newSubmissionsRejectCmd(e))
	return c
}

func newSubmissionsListCmd(e *env) *cobra.Command {
	var pending, asJSON bool
	c := &cobra.Command{
		Use:   "list [--pending] [--json]",
		Short: l10n.Pick("List the hand-ins, from the journal (no key needed)", "列出提交的报告（只读日志，无需密钥）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryNone // reads only the hand-ins
			a, err := e.open(false)
			if err != nil {
				return err
			}
			subs := a.Submissions(pending)
			if asJSON {
				if subs == nil {
					subs = []*archive.Submission{}
				}
				return printJSON(e.io.Out, subs)
			}
			var rows [][]string
			for _, s := range subs {
				rows = append(rows, []string{s.ID, s.Month, s.By + " " + a.State.MemberName(s.By), s.About, a.Date(s.At), archive.SubmissionStatusText(s.Status), s.MergedInto + s.Reason})
			}
			return printTable(e.io.Out, []string{l10n.Pick("HAND-IN", "报告编号"), l10n.Pick("MONTH", "月份"), l10n.Pick("BY", "提交人"), l10n.Pick("ABOUT", "所涉档案"),
				l10n.Pick("HANDED IN", "提交日期"), l10n.Pick("STATUS", "状态"), l10n.Pick("MERGED INTO / REASON", "并入档案/退回原因")}, rows)
		},
	}
	c.Flags().BoolVar(&pending, "pending", false, l10n.Pick("only those waiting to be merged", "只列待并入的"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newSubmissionsShowCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "show SUB",
		Short: l10n.Pick("Decrypt and print a hand-in that waits", "解密并显示待并入的报告"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Reads the hand-ins and the rows (the level of the dossier
			// a hand-in is about): the whole state was 932 MB and 7.9 s
			// at 100,000 dossiers.
			e.snapshot, e.summary = true, archive.SummaryRows
			a, err := e.open(true)
			if err != nil {
				return err
			}
			plain, sub, err := a.ReadSubmission(args[0])
			if err != nil {
				return err
			}
			e.printf("# ==== %s %s ====\n", sub.ID, banner(a.State.HandInLevel(sub.About)))
			_, err = e.io.Out.Write(plain)
			return err
		},
	}
}

// handInPrefix starts every line of the hand-in shown beside the dossier
// in the editor; such lines are dropped when it is saved.
const handInPrefix = "#| "

// handInBlock is hand-in sub's text as comment lines, to edit beside a dossier.
func handInBlock(a *archive.Archive, sub *archive.Submission, plain []byte) []byte {
	var b strings.Builder
	about := ""
	if sub.About != "" {
		about = ", " + l10n.Sprintf("about %s", sub.About)
	}
	fmt.Fprintf(&b, "%s---- %s ----\n", handInPrefix, l10n.Sprintf("hand-in %s by %s %s, %s%s", sub.ID, sub.By, a.State.MemberName(sub.By), a.Date(sub.At), about))
	fmt.Fprintf(&b, "%s%s\n", handInPrefix, l10n.T("Fold what is new into the dossier below; the lines starting with #| are dropped when you save."))
	for _, l := range strings.SplitAfter(strings.TrimRight(string(plain), "\n")+"\n", "\n") {
		if l != "" {
			b.WriteString(handInPrefix + l)
		}
	}
	fmt.Fprintf(&b, "%s---- %s ----\n", handInPrefix, l10n.T("end of the hand-in"))
	return []byte(b.String())
}

// dropHandIn removes the hand-in's lines from an edited text.
func dropHandIn(b []byte) []byte {
	var out strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimLeft(l, " \t"), strings.TrimSpace(handInPrefix)) {
			out.WriteString(l)
		}
	}
	return []byte(out.String())
}

type mergeOptions struct {
	from, level string
	create      bool
	allowDisk   bool
	allowDup    bool
}

func newSubmissionsMergeCmd(e *env) *cobra.Command {
	var o mergeOptions
	c := &cobra.Command{
		Use:   "merge SUB [ID | --new [--level L]] [--from FILE|-]",
		Short: l10n.Pick("Fold a hand-in into a dossier (clerk, R6.3): the editor shows it beside the dossier, or --from gives the new text", "将报告并入档案（信息专员，R6.3）：编辑器中报告与档案并列显示，或用 --from 给出合并后的档案"),
		Long: l10n.Pick(`Fold hand-in SUB into dossier ID, or into a new dossier with --new. In the
editor the hand-in is shown as #| comment lines above the dossier: copy what
is new into the dossier; those lines are dropped when you save. With --from,
FILE (or standard input) is the dossier's new text. The dossier's update (or
creation) and submission.merge are journaled, and the hand-in's file is
removed: its content lives in the dossier now. With --new, a customer that
has a dossier your key reads is refused (one dossier per customer, R5):
fold the hand-in into that dossier, or give --allow-duplicate for another
customer of the same name.`, `将报告 SUB 并入档案 ID，或用 --new 新建档案。编辑器中报告以 #| 注释行显示在档案上方：把新信息
抄入档案，保存时这些行会被去掉。使用 --from 时，FILE（或标准输入）即为档案的新内容。档案的更新（或
新建）与 submission.merge 记入日志，报告文件随即删除：其内容已在档案中。使用 --new 时，若该客户已有您的
密钥能读取的档案则拒绝（每个客户只建一份档案，R5）：请把报告并入该档案；如确是另一个同名客户，请加 --allow-duplicate。`),
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 2 {
				id = args[1]
			}
			if (id == "") == !o.create {
				return usagef("name the dossier to fold the hand-in into, or --new for a customer without one (not both)")
			}
			if o.level != "" && !o.create {
				return usagef("--level is for --new only: a dossier keeps its level")
			}
			if o.allowDup && !o.create {
				return usagef("--allow-duplicate is for --new only: a hand-in folded into a dossier makes none")
			}
			return e.runMerge(args[0], id, &o)
		},
	}
	c.Flags().BoolVar(&o.create, "new", false, l10n.Pick("create a dossier from the hand-in", "以报告新建档案"))
	c.Flags().StringVar(&o.level, "level", "", l10n.Pick("the new dossier's level (default: what its relationship gives, R7.2.3)", "新档案的密级（默认按与本公司的关系，R7.2.3）"))
	c.Flags().StringVar(&o.from, "from", "", l10n.Pick("the dossier's text after merging: FILE, or - for standard input", "合并后的档案内容：FILE（- 为标准输入）"))
	c.Flags().BoolVar(&o.allowDisk, "allow-disk-tmp", false, l10n.Pick("allow the editor's plaintext temp file on disk when no memory-backed storage exists", "无内存文件系统时允许明文临时文件落盘"))
	c.Flags().BoolVar(&o.allowDup, "allow-duplicate", false, l10n.Pick("with --new: create the dossier though a customer of the same name has one: this is another customer of that name (by default crm refuses: one dossier per customer, R5)", "与 --new 同用：已有同名客户的档案时仍新建：这是另一个同名客户（默认拒绝：每个客户只建一份档案，R5）"))
	return c
}

// handInCustomer refuses a new dossier's text made from hand-in subID
// when its customer has a dossier the key reads (R5: one dossier per
// customer, oneCustomer): the hand-in is folded into that one.
func handInCustomer(a *archive.Archive, subID string, text []byte) (unread int, err error) {
	other, name, unread, err := sameCustomer(a, "", nil, text)
	if err != nil || other == "" {
		return unread, err
	}
	return unread, handInTaken(subID)(name, other)
}

// handInTaken is the refusal of a new dossier made from hand-in subID of
// the customer named name, who has dossier other.
func handInTaken(subID string) func(name, other string) error {
	return func(name, other string) error {
		return dataf("%s has dossier %s already: one dossier per customer; fold the hand-in into it (`crm submissions merge %s %s`), or give --allow-duplicate if this is another customer of the same name", name, other, subID, other)
	}
}

func (e *env) runMerge(subID, id string, o *mergeOptions) error {
	// A fold reads of the dossiers only the one it goes into (or makes):
	// that dossier's part of the state snapshot and its header (members,
	// policy, hand-ins), advanced under the lock by what was added since.
	// A replay took 10 s and 1.9 GB at 100,000 dossiers.
	e.snapshot, e.snapshotSteps = true, true
	if id != "" {
		e.only = id
	} else {
		e.creates = true
	}
	a, err := e.open(true)
	if err != nil {
		return err
	}
	if id != "" {
		// A short form, as every step on a dossier takes it.
		if id, err = a.ResolveID(id); err != nil {
			return err
		}
	}
	if err := a.CheckMerge(subID, id); err != nil {
		return err
	}
	plain, sub, err := a.ReadSubmission(subID)
	if err != nil {
		return err
	}
	subID = sub.ID // as the archive writes it, however it was typed
	var old *archive.Opened
	start := plain
	if id != "" {
		if old, err = a.Read(id); err != nil {
			return err
		}
		start = old.Text
	}
	var text []byte
	unread := 0
	if o.from != "" {
		if text, err = readInput(e, o.from); err != nil {
			return err
		}
		switch {
		case id != "":
			unread, err = oneCustomer(a, id, old.Text, text)
		case !o.allowDup:
			unread, err = handInCustomer(a, subID, text)
		}
		if err != nil {
			return err
		}
	} else {
		edited, err := e.editLoop(append(handInBlock(a, sub, plain), start...), o.allowDisk, true, func(b []byte) error {
			if old != nil {
				// An edit of the dossier, checked as Update will: an
				// old out-of-range value kept as it was does not stop it.
				if err := a.CheckEdit(id, old.Text, dropHandIn(b)); err != nil {
					return err
				}
				var err error
				unread, err = oneCustomer(a, id, old.Text, dropHandIn(b))
				return err
			}
			if err := a.CheckEdit("", nil, dropHandIn(b)); err != nil || o.allowDup {
				return err
			}
			var err error
			unread, err = handInCustomer(a, subID, dropHandIn(b))
			return err
		})
		if errors.Is(err, errUntouched) {
			return l10n.Errorf("the text was left as it was: hand-in %s is not merged (edit it in, or turn it down with crm submissions reject %s)", subID, subID)
		}
		if err != nil {
			return err
		}
		text = dropHandIn(edited)
	}
	if id == "" {
		choice, err := a.CheckCreate(text, o.level)
		if err != nil {
			return dossierError(o.from, text, err)
		}
		if id, err = a.Create(text, o.level); err != nil {
			return dossierError(o.from, text, takenSince(err, handInTaken(subID)))
		}
		e.printf("%s\n", l10n.Sprintf("Created dossier %s (%s) from hand-in %s.", id, a.State.Dossiers[id].Level, subID))
		if why := levelWhy(choice); why != "" {
			e.printf("%s\n", why)
		}
		e.notChecked(unread)
	} else {
		fields, changed, err := a.Update(id, old.SHA256, old.Text, text)
		if err != nil {
			return dossierError(o.from, text, err)
		}
		if changed {
			e.printf("%s\n", l10n.Sprintf("Updated %s: %s.", id, l10n.List(fields)))
			e.notChecked(unread)
		} else {
			e.printf("%s\n", l10n.Sprintf("No change to %s: nothing written.", id))
		}
	}
	if _, err := a.MergeSubmission(subID, id); err != nil {
		return err
	}
	e.printf("%s\n", l10n.Sprintf("Hand-in %s merged into %s; its file is removed.", subID, id))
	return nil
}

func newSubmissionsRejectCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject SUB --reason R",
		Short: l10n.Pick("Turn a hand-in down, with a reason (its file is removed)", "退回报告并说明原因（报告文件删除）"),
		Args:  cobra.ExactArgs(1),
		RunE: e.headerStep(e.stepOn(func(a *archive.Archive, id string) error {
			sub, err := a.RejectSubmission(id, reason)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Hand-in %s by %s turned down: %s", sub.ID, sub.By, sub.Reason))
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why it is not taken in (its author reads it)", "退回原因（提交人可见）"))
	return c
}
