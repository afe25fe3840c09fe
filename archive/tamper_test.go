package archive_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"crm/archive"
	"crm/archive/journal"
)

// The tamper matrix (SECURITY.md): an archive with members of every role,
// dossiers of every level, a loan, a 核定, a destruction and a pinned
// template override; then, case by case, one change made outside crm — to
// the journal, a dossier, a member file, the policy, git's files or the
// templates — each of which verify must report (exit 4 in the command),
// naming the path at fault. The untouched archive verifies clean.

// tamperBase is the archive every case starts from.
type tamperBase struct {
	f      *fixture
	c1     string // 秘密, created by the clerk, on loan to zhao (dept_manager)
	c2     string // 机密, created by the supervisor
	c3     string // 绝密, created by the manager
	c4     string // 秘密, destroyed
	loan   string
	oldC1  []byte // C-1's file before the loan re-encrypted it
	checks time.Time
}

func newTamperBase(t *testing.T) *tamperBase {
	f := newFixture(t)
	b := &tamperBase{f: f, checks: f.now.Add(time.Hour)}
	b.c1 = f.create("秘密")
	b.oldC1, _ = os.ReadFile(filepath.Join(f.dir, archive.DossierPath(b.c1)))
	b.c2 = f.createAs("su", "customer:\n  name: 机密公司\nowner: 苏\n", "机密")
	b.c3 = f.createAs("zhang", "customer:\n  name: 绝密公司\nowner: 张三\n", "绝密")
	b.c4 = f.create("秘密")
	r, err := f.as("li").DestroyRequest(b.c4, "过期")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"su", "zhang", "wang"} {
		if _, err := f.as(who).DestroyApprove(r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.as("zhang").DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		t.Fatal(err)
	}
	l, err := f.as("zhao").BorrowRequest(b.c1, "谈判", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("zhang").BorrowApprove(l.ID); err != nil {
		t.Fatal(err)
	}
	b.loan = l.ID
	if _, err := f.as("li").ReviewDone(b.c1, "核对无误"); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(f.dir, "templates", "reports"), 0o755)
	os.WriteFile(filepath.Join(f.dir, "templates", "reports", "monthly.yaml"), []byte("title: 月报\n"), 0o644)
	if _, _, err := f.as("zhang").PinTemplates(); err != nil {
		t.Fatal(err)
	}
	return b
}

// tamper is one case: the files of a copy of the base archive, and helpers
// to change them the way someone outside crm would.
type tamper struct {
	t    *testing.T
	b    *tamperBase
	dir  string
	when time.Time // the time hand-made events are dated
}

func (x *tamper) path(rel string) string { return filepath.Join(x.dir, filepath.FromSlash(rel)) }

func (x *tamper) read(rel string) []byte {
	b, err := os.ReadFile(x.path(rel))
	if err != nil {
		x.t.Fatal(err)
	}
	return b
}

func (x *tamper) write(rel string, b []byte) {
	os.MkdirAll(filepath.Dir(x.path(rel)), 0o755)
	if err := os.WriteFile(x.path(rel), b, 0o644); err != nil {
		x.t.Fatal(err)
	}
}

func (x *tamper) replace(rel, old, new string) {
	b := x.read(rel)
	if !bytes.Contains(b, []byte(old)) {
		x.t.Fatalf("%s does not contain %q", rel, old)
	}
	x.write(rel, bytes.Replace(b, []byte(old), []byte(new), 1))
}

// symlink makes link a symbolic link to target, or skips the case where
// none can be made: Windows without the privilege refuses, and Wine says
// it made one but makes nothing.
func (x *tamper) symlink(target, link string) {
	if err := os.Symlink(target, link); err != nil {
		x.t.Skipf("skipped: no symbolic link can be made here: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		x.t.Skipf("skipped: the symbolic link made is not there (%v)", err)
	}
}

func (x *tamper) journal() *journal.Journal {
	j, err := journal.Read(ctx, x.dir)
	if err != nil {
		x.t.Fatal(err)
	}
	return j
}

// lastEvent returns the path of the latest event of kind (in link order).
func (x *tamper) lastEvent(kind journal.Kind) string {
	j := x.journal()
	for i := len(j.Events) - 1; i >= 0; i-- {
		if j.Events[i].Kind == kind {
			return j.Events[i].Path
		}
	}
	x.t.Fatalf("no %s event", kind)
	return ""
}

// sign writes an event signed with key, following the journal's heads,
// correctly named: a forgery only the rules can catch.
func (x *tamper) sign(key ed25519.PrivateKey, actor string, kind journal.Kind, dossier string, data any) string {
	return x.signAt(x.when, key, actor, kind, dossier, data)
}

func (x *tamper) signAt(t time.Time, key ed25519.PrivateKey, actor string, kind journal.Kind, dossier string, data any) string {
	b, err := journal.Sign(journal.Header{Kind: kind, Time: t, Actor: actor, Dossier: dossier, Prev: x.journal().Heads}, data, key)
	if err != nil {
		x.t.Fatal(err)
	}
	e, err := journal.Parse(b)
	if err != nil {
		x.t.Fatal(err)
	}
	p := journal.PathOf(e.Time, e.Hash)
	x.write(p, b)
	return p
}

func (x *tamper) key(member string) ed25519.PrivateKey { return x.b.f.ids[member].Signer() }

// encrypt encrypts text to the members' keys (and extra age recipients).
func (x *tamper) encrypt(text string, members []string, extra ...age.Recipient) []byte {
	var rs []age.Recipient
	for _, m := range members {
		r, err := archive.ParseRecipient(x.b.f.ids[m].Recipient)
		if err != nil {
			x.t.Fatal(err)
		}
		rs = append(rs, r)
	}
	ct, err := archive.Encrypt([]byte(text), append(rs, extra...)...)
	if err != nil {
		x.t.Fatal(err)
	}
	return ct
}

// recipientsOf is whom the journal says dossier id is encrypted to.
func (x *tamper) recipientsOf(id string) []string {
	a, err := archive.Open(ctx, x.dir, func() time.Time { return x.when })
	if err != nil {
		x.t.Fatal(err)
	}
	return a.State.Dossiers[id].Recipients
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type tamperCase struct {
	name string
	// do makes the change and returns the path verify must name.
	do func(x *tamper) string
}

// skipOnWindows skips the cases Windows cannot show: file modes, which
// verify does not check there, and process 1, which does not exist there.
func (c tamperCase) skipOnWindows(t *testing.T) {
	if runtime.GOOS != "windows" {
		return
	}
	switch {
	case strings.Contains(c.name, "executable") || strings.Contains(c.name, "writable by everyone"):
		t.Skip("skipped: Windows has no file modes, and verify does not check them there")
	case strings.Contains(c.name, "of a live process"):
		t.Skip("skipped: Windows has no process 1 that never dies")
	}
}

func tamperCases(b *tamperBase) []tamperCase {
	c1, c2, c3, c4 := b.c1, b.c2, b.c3, b.c4
	text := "customer:\n  name: 伪造公司\nowner: 王总\n"
	return []tamperCase{
		// The journal.
		{"event edited", func(x *tamper) string {
			p := x.lastEvent(archive.KindReview)
			x.replace(p, "核对无误", "核对有误")
			return p
		}},
		{"event deleted from the middle", func(x *tamper) string {
			p := x.lastEvent(archive.KindLoanRequest)
			os.Remove(x.path(p))
			return x.lastEvent(archive.KindLoanApprove)
		}},
		{"event moved to another month", func(x *tamper) string {
			p := x.lastEvent(archive.KindReview)
			q := strings.Replace(p, "/11/", "/10/", 1)
			x.write(q, x.read(p))
			os.Remove(x.path(p))
			return q
		}},
		{"member.roles signed with a stranger's key", func(x *tamper) string {
			_, k, _ := ed25519.GenerateKey(nil)
			return x.sign(k, "li", archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"manager"}})
		}},
		{"clerk signs her own promotion", func(x *tamper) string {
			return x.sign(x.key("li"), "li", archive.KindMemberRoles, "", &archive.MemberRoles{Member: "li", Roles: []string{"manager"}})
		}},
		{"event by someone who is no member", func(x *tamper) string {
			return x.sign(x.key("li"), "nobody", archive.KindHold, c1, &archive.HoldData{Reason: "x"})
		}},
		{"event of an unknown kind", func(x *tamper) string {
			return x.sign(x.key("zhang"), "zhang", "dossier.purge", c1, map[string]string{"why": "x"})
		}},
		{"event with a data field its kind does not have", func(x *tamper) string {
			return x.sign(x.key("li"), "li", archive.KindDossierUpdate, c1, map[string]any{"level": "内部"})
		}},
		{"a second genesis", func(x *tamper) string {
			return x.sign(x.key("zhang"), "zhang", archive.KindInit, "", &archive.InitData{ArchiveID: "x", PolicySHA256: strings.Repeat("0", 64), Member: archive.Member{ID: "zhang", Roles: []string{"manager"}}})
		}},
		{"gm re-encrypts a dossier with edited content (a reader writes)", func(x *tamper) string {
			rs := x.recipientsOf(c2)
			ct := x.encrypt(text, rs)
			x.write(archive.DossierPath(c2), ct)
			return x.sign(x.key("wang"), "wang", archive.KindDossierRekey, c2, &archive.DossierRekey{File: archive.File{SHA256: sha(ct), Recipients: rs}})
		}},
		{"borrower returns his loan pinning a file he wrote", func(x *tamper) string {
			rs := slices.DeleteFunc(x.recipientsOf(c1), func(s string) bool { return s == "li" })
			ct := x.encrypt(text, rs)
			x.write(archive.DossierPath(c1), ct)
			return x.sign(x.key("zhao"), "zhao", archive.KindLoanReturn, c1, &archive.LoanReturn{Loan: b.loan, File: archive.File{SHA256: sha(ct), Recipients: rs}})
		}},
		{"borrower declassifies with a clock in 2060", func(x *tamper) string {
			return x.signAt(time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC), x.key("zhao"), "zhao", archive.KindDossierDeclassify, c1, &archive.DossierDeclassify{OldLevel: "秘密", Level: "内部", Expired: "2036-11-22"})
		}},
		{"loan approved with a due date in 2036", func(x *tamper) string {
			x.sign(x.key("zhao"), "zhao", archive.KindLoanRequest, c2, &archive.LoanRequest{Loan: "L-000002", Purpose: "x", Days: 3, Department: "市场部", EndorsedBy: "zhao"})
			return x.sign(x.key("zhang"), "zhang", archive.KindLoanApprove, c2, &archive.LoanApprove{Loan: "L-000002", Due: "2036-01-01T00:00:00Z"})
		}},
		{"event dated after the checker's clock", func(x *tamper) string {
			return x.signAt(b.checks.Add(24*time.Hour), x.key("zhang"), "zhang", archive.KindHold, c2, &archive.HoldData{Reason: "x"})
		}},
		{"review back-dated before the event it follows", func(x *tamper) string {
			return x.signAt(x.when.AddDate(0, -3, 0), x.key("li"), "li", archive.KindReview, c2, &archive.ReviewData{Quarter: "2026Q3"})
		}},
		{"review for another quarter than its time", func(x *tamper) string {
			return x.sign(x.key("li"), "li", archive.KindReview, c2, &archive.ReviewData{Quarter: "2027Q1"})
		}},
		{"review of quarter 1Q1", func(x *tamper) string {
			return x.sign(x.key("li"), "li", archive.KindReview, c2, &archive.ReviewData{Quarter: "1Q1"})
		}},
		{"dossier created with its level set in 1990", func(x *tamper) string {
			ct := x.encrypt(text, []string{"qian", "su", "wang", "zhang"})
			x.write(archive.DossierPath("C-000009"), ct)
			return x.sign(x.key("li"), "li", archive.KindDossierCreate, "C-000009", &archive.DossierCreate{Level: "机密", SetOn: "1990-01-01", Period: "1d", File: archive.File{SHA256: sha(ct), Recipients: []string{"qian", "su", "wang", "zhang"}}})
		}},
		{"classification with an expiry its period does not give", func(x *tamper) string {
			rs := x.recipientsOf(c2)
			ct := x.encrypt(text, rs)
			x.write(archive.DossierPath(c2), ct)
			return x.sign(x.key("su"), "su", archive.KindDossierClassify, c2, &archive.DossierClassify{OldLevel: "机密", Level: "机密", Reason: "x", SetOn: "2026-11-22", Period: "20y", Expires: "2026-11-23", File: archive.File{SHA256: sha(ct), Recipients: rs}})
		}},
		{"borrow card that lies about the level", func(x *tamper) string {
			x.sign(x.key("zhao"), "zhao", archive.KindLoanRequest, c2, &archive.LoanRequest{Loan: "L-000002", Purpose: "x", Days: 3, Department: "市场部", EndorsedBy: "zhao"})
			due := x.when.Add(72 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
			return x.sign(x.key("zhang"), "zhang", archive.KindLoanApprove, c2, &archive.LoanApprove{Loan: "L-000002", Due: due, Card: &archive.BorrowCard{Card: "L-000002", Dossier: c2, Level: "内部", Borrower: "zhao", Department: "市场部", Purpose: "x", EndorsedBy: "zhao", Out: "2026-11-22", Due: "2026-11-25"}})
		}},
		{"a file in journal/ that is no event", func(x *tamper) string {
			x.write("journal/2026/11/notes.txt", []byte("x"))
			return "journal/2026/11/notes.txt"
		}},
		{"a folder too deep in journal/", func(x *tamper) string {
			os.MkdirAll(x.path("journal/2026/11/extra"), 0o755)
			return "journal/2026/11/extra"
		}},
		{"a temporary file of a live process in journal/", func(x *tamper) string {
			x.write("journal/2026/11/.tmp-1-1", []byte("x")) // pid 1 never dies
			return "journal/2026/11/.tmp-1-1"
		}},
		{"event replaced by a symbolic link", func(x *tamper) string {
			p := x.lastEvent(archive.KindReview)
			copyFile(x.t, x.path(p), x.path("../elsewhere.yaml"))
			os.Remove(x.path(p))
			x.symlink(x.path("../elsewhere.yaml"), x.path(p))
			return p
		}},
		{"journal folder replaced by a symbolic link", func(x *tamper) string {
			copyTree(x.t, x.path("journal"), x.path("../journal-elsewhere"))
			os.RemoveAll(x.path("journal"))
			x.symlink(x.path("../journal-elsewhere"), x.path("journal"))
			return "journal"
		}},
		{"event made executable", func(x *tamper) string {
			p := x.lastEvent(archive.KindReview)
			os.Chmod(x.path(p), 0o755)
			return p
		}},
		{"event made writable by everyone", func(x *tamper) string {
			p := x.lastEvent(archive.KindReview)
			os.Chmod(x.path(p), 0o666)
			return p
		}},
		// The dossiers.
		{"ciphertext byte changed", func(x *tamper) string {
			p := archive.DossierPath(c2)
			ct := x.read(p)
			ct[len(ct)-1] ^= 1
			x.write(p, ct)
			return p
		}},
		{"dossier rolled back to an older file", func(x *tamper) string {
			x.write(archive.DossierPath(c1), b.oldC1)
			return archive.DossierPath(c1)
		}},
		{"dossier file deleted", func(x *tamper) string {
			os.Remove(x.path(archive.DossierPath(c3)))
			return archive.DossierPath(c3)
		}},
		{"destroyed dossier restored", func(x *tamper) string {
			x.write(archive.DossierPath(c4), x.read(archive.DossierPath(c2)))
			return archive.DossierPath(c4)
		}},
		{"a dossier file no event creates", func(x *tamper) string {
			x.write(archive.DossierPath("C-999999"), x.read(archive.DossierPath(c2)))
			return archive.DossierPath("C-999999")
		}},
		{"a folder in dossiers/", func(x *tamper) string {
			os.MkdirAll(x.path("dossiers/old"), 0o755)
			return "dossiers/old"
		}},
		{"clerk's update also encrypts to an outsider (hidden recipient)", func(x *tamper) string {
			outsider, _ := age.GenerateX25519Identity()
			rs := x.recipientsOf(c1)
			ct := x.encrypt(text, rs, outsider.Recipient())
			x.write(archive.DossierPath(c1), ct)
			x.sign(x.key("li"), "li", archive.KindDossierUpdate, c1, &archive.DossierUpdate{Fields: []string{"customer.name"}, File: archive.File{SHA256: sha(ct), Recipients: rs}})
			return archive.DossierPath(c1)
		}},
		{"update encrypted to fewer readers than it pins", func(x *tamper) string {
			rs := x.recipientsOf(c1)
			ct := x.encrypt(text, []string{"li"})
			x.write(archive.DossierPath(c1), ct)
			x.sign(x.key("li"), "li", archive.KindDossierUpdate, c1, &archive.DossierUpdate{Fields: []string{"customer.name"}, File: archive.File{SHA256: sha(ct), Recipients: rs}})
			return archive.DossierPath(c1)
		}},
		{"update encrypted to a passphrase (scrypt stanza)", func(x *tamper) string {
			rs := x.recipientsOf(c1)
			sr, _ := age.NewScryptRecipient("口令")
			sr.SetWorkFactor(10)
			ct, _ := archive.Encrypt([]byte(text), sr)
			x.write(archive.DossierPath(c1), ct)
			x.sign(x.key("li"), "li", archive.KindDossierUpdate, c1, &archive.DossierUpdate{Fields: []string{"customer.name"}, File: archive.File{SHA256: sha(ct), Recipients: rs}})
			return archive.DossierPath(c1)
		}},
		{"dossier replaced by a symbolic link", func(x *tamper) string {
			p := archive.DossierPath(c2)
			copyFile(x.t, x.path(p), x.path("../elsewhere.age"))
			os.Remove(x.path(p))
			x.symlink(x.path("../elsewhere.age"), x.path(p))
			return p
		}},
		{"dossier made executable", func(x *tamper) string {
			os.Chmod(x.path(archive.DossierPath(c2)), 0o755)
			return archive.DossierPath(c2)
		}},
		{"dossiers/ writable by everyone", func(x *tamper) string {
			os.Chmod(x.path("dossiers"), 0o777)
			return "dossiers"
		}},
		{"unknown content set aside as if by a destruction", func(x *tamper) string {
			x.write("dossiers/.tmp-destroy-"+c2, []byte("x"))
			return "dossiers/.tmp-destroy-" + c2
		}},
		// The members.
		{"member file edited (roles)", func(x *tamper) string {
			x.replace("members/li.yaml", "- clerk", "- manager")
			return "members/li.yaml"
		}},
		{"member file of nobody", func(x *tamper) string {
			x.write("members/evil.yaml", x.read("members/li.yaml"))
			return "members/evil.yaml"
		}},
		{"member file replaced by a symbolic link", func(x *tamper) string {
			copyFile(x.t, x.path("members/li.yaml"), x.path("../li.yaml"))
			os.Remove(x.path("members/li.yaml"))
			x.symlink(x.path("../li.yaml"), x.path("members/li.yaml"))
			return "members/li.yaml"
		}},
		// The policy.
		{"policy edited to let clerks read 绝密", func(x *tamper) string {
			x.replace("crm.yaml", "readers: [manager, gm]", "readers: [clerk, manager, gm]")
			return "crm.yaml"
		}},
		{"policy replaced by a symbolic link", func(x *tamper) string {
			copyFile(x.t, x.path("crm.yaml"), x.path("../crm.yaml"))
			os.Remove(x.path("crm.yaml"))
			x.symlink(x.path("../crm.yaml"), x.path("crm.yaml"))
			return "crm.yaml"
		}},
		{"policy that no longer parses", func(x *tamper) string {
			x.replace("crm.yaml", "format: crm/v1", "format: [")
			return "crm.yaml"
		}},
		// git's files.
		{".gitattributes deleted", func(x *tamper) string {
			os.Remove(x.path(".gitattributes"))
			return ".gitattributes"
		}},
		{".gitattributes makes ciphertext text", func(x *tamper) string {
			x.write(".gitattributes", append(x.read(".gitattributes"), "*.age text\n"...))
			return ".gitattributes"
		}},
		{".gitattributes gives the journal CRLF", func(x *tamper) string {
			x.write(".gitattributes", append(x.read(".gitattributes"), "journal/** eol=crlf\n"...))
			return ".gitattributes"
		}},
		{".gitattributes runs a filter on ciphertext", func(x *tamper) string {
			x.write(".gitattributes", append(x.read(".gitattributes"), "dossiers/*.age filter=lfs\n"...))
			return ".gitattributes"
		}},
		{".gitattributes merges ciphertext as a union", func(x *tamper) string {
			x.write(".gitattributes", append(x.read(".gitattributes"), "*.age merge=union\n"...))
			return ".gitattributes"
		}},
		{".gitignore ignores the journal", func(x *tamper) string {
			x.write(".gitignore", append(x.read(".gitignore"), "journal/2026/\n"...))
			return ".gitignore"
		}},
		{".gitignore ignores the dossiers", func(x *tamper) string {
			x.write(".gitignore", append(x.read(".gitignore"), "*.age\n"...))
			return ".gitignore"
		}},
		// The templates.
		{"template override nobody pinned", func(x *tamper) string {
			x.write("templates/dossier/standard.yaml", []byte("customer:\n  name:\n  身份证号:\n"))
			return "templates/dossier/standard.yaml"
		}},
		{"pinned template override changed", func(x *tamper) string {
			x.write("templates/reports/monthly.yaml", []byte("title: 月报（无密级标志）\n"))
			return "templates/reports/monthly.yaml"
		}},
		{"pinned template override deleted", func(x *tamper) string {
			os.Remove(x.path("templates/reports/monthly.yaml"))
			return "templates/reports/monthly.yaml"
		}},
		{"template override replaced by a symbolic link", func(x *tamper) string {
			copyFile(x.t, x.path("templates/reports/monthly.yaml"), x.path("../monthly.yaml"))
			os.Remove(x.path("templates/reports/monthly.yaml"))
			x.symlink(x.path("../monthly.yaml"), x.path("templates/reports/monthly.yaml"))
			return "templates/reports/monthly.yaml"
		}},
	}
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTamperMatrix(t *testing.T) {
	b := newTamperBase(t)
	verify := func(dir string) ([]archive.Problem, error) {
		a, err := archive.Open(ctx, dir, func() time.Time { return b.checks })
		if err != nil {
			return nil, err
		}
		return a.Verify(ctx)
	}
	// No false alarm on the untouched archive, nor on a copy of it.
	clean := filepath.Join(t.TempDir(), "arc")
	copyTree(t, b.f.dir, clean)
	for _, dir := range []string{b.f.dir, clean} {
		if ps, err := verify(dir); err != nil || len(ps) > 0 {
			t.Fatalf("untouched archive: %v %v", ps, err)
		}
	}
	cases := tamperCases(b)
	if len(cases) < 40 {
		t.Fatalf("the matrix has %d cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.skipOnWindows(t)
			dir := filepath.Join(t.TempDir(), "arc")
			copyTree(t, b.f.dir, dir)
			x := &tamper{t: t, b: b, dir: dir, when: b.f.now.Add(time.Minute)}
			want := c.do(x)
			ps, err := verify(dir)
			if err != nil {
				// An archive that cannot even be opened is reported
				// as an integrity error naming the file.
				if archive.CodeOf(err) != archive.Integrity || !strings.Contains(err.Error(), want) {
					t.Fatalf("open: %v, want an integrity error naming %s", err, want)
				}
				return
			}
			for _, p := range ps {
				if p.Path == want {
					t.Logf("%s", p)
					return
				}
			}
			t.Fatalf("verify did not name %s: %v", want, ps)
		})
	}
}

// A member file edited to give another signing key: a fresh read checks
// every event's signature with the keys the member files give as it reads
// (journal.ReadHinted). Those verdicts must count for nothing: the
// member's events are judged by the journal's key, so the event the
// stranger's key signed is named, the member file is named, and nothing
// else is.
func TestMemberFileKeyIsOnlyAHint(t *testing.T) {
	b := newTamperBase(t)
	for _, forge := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "arc")
		copyTree(t, b.f.dir, dir)
		x := &tamper{t: t, b: b, dir: dir, when: b.f.now.Add(time.Minute)}
		pub, k, _ := ed25519.GenerateKey(nil)
		m := string(x.read("members/li.yaml"))
		i := strings.Index(m, "signing_key: ")
		j := strings.IndexByte(m[i:], '\n')
		x.write("members/li.yaml", []byte(m[:i]+"signing_key: "+archive.EncodeSigningKey(pub)+m[i+j:]))
		want := []string{"members/li.yaml"}
		if forge {
			// A step li may take: her own 核定 of C-1 (a clerk's).
			p := x.sign(k, "li", archive.KindReview, b.c1, &archive.ReviewData{Quarter: "2026Q4", Note: "伪造"})
			want = append([]string{p}, want...)
		}
		a, err := archive.Open(ctx, dir, func() time.Time { return b.checks })
		if err != nil {
			t.Fatal(err)
		}
		ps, err := a.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Path)
			if strings.HasPrefix(p.Path, "journal/") && !strings.Contains(p.Msg, "signature does not verify") {
				t.Errorf("forge=%v: %s", forge, p)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("forge=%v: verify named %v, want %v:\n%v", forge, got, want, ps)
		}
	}
}
