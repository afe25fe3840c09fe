package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"crm/archive"
)

// The command that files a refused record again carries its credit change
// (信用异动) in the flags contact add takes.
func TestContactRedoCreditChange(t *testing.T) {
	d, err := archive.ParseDate("2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	rec := archive.Contact{Kind: archive.ContactVisit, Date: d, CreditChange: &archive.CreditNote{From: "B", To: "C", Reason: "连续两月 拖欠'货款"}}
	want := `crm contact add C-000001 --kind 拜访 --date 2026-11-20 --credit-change B:C --credit-reason '连续两月 拖欠'\''货款'`
	if got := contactRedo(&cobra.Command{}, "C-000001", rec, rec, false); got != want {
		t.Errorf("contactRedo = %s\nwant %s", got, want)
	}
}

// The editor's form of a visit shows credit_change: commented, with
// Chinese comments, and reads back without one; uncommented it reads
// back with it. A change the flags gave is written out, its reason to
// be filled in.
func TestContactTemplateCreditChange(t *testing.T) {
	d, err := archive.ParseDate("2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	form := string(contactTemplate("C-000001", archive.Contact{Kind: archive.ContactVisit, Date: d, Content: "走访"}))
	if !strings.Contains(form, "\n# credit_change:\n#   from: B # 原信用等级\n#   to: C # 现信用等级\n#   reason: \"\" # 异动原因\n") {
		t.Errorf("a visit's form has no commented credit_change:\n%s", form)
	}
	if c, err := archive.ParseContact([]byte(form)); err != nil || c.CreditChange != nil {
		t.Errorf("the form as opened: %+v, %v", c.CreditChange, err)
	}
	filled := strings.NewReplacer("# credit_change:", "credit_change:", "#   from:", "  from:", "#   to:", "  to:", `#   reason: ""`, "  reason: 拖欠").Replace(form)
	if c, err := archive.ParseContact([]byte(filled)); err != nil || c.CreditChange == nil || *c.CreditChange != (archive.CreditNote{From: "B", To: "C", Reason: "拖欠"}) {
		t.Errorf("the form filled in: %+v, %v\n%s", c.CreditChange, err, filled)
	}
	// Other kinds: no example.
	if form := string(contactTemplate("C-000001", archive.Contact{Kind: archive.ContactFollowUp, Date: d})); strings.Contains(form, "credit_change") {
		t.Errorf("a follow-up's form shows credit_change:\n%s", form)
	}
	given := string(contactTemplate("C-000001", archive.Contact{Kind: archive.ContactVisit, Date: d, CreditChange: &archive.CreditNote{From: "B", To: "D"}}))
	if !strings.Contains(given, "\ncredit_change:\n  from: B # 原信用等级\n  to: D # 现信用等级\n  reason: \"\" # 异动原因\n") {
		t.Errorf("a form with a change given:\n%s", given)
	}
	if _, err := archive.ParseContact([]byte(given)); err == nil || !strings.Contains(err.Error(), "credit_change.reason: is required") {
		t.Errorf("a form with a change given and no reason: %v", err)
	}
}
