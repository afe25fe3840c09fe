package main

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
	"crm/templates"
)

// dossierTemplate returns the text of a dossier template: the archive's own
// templates/dossier/NAME.yaml if it has one, else the built-in one.
func dossierTemplate(a *archive.Archive, name string) ([]byte, error) {
	if err := archive.CheckID(name); err != nil {
		return nil, usagef("--template %q: not a template name", name)
	}
	rel := "dossier/" + name + ".yaml"
	// The archive's own override counts only if the journal pins it.
	b, err := fs.ReadFile(a.Overrides(), archive.TemplatesDir+"/"+rel)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, l10n.Errorf("%s: %w", archive.TemplatesDir+"/"+rel, err)
	}
	b, err = templates.FS.ReadFile(rel)
	if err != nil {
		var names []string
		ents, _ := fs.ReadDir(templates.FS, "dossier")
		for _, e := range ents {
			names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
		}
		return nil, usagef("no dossier template %q: choose from %s, or add templates/dossier/%s.yaml to the archive", name, l10n.List(names), name)
	}
	return b, nil
}

func newNewCmd(e *env) *cobra.Command {
	var from, tmpl, level string
	var allowDisk, allowDup bool
	c := &cobra.Command{
		Use:   "new [--template NAME] [--from FILE|-] [--level 秘密|机密|绝密] [--allow-duplicate]",
		Short: l10n.Pick("Create a dossier: edit a template, or read it from a file or stdin", "新建档案：编辑模板，或从文件/标准输入读取"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from != "" && cmd.Flags().Changed("template") {
				return usagef("--template and --from exclude each other: a template is where the editor starts, and --from gives the whole dossier")
			}
			// Its step reads the members, the policy and the part of
			// the snapshot its new id belongs in.
			e.snapshot, e.snapshotSteps, e.creates = true, true, true
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if level != "" {
				if level, err = levelFlag(a, level); err != nil {
					return err
				}
			}
			var t []byte
			if from == "" {
				if t, err = dossierTemplate(a, tmpl); err != nil {
					return err
				}
			}
			text, err := e.dossierInput(from, t, allowDisk, true, validDossier)
			if errors.Is(err, errUntouched) {
				return l10n.Errorf("the template was left as it was: no dossier created")
			}
			if err != nil {
				return err
			}
			choice, err := a.CheckCreate(text, level)
			unread := 0
			if err == nil && !allowDup {
				unread, err = oneCustomer(a, "", nil, text)
			}
			var id string
			if err == nil {
				id, err = a.Create(text, level)
				err = takenSince(err, customerTaken)
			}
			if err != nil {
				err = dossierError(from, text, err)
				if from == "" {
					// What was typed in the editor is not lost with
					// the refusal (a level the user may not write).
					// The redo makes the same dossier: every flag
					// given (the archive, the identity, the level…).
					redo := redoCommand(cmd, "crm new", map[string]string{"level": level})
					err = e.keepRefused(err, "new-dossier.yaml", t, text, allowDisk, redo, "")
				}
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Created dossier %s (%s).", id, a.State.Dossiers[id].Level))
			if why := levelWhy(choice); why != "" {
				e.printf("%s\n", why)
			}
			e.notChecked(unread)
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", l10n.Pick("read the dossier from FILE, or - for standard input, instead of opening an editor", "从 FILE（- 为标准输入）读取，而不打开编辑器"))
	c.Flags().StringVar(&tmpl, "template", "standard", l10n.Pick("dossier template to start from", "所用档案模板"))
	c.Flags().StringVar(&level, "level", "", l10n.Pick("secrecy level (密级): 内部, 秘密, 机密, 绝密 (default: what the relationship gives by R7.2.3, else the policy's default)", "密级：内部、秘密、机密、绝密（默认按与本公司的关系定密 (R7.2.3)，未填关系时见策略）"))
	c.Flags().BoolVar(&allowDisk, "allow-disk-tmp", false, l10n.Pick("allow the editor's plaintext temp file on disk when no memory-backed storage exists", "无内存文件系统时允许明文临时文件落盘"))
	c.Flags().BoolVar(&allowDup, "allow-duplicate", false, l10n.Pick("create the dossier though a customer of the same name has one: this is another customer of that name (by default crm refuses: one dossier per customer, R5)", "已有同名客户的档案时仍新建：这是另一个同名客户（默认拒绝：每个客户只建一份档案，R5）"))
	return c
}

// oneCustomer refuses text, the text of a new dossier (id "", old nil) or
// of dossier id edited from old, when its customer has another dossier
// the key reads (R5: one dossier per customer; archive.SameCustomer): an
// edit only when it makes the dossier another customer's
// (archive.OtherCustomer), so that an edit of anything else lists no
// dossier. unread is how many dossiers were not checked (notChecked). A
// text that does not parse is not checked: the write's own checks say
// what is wrong with it.
func oneCustomer(a *archive.Archive, id string, old, text []byte) (unread int, err error) {
	other, name, unread, err := sameCustomer(a, id, old, text)
	switch {
	case err != nil || other == "":
		return unread, err
	case id == "":
		return unread, customerTaken(name, other)
	}
	return unread, dataf("%s has dossier %s already: one dossier per customer; keep this dossier's customer name, or file what is new into that dossier (`crm edit %s`)", name, other, other)
}

// customerTaken is the refusal of a new dossier of the customer named
// name, who has dossier other (R5: one dossier per customer).
func customerTaken(name, other string) error {
	return dataf("%s has dossier %s already: one dossier per customer; file what is new into that dossier (`crm edit %s`), or give --allow-duplicate if this is another customer of the same name", name, other, other)
}

// takenSince is err, or the refusal the check before it would have made
// when it is the archive's (archive.CustomerTakenError: another process
// created the customer's dossier between the check and the write).
func takenSince(err error, refuse func(name, other string) error) error {
	var t *archive.CustomerTakenError
	if errors.As(err, &t) {
		return refuse(t.Name, t.Other)
	}
	return err
}

// sameCustomer is oneCustomer's check: the other dossier of text's
// customer, "" if none, and the customer's name as text writes it.
func sameCustomer(a *archive.Archive, id string, old, text []byte) (other, name string, unread int, err error) {
	dd, err := archive.ParseDossier(text)
	if err != nil {
		return "", "", 0, nil
	}
	if id != "" {
		od, err := archive.ParseDossier(old)
		if err != nil {
			od = nil
		}
		if !archive.OtherCustomer(od, dd) {
			return "", "", 0, nil
		}
	}
	other, unread, err = a.SameCustomer(a.Context(), dd, id)
	return other, dd.Customer.Name, unread, err
}

// levelWhy says where a new dossier's level came from (R7.2.3), or "".
func levelWhy(c archive.LevelChoice) string {
	switch {
	case !c.Given && c.Suggested != "":
		return l10n.Sprintf("Level %s from the relationship %s (R7.2.3); --level sets another.", c.Level, c.Relationship)
	case c.Given && c.Suggested != "" && c.Suggested != c.Level:
		return l10n.Sprintf("Note: the relationship %s gives %s (R7.2.3); --level made it %s.", c.Relationship, c.Suggested, c.Level)
	}
	return ""
}

// relationshipNote is what an edit that changed dossier id's relationship
// to text's says when that relationship gives another level than the
// dossier has (R7.2.3): the level is changed only by classify, with a
// reason, so the edit says how; "" when they agree.
func relationshipNote(a *archive.Archive, id string, text []byte) string {
	dd, err := archive.ParseDossier(text)
	d := a.State.Dossiers[id]
	if err != nil || d == nil {
		return ""
	}
	c := a.Policy.NewLevel(dd, "")
	if c.Suggested == "" || c.Suggested == d.Level {
		return ""
	}
	return l10n.Sprintf("Note: the relationship %s gives %s (R7.2.3); %s is %s. To change it: crm classify %s --level %s --reason …", c.Relationship, c.Suggested, id, d.Level, id, c.Suggested)
}

// dossierError names the input in a validation error, and says its
// problems as problemLines does.
func dossierError(from string, text []byte, err error) error {
	var ve *archive.ValidationError
	if errors.As(err, &ve) {
		src := from
		if src == "-" || src == "" {
			src = l10n.T("dossier")
		}
		return l10n.Errorf("%s: %s", src, strings.Join(problemLines(err, text, 0), "; "))
	}
	if errors.Is(err, archive.ErrEmptyDossier) {
		return l10n.Errorf("the dossier is empty: nothing saved")
	}
	return err
}

// resolveDossier replaces args[0], a dossier id or a short form of it (1,
// c-1: archive.ResolveID), with the id it names.
func resolveDossier(a *archive.Archive, args []string) error {
	id, err := a.ResolveID(args[0])
	if err != nil {
		return err
	}
	args[0] = id
	return nil
}

// banner is the notice printed above a dossier (R7.1: not to be read in
// public places or while travelling).
func banner(level string) string {
	if level == "内部" {
		return l10n.Pick("内部 (internal) · keep within 客服部", "内部 · 仅限客服部")
	}
	return l10n.Pick(level+" · do not read in public places or while travelling (R7.1)", level+" · 禁止在公共场合阅读，不得携带外出 (R7.1)")
}

// dropBanner removes the banner lines crm show prints above a dossier
// ("# ==== ID notice ====") from the start of a text given back with
// --from, so that `crm show ID > f; edit f; crm edit ID --from f` does not
// store them as comments.
func dropBanner(text []byte) []byte {
	for {
		line, rest, _ := bytes.Cut(text, []byte("\n"))
		l := bytes.TrimSpace(line)
		if !bytes.HasPrefix(l, []byte("# ==== ")) || !bytes.HasSuffix(l, []byte(" ====")) {
			return text
		}
		text = rest
	}
}

// bannerID is the dossier id named by the banner line text begins with,
// if it begins with one.
func bannerID(text []byte) (string, bool) {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	l := bytes.TrimSpace(line)
	if !bytes.HasPrefix(l, []byte("# ==== ")) || !bytes.HasSuffix(l, []byte(" ====")) {
		return "", false
	}
	f := strings.Fields(string(l[len("# ==== ") : len(l)-len(" ====")]))
	if len(f) == 0 {
		return "", false
	}
	return f[0], true
}

func newShowCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show ID [--json]",
		Short: l10n.Pick("Decrypt and print a dossier", "解密并显示档案"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.only = true, args[0] // reads only, one dossier
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil {
				return err
			}
			// A file that is not the one the journal pinned (a git merge
			// kept another version) is shown, read-only, and the command
			// still exits 4 with the way back (restore).
			o, stale := a.ReadAny(args[0])
			if o == nil {
				return stale
			}
			switch {
			case inConflict(a, o.State.ID):
				stale = &archive.Error{Code: archive.Integrity, Err: l10n.Errorf("%s is in a merge conflict: shown as this clone had it", archive.DossierPath(o.State.ID)), Next: archive.NextResolve, Arg: o.State.ID}
			case o.Stale && mergePending(a, o.State.ID):
				defer e.errorf("crm: %s\n", l10n.Sprintf("warning: %s is git's merge of both clones' changes, not journaled yet: shown read-only; `crm sync` journals it", archive.DossierPath(o.State.ID)))
			case o.Stale:
				defer e.errorf("crm: %s\n", l10n.Sprintf("warning: %s is not the version the journal pinned (a git merge or a hand kept another): shown read-only; `crm restore %s` puts the pinned version back", archive.DossierPath(o.State.ID), o.State.ID))
			default:
				stale = nil
			}
			// The effective level: 内部 once the secrecy period has run out (R7.2.4).
			level := a.EffectiveLevel(o.State)
			if asJSON {
				content, err := archive.Content(o.Text) // text fields stay text: phone numbers keep their 0
				if err != nil {
					return l10n.Errorf("dossier %s: %v", args[0], err)
				}
				if err := printJSON(e.io.Out, map[string]any{
					"id": o.State.ID, "level": level, "notice": banner(level),
					"created": o.State.Created, "updated": o.State.Updated, "hold": o.State.Hold, "dossier": content,
				}); err != nil {
					return err
				}
				return stale
			}
			e.printf("# ==== %s %s ====\n", o.State.ID, banner(level))
			if h := o.State.Hold; h != nil {
				// A clerk sees the hold before asking to destroy (R6.10).
				e.printf("# %s\n", l10n.Sprintf("on legal hold (冻结) since %s by %s: %s; it cannot be destroyed until released", a.DateMemo()(h.Since), h.By, h.Reason))
			}
			if _, err := e.io.Out.Write(o.Text); err != nil {
				return err
			}
			return stale
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newEditCmd(e *env) *cobra.Command {
	var from string
	var allowDisk bool
	var c *cobra.Command
	c = &cobra.Command{
		Use:   "edit ID [--from FILE|-]",
		Short: l10n.Pick("Edit a dossier in $EDITOR (plaintext only in memory), or replace it from a file", "编辑档案（明文只在内存中），或从文件替换"),
		Args:  cobra.ExactArgs(1),
		RunE: e.oneDossierStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
			if inConflict(a, id) {
				return &archive.Error{Code: archive.Integrity, Err: l10n.Errorf("%s is in a merge conflict: settle it first", archive.DossierPath(id)), Next: archive.NextResolve, Arg: id}
			}
			o, err := a.Read(id)
			if err != nil {
				return err
			}
			var text []byte
			unread := 0
			if from != "" {
				if text, err = readInputFor(e, from, id); err == nil {
					unread, err = oneCustomer(a, id, o.Text, text)
				}
			} else {
				text, err = e.editLoop(o.Text, allowDisk, false, func(b []byte) error {
					if bytes.Equal(b, o.Text) {
						return nil // unchanged: nothing is written (Update)
					}
					if err := a.CheckEdit(id, o.Text, b); err != nil { // as Update will
						return err
					}
					var err error
					unread, err = oneCustomer(a, id, o.Text, b)
					return err
				})
			}
			if err != nil {
				return err
			}
			fields, changed, err := a.Update(id, o.SHA256, o.Text, text)
			if err != nil {
				err = dossierError(from, text, err)
				if from == "" {
					// What was typed in the editor is not lost with
					// the save: another session saved first, the
					// roles changed, the lock timed out.
					// in the archive, as the member, the user named
					err = e.keepRefused(err, id+".yaml", o.Text, text, allowDisk, redoCommand(c, "crm edit", nil)+" "+id, redoCommand(c, "crm show", nil)+" "+id)
				}
				return err
			}
			if !changed {
				e.printf("%s\n", l10n.Sprintf("No change to %s: nothing written.", id))
				return nil
			}
			if len(fields) == 0 {
				fields = []string{l10n.T("(comments or layout only)")}
			}
			e.printf("%s\n", l10n.Sprintf("Updated %s: %s.", id, l10n.List(fields)))
			e.notChecked(unread)
			if slices.Contains(fields, "relationship") {
				if note := relationshipNote(a, id, text); note != "" {
					e.printf("%s\n", note)
				}
			}
			return nil
		})),
	}
	c.Flags().StringVar(&from, "from", "", l10n.Pick("replace the dossier with FILE, or - for standard input", "用 FILE（- 为标准输入）替换档案内容"))
	c.Flags().BoolVar(&allowDisk, "allow-disk-tmp", false, l10n.Pick("allow the editor's plaintext temp file on disk when no memory-backed storage exists", "无内存文件系统时允许明文临时文件落盘"))
	return c
}
