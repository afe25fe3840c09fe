package main

import (
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newMemberCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "member",
		Short: l10n.Pick("Add members, list them, change their roles, remove them", "成员：增加、列出、变更角色、移除"),
	}
	c.AddCommand(newMemberAddCmd(e), newMemberListCmd(e), newMemberRolesCmd(e), newMemberRemoveCmd(e), newMemberRotateCmd(e))
	return c
}

func newMemberAddCmd(e *env) *cobra.Command {
	var m archive.Member
	var public string
	c := &cobra.Command{
		Use:   "add ID --name NAME --role ROLE [--department D] (--public FILE|-|TEXT | --recipient R --signing-key K)",
		Short: l10n.Pick("Add a member (manager only); re-encrypts what they may read", "增加成员（仅经理）；重新加密其可读的档案"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.ID = args[0]
			if public != "" {
				r, k, err := e.publicKeys(public)
				if err != nil {
					return err
				}
				m.Recipient, m.SigningKey = r, k
			}
			if m.Recipient == "" || m.SigningKey == "" {
				return usagef("the member's public keys are needed: --public FILE (from `crm keygen -y`), or --recipient and --signing-key")
			}
			e.rekeySteps()
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := a.AddMember(e.ctx(), m); err != nil {
				return publicFlag(err, public != "")
			}
			e.printf("%s\n", l10n.Sprintf("Added member %s (%s), roles %s.", m.ID, m.Name, roleNames(m.Roles, a.Policy)))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&m.Name, "name", "", l10n.Pick("full name", "姓名"))
	f.StringVar(&m.Department, "department", "", l10n.Pick("department (default 客服部)", "部门（默认 客服部）"))
	f.StringSliceVar(&m.Roles, "role", nil, l10n.Pick("role, repeatable: clerk, supervisor, manager, gm, dept_manager, sales", "角色，可重复"))
	f.StringVar(&m.Recipient, "recipient", "", l10n.Pick("the member's age public key (age1…)", "成员的 age 公钥"))
	f.StringVar(&m.SigningKey, "signing-key", "", l10n.Pick("the member's signing key (crm-ed25519:…)", "成员的签名公钥"))
	f.StringVar(&public, "public", "", l10n.Pick("the member's public keys, the output of crm keygen -y: a `FILE`, - for standard input, or the text itself", "成员的公钥，即 crm keygen -y 的输出：文件 `FILE`、- 表示标准输入，或直接给出其内容"))
	return c
}

func newMemberListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: l10n.Pick("List the members", "列出成员"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e.snapshot, e.summary = true, archive.SummaryNone // reads only the members
			a, err := e.openJournal()
			if err != nil {
				return err
			}
			ms := a.State.SortedMembers()
			if asJSON {
				return printJSON(e.io.Out, ms)
			}
			var rows [][]string
			for _, m := range ms {
				status := l10n.Pick("active", "在职")
				if m.Removed {
					status = l10n.Pick("removed", "已移除")
				}
				rows = append(rows, []string{m.ID, m.Name, m.Department, roleNames(m.Roles, a.Policy), status})
			}
			return printTable(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("NAME", "姓名"), l10n.Pick("DEPARTMENT", "部门"), l10n.Pick("ROLES", "角色"), l10n.Pick("STATUS", "状态")}, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newMemberRolesCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "roles [ID ROLE...]",
		Short: l10n.Pick("Without arguments list the policy's roles; with ID ROLE... set a member's roles (manager only)", "无参数时列出策略中的角色；ID ROLE... 设置成员角色（仅经理）"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return usagef("give the member's new roles after the id, e.g. crm member roles %s clerk supervisor", args[0])
			}
			open := e.openJournal
			if len(args) > 0 {
				open = func() (*archive.Archive, error) { e.rekeySteps(); return e.open(true) }
			}
			a, err := open()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				var rows [][]string
				var ids []string
				for k := range a.Policy.Roles {
					ids = append(ids, k)
				}
				slices.Sort(ids)
				for _, k := range ids {
					rows = append(rows, []string{k, a.Policy.Roles[k]})
				}
				return printTable(e.io.Out, []string{l10n.Pick("ROLE", "角色"), l10n.Pick("TITLE", "职务")}, rows)
			}
			var lent []*archive.Loan
			for _, l := range a.State.SortedLoans() {
				if l.Borrower == args[0] && l.HasAccess() {
					lent = append(lent, l)
				}
			}
			if err := a.SetRoles(e.ctx(), args[0], args[1:]); err != nil {
				return argNotFlag(err, "role")
			}
			e.printf("%s\n", l10n.Sprintf("Member %s now holds: %s.", args[0], roleNames(a.State.Members[args[0]].Roles, a.Policy)))
			var ended []string
			for _, l := range lent {
				if now := a.State.Loans[l.ID]; now == nil || !now.HasAccess() {
					ended = append(ended, l.ID)
				}
			}
			if len(ended) > 0 {
				e.printf("%s\n", l10n.Sprintf("Their loan(s) %s no longer open the dossier: only managers and above borrow (R7.1). Return them with crm borrow return LOAN.", l10n.List(ended)))
			}
			return nil
		},
	}
}

// wasRotated reports whether err is the refusal of a key that was a
// member's until their keys were changed.
func wasRotated(err error) bool {
	var ae *archive.Error
	return errors.As(err, &ae) && ae.Code == archive.Denied && ae.Next == archive.NextIdentity
}

// finishOwnKeys carries through the change of the working member's own
// keys to those of the identity file at path that an earlier run
// journaled and did not finish; refused is how the old key was refused,
// returned if it was not the change of these keys.
func (e *env) finishOwnKeys(id, path string, refused error) error {
	old, err := e.unlock(e.v.GetString("identity"))
	if err != nil {
		return refused
	}
	e.v.Set("identity", path)
	a, err := e.open(true)
	if err != nil {
		return refused
	}
	me, err := a.Me()
	if err != nil || me.ID != id {
		return refused
	}
	n, err := a.FinishOwnKeys(e.ctx(), old)
	if err != nil {
		return err
	}
	e.printf("%s\n", l10n.Sprintf("Your (%s) change of keys was journaled before; %d dossier(s) re-encrypted to the new keys now. From now on work with %s.", id, n, path))
	return nil
}

// argNotFlag is err without a flag's name when the input at fault
// (field) was given as an argument: crm member roles ID ROLE... has no
// --role.
func argNotFlag(err error, field string) error {
	var ae *archive.Error
	if errors.As(err, &ae) && ae.Code == archive.Usage && ae.Field == field {
		ae.Field = ""
	}
	return err
}

// publicFlag names --public in a refusal of the keys it gave (the archive
// names the key: recipient or signing-key), when they came from it.
func publicFlag(err error, fromPublic bool) error {
	var ae *archive.Error
	if fromPublic && errors.As(err, &ae) && ae.Code == archive.Usage && (ae.Field == "recipient" || ae.Field == "signing-key") {
		ae.Field = "public"
	}
	return err
}

// publicKeys reads a member's public keys from --public: the output of
// `crm keygen -y` (recipient: age1… and signing_key: crm-ed25519:… lines)
// given as the value itself (--public "$(crm keygen -y)"), in a file, or
// on standard input (-). A value holding both keys is the text, not a file
// name; the two keys may also be given bare, separated by spaces.
func (e *env) publicKeys(public string) (recipient, signingKey string, err error) {
	b := []byte(public)
	if !publicText(public) {
		if b, err = readInput(e, public); err != nil {
			return "", "", err
		}
	}
	if strings.Contains(string(b), "AGE-SECRET-KEY-") {
		return "", "", usagef("--public: this is a secret key (AGE-SECRET-KEY-…), which must never leave its owner: give the output of `crm keygen -y` instead")
	}
	for _, f := range strings.Fields(string(b)) {
		switch {
		case strings.HasPrefix(f, "age1") && recipient == "":
			recipient = f
		case strings.HasPrefix(f, archive.SigningKeyPrefix) && signingKey == "":
			signingKey = f
		}
	}
	if recipient == "" || signingKey == "" {
		src := public
		if strings.ContainsAny(public, "\n ") {
			src = l10n.T("(the text given)")
		}
		return "", "", usagef("--public %s: expected the output of `crm keygen -y` (recipient: … and signing_key: … lines)", src)
	}
	return recipient, signingKey, nil
}

// publicText reports whether a --public value is the keys' text rather
// than a file name: it names a key and has spaces or starts like the text.
func publicText(v string) bool {
	if !strings.Contains(v, "age1") && !strings.Contains(v, archive.SigningKeyPrefix) {
		return false
	}
	if strings.ContainsAny(v, " \t\n") {
		return true
	}
	for _, p := range []string{"age1", "recipient:", archive.SigningKeyPrefix} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// readInput reads a file, or standard input for "-".
func readInput(e *env, name string) ([]byte, error) {
	b, err := readRaw(e, name)
	if err != nil {
		return nil, err
	}
	return dropBanner(b), nil
}

// readInputFor is readInput of the text that replaces dossier id: a text
// whose banner names another dossier (crm show's of that one) is refused,
// so that one dossier's content, perhaps of a higher level, does not go
// into another by a slip of the id (R7.2.3).
func readInputFor(e *env, name, id string) ([]byte, error) {
	b, err := readRaw(e, name)
	if err != nil {
		return nil, err
	}
	if other, ok := bannerID(b); ok && other != id {
		return nil, l10n.Errorf("%s begins with the banner of dossier %s, not %s: it is that dossier's text (crm show %s). To put it into %s, delete the banner line first", inputName(name), other, id, other, id)
	}
	return dropBanner(b), nil
}

// inputName names input name in a message: the file, or standard input.
func inputName(name string) string {
	if name == "-" {
		return l10n.T("standard input")
	}
	return name
}

// readRaw reads file name, or standard input for "-".
func readRaw(e *env, name string) ([]byte, error) {
	if name == "-" {
		b, err := readAll(e.io.In)
		if err != nil {
			return nil, l10n.Errorf("reading standard input: %v", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, l10n.Errorf("reading %s: %v", name, err)
	}
	return b, nil
}

func newMemberRemoveCmd(e *env) *cobra.Command {
	var yes bool
	var reason string
	c := &cobra.Command{
		Use:   "remove ID [--reason R] [--yes]",
		Short: l10n.Pick("Remove a member (manager only); re-encrypts everything they could read and closes their loans", "移除成员（仅经理）；重新加密其可读的全部档案并结束其借阅"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e.rekeySteps()
			a, err := e.open(true)
			if err != nil {
				return err
			}
			id := args[0]
			m := a.State.Members[id]
			if m == nil {
				// What cannot be a member id at all is a usage error
				// (exit 2); an id that names nobody, an error (exit 1).
				if err := archive.CheckMemberID(id); err != nil {
					return err
				}
				return (&archive.Error{Code: archive.Failed, Err: l10n.Errorf("no member %s in this archive", id), Next: archive.NextMemberList})
			}
			n := a.EncryptedTo(id)
			if m.Removed {
				// Removed already: a removal interrupted during its
				// re-encryption is finished by running it again.
				// A removal asked for again is a repeated step, not a
				// usage error: exit 1, as approving or holding twice is.
				if n == 0 {
					return (&archive.Error{Code: archive.Failed, Err: l10n.Errorf("member %s was removed already, and no dossier opens with their key: nothing is left to do (`crm log` shows by whom and when)", id)})
				}
				done, err := a.Rekey(e.ctx())
				if err != nil {
					return err
				}
				e.printf("%s\n", l10n.Sprintf("Member %s was removed already; re-encrypted %d dossier(s) left open to their key (a removal interrupted during its re-encryption).", id, done))
				return nil
			}
			open := 0
			for _, l := range a.State.SortedLoans() {
				if l.Borrower == id && l.Returned.IsZero() {
					open++
				}
			}
			if err := e.confirm(yes, l10n.Sprintf("Remove member %s (%s)? The %d dossier(s) they can read are re-encrypted without their key; copies they made and old versions in git history stay readable to them.", id, m.Name, n)); err != nil {
				return err
			}
			if err := a.RemoveMemberBecause(e.ctx(), id, reason); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Removed member %s; the dossiers they could read no longer open with their key.", id))
			if open > 0 {
				e.printf("%s\n", l10n.Sprintf("Closed %d loan(s) of theirs (journaled with the removal).", open))
			}
			e.printf("%s\n", l10n.T("Note: git history still holds the old versions, which their key opens; whoever has a clone keeps them. If the rules demand it, destroy and purge."))
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why they leave (journaled)", "移除理由（记入日志）"))
	c.Flags().BoolVar(&yes, "yes", false, yesFlag())
	return c
}

func newMemberRotateCmd(e *env) *cobra.Command {
	var public, newIdentity string
	c := &cobra.Command{
		Use:   "rotate ID --public FILE | rotate YOUR-ID --new-identity FILE",
		Short: l10n.Pick("Give a member new keys (a lost laptop, manager only); re-encrypts what they may read", "为成员更换密钥（如电脑遗失，仅经理）；重新加密其可读的档案"),
		Long: l10n.Pick(`Give a member new keys and re-encrypt what they may read to them.

Another member's new keys are their public keys (--public, from crm keygen -y):
their secret key never leaves them. Your own are the new identity file itself
(--new-identity, from crm keygen -o): the change is signed with your current
key, and the re-encryption after it with the new one. Work with the new file
from then on.`, `为成员更换密钥，并把其可读的档案重新加密给新密钥。

为他人更换时给出其新公钥（--public，来自 crm keygen -y）：私钥不离开本人。
为自己更换时给出新的身份文件（--new-identity，来自 crm keygen -o）：更换由
当前密钥签名，随后的重新加密由新密钥签名。此后请使用新的身份文件。`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (public == "") == (newIdentity == "") {
				return usagef("give the member's new public keys (--public FILE, from `crm keygen -y`), or, for your own, your new identity file (--new-identity FILE)")
			}
			var next *archive.Identity
			var recipient, signingKey string
			var err error
			if newIdentity != "" {
				if next, err = e.unlock(newIdentity); err != nil {
					return err
				}
			} else if recipient, signingKey, err = e.publicKeys(public); err != nil {
				return err
			}
			e.rekeySteps()
			a, err := e.open(true)
			if next != nil && wasRotated(err) {
				// The working key was changed already: by an earlier run
				// of this change, interrupted. It is finished with the
				// new key, the old one opening what is still encrypted
				// to it.
				return e.finishOwnKeys(args[0], newIdentity, err)
			}
			if err != nil {
				return err
			}
			// Whose keys these are is said once the member may rotate
			// any: a clerk is refused as such (exit 3).
			if _, may := a.MayWrite(archive.KindMemberRotate); may {
				me, err := a.Me()
				if err != nil {
					return err
				}
				if next != nil && me.ID != args[0] {
					return usagef("--new-identity is for your own keys (you are %s): give member %s's new public keys with --public FILE; their secret key never leaves them", me.ID, args[0])
				}
				if next == nil && me.ID == args[0] {
					return usagef("to give yourself new keys, name the new identity file: --new-identity FILE (from `crm keygen -o FILE`); the re-encryption after the change is signed with the new key")
				}
			}
			var n int
			again := next == nil && a.HasKeys(args[0], recipient, signingKey)
			if next != nil {
				n, err = a.RotateOwnKeys(e.ctx(), next)
			} else {
				n, err = a.RotateMember(e.ctx(), args[0], recipient, signingKey)
			}
			if err != nil {
				return err
			}
			if again {
				// A change of keys interrupted during its re-encryption,
				// finished by running it again.
				e.printf("%s\n", l10n.Sprintf("Member %s has these keys already; re-encrypted %d dossier(s) left to re-encrypt (a change of keys interrupted during its re-encryption). Their old key opens no new version, but git history still holds old ones.", args[0], n))
				return nil
			}
			if next != nil {
				e.printf("%s\n", l10n.Sprintf("You (%s) have new keys; %d dossier(s) re-encrypted to them. From now on work with %s (--identity, CRM_IDENTITY or identity in the config file); the old key opens no new version, but git history still holds old ones.", args[0], n, newIdentity))
				return nil
			}
			e.printf("%s\n", l10n.Sprintf("Member %s has new keys; %d dossier(s) re-encrypted to them. Their old key opens no new version, but git history still holds old ones.", args[0], n))
			return nil
		},
	}
	c.Flags().StringVar(&public, "public", "", l10n.Pick("file with the output of `crm keygen -y` (- for stdin)", "`crm keygen -y` 的输出文件（- 为标准输入）"))
	c.Flags().StringVar(&newIdentity, "new-identity", "", l10n.Pick("your own new identity file (from `crm keygen -o`), to change your own keys", "你自己的新身份文件（来自 `crm keygen -o`），用于更换自己的密钥"))
	return c
}
