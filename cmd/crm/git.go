package main

import (
	"errors"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"crm/archive"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// newTextconvCmd is git's diff driver for *.age (diff.crm.textconv): it
// prints the plaintext of an age file the user's key opens, so `git diff`
// and `git log -p` show what changed. It never fails a diff: a file the key
// does not open is shown as one line saying so. Never set
// diff.crm.cachetextconv: git would store the plaintext in its database.
func newTextconvCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "textconv FILE",
		Short:  l10n.Pick("git diff driver: print an age file's plaintext if your key opens it", "git diff 驱动：若你的密钥能打开，打印 age 文件的明文"),
		Args:   cobra.ExactArgs(1),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ct, err := sharedfile.ReadFile(args[0])
			if err != nil {
				return err
			}
			id, err := e.identity(false)
			if err != nil {
				e.printf("# crm: %s\n", l10n.T("no identity: the ciphertext is not shown"))
				return nil
			}
			plain, err := archive.Decrypt(ct, id.Age)
			if err != nil {
				var nm *age.NoIdentityMatchError
				if errors.As(err, &nm) {
					e.printf("# crm: %s\n", l10n.T("your key does not open this version"))
					return nil
				}
				e.printf("# crm: %s\n", l10n.Sprintf("not a readable age file: %v", err))
				return nil
			}
			_, err = e.io.Out.Write(plain)
			return err
		},
	}
}
