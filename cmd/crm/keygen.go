package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

func newKeygenCmd(e *env) *cobra.Command {
	var out string
	var pq, protect, public bool
	c := &cobra.Command{
		Use:   "keygen [-o FILE] [--pq] [--passphrase] | keygen -y [FILE|-]",
		Short: l10n.Pick("Make a personal age identity (also your journal signing key)", "生成个人 age 身份文件（同时派生日志签名密钥）"),
		Long: l10n.Pick(
			"Make a standard age identity file (readable by `age -d -i`). The journal signing key is derived from it, so this one file is all a person needs. With --passphrase the file is protected the way `age -p` does it; scripts and cron unlock it with CRM_PASSPHRASE_FILE. -y prints the public part (recipient and signing key) of an identity (FILE, - for standard input, default your own), to hand to a manager for `crm member add --public`.",
			"生成标准 age 身份文件（`age -d -i` 可读）。日志签名密钥由它派生，每人一个文件即可。--passphrase 以 `age -p` 的方式加口令保护；脚本与 cron 通过 CRM_PASSPHRASE_FILE 解锁。-y 打印身份（FILE，- 为标准输入，默认为你自己的身份）的公开部分（公钥与签名公钥），交给经理用于 `crm member add --public`。"),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if public {
				path := e.v.GetString("identity")
				if len(args) == 1 {
					path = args[0]
				}
				var id *archive.Identity
				var err error
				if path == "-" {
					id, err = e.unlockStdin()
				} else {
					id, err = e.unlock(path)
				}
				if err != nil {
					return err
				}
				e.printf("recipient: %s\nsigning_key: %s\n", id.Recipient, id.SigningKey())
				return nil
			}
			if len(args) > 0 {
				return usagef("keygen takes no argument (did you mean -o %s?)", args[0])
			}
			now, err := e.now()
			if err != nil {
				return err
			}
			text, id, err := archive.GenerateIdentityText(pq, now())
			if err != nil {
				return err
			}
			if protect {
				pass, err := e.newPassphrase()
				if err != nil {
					return err
				}
				wf, _ := strconv.Atoi(e.getenv("CRM_SCRYPT_WORK_FACTOR"))
				if text, err = archive.EncryptIdentityText(text, pass, wf); err != nil {
					return err
				}
			}
			if out == "" || out == "-" {
				_, err := e.io.Out.Write(text)
				return err
			}
			// The default identity lives in ~/.config/crm, which a new
			// machine does not have yet.
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				if errors.Is(err, os.ErrExist) {
					return l10n.Errorf("%s already exists: crm never overwrites an identity (losing it loses access)", out)
				}
				return err
			}
			if _, err := f.Write(text); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			e.errorf("%s\n", l10n.Sprintf("Public key: %s", id.Recipient))
			e.errorf("%s\n", l10n.Sprintf("Signing key: %s", id.SigningKey()))
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", l10n.Pick("write the identity to FILE (mode 0600) instead of standard output", "写入 FILE（权限 0600），而非标准输出"))
	c.Flags().BoolVar(&pq, "pq", false, l10n.Pick("make a post-quantum hybrid key (an archive uses one kind for everybody)", "生成后量子混合密钥（一个档案库只能用一种）"))
	c.Flags().BoolVar(&protect, "passphrase", false, l10n.Pick("protect the file with a passphrase (asked twice, or read from CRM_PASSPHRASE_FILE)", "用口令保护（终端输入两次，或读 CRM_PASSPHRASE_FILE）"))
	c.Flags().BoolVarP(&public, "public", "y", false, l10n.Pick("print the public recipient and signing key of an identity", "打印身份的公钥与签名公钥"))
	return c
}

// unlockStdin reads an identity from standard input (crm keygen -y -); a
// passphrase-protected one is opened as unlock opens a file.
func (e *env) unlockStdin() (*archive.Identity, error) {
	b, err := readAll(e.io.In)
	if err != nil {
		return nil, err
	}
	name := l10n.T("standard input")
	id, err := archive.ReadIdentity(b, name, e.passphrase(name))
	if err != nil {
		var ae *archive.Error
		if !errors.As(err, &ae) {
			return nil, denied(err)
		}
		return nil, err
	}
	return id, nil
}

// newPassphrase asks for a new passphrase twice, or reads CRM_PASSPHRASE_FILE.
func (e *env) newPassphrase() (string, error) {
	if e.v.GetString("passphrase_file") != "" {
		p, err := e.passphrase("")()
		if err == nil && p == "" {
			err = l10n.Errorf("the passphrase file is empty")
		}
		return p, err
	}
	p1, err := e.prompt(l10n.T("New passphrase: "))
	if err != nil {
		return "", err
	}
	p2, err := e.prompt(l10n.T("Repeat passphrase: "))
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", fmt.Errorf("%s", l10n.T("the passphrases differ"))
	}
	if p1 == "" {
		return "", l10n.Errorf("an empty passphrase protects nothing")
	}
	return p1, nil
}
