package archive

import (
	"strings"
	"testing"

	"golang.org/x/text/width"
)

// FuzzCustomerKey: the key made without copying a name that has nothing
// to fold or drop is the key of the rule (R5): width folded, white space
// dropped.
func FuzzCustomerKey(f *testing.F) {
	for _, s := range []string{"", "华东机械（上海）有限公司", "华东机械(上海) 有限公司", "ＡＢＣ商行", "ｶﾀｶﾅ", "a\u3000b", "a\u00a0b", "\xff\xfe", "¢￠", "₩￦", "上海\t东方\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := strings.Join(strings.Fields(width.Fold.String(name)), "")
		if got := CustomerKey(name); got != want {
			t.Fatalf("CustomerKey(%q) = %q, want %q", name, got, want)
		}
	})
}

// TestSharedCustomers: every organisation with a second dossier, with its
// first dossier's name; people and nameless dossiers apart.
func TestSharedCustomers(t *testing.T) {
	c := newCustomers(0)
	c.add("C-1", "华东机械（上海）", false)
	c.add("C-2", "西北重工", false)
	c.add("C-3", "华东机械 (上海)", false)
	c.add("C-4", "王伟", true)
	c.add("C-5", "王伟", true)
	c.add("C-6", "", false)
	c.add("C-7", "", false)
	c.add("C-8", "华东机械(上海)", false)
	got := c.shared()
	if len(got) != 1 || got[0].Name != "华东机械（上海）" || strings.Join(got[0].Dossiers, " ") != "C-1 C-3 C-8" {
		t.Fatalf("shared = %+v, want 华东机械（上海） with C-1 C-3 C-8", got)
	}
	if h := c.Holder("华东机械(上海)", false, "C-1"); h != "C-3" {
		t.Errorf("Holder except the first = %q, want C-3", h)
	}
}
