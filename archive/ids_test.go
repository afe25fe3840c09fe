package archive_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

func TestNewID(t *testing.T) {
	day := time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC)
	re := regexp.MustCompile(`^C-[0-9A-HJKMNP-TV-Z]{10}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := archive.NewID("C-", day)
		if len(id) != 12 || !re.MatchString(id) || seen[id] {
			t.Fatalf("id %q (seen %v)", id, seen[id])
		}
		seen[id] = true
		got, ok := archive.IDDay("C-", id)
		if !ok || !got.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("IDDay(%s) = %v %v", id, got, ok)
		}
	}
	// Ids sort by creation day.
	a, b := archive.NewID("C-", day), archive.NewID("C-", day.AddDate(0, 0, 1))
	if !(a[:5] < b[:5]) {
		t.Fatalf("%s does not sort before %s", a, b)
	}
	if _, ok := archive.IDDay("C-", "C-000001"); ok {
		t.Fatal("a sequential id has no day")
	}
}

// Two clones that never talked each create a dossier, a loan and a
// destruction request: the ids differ, both dossiers are there after the
// merge, and the archive verifies. Ids are accepted in any case.
func TestOfflineCreatesDoNotCollide(t *testing.T) {
	f := newFixtureStyle(t, archive.IDRandom)
	shared := f.create("秘密")
	base := f.clone()
	g := f.clone()
	one, two := f.create("秘密"), g.create("秘密")
	l1, err := f.as("zhao").BorrowRequest(shared, "谈判", 1)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := g.as("zhang").BorrowRequest(shared, "谈判", 1)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := f.as("li").DestroyRequest(one, "过期")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g.as("li").DestroyRequest(two, "过期")
	if err != nil {
		t.Fatal(err)
	}
	if one == two || l1.ID == l2.ID || r1.ID == r2.ID || !strings.HasPrefix(l1.ID, "L-") || len(l1.ID) != 12 || !strings.HasPrefix(r1.ID, "D-") {
		t.Fatalf("ids %s %s, %s %s, %s %s", one, two, l1.ID, l2.ID, r1.ID, r2.ID)
	}
	f.pull(g, base.dir)
	a := f.as("li")
	if a.State.Dossiers[one] == nil || a.State.Dossiers[two] == nil || len(a.State.Problems) > 0 {
		t.Fatalf("after the merge: problems %v", a.State.Problems)
	}
	f.verifyClean()
	if _, err := a.Read(strings.ToLower(two)); err != nil {
		t.Fatalf("lower-case id: %v", err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(strings.ToLower(l1.ID)); err != nil {
		t.Fatalf("lower-case loan id: %v", err)
	}
}

// A crm.yaml written before the id style and git keys keeps working: new
// ids are random, and each write commits itself.
func TestOldPolicyDefaults(t *testing.T) {
	raw, err := archive.DefaultPolicyText("x", "")
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(raw), "  style: random\n", "", 1)
	old = strings.Replace(old, "git:\n  autocommit: true\n", "", 1)
	if old == string(raw) {
		t.Fatal("the template changed: update this test")
	}
	p, err := archive.ParsePolicy([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if p.IDScheme.Style != archive.IDRandom || !p.AutoCommit() {
		t.Fatalf("style %q, autocommit %v", p.IDScheme.Style, p.AutoCommit())
	}
	off, err := archive.ParsePolicy([]byte(strings.Replace(string(raw), "autocommit: true", "autocommit: false", 1)))
	if err != nil || off.AutoCommit() {
		t.Fatalf("autocommit false: %v %v", off.AutoCommit(), err)
	}
	if _, err := archive.ParsePolicy([]byte(strings.Replace(string(raw), "  style: random\n", "  style: lottery\n", 1))); err == nil || !strings.Contains(err.Error(), "id_scheme.style") {
		t.Fatalf("bad style: %v", err)
	}
}

// A message's example dossier id is one the archive's scheme makes, with
// its prefix and digits: never the random C-0Q7K4M8Z3X in an archive of
// sequential ids.
func TestPolicyExampleID(t *testing.T) {
	for _, c := range []struct {
		scheme archive.IDScheme
		want   string
	}{
		{archive.IDScheme{Style: archive.IDSequential, Prefix: "C-", Digits: 6}, "C-000001"},
		{archive.IDScheme{Style: archive.IDSequential, Prefix: "KH_", Digits: 4}, "KH_0001"},
		{archive.IDScheme{Style: archive.IDRandom, Prefix: "C-", Digits: 6}, "C-0Q7K4M8Z3X"},
		{archive.IDScheme{Style: archive.IDRandom, Prefix: "K-", Digits: 6}, "K-0Q7K4M8Z3X"},
	} {
		p := &archive.Policy{IDScheme: c.scheme}
		if got := p.ExampleID(); got != c.want {
			t.Errorf("ExampleID of %+v = %s, want %s", c.scheme, got, c.want)
		}
	}
}
