package archive_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"crm/archive"
	"crm/archive/journal"
)

// A dossier written by crm decrypts with the stock age library and an
// identity in the format age-keygen writes (the test builds one with the
// library's own generator, which is what age-keygen calls).
func TestDossierReadableByStockAge(t *testing.T) {
	dir := t.TempDir()
	raw, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "age-keygen.txt")
	text := "# created: 2026-11-22T09:00:00+08:00\n# public key: " + raw.Recipient().String() + "\n" + raw.String() + "\n"
	if err := os.WriteFile(keyFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := archive.LoadIdentity(keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := newArchive(t, id)
	cid, err := a.Create([]byte(sample), "绝密")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := os.ReadFile(filepath.Join(a.Dir, "dossiers", cid+".age"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(ct), ids...)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	if got.String() != sample {
		t.Fatalf("stock age decrypted %q, want %q", got.String(), sample)
	}
}

// The signing key is derived deterministically and differs per identity.
func TestDeriveSigningKey(t *testing.T) {
	a, b := newIdentity(t), newIdentity(t)
	again, err := archive.ParseIdentityText([]byte(a.Age.(*age.X25519Identity).String()))
	if err != nil {
		t.Fatal(err)
	}
	if again.SigningKey() != a.SigningKey() {
		t.Fatal("the same identity derived two signing keys")
	}
	if a.SigningKey() == b.SigningKey() {
		t.Fatal("two identities derived the same signing key")
	}
	if _, err := archive.ParseSigningKey(a.SigningKey()); err != nil {
		t.Fatal(err)
	}
}

func TestPassphraseIdentity(t *testing.T) {
	text, id, err := archive.GenerateIdentityText(false, fixed())
	if err != nil {
		t.Fatal(err)
	}
	enc, err := archive.EncryptIdentityText(text, "口令 secret", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !archive.IsEncryptedIdentity(enc) || bytes.Contains(enc, []byte("AGE-SECRET-KEY")) {
		t.Fatal("protected identity is not an armored age file")
	}
	p := filepath.Join(t.TempDir(), "k")
	os.WriteFile(p, enc, 0o600)
	got, err := archive.LoadIdentity(p, func() (string, error) { return "口令 secret", nil })
	if err != nil || got.Recipient != id.Recipient {
		t.Fatalf("LoadIdentity = %v, %v", got, err)
	}
	_, err = archive.LoadIdentity(p, func() (string, error) { return "wrong", nil })
	if err == nil || !strings.Contains(err.Error(), "wrong passphrase") || archive.CodeOf(err) != archive.Denied {
		t.Fatalf("wrong passphrase: %v (code %d)", err, archive.CodeOf(err))
	}
}

func TestEventSignRoundTrip(t *testing.T) {
	id := newIdentity(t)
	b, err := journal.Sign(journal.Header{Kind: "dossier.update", Time: fixed(), Actor: "li", Dossier: "C-000001", Prev: []string{strings.Repeat("ab", 32)}}, &archive.DossierUpdate{Fields: []string{"owner"}}, id.Signer())
	if err != nil {
		t.Fatal(err)
	}
	e, err := journal.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := archive.ParseSigningKey(id.SigningKey())
	if !e.Verify(pub) {
		t.Fatal("signature does not verify")
	}
	if e.Kind != "dossier.update" || e.Actor != "li" || e.Dossier != "C-000001" || !e.Time.Equal(fixed()) {
		t.Fatalf("parsed %+v", e)
	}
	// One changed byte in the body breaks the signature.
	bad := bytes.Replace(b, []byte("actor: li"), []byte("actor: lj"), 1)
	e2, err := journal.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if e2.Verify(pub) {
		t.Fatal("a changed body still verifies")
	}
	for _, in := range []string{"", "kind: x\n", "kind: x\nsignature: AAAA\n", string(b[:len(b)-1])} {
		if _, err := journal.Parse([]byte(in)); err == nil {
			t.Errorf("ParseEvent(%q) accepted", in)
		}
	}
}

func TestChangedFields(t *testing.T) {
	old := []byte("# a\ncustomer:\n  name: x\n  industry: y\nowner: z\nbasic:\n  owners: [a, b]\n")
	cases := []struct {
		new  string
		want []string
	}{
		{"# a\ncustomer:\n  name: x\n  industry: y\nowner: z\nbasic:\n  owners: [a, b]\n", nil},
		{"owner: z\ncustomer:\n  industry: y\n  name: x # moved, commented\nbasic:\n  owners: [a, b]\n", nil},
		{"customer:\n  name: x2\n  industry: y\nowner: z\nbasic:\n  owners: [a]\n", []string{"basic.owners", "customer.name"}},
		{"customer:\n  name: x\nowner: z\nnotes: new\nbasic:\n  owners: [a, b]\n", []string{"customer.industry", "notes"}},
	}
	for _, c := range cases {
		got, err := archive.ChangedFields(old, []byte(c.new))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ChangedFields(%q) = %v, want %v", c.new, got, c.want)
		}
	}
}

// An old text kept with a key given twice in extra: (crm took it before
// new and edit refused it) does not stop the edit that mends it: every
// field of the new text counts as changed. A new text with a key given
// twice is still an error.
func TestChangedFieldsOfTwiceGiven(t *testing.T) {
	twice := []byte("customer:\n  name: x\nowner: z\nextra:\n  a: 1\n  a: 2\n")
	mended := []byte("customer:\n  name: x\nowner: z\nextra:\n  a: 2\n")
	got, err := archive.ChangedFields(twice, mended)
	if want := []string{"customer.name", "extra.a", "owner"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("ChangedFields from a text with a key twice = %v, %v; want %v", got, err, want)
	}
	if _, err := archive.ChangedFields(mended, twice); err == nil {
		t.Fatal("a new text with a key given twice mapped")
	}
}

func TestParseDossierErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"customer:\n  name: x\n", "owner: is required"},
		{"customer:\n  name: x\nowner: y\nrelationship: 朋友\n", `line 4: relationship: "朋友" is not one of`},
		{"customer:\n  name: x\n  founded: 2020-02-30\nowner: y\n", `line 3: customer.founded: "2020-02-30" is not a date`},
		{"customer:\n  name: x\nowner: y\ncredit_survey:\n  score: -1\n", "credit_survey.score: -1 is outside 0–100"},
		{"customer:\n  name: x\nowner: y\nyearly_sales: lots\n", "line 4: yearly_sales: cannot unmarshal"},
		{"- a\n- b\n", "must be a YAML mapping"},
		{"customer:\n  name: x\nowner: y\nbasic:\n  key_people:\n    - name: z\n      nick: q\n", `line 7: basic.key_people[0].nick: unknown field "nick"`},
		{"customer:\n  name: x\n  colour: red\nowner: y\n", `line 3: customer.colour: unknown field "colour"`},
		{"customer:\n  name: x\nowner: y\nowner: z\n", `already defined`},
		{"customer:\n  name: x\n  founded: {a: 1}\nowner: y\n", `a date must be a single value`},
		{"customer:\n  name: x\n  founded: 2020-01-02\n  trading_since: 2019-01-01\nowner: y\n", "customer.trading_since: is before customer.founded"},
	}
	for _, c := range cases {
		_, err := archive.ParseDossier([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseDossier(%q) = %v, want it to mention %q", c.in, err, c.want)
		}
	}
	if _, err := archive.ParseDossier([]byte("# only a comment\n")); err != archive.ErrEmptyDossier {
		t.Errorf("comment-only dossier: %v", err)
	}
	leap := "customer:\n  name: x\n  founded: 2024-02-29\nowner: y\n"
	if _, err := archive.ParseDossier([]byte(leap)); err != nil {
		t.Errorf("leap day rejected: %v", err)
	}
}

func TestCheckID(t *testing.T) {
	for _, ok := range []string{"C-000001", "c_1", "X"} {
		if err := archive.CheckID(ok); err != nil {
			t.Errorf("CheckID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../x", "a/b", ".", "..", "C-1.age", "-x", "a b", "名字", strings.Repeat("a", 65)} {
		if err := archive.CheckID(bad); err == nil || archive.CodeOf(err) != archive.Usage {
			t.Errorf("CheckID(%q) accepted or wrong code: %v", bad, err)
		}
	}
}

// Two writers who branch the journal (as after a git merge) leave two
// heads; the next event follows both and verify stays clean.
func TestJournalBranchesMerge(t *testing.T) {
	id := newIdentity(t)
	a := newArchive(t, id)
	genesis := a.State.Journal.Heads
	// Simulate a second clone writing a create at the same time: an
	// event that also follows only the genesis.
	if _, err := a.Create([]byte(sample), ""); err != nil {
		t.Fatal(err)
	}
	b, err := journal.Sign(journal.Header{Kind: "member.roles", Time: fixed().Add(time.Minute), Actor: "zhang", Dossier: "", Prev: genesis}, &archive.MemberRoles{Member: "zhang", Roles: []string{"gm", "manager"}}, id.Signer())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := journal.Parse(b)
	p := filepath.Join(a.Dir, "journal", "2026", "11", "20261122T010100Z-"+e.Hash+".yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	a2, err := archive.Open(ctx, a.Dir, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a2.State.Journal.Heads); n != 2 {
		t.Fatalf("%d heads after a branch, want 2", n)
	}
	if err := a2.SetIdentity(id); err != nil {
		t.Fatal(err)
	}
	// The next write follows both heads.
	if err := a2.SetRoles(ctx, "zhang", []string{"manager"}); err != nil {
		t.Fatal(err)
	}
	last := a2.State.Journal.Events[len(a2.State.Journal.Events)-1]
	if len(last.Prev) != 2 {
		t.Fatalf("merge event follows %d events, want 2", len(last.Prev))
	}
	ps, err := a2.Verify(ctx)
	if err != nil || len(ps) != 0 {
		t.Fatalf("verify after merge: %v %v", ps, err)
	}
}

func TestParseDossierRejectsOddNumbersAndDocuments(t *testing.T) {
	for _, in := range []string{
		"customer:\n  name: x\nowner: y\nyearly_sales: .nan\n",
		"customer:\n  name: x\nowner: y\ncredit_survey:\n  capital: -.inf\n",
		"customer:\n  name: x\nowner: y\n---\ncustomer:\n  name: hidden\n",
	} {
		if _, err := archive.ParseDossier([]byte(in)); err == nil {
			t.Errorf("ParseDossier(%q) accepted", in)
		}
	}
}

// A policy whose credit thresholds or grade shares make no sense is refused
// when read, so list and reports cannot fall back to different defaults.
func TestPolicyChecksClassificationSettings(t *testing.T) {
	raw, err := archive.DefaultPolicyText("测试", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.ParsePolicy(raw); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	for old, bad := range map[string]string{
		"thresholds: {A: 80, B: 60, C: 40}": "thresholds: {A: 40, B: 60, C: 80}",
		"a_share: 0.2":                      "a_share: 0.9",
	} {
		b := bytes.Replace(raw, []byte(old), []byte(bad), 1)
		if bytes.Equal(b, raw) {
			t.Fatalf("template has no %q", old)
		}
		if _, err := archive.ParsePolicy(b); err == nil {
			t.Errorf("policy with %q accepted", bad)
		}
	}
}
