package archive_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// The one test fixture of the archive's tests: an archive with members of
// every role, each with an identity, and a clock the test moves.

var ctx = context.Background()

// fixed is the default clock of the tests.
var fixed = func() time.Time { return time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC) }

// sample is the smallest valid dossier, with a comment that must survive.
const sample = "# 注释\ncustomer:\n  name: 测试公司\nowner: 李四 # 负责人\n"

// testDossier has the fields the classification rules read.
const testDossier = "customer:\n  name: 测试公司\nowner: 李四\nrelationship: 一般业务往来\nyearly_sales: 100\ncredit_survey:\n  score: 80\n"

func newIdentity(t testing.TB) *archive.Identity {
	t.Helper()
	_, id, err := archive.GenerateIdentityText(false, fixed())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newArchive makes an archive in a temporary folder founded by id as
// manager "zhang", and nobody else.
func newArchive(t testing.TB, id *archive.Identity) *archive.Archive {
	t.Helper()
	a, err := archive.Init(ctx, filepath.Join(t.TempDir(), "arc"), id, archive.InitOptions{Founder: archive.Member{ID: "zhang", Name: "张三"}}, fixed)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func member(id string, roles []string, key *archive.Identity) archive.Member {
	return archive.Member{ID: id, Name: id, Roles: roles, Recipient: key.Recipient, SigningKey: key.SigningKey()}
}

// fixture is an archive with these members: zhang (manager), wang (gm),
// su (supervisor), li (clerk), zhao (dept_manager of 市场部), and of 总经办
// qian (gm) and zhou (dept_manager).
//
// Every member opens the archive with a verified-journal cache (one
// folder per fixture, shared by its clones as one user's would be), so
// every test of the archive also runs on journals read from the cache.
type fixture struct {
	t     testing.TB
	dir   string
	now   time.Time
	ids   map[string]*archive.Identity
	cache string
	// partial: how many opens about one dossier the last advanced step
	// saw read only that dossier's part (snapshot_test.go).
	partial int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	// Sequential ids: the tests written before random ids compare them
	// with the order of creation. The team tests use newFixtureStyle.
	return newFixtureStyle(t, archive.IDSequential)
}

// newFixtureStyle is newFixture with the policy's id style.
func newFixtureStyle(t testing.TB, style string) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)), ids: map[string]*archive.Identity{}, cache: t.TempDir()}
	t.Cleanup(func() { checkProblemLanguages(f) })
	for _, m := range []string{"zhang", "wang", "su", "li", "zhao", "qian", "zhou"} {
		f.ids[m] = newIdentity(t)
	}
	if _, err := archive.Init(ctx, f.dir, f.ids["zhang"], archive.InitOptions{Founder: archive.Member{ID: "zhang", Name: "张三"}, IDStyle: style}, f.clock); err != nil {
		t.Fatal(err)
	}
	for _, m := range []archive.Member{
		{ID: "wang", Name: "王总", Roles: []string{"gm"}},
		{ID: "su", Name: "苏", Roles: []string{"supervisor"}},
		{ID: "li", Name: "李四", Roles: []string{"clerk"}},
		{ID: "zhao", Name: "赵六", Roles: []string{"dept_manager"}, Department: "市场部"},
		{ID: "qian", Name: "钱七", Roles: []string{"gm"}, Department: "总经办"},
		{ID: "zhou", Name: "周八", Roles: []string{"dept_manager"}, Department: "总经办"},
	} {
		m.Recipient, m.SigningKey = f.ids[m.ID].Recipient, f.ids[m.ID].SigningKey()
		if err := f.as("zhang").AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// as opens the archive as member id, at the fixture's time.
func (f *fixture) as(id string) *archive.Archive {
	f.t.Helper()
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache, Identity: f.ids[id]})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := a.SetIdentity(f.ids[id]); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// create makes a dossier of level as the clerk, or as the manager when
// the clerk could not read it (crm refuses a dossier its author cannot read).
func (f *fixture) create(level string) string {
	f.t.Helper()
	who := "li"
	if level == "机密" || level == "绝密" {
		who = "zhang"
	}
	return f.createAs(who, "customer:\n  name: 测试\nowner: 李四\n", level)
}

// createAs makes a dossier with text and level as member m.
func (f *fixture) createAs(m, text, level string) string {
	f.t.Helper()
	id, err := f.as(m).Create([]byte(text), level)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// addSales adds member id, of the sales role in 市场部 (who hands in
// reports), with an identity of their own.
func (f *fixture) addSales(id string) {
	f.t.Helper()
	k := newIdentity(f.t)
	f.ids[id] = k
	m := member(id, []string{"sales"}, k)
	m.Department = "市场部"
	if err := f.as("zhang").AddMember(ctx, m); err != nil {
		f.t.Fatal(err)
	}
}

// verifyClean fails the test unless verify finds nothing.
func (f *fixture) verifyClean() {
	f.t.Helper()
	ps, err := f.as("li").Verify(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(ps) > 0 {
		f.t.Fatalf("verify: %v", ps)
	}
}

// wantCode fails unless err is of code c and its message contains substr.
func wantCode(t *testing.T, err error, c archive.Code, substr string) {
	t.Helper()
	if err == nil || archive.CodeOf(err) != c || !strings.Contains(err.Error(), substr) {
		t.Fatalf("got %v (code %d), want code %d containing %q", err, archive.CodeOf(err), c, substr)
	}
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// clone copies the archive folder, as a second git clone would be.
func (f *fixture) clone() *fixture {
	f.t.Helper()
	g := &fixture{t: f.t, dir: f.t.TempDir(), now: f.now, ids: f.ids, cache: f.cache}
	f.t.Cleanup(func() { checkProblemLanguages(g) })
	copyTree(f.t, f.dir, g.dir)
	return g
}

// pull brings o's journal into f, as a git merge of two clones does: every
// event file of o that f lacks, and o's dossier files where f did not
// change them since base (the common ancestor's folder) — where both
// changed a file, f keeps its own, as a merge that kept "ours" would.
// Hand-ins o took in are o's, and those o folded or turned down go.
func (f *fixture) pull(o *fixture, base string) {
	f.t.Helper()
	filepath.WalkDir(filepath.Join(o.dir, "journal"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(o.dir, p)
		dst := filepath.Join(f.dir, rel)
		if _, err := os.Stat(dst); err != nil {
			os.MkdirAll(filepath.Dir(dst), 0o755)
			b, _ := os.ReadFile(p)
			os.WriteFile(dst, b, 0o644)
		}
		return nil
	})
	ents, _ := os.ReadDir(filepath.Join(o.dir, "dossiers"))
	for _, e := range ents {
		theirs, _ := os.ReadFile(filepath.Join(o.dir, "dossiers", e.Name()))
		ours, oerr := os.ReadFile(filepath.Join(f.dir, "dossiers", e.Name()))
		old, berr := os.ReadFile(filepath.Join(base, "dossiers", e.Name()))
		if oerr != nil || (berr == nil && bytes.Equal(ours, old)) {
			os.WriteFile(filepath.Join(f.dir, "dossiers", e.Name()), theirs, 0o644)
		}
	}
	sub := func(dir, name string) string { return filepath.Join(dir, archive.SubmissionsDir, name) }
	ents, _ = os.ReadDir(filepath.Join(o.dir, archive.SubmissionsDir))
	for _, e := range ents {
		if _, err := os.Stat(sub(base, e.Name())); err == nil {
			continue
		}
		b, _ := os.ReadFile(sub(o.dir, e.Name()))
		os.MkdirAll(filepath.Join(f.dir, archive.SubmissionsDir), 0o755)
		os.WriteFile(sub(f.dir, e.Name()), b, 0o644)
	}
	ents, _ = os.ReadDir(filepath.Join(base, archive.SubmissionsDir))
	for _, e := range ents {
		if _, err := os.Stat(sub(o.dir, e.Name())); os.IsNotExist(err) {
			os.Remove(sub(f.dir, e.Name()))
		}
	}
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
