package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// A man page is roff that says what the command's help says: a line of
// text that starts with a dot is not read as a request, backslashes and
// option dashes are escaped, an indented run of lines is an example kept
// as it is, and the pages of the parent and the subcommands are named.
func TestManPage(t *testing.T) {
	root := &cobra.Command{Use: "crm", Short: "root"}
	root.PersistentFlags().StringP("archive", "C", "", "archive `directory`")
	group := &cobra.Command{Use: "borrow", Short: "Borrowing", Run: func(*cobra.Command, []string) {}}
	sub := &cobra.Command{
		Use:   "approve LOAN",
		Short: `Approve a loan (C:\x)`,
		Long: `Approve a loan.
.this line starts with a dot

An example:
  crm borrow approve L-000001 --note "ok"
'quoted line

It checks, with ` + "`crm verify`" + `:

  - the loan's card, which is
    printed again;
  - the borrower.`,
		Example: "  crm borrow approve L-000001",
		Run:     func(*cobra.Command, []string) {},
	}
	sub.Flags().Int("days", 30, "loan period in days")
	sub.Flags().Bool("intact", false, "returned intact")
	sub.Flags().String("why", "", "why:\n.B fast")
	hidden := &cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}}
	root.AddCommand(group)
	group.AddCommand(sub, hidden)
	walk(root, helpFlag)
	h := manHeader{Section: "1", Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Source: `crm "v1"`, Manual: "crm manual"}

	page := string(manPage(sub, h))
	for _, want := range []string{
		`.TH "CRM-BORROW-APPROVE" "1" "Nov 2026" "crm \(dqv1\(dq" "crm manual"` + "\n",
		".SH NAME\ncrm-borrow-approve \\- Approve a loan (C:\\ex)\n",
		".SH SYNOPSIS\n\\fBcrm borrow approve LOAN [flags]\\fP\n",
		"\n\\&.this line starts with a dot\n",
		".PP\n.EX\n  crm borrow approve L\\-000001 \\-\\-note \"ok\"\n.EE\n",
		"\\&'quoted line\n",
		".TP\n\\fB\\-\\-days\\fP \\fIint\\fP\nloan period in days (default 30)\n",
		".TP\n\\fB\\-\\-intact\\fP\nreturned intact\n",
		".SH OPTIONS INHERITED FROM PARENT COMMANDS\n.TP\n\\fB\\-C\\fP, \\fB\\-\\-archive\\fP \\fIdirectory\\fP\narchive directory\n",
		".SH EXAMPLE\n.EX\n  crm borrow approve L\\-000001\n.EE\n",
		".SH SEE ALSO\n\\fBcrm-borrow(1)\\fP\n",
		// A list is bulleted and filled, code in backticks is bold.
		"It checks, with \\fBcrm verify\\fP:\n.IP \\(bu 2\nthe loan's card, which is\nprinted again;\n.IP \\(bu 2\nthe borrower.\n",
		// No line of a flag's usage is read as a request.
		"why:\n\\&.B fast\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "(default false)") {
		t.Errorf("a false default is shown:\n%s", page)
	}

	// The group's page names its visible subcommand, not the hidden one.
	gp := string(manPage(group, h))
	if !strings.Contains(gp, ".SH SEE ALSO\n\\fBcrm(1)\\fP,\n\\fBcrm-borrow-approve(1)\\fP\n") || strings.Contains(gp, "secret") {
		t.Errorf("the group's SEE ALSO:\n%s", gp)
	}

	dir := t.TempDir()
	if err := writeManTree(root, h, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"crm.1": true, "crm-borrow.1": true, "crm-borrow-approve.1": true, "crm-borrow-secret.1": false} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s written: %v, want %v", name, err == nil, want)
		}
	}
	if n := countManPages(root); n != 3 {
		t.Errorf("countManPages = %d, want 3 (crm, crm-borrow, crm-borrow-approve)", n)
	}
}
