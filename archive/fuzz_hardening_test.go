package archive_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/archive/journal"
)

// FuzzParsePolicy: crm.yaml is read on every command; a policy it accepts
// must be usable: a zone, levels, writers that are write roles.
func FuzzParsePolicy(f *testing.F) {
	raw, err := archive.DefaultPolicyText("档案", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(strings.Replace(string(raw), "timezone: Asia/Shanghai", "timezone: Mars/Olympus", 1)))
	f.Add([]byte(strings.Replace(string(raw), "levels:", "levels: []\nx:", 1)))
	f.Add([]byte("format: crm/v1\nlevels:\n  - name: a\n    readers: [r]\nroles: {r: R}\ndefault_level: a\nid_scheme: {prefix: C-, digits: 1}\nkey_kind: x25519\ngrades: {a_share: 0.5}\n"))
	f.Add([]byte("format: crm/v1\nformat: crm/v1\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := archive.ParsePolicy(b)
		if err != nil {
			return
		}
		if p.Location() == nil || len(p.LevelNames()) == 0 || p.Level(p.DefaultLevel) == nil {
			t.Fatalf("accepted an unusable policy: %q", b)
		}
		for _, l := range p.LevelNames() {
			for _, r := range p.Writers(l) {
				if !slices.Contains(p.Permissions.Write, r) {
					t.Fatalf("writer role %q of %s is not a write role", r, l)
				}
			}
		}
		if id := p.FormatID(1); archive.CheckID(id) != nil {
			t.Fatalf("policy makes the id %q, which CheckID refuses", id)
		}
	})
}

// FuzzCheckMemberID: member ids name files (members/<id>.yaml).
func FuzzCheckMemberID(f *testing.F) {
	for _, s := range []string{"li", "zhang.san", "a-b_c", "../x", "Li", "", strings.Repeat("a", 33), "a/b", "a\x00", ".x", "x.", "李"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if archive.CheckMemberID(s) != nil {
			return
		}
		if s == "" || len(s) > 32 || strings.ContainsAny(s, "/\\\x00 ") || s[0] < 'a' || s[0] > 'z' || filepath.Base(s) != s {
			t.Fatalf("CheckMemberID accepted %q", s)
		}
	})
}

// FuzzReplayEvent: an event of any kind with any data, signed by a real
// manager and following the journal's heads, is replayed and verified
// without a panic; whatever it does, the rules still hold afterwards: no
// active dossier is pinned to a recipient the journal does not allow.
func FuzzReplayEvent(f *testing.F) {
	for _, s := range []struct{ kind, dossier, data string }{
		{"dossier.rekey", "C-000001", "sha256: " + strings.Repeat("a", 64) + "\nrecipients: [li, zhang]\n"},
		{"loan.return", "C-000001", "loan: L-000001\nintact: false\n"},
		{"loan.approve", "C-000001", "loan: L-000001\ndue: 2036-01-01T00:00:00Z\n"},
		{"dossier.review", "C-000001", "quarter: 1Q1\n"},
		{"dossier.create", "C-000009", "level: 机密\nset_on: 1990-01-01\nperiod: 1d\n"},
		{"templates.update", "", "files: [{path: ../x, sha256: x}]\n"},
		{"member.roles", "", "member: li\nroles: [manager]\n"},
		{"destroy.execute", "C-000001", "request: D-000001\nwitnesses: [li, li]\n"},
		{"dossier.classify", "C-000001", "level: 绝密\nreason: x\nexpires: 0000-00-00\n"},
	} {
		f.Add(s.kind, s.dossier, s.data, int64(0))
	}
	base := newFixture(f)
	id := base.create("秘密")
	l, err := base.as("zhao").BorrowRequest(id, "谈判", 2)
	if err != nil {
		f.Fatal(err)
	}
	base.as("zhang").BorrowApprove(l.ID)
	r, _ := base.as("li").DestroyRequest(base.create("秘密"), "过期")
	for _, who := range []string{"su", "zhang", "wang"} {
		base.as(who).DestroyApprove(r.ID)
	}
	base.as("li").ReviewDone(id, "")
	ba, err := archive.Open(ctx, base.dir, base.clock)
	if err != nil {
		f.Fatal(err)
	}
	baseSummary := summary(ba.State)
	f.Fuzz(func(t *testing.T, kind, dossier, data string, skew int64) {
		ft := &fixture{t: t, dir: t.TempDir(), now: base.now, ids: base.ids}
		copyTree(t, base.dir, ft.dir)
		var node yaml.Node
		if yaml.Unmarshal([]byte(data), &node) != nil {
			return
		}
		var v any
		if node.Decode(&v) != nil {
			return
		}
		j, err := journal.Read(ctx, ft.dir)
		if err != nil {
			t.Fatal(err)
		}
		when := ft.now.Add(time.Duration(skew % int64(48*time.Hour)))
		b, err := journal.Sign(journal.Header{Kind: journal.Kind(kind), Time: when, Actor: "zhang", Dossier: dossier, Prev: j.Heads}, v, ft.ids["zhang"].Signer())
		if err != nil {
			return
		}
		e, err := journal.Parse(b)
		if err != nil {
			return
		}
		p := filepath.Join(ft.dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash)))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
		a, err := archive.Open(ctx, ft.dir, ft.clock)
		if err != nil {
			return
		}
		if _, err := a.Verify(ctx); err != nil {
			t.Fatalf("verify: %v", err)
		}
		// A bad event has no effect: the state is the base's.
		bad := false
		for _, p := range append(a.State.Problems, a.State.Journal.Problems...) {
			bad = bad || p.Path == journal.PathOf(e.Time, e.Hash)
		}
		if bad && summary(a.State) != baseSummary {
			t.Fatalf("a refused %s changed the state:\n%s\nwant\n%s", kind, summary(a.State), baseSummary)
		}
		for _, d := range a.State.SortedDossiers() {
			for _, r := range d.Recipients {
				if r != archive.Recovery && a.State.Members[r] == nil {
					t.Fatalf("%s pinned to %q, who is no member", d.ID, r)
				}
			}
		}
	})
}

// summary is what the rules decide, in a comparable form.
func summary(s *archive.State) string {
	var b strings.Builder
	for _, m := range s.SortedMembers() {
		fmt.Fprintf(&b, "member %s %v %v %s\n", m.ID, m.Roles, m.Removed, m.Recipient)
	}
	for _, d := range s.SortedDossiers() {
		fmt.Fprintf(&b, "dossier %s %s %s %s %v %v %d %d\n", d.ID, d.Status, d.Level, d.SHA256, d.Recipients, d.Hold != nil, len(d.Reviews), len(d.Loans))
	}
	for _, l := range s.SortedLoans() {
		fmt.Fprintf(&b, "loan %s %s %s\n", l.ID, l.Status(), l.Due)
	}
	for _, r := range s.SortedDestructions() {
		fmt.Fprintf(&b, "destruction %s %s %d\n", r.ID, r.Status(), len(r.Approvals))
	}
	fmt.Fprintf(&b, "templates %v policy %s\n", s.Templates, s.PolicySHA256)
	return b.String()
}
