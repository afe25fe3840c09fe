package main

import (
	"os"
	"slices"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

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
		Use:   "add ID --name NAME --role ROLE [--department D] (--public FILE | --recipient R --signing-key K)",
		Short: l10n.Pick("Add a member (manager only); re-encrypts what they may read", "增加成员（仅经理）；重新加密其可读的档案"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.ID = args[0]
			if public != "" {
				var err error
				if m.Recipient, m.SigningKey, err = readPublic(e, public); err != nil {
					return err
				}
			}
			if m.Recipient == "" || m.SigningKey == "" {
				return usagef("the member's public keys are needed: --public FILE (from `crm keygen -y`), or --recipient and --signing-key")
			}
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := a.AddMember(e.ctx(), m); err != nil {
				return err
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
	f.StringVar(&public, "public", "", l10n.Pick("file with the output of `crm keygen -y` (- for stdin)", "`crm keygen -y` 的输出文件（- 为标准输入）"))
	return c
}

func newMemberListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: l10n.Pick("List the members", "列出成员"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(false)
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
			a, err := e.open(len(args) > 0)
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
			if err := a.SetRoles(e.ctx(), args[0], args[1:]); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Member %s now holds: %s.", args[0], roleNames(a.State.Members[args[0]].Roles, a.Policy)))
			return nil
		},
	}
}

// readPublic reads a member's public keys from the output of
// `crm keygen -y` in file (- for standard input).
func readPublic(e *env, file string) (recipient, signingKey string, err error) {
	b, err := readInput(e, file)
	if err != nil {
		return "", "", err
	}
	var pub struct {
		Recipient  string `yaml:"recipient"`
		SigningKey string `yaml:"signing_key"`
	}
	if err := yaml.Unmarshal(b, &pub); err != nil || pub.Recipient == "" || pub.SigningKey == "" {
		return "", "", usagef("--public %s: expected the output of `crm keygen -y` (recipient: … and signing_key: … lines)", file)
	}
	return pub.Recipient, pub.SigningKey, nil
}

// readInput reads a file, or standard input for "-".
func readInput(e *env, name string) ([]byte, error) {
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
	var reason string
	c := &cobra.Command{
		Use:   "remove ID [--reason R]",
		Short: l10n.Pick("Remove a member (manager only); re-encrypts everything they could read and closes their loans", "移除成员（仅经理）；重新加密其可读的全部档案并结束其借阅"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			open := 0
			for _, l := range a.State.SortedLoans() {
				if l.Borrower == args[0] && l.Returned.IsZero() {
					open++
				}
			}
			if err := a.RemoveMemberBecause(e.ctx(), args[0], reason); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Removed member %s; the dossiers they could read no longer open with their key.", args[0]))
			if open > 0 {
				e.printf("%s\n", l10n.Sprintf("Closed %d loan(s) of theirs (journaled with the removal).", open))
			}
			e.printf("%s\n", l10n.T("Note: git history still holds the old versions, which their key opens; whoever has a clone keeps them. If the rules demand it, destroy and purge."))
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why they leave (journaled)", "移除理由（记入日志）"))
	return c
}

func newMemberRotateCmd(e *env) *cobra.Command {
	var public string
	c := &cobra.Command{
		Use:   "rotate ID --public FILE",
		Short: l10n.Pick("Give a member new keys (a lost laptop, manager only); re-encrypts what they may read", "为成员更换密钥（如电脑遗失，仅经理）；重新加密其可读的档案"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if public == "" {
				return usagef("the member's new public keys are needed: --public FILE (from `crm keygen -y`)")
			}
			recipient, signingKey, err := readPublic(e, public)
			if err != nil {
				return err
			}
			a, err := e.open(true)
			if err != nil {
				return err
			}
			n, err := a.RotateMember(e.ctx(), args[0], recipient, signingKey)
			if err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Member %s has new keys; %d dossier(s) re-encrypted to them. Their old key opens no new version, but git history still holds old ones.", args[0], n))
			return nil
		},
	}
	c.Flags().StringVar(&public, "public", "", l10n.Pick("file with the output of `crm keygen -y` (- for stdin)", "`crm keygen -y` 的输出文件（- 为标准输入）"))
	return c
}
