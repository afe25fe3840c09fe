package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// buildVersion is what `crm --version` prints: the module version when
// built by `go install crm@version`, else the VCS revision of the checkout
// it was built from (with "-modified" for uncommitted changes), else
// "(devel)".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "-modified"
	}
	return rev
}

// buildTime is the commit time of the checkout crm was built from, if Go
// recorded it.
func buildTime() (time.Time, bool) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" {
				t, err := time.Parse(time.RFC3339, s.Value)
				return t, err == nil
			}
		}
	}
	return time.Time{}, false
}

// newManCmd is `crm man DIR`: man pages (section 1) for crm and each of its
// commands, for packagers and `make man`. It is hidden from the command
// list (it is not everyday use) and documented in the README.
func newManCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: l10n.Pick("Write man pages (section 1) for crm and every command into DIR", "将 crm 及各命令的 man 手册页（第 1 节）写入目录 DIR"),
		Long: l10n.Pick(`Write a man page for crm and one for each command (crm.1,
crm-borrow-approve.1, …) into DIR, creating it if needed. The pages are in
the language of your messages (LANG=zh_CN.UTF-8 or --lang zh for Chinese) and
carry no generation time: their date is SOURCE_DATE_EPOCH when set, else the
time of the commit crm was built from, else today.`, `将 crm 及每个命令的 man 手册页（crm.1、crm-borrow-approve.1 等）写入目录 DIR，
目录不存在时自动创建。手册页的语言与消息语言相同（LANG=zh_CN.UTF-8 或 --lang zh 为中文），
不含生成时间：日期取 SOURCE_DATE_EPOCH，未设置时取构建所用提交的时间，再否则取今天。`),
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			date, err := e.manDate()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return l10n.Errorf("man pages: %v", err)
			}
			root := cmd.Root()
			walk(root, helpFlag)
			header := manHeader{Section: "1", Date: date, Source: "crm " + buildVersion(), Manual: l10n.Pick("crm manual", "crm 使用手册")}
			if err := writeManTree(root, header, dir); err != nil {
				return l10n.Errorf("man pages: %v", err)
			}
			e.printf("%s\n", l10n.Sprintf("%d man pages written to %s", countManPages(root), dir))
			return nil
		},
	}
}

// manDate is the date of the man pages: SOURCE_DATE_EPOCH (the
// reproducible-builds convention), else the build's commit time, else the
// clock (--now/CRM_NOW, or today).
func (e *env) manDate() (time.Time, error) {
	if s := e.getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, usagef("SOURCE_DATE_EPOCH %q: use seconds since 1970-01-01 UTC", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if t, ok := buildTime(); ok {
		return t.UTC(), nil
	}
	now, err := e.now()
	if err != nil {
		return time.Time{}, err
	}
	return now().UTC(), nil
}

// countManPages counts the pages writeManTree writes: c and each
// available command below it.
func countManPages(c *cobra.Command) int {
	n := 1
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() && !s.IsAdditionalHelpTopicCommand() {
			n += countManPages(s)
		}
	}
	return n
}
