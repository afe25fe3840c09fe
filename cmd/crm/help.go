package main

import (
	"strings"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// The command tree's own words: help and completion commands, help flags,
// the usage template, and the groups (crm borrow, crm destroy, …) that
// refuse an unknown subcommand instead of printing help and exiting 0.

// usageTemplateZh is cobra's usage template in Chinese (cobra v1.10's
// default, translated; crm uses no command groups or aliases).
const usageTemplateZh = `用法：{{if .Runnable}}
  {{.UseLine | useLineZh}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [子命令]{{end}}{{if .HasExample}}

示例：
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

子命令：{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

选项：
{{.LocalFlags.FlagUsages | flagsZh | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

全局选项：
{{.InheritedFlags.FlagUsages | flagsZh | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

运行 "{{.CommandPath}} [子命令] --help" 查看子命令的说明。{{end}}
`

var defaultRE = lazyRE(`(?m) \(default (.*)\)$`)

func init() {
	cobra.AddTemplateFunc("useLineZh", func(s string) string { return strings.Replace(s, " [flags]", " [选项]", 1) })
	cobra.AddTemplateFunc("flagsZh", func(s string) string { return defaultRE().ReplaceAllString(s, "（默认 $1）") })
}

// finishTree is called once the tree is built: it adds the help and
// completion commands, gives every help flag words in the user's language,
// makes every group refuse unknown subcommands, and sets the usage template.
func finishTree(root *cobra.Command) {
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newCompletionCmd(root))
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultHelpCmd()
	if l10n.Chinese() {
		root.SetUsageTemplate(usageTemplateZh)
	}
	root.InitDefaultVersionFlag()
	if f := root.Flags().Lookup("version"); f != nil {
		f.Usage = l10n.T("print the version of crm")
	}
	setExamples(root)
	walk(root, func(c *cobra.Command) {
		if c.HasParent() && c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.RunE = groupRun
		}
	})
	// A help flag is worded as its help is printed, not for every command
	// as the tree is built (its flag set made for each: ~0.4 ms of every
	// command's start).
	help, use := root.HelpFunc(), root.UsageFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		helpFlag(c)
		help(c, args)
	})
	root.SetUsageFunc(func(c *cobra.Command) error {
		helpFlag(c)
		return use(c)
	})
}

// helpFlag gives c its help flag, in the user's language.
func helpFlag(c *cobra.Command) {
	c.InitDefaultHelpFlag()
	c.Flags().Lookup("help").Usage = l10n.Sprintf("help for %s", c.CommandPath())
}

// walk calls f on c and every command below it.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, s := range c.Commands() {
		walk(s, f)
	}
}

// groupRun runs a group of subcommands (crm borrow): help without an
// argument, a usage error (exit 2) for a subcommand it does not have.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return unknownCommand(cmd, args[0])
}

var rootUnknownRE = lazyRE(`^unknown command "(.*)" for "crm"`)

// rootUnknown turns cobra's error for an unknown top-level command into
// unknownCommand's, in the user's language.
func rootUnknown(root *cobra.Command, err error) error {
	if m := rootUnknownRE().FindStringSubmatch(err.Error()); m != nil {
		return unknownCommand(root, m[1])
	}
	return err
}

// unknownCommand is the usage error for a subcommand cmd does not have,
// with the ones it may have meant.
func unknownCommand(cmd *cobra.Command, name string) error {
	// cobra sets the distance for the root only (when it finds the
	// command): a group's typos (crm borrow aprove) deserve it too.
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		return usagef("%s has no subcommand %q: did you mean %s?", cmd.CommandPath(), name, l10n.List(s))
	}
	return usagef("%s has no subcommand %q", cmd.CommandPath(), name)
}

func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:     "help [COMMAND]...",
		Short:   l10n.Pick("Help about any command", "显示任一命令的帮助"),
		Example: "  crm help\n  crm help borrow request",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == nil {
				return unknownCommand(root, args[0])
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := root.Find(args)
			if err != nil || cmd == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, s := range cmd.Commands() {
				if s.IsAvailableCommand() && strings.HasPrefix(s.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(s.Name(), s.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// shells are the shells crm completes in, each with how to load the script.
var shells = []string{"bash", "zsh", "fish", "powershell"}

func newCompletionCmd(root *cobra.Command) *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: l10n.Pick("Print the shell completion script: commands, flags, dossier ids, loans, levels, roles…", "输出 shell 补全脚本：命令、选项、档案编号、借阅号、密级、角色……"),
		Long: l10n.Pick(`Print the completion script for a shell. Besides commands and flags it
completes dossier ids, loan and destruction request ids, member ids, levels,
roles, report names and formats, from the archive's journal: no key is
needed, nothing is decrypted, and outside an archive it offers nothing.`,
			`输出 shell 补全脚本。除命令与选项外，还从档案库日志补全档案编号、借阅号、销毁申请号、
成员编号、密级、角色、报表名称与格式：无需密钥，不解密任何内容；不在档案库中时不提供候选。`),
		Example: exampleText([]any{
			exNote("this shell; add the line to ~/.bashrc to keep it", "当前 shell；写入 ~/.bashrc 即可长期生效"),
			"source <(crm completion bash)",
			exNote("for every user (needs the bash-completion package)", "所有用户（需安装 bash-completion 软件包）"),
			"crm completion bash > /etc/bash_completion.d/crm",
			exNote("zsh, with compinit enabled", "zsh（需启用 compinit）"),
			`crm completion zsh > "${fpath[1]}/_crm"`,
			"crm completion fish > ~/.config/fish/completions/crm.fish",
			exNote("PowerShell (Windows); add the line to $PROFILE to keep it", "PowerShell（Windows）；写入 $PROFILE 即可长期生效"),
			"crm completion powershell | Out-String | Invoke-Expression",
		}),
		ValidArgs: shells,
		Args:      cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("name a shell: %s", l10n.List(shells))
			}
			out := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usagef("no completion for the shell %q: choose %s", args[0], l10n.List(shells))
		},
	}
	c.Flags().BoolVar(&noDesc, "no-descriptions", false, l10n.Pick("complete without descriptions", "补全时不显示说明"))
	return c
}
