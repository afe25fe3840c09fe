package archive_test

import (
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// oldPolicy is the default policy without the sections added for the
// rulebooks (contacts, intake, requests, approvers_when_self, signoff): an
// archive made before them must keep working, with the defaults.
func oldPolicy(t *testing.T) *archive.Policy {
	t.Helper()
	raw, err := archive.DefaultPolicyText("x", "")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, cut := range []string{"contacts:", "intake:", "requests:"} {
		i := strings.Index(s, "\n"+cut)
		if i < 0 {
			t.Fatalf("template has no %s", cut)
		}
		j := strings.Index(s[i+1:], "\n\n")
		s = s[:i+1] + s[i+1+j+2:]
	}
	for _, line := range []string{"  approvers_when_self: [gm]\n", "  signoff: [supervisor, manager]\n"} {
		if !strings.Contains(s, line) {
			t.Fatalf("template has no %q", line)
		}
		s = strings.Replace(s, line, "", 1)
	}
	p, err := archive.ParsePolicy([]byte(s))
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return p
}

func TestPolicyDefaultsForOldArchives(t *testing.T) {
	raw, _ := archive.DefaultPolicyText("x", "")
	cur, err := archive.ParsePolicy(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*archive.Policy{"old": oldPolicy(t), "template": cur} {
		if got := p.SelfLoanApprovers(); strings.Join(got, ",") != "gm" {
			t.Errorf("%s: approvers when self %v", name, got)
		}
		if got := p.SignoffRoles(); strings.Join(got, ",") != "supervisor,manager" {
			t.Errorf("%s: signoff %v", name, got)
		}
		if got := p.Submitters(); strings.Join(got, ",") != "sales" || p.HandInDueDay() != 7 {
			t.Errorf("%s: submitters %v due %d", name, got, p.HandInDueDay())
		}
		if got := p.StatsApprovers(); strings.Join(got, ",") != "manager" || p.StatsValidDays() != 30 {
			t.Errorf("%s: stats approvers %v, %d days", name, got, p.StatsValidDays())
		}
		for tier, want := range map[string]string{"重点": "1m", "普通": "3m", "潜在": ""} {
			per, ok := p.VisitEvery(tier)
			if got := map[bool]string{true: per.String(), false: ""}[ok]; got != want {
				t.Errorf("%s: visit every %s = %q, want %q", name, tier, got, want)
			}
		}
		if got := p.ComplaintRetention(); got != (classify.Period{Years: 2}) {
			t.Errorf("%s: complaint retention %v", name, got)
		}
	}
}

func TestPolicyLaterSectionsChecked(t *testing.T) {
	raw, _ := archive.DefaultPolicyText("x", "")
	for _, c := range []struct{ from, to, want string }{
		{"visit_every: {重点: 1m, 普通: 3m}", "visit_every: {重点: soon}", "contacts.visit_every.重点"},
		{"visit_every: {重点: 1m, 普通: 3m}", "visit_every: {VIP: 1m}", "unknown customer tier"},
		{"complaint_retention: 2y", "complaint_retention: forever", "contacts.complaint_retention"},
		{"due_day: 7", "due_day: 31", "intake.due_day"},
		{"submitters: [sales]", "submitters: [seller]", `intake.submitters: unknown role "seller"`},
		{"approvers: [manager]\n  valid_days", "approvers: [boss]\n  valid_days", "requests.approvers"},
	} {
		s := strings.Replace(string(raw), c.from, c.to, 1)
		if s == string(raw) {
			t.Fatalf("template has no %q", c.from)
		}
		if _, err := archive.ParsePolicy([]byte(s)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.to, err, c.want)
		}
	}
	// English tier names and "无" work too.
	s := strings.Replace(string(raw), "visit_every: {重点: 1m, 普通: 3m}", "visit_every: {key: 2w, ordinary: 无}", 1)
	p, err := archive.ParsePolicy([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if per, ok := p.VisitEvery("重点"); !ok || per.Days != 14 {
		t.Errorf("key: %v %v", per, ok)
	}
	if _, ok := p.VisitEvery("普通"); ok {
		t.Error("普通: 无 has a cadence")
	}
	// A complaint's own keep_until wins; without one the policy's retention counts.
	s = strings.Replace(string(raw), "complaint_retention: 2y", "complaint_retention: 1y", 1)
	p, _ = archive.ParsePolicy([]byte(s))
	d, err := archive.ParseDossier([]byte("customer: {name: x}\nowner: y\ncontacts:\n  - {date: 2026-01-10, kind: 投诉}\n  - {date: 2026-01-10, kind: 投诉, keep_until: 2030-01-01}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.ComplaintKeepUntil(d.Contacts[0]).Format(time.DateOnly); got != "2027-01-10" {
		t.Errorf("policy retention: %s", got)
	}
	if got := p.ComplaintKeepUntil(d.Contacts[1]).Format(time.DateOnly); got != "2030-01-01" {
		t.Errorf("written keep_until: %s", got)
	}
}
