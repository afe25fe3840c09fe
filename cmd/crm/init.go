package main

import (
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

func newInitCmd(e *env) *cobra.Command {
	var o archive.InitOptions
	var useGit bool
	c := &cobra.Command{
		Use:   "init [DIR] --id ID --name NAME",
		Short: l10n.Pick("Create a new archive; you become its first member and manager", "新建档案库；你成为第一位成员（经理）"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			} else if d := e.v.GetString("archive"); d != "" {
				dir = d
			}
			if o.Founder.ID == "" {
				return usagef("--id is needed: your member id, e.g. --id zhangsan")
			}
			o.IDStyle = e.v.GetString("id_scheme")
			id, err := e.identity(true)
			if err != nil {
				return err
			}
			now, err := e.now()
			if err != nil {
				return err
			}
			a, err := archive.Init(e.ctx(), dir, id, o, now)
			if err != nil {
				return err
			}
			// The folder held no archive: one pinned there before is
			// gone, and the new one takes its place in the pin file.
			forgot, err := a.PinNew(e.v.GetString("pin_file"))
			if err != nil {
				return err
			}
			if forgot != "" {
				e.errorf("crm: %s\n", l10n.Sprintf("note: %s first remembered another archive at %s (genesis %s), which is no longer there: it now remembers this one", e.v.GetString("pin_file"), a.Dir, journal.ShortHash(forgot)))
			}
			if useGit {
				if err := gitInit(a.Dir, o.Founder); err != nil {
					return err
				}
				g, err := repoOf(a)
				if err != nil {
					return err
				}
				if err := e.gitSetup(a, g); err != nil {
					return err
				}
			} else if g, err := openRepo(a.Dir); err == nil && a.Policy.AutoCommit() {
				// An archive may live in a folder of a repository (DESIGN),
				// but one made inside another project by mistake would
				// have crm commit dossiers into that project.
				if g.prefix == "" { // the folder was git init'ed for it
					e.errorf("crm: %s\n", l10n.Sprintf("note: %s is a git repository, and crm commits what it writes to it (git.autocommit in crm.yaml): run crm git setup there for crm's merge drivers", a.Dir))
				} else {
					e.errorf("crm: %s\n", l10n.Sprintf("note: %s is inside the git repository %s, and crm commits what it writes to it (git.autocommit in crm.yaml): run crm git setup there for crm's merge drivers; for a repository of its own, remove %s and run crm init --git in a folder outside it", a.Dir, g.top, a.Dir))
				}
			}
			e.printf("%s\n", l10n.Sprintf("Created archive %s; %s (%s) is its manager.", a.Dir, o.Founder.ID, o.Founder.Name))
			e.printf("%s\n", l10n.Sprintf("Genesis: %s", a.State.Genesis))
			return nil
		},
	}
	c.Flags().StringVar(&o.Founder.ID, "id", "", l10n.Pick("your member id (lower-case letters, digits, . _ -)", "你的成员编号（小写字母、数字、. _ -）"))
	c.Flags().StringVar(&o.Founder.Name, "name", "", l10n.Pick("your full name", "你的姓名"))
	c.Flags().StringVar(&o.Founder.Department, "department", "", l10n.Pick("your department (default the policy's home department, 客服部)", "所在部门（默认 客服部）"))
	c.Flags().StringVar(&o.Name, "archive-name", "", l10n.Pick("the archive's name", "档案库名称"))
	c.Flags().StringVar(&o.Recovery, "recovery", "", l10n.Pick("a recovery (escrow) age recipient every dossier is also encrypted to", "恢复（托管）公钥：所有档案也加密给它"))
	c.Flags().String("id-scheme", "", l10n.Pick("dossier, loan and destruction ids: random (default; clones working apart never collide) or sequential (C-000001)", "档案、借阅与销毁编号：random（默认，多人分头工作不撞号）或 sequential（C-000001）"))
	c.Flags().BoolVar(&useGit, "git", false, l10n.Pick("also git init the folder and commit", "同时 git init 并提交"))
	return c
}

func gitInit(dir string, founder archive.Member) error {
	if _, err := exec.LookPath("git"); err != nil {
		return l10n.Errorf("--git: git is not installed")
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GIT_AUTHOR_NAME="+founder.Name, "GIT_COMMITTER_NAME="+founder.Name,
			"GIT_AUTHOR_EMAIL="+founder.ID+"@crm.invalid", "GIT_COMMITTER_EMAIL="+founder.ID+"@crm.invalid")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return l10n.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := git("init", "-q"); err != nil {
		return err
	}
	// The drivers named in .gitattributes come next (git setup): git runs
	// commands only from its config, never from tracked files.
	if err := git("add", "-A"); err != nil {
		return err
	}
	return git("commit", "-q", "-m", "crm init")
}
