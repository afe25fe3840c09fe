package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newContactCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "contact add|list|remove",
		Short: l10n.Pick("File visits, follow-ups, receptions and complaints into a dossier, list them, remove complaints past retention", "在档案中登记拜访、回访、接待、投诉记录，列出，删除超过保存期限的投诉记录"),
	}
	c.AddCommand(newContactAddCmd(e), newContactListCmd(e), newContactRemoveCmd(e))
	return c
}

// contactAddOptions are the flags of `crm contact add`.
type contactAddOptions struct {
	kind, date, who, content, followUp, keepUntil, from string
	creditChange, creditReason                          string
	allowDisk                                           bool
}

func newContactAddCmd(e *env) *cobra.Command {
	var o contactAddOptions
	kinds := strings.Join(archive.ContactKinds, "|")
	c := &cobra.Command{
		Use:   "add ID --kind " + kinds + " [--date YYYY-MM-DD] [--content TEXT | --from FILE|-] [--follow-up TEXT] [--credit-change FROM:TO --credit-reason TEXT]",
		Short: l10n.Pick("File a contact record into a dossier's contacts: (the rest of the dossier stays as written)", "在档案的 contacts: 中登记一条联系记录（档案其余内容保持原样）"),
		Long: l10n.Pick(`File a contact record into the dossier (sister rules: every visit 拜访,
follow-up 回访, reception 接待 and complaint 投诉 is filed). The date defaults to
today, who to your member name. The content comes from --content, from a file
or standard input with --from, or, on a terminal, from your editor. A
complaint is kept for the policy's contacts.complaint_retention (two years by
default; keep_until), or until a later day --keep-until gives. A record
is of a contact that took place: its date is today or before.
A visit that found a change in the customer's credit (信用异动) notes it
with --credit-change FROM:TO (the credit classes before and after, e.g. B:C)
and --credit-reason: the record's credit_change:. It changes no class: the
monthly report lists it, marked 待复核 until a supervisor decides the class
with crm classify --credit (a new class, or the one it has, kept).
The record is added at the end of contacts:; every other line of the dossier,
comments included, stays as it was.`, `在档案中登记一条联系记录（规定：拜访、回访、接待、投诉均须记入档案）。日期默认为今天，经办人默认为您的
成员姓名。内容取自 --content、--from 指定的文件或标准输入，在终端上也可在编辑器中填写。投诉记录默认
按策略 contacts.complaint_retention 保存（默认两年，keep_until），可用 --keep-until 定为更晚的日期。联系记录须在联系发生之后填写：日期不晚于今天。
拜访中发现客户信用变化（信用异动）时，用 --credit-change 原等级:现等级（如 B:C）和 --credit-reason 异动原因记下，即记录的 credit_change:。
这不改变信用等级：月报列出信用异动，在主管以 crm classify --credit 调整或维持等级之前标为 待复核。
记录加在 contacts: 末尾，档案其余各行（含注释）保持原样。`),
		Args: cobra.ExactArgs(1),
		// A content update of one dossier, as edit: on that dossier's part
		// of the snapshot.
		RunE: e.oneDossierStep(func(cmd *cobra.Command, args []string) error {
			return e.runContactAdd(cmd, args[0], &o)
		}),
	}
	f := c.Flags()
	f.StringVar(&o.kind, "kind", "", l10n.Pick("the kind of contact: ", "联系类型：")+contactKindList())
	f.StringVar(&o.date, "date", "", l10n.Pick("the day of the contact, YYYY-MM-DD (default: today)", "联系日期 YYYY-MM-DD（默认今天）"))
	f.StringVar(&o.who, "who", "", l10n.Pick("who made the contact (default: your member name)", "经办人（默认为您的成员姓名）"))
	f.StringVar(&o.content, "content", "", l10n.Pick("what was said, found or complained of", "联系内容"))
	f.StringVar(&o.followUp, "follow-up", "", l10n.Pick("what is to be done next", "后续跟进"))
	f.StringVar(&o.keepUntil, "keep-until", "", l10n.Pick("keep the record until this day, YYYY-MM-DD (complaints: the policy's retention, two years, or later)", "保存至 YYYY-MM-DD（投诉按策略保存期限，默认两年，只能更晚）"))
	f.StringVar(&o.creditChange, "credit-change", "", l10n.Pick("a visit's change in the customer's credit (信用异动): the classes before and after, FROM:TO, e.g. B:C", "拜访发现的信用异动：原等级:现等级，如 B:C"))
	f.StringVar(&o.creditReason, "credit-reason", "", l10n.Pick("why the customer's credit changed (with --credit-change)", "信用异动的原因（与 --credit-change 同用）"))
	f.StringVar(&o.from, "from", "", l10n.Pick("read the content from FILE, or - for standard input", "从 FILE（- 为标准输入）读取联系内容"))
	f.BoolVar(&o.allowDisk, "allow-disk-tmp", false, l10n.Pick("allow the editor's plaintext temp file on disk when no memory-backed storage exists", "无内存文件系统时允许明文临时文件落盘"))
	return c
}

func (e *env) runContactAdd(cmd *cobra.Command, id string, o *contactAddOptions) error {
	// Everything that can be checked without the archive first.
	if err := archive.CheckID(id); err != nil {
		return err
	}
	rec, err := e.contactFromFlags(cmd, o)
	if err != nil {
		return err
	}
	useEditor := o.from == "" && !cmd.Flags().Changed("content")
	if useEditor && !e.io.InTerminal && e.v.GetString("editor") == "" {
		return usagef("no terminal to run an editor in: give the content with --content TEXT, or --from FILE or --from - (stdin)")
	}
	a, err := e.open(true)
	if err != nil {
		return err
	}
	if id, err = a.ResolveID(id); err != nil { // a short form: 1, c-1
		return err
	}
	contactDefaults(a, &rec)
	opened, err := a.Read(id)
	if err != nil {
		return err
	}
	refused := func(err error) error { return err }
	if useEditor {
		given := rec
		if rec, err = e.editContact(a, id, rec, opened.Text, o.allowDisk); errors.Is(err, errUntouched) {
			return l10n.Errorf("the record was left as it was: nothing was added to %s", id)
		} else if err != nil {
			return err
		}
		// What was typed in the editor is not lost with a refused save
		// (another session saved the dossier first, the roles changed,
		// the lock timed out): the content is kept, and the command
		// that files it again gives the rest of the record.
		redo := contactRedo(cmd, id, given, rec, o.who != "")
		content := []byte(rec.Content)
		refused = func(err error) error {
			return e.keepRefused(err, id+"-contact.txt", nil, content, o.allowDisk, redo, "")
		}
	}
	if err := a.CheckContact(rec); err != nil {
		return refused(err)
	}
	if rec.KeepUntil.IsZero() {
		rec.KeepUntil = a.Policy.ComplaintKeepUntil(rec) // a complaint's: contacts.complaint_retention
	}
	text, err := archive.AddContact(opened.Text, rec)
	if err != nil {
		return refused(dossierError(id, opened.Text, err))
	}
	if _, _, err := a.Update(id, opened.SHA256, opened.Text, text); err != nil {
		return refused(dossierError(id, text, err))
	}
	msg := l10n.Sprintf("Added a %s record of %s to %s.", rec.Kind, rec.Date.Format(time.DateOnly), id)
	if rec.Kind == archive.ContactComplaint {
		msg = l10n.Sentences(msg, l10n.Sprintf("Kept until %s.", rec.KeepUntil.Format(time.DateOnly)))
	}
	e.printf("%s\n", msg)
	return nil
}

// contactFromFlags is the record the flags (and --from's text) give.
func (e *env) contactFromFlags(cmd *cobra.Command, o *contactAddOptions) (archive.Contact, error) {
	var rec archive.Contact
	if o.kind == "" {
		return rec, usagef("--kind is needed: choose one of %s", contactKindList())
	}
	kind, ok := archive.ParseContactKind(o.kind)
	if !ok {
		return rec, usagef("--kind %q: choose one of %s", o.kind, contactKindList())
	}
	if o.from != "" && cmd.Flags().Changed("content") {
		return rec, usagef("give the content with --content or with --from, not both")
	}
	rec.Kind, rec.Who, rec.Content, rec.FollowUp = kind, o.who, o.content, o.followUp
	for _, d := range []struct {
		flag, v string
		to      *archive.Date
	}{{"--date", o.date, &rec.Date}, {"--keep-until", o.keepUntil, &rec.KeepUntil}} {
		if d.v == "" {
			continue
		}
		t, err := archive.ParseDate(d.v)
		if err != nil {
			return rec, usagef("%s: %v", d.flag, err)
		}
		*d.to = t
	}
	if o.from != "" {
		b, err := readInput(e, o.from)
		if err != nil {
			return rec, err
		}
		rec.Content = strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(rec.Content) == "" {
			// </dev/null in a script: no record of nothing is filed.
			return rec, usagef("--from %s: the content is empty: nothing to file", inputName(o.from))
		}
	}
	if cmd.Flags().Changed("content") && strings.TrimSpace(o.content) == "" {
		return rec, usagef("--content is empty: say what was said, found or complained of")
	}
	if o.creditChange == "" && o.creditReason == "" {
		return rec, nil
	}
	switch {
	case o.creditChange == "":
		return rec, usagef("--credit-reason is the reason of a change in credit: give the change with --credit-change FROM:TO (e.g. B:C)")
	case kind != archive.ContactVisit:
		return rec, usagef("--credit-change: a change in credit (信用异动) is noted on a visit: give --kind %s", archive.ContactVisit)
	}
	cc, err := archive.ParseCreditChange(o.creditChange, o.creditReason)
	if err != nil {
		return rec, usagef("--credit-change: %v", err)
	}
	// In the editor the reason may be written there; else it is asked for.
	if strings.TrimSpace(o.creditReason) == "" && (o.from != "" || cmd.Flags().Changed("content")) {
		return rec, usagef("--credit-change needs --credit-reason TEXT: say why the customer's credit changed")
	}
	rec.CreditChange = cc
	return rec, nil
}

// contactDefaults fills in what the flags left out: today (in the
// archive's time zone) and the working member's name.
func contactDefaults(a *archive.Archive, rec *archive.Contact) {
	if rec.Date.IsZero() {
		y, m, d := a.Now().In(a.Location()).Date()
		rec.Date = archive.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	if rec.Who == "" {
		if me, err := a.Me(); err == nil {
			rec.Who = me.Name
		}
	}
}

// editContact lets the user write the record in their editor, which
// reopens until the record fits into the dossier (dossier is its text).
func (e *env) editContact(a *archive.Archive, id string, rec archive.Contact, dossier []byte, allowDisk bool) (archive.Contact, error) {
	text, err := e.editLoop(contactTemplate(id, rec), allowDisk, true, func(b []byte) error {
		c, err := archive.ParseContact(b)
		if err != nil {
			return err
		}
		if err := a.CheckContact(c); err != nil { // as after the editor
			return err
		}
		_, err = archive.AddContact(dossier, c)
		return err
	})
	if err != nil {
		return rec, err
	}
	return archive.ParseContact(text)
}

func newContactRemoveCmd(e *env) *cobra.Command {
	var expired bool
	c := &cobra.Command{
		Use:   "remove ID --expired",
		Short: l10n.Pick("Remove the complaint records kept past their retention (journaled as a content update)", "删除超过保存期限的投诉记录（作为档案内容更新记入日志）"),
		Long: l10n.Pick(`Remove from the dossier the complaint records (投诉) whose retention has ended
(the record's date plus the policy's contacts.complaint_retention, two years by
default, or its keep_until when later). The rest of the dossier stays as written. It is a normal
content update (dossier.update, field contacts): the retention rule decides,
so no destruction approvals are needed; the journal says who removed them and
when, never what they said. Older versions of the file remain in git history.`, `从档案中删除已过保存期限的投诉记录（记录日期加策略 contacts.complaint_retention，默认两年；
keep_until 更晚时以其为准）。档案其余内容保持原样。这是一次普通的内容更新（dossier.update，字段 contacts）：
保存期限已由规定确定，无需销毁审批；日志记录删除人与时间，不记录内容。旧版本文件仍留在 git 历史中。`),
		Args: cobra.ExactArgs(1),
		RunE: e.oneDossierStep(func(cmd *cobra.Command, args []string) error {
			if !expired {
				return usagef("say which records to remove: --expired (complaints past their retention)")
			}
			if err := archive.CheckID(args[0]); err != nil {
				return err
			}
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil { // a short form: 1, c-1
				return err
			}
			removed, err := a.RemoveExpiredComplaints(args[0])
			if err != nil {
				return dossierError(args[0], nil, err)
			}
			if len(removed) == 0 {
				e.printf("%s\n", l10n.Sprintf("No complaint record of %s is past its retention: nothing written.", args[0]))
				return nil
			}
			var dates []string
			for _, c := range removed {
				dates = append(dates, c.Date.Format(time.DateOnly))
			}
			e.printf("%s\n", l10n.Sprintf("Removed %d complaint record(s) of %s past their retention (filed %s).", len(removed), args[0], l10n.List(dates)))
			return nil
		}),
	}
	c.Flags().BoolVar(&expired, "expired", false, l10n.Pick("the complaint records whose retention has ended", "已过保存期限的投诉记录"))
	return c
}

// contactRedo is the command that files rec, written in the editor, again
// with its content from a file (--from is appended by keepRefused): the
// flags cmd was given that the record does not say (the root's: --archive,
// --identity, --now…, as crm new's and crm edit's redo, redoCommand), its
// kind and day, and who, the follow-up and keep_until when the flags gave
// them (whoGiven: --who) or the editor changed them from given, the
// record the editor opened on. A value a shell would split is quoted.
func contactRedo(cmd *cobra.Command, id string, given, rec archive.Contact, whoGiven bool) string {
	kind := rec.Kind
	if !slices.Contains(archive.ContactKinds, kind) {
		kind = shellQuote(kind)
	}
	// The record's own flags are given below, as the editor left them.
	prefix := redoCommand(cmd, "crm contact add", nil, "kind", "date", "who", "content", "follow-up", "keep-until", "credit-change", "credit-reason")
	args := []string{prefix, id, "--kind", kind, "--date", rec.Date.Format(time.DateOnly)}
	if rec.Who != "" && (whoGiven || rec.Who != given.Who) {
		args = append(args, "--who", shellQuote(rec.Who))
	}
	if rec.FollowUp != "" {
		args = append(args, "--follow-up", shellQuote(rec.FollowUp))
	}
	if !rec.KeepUntil.IsZero() {
		args = append(args, "--keep-until", rec.KeepUntil.Format(time.DateOnly))
	}
	if cc := rec.CreditChange; cc != nil {
		args = append(args, "--credit-change", shellQuote(cc.From+":"+cc.To), "--credit-reason", shellQuote(cc.Reason))
	}
	return strings.Join(args, " ")
}

// contactTemplate is the text the editor opens for a new record.
func contactTemplate(id string, c archive.Contact) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", l10n.Pick("Contact record for "+id+". Save and quit to add it; empty the file to give up.", "联系记录（档案 "+id+"）。保存并退出即添加；全部删除则放弃。"))
	fmt.Fprintf(&b, "# kind: %s\n", strings.Join(archive.ContactKinds, " / "))
	fmt.Fprintf(&b, "date: %s\n", c.Date.Format(time.DateOnly))
	fmt.Fprintf(&b, "who: %q\n", c.Who)
	fmt.Fprintf(&b, "kind: %s\n", c.Kind)
	b.WriteString("content: |\n")
	if c.Content == "" {
		b.WriteString("  \n")
	}
	for _, l := range strings.Split(c.Content, "\n") {
		if c.Content != "" {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	fmt.Fprintf(&b, "follow_up: %q\n", c.FollowUp)
	if !c.KeepUntil.IsZero() {
		fmt.Fprintf(&b, "keep_until: %s\n", c.KeepUntil.Format(time.DateOnly))
	}
	// 信用异动: on a visit, given or as a commented example.
	switch cc := c.CreditChange; {
	case cc != nil:
		b.WriteString("# 信用异动：原信用等级 from、现信用等级 to（" + strings.Join(archive.CreditClasses, " / ") + "），异动原因 reason 必填；无异动则删去以下四行\n")
		b.WriteString("credit_change:\n")
		fmt.Fprintf(&b, "  from: %s # 原信用等级\n  to: %s # 现信用等级\n  reason: %q # 异动原因\n", cc.From, cc.To, cc.Reason)
	case c.Kind == archive.ContactVisit:
		b.WriteString("# 信用异动（拜访时发现客户信用等级有变化才填写）：原信用等级 from、现信用等级 to（" + strings.Join(archive.CreditClasses, " / ") + "），\n")
		b.WriteString("# 异动原因 reason 必填；填写时删去下面 credit_change: 起四行开头的 \"# \"\n")
		b.WriteString("# credit_change:\n#   from: B # 原信用等级\n#   to: C # 现信用等级\n#   reason: \"\" # 异动原因\n")
	}
	return []byte(b.String())
}

func newContactListCmd(e *env) *cobra.Command {
	var asJSON bool
	var kind string
	c := &cobra.Command{
		Use:   "list ID [--kind K] [--json]",
		Short: l10n.Pick("List a dossier's contact records, oldest first", "列出档案中的联系记录（按日期）"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if kind != "" {
				k, ok := archive.ParseContactKind(kind)
				if !ok {
					return usagef("--kind %q: choose one of %s", kind, contactKindList())
				}
				kind = k
			}
			e.snapshot, e.only = true, args[0] // reads only, one dossier
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil { // a short form: 1, c-1
				return err
			}
			o, err := a.Read(args[0])
			if err != nil {
				return err
			}
			d, err := archive.ParseDossier(o.Text)
			if err != nil {
				return l10n.Errorf("dossier %s: %v", args[0], err)
			}
			var cs []archive.Contact
			for _, c := range d.Contacts {
				if kind == "" || c.Kind == kind {
					c.KeepUntil = a.Policy.ComplaintKeepUntil(c) // the retention that counts
					cs = append(cs, c)
				}
			}
			slices.SortStableFunc(cs, func(x, y archive.Contact) int { return x.Date.Compare(y.Date.Time) })
			level := a.EffectiveLevel(o.State)
			day := func(d archive.Date) string {
				if d.IsZero() {
					return ""
				}
				return d.Format(time.DateOnly)
			}
			if asJSON {
				out := make([]map[string]any, len(cs))
				for i, c := range cs {
					out[i] = map[string]any{"date": day(c.Date), "who": c.Who, "kind": c.Kind, "content": c.Content, "follow_up": c.FollowUp, "keep_until": day(c.KeepUntil),
						"credit_change": c.CreditChange} // null, or {from, to, reason}
				}
				return printJSON(e.io.Out, map[string]any{"id": o.State.ID, "level": level, "notice": banner(level), "customer": d.Customer.Name, "contacts": out})
			}
			e.printf("# ==== %s %s ====\n", o.State.ID, banner(level))
			if len(cs) == 0 {
				e.printf("%s\n", l10n.Sprintf("No contact records in %s.", o.State.ID))
				return nil
			}
			oneLine := strings.NewReplacer("\r\n", " / ", "\n", " / ")
			// The credit changes visits noted (信用异动) in a column of
			// their own, when any record listed has one.
			credit := slices.ContainsFunc(cs, func(c archive.Contact) bool { return c.CreditChange != nil })
			rows := make([][]string, len(cs))
			for i, c := range cs {
				rows[i] = []string{day(c.Date), c.Kind, c.Who, oneLine.Replace(c.Content), oneLine.Replace(c.FollowUp), day(c.KeepUntil)}
				if cc := c.CreditChange; cc != nil {
					rows[i] = append(rows[i], cc.From+"→"+cc.To+l10n.Pick(": ", "：")+oneLine.Replace(cc.Reason))
				} else if credit {
					rows[i] = append(rows[i], "")
				}
			}
			head := []string{l10n.Pick("DATE", "日期"), l10n.Pick("KIND", "类型"), l10n.Pick("WHO", "经办人"),
				l10n.Pick("CONTENT", "内容"), l10n.Pick("FOLLOW-UP", "后续跟进"), l10n.Pick("KEPT UNTIL", "保存至")}
			if credit {
				head = append(head, l10n.Pick("CREDIT CHANGE (信用异动)", "信用异动"))
			}
			return printTable(e.io.Out, head, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	c.Flags().StringVar(&kind, "kind", "", l10n.Pick("only records of this kind: ", "只列此类记录：")+contactKindList())
	return c
}

// contactKindList is the kinds of contact record as --kind takes them:
// the Chinese the dossier stores, each with its English word in English
// (拜访 (visit), …), which --kind takes as well (archive.ParseContactKind).
func contactKindList() string {
	if l10n.Chinese() {
		return l10n.List(archive.ContactKinds)
	}
	out := make([]string, len(archive.ContactKinds))
	for i, k := range archive.ContactKinds {
		out[i] = k + " (" + archive.ContactKindWord(k) + ")"
	}
	return strings.Join(out, ", ")
}

// contactKindCompletions are --kind's values for completion: the Chinese
// the dossier stores, and the English words for them, each described by
// the other.
func contactKindCompletions() []cobra.Completion {
	var out []cobra.Completion
	for _, k := range archive.ContactKinds {
		w := archive.ContactKindWord(k)
		out = append(out, cobra.CompletionWithDesc(k, w), cobra.CompletionWithDesc(w, k))
	}
	return out
}
