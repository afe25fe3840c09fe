package archive_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"crm/archive"
)

func TestCreateRecordsLevelDates(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "")
	d := f.as("li").State.Dossiers[id]
	if d.Level != "秘密" || d.Period.String() != "10y" || day(d.LevelSetOn) != "2026-11-22" || day(d.Expires) != "2036-11-22" {
		t.Fatalf("got level %s period %s set %s expires %s", d.Level, d.Period, day(d.LevelSetOn), day(d.Expires))
	}
	f.verifyClean()
}

func TestSetLevelRaiseAndLower(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "")
	if _, err := f.as("li").Read(id); err != nil {
		t.Fatal(err)
	}
	// A supervisor may not raise to 绝密; a clerk may not classify at all.
	for _, m := range []string{"li", "su"} {
		_, err := f.as(m).SetLevel(id, "绝密", "", "key deal")
		if archive.CodeOf(err) != archive.Denied {
			t.Fatalf("%s raising to 绝密: %v, want exit 3", m, err)
		}
	}
	ch, err := f.as("zhang").SetLevel(id, "top-secret", "", "key deal")
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Changed || ch.OldLevel != "秘密" || ch.Level != "绝密" || day(ch.Expires) != "2056-11-22" {
		t.Fatalf("got %+v", ch)
	}
	if _, err := f.as("li").Read(id); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("clerk reading 绝密: %v, want exit 3", err)
	}
	if _, err := f.as("zhang").Read(id); err != nil {
		t.Fatal(err)
	}
	f.verifyClean()
	// Same level again: nothing written.
	n := len(f.as("zhang").State.Journal.Events)
	if ch, err := f.as("zhang").SetLevel(id, "绝密", "", "again"); err != nil || ch.Changed {
		t.Fatalf("same level: %+v %v", ch, err)
	}
	if m := len(f.as("zhang").State.Journal.Events); m != n {
		t.Fatalf("same level wrote %d events", m-n)
	}
	if _, err := f.as("zhang").SetLevel(id, "秘密", "1d", "deal closed"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("li").Read(id); err != nil {
		t.Fatalf("clerk after lowering: %v", err)
	}
	ev := f.as("li").State.Dossiers[id].Events
	last := ev[len(ev)-1]
	var c archive.DossierClassify
	if err := last.Decode(&c); err != nil || last.Kind != archive.KindDossierClassify || c.OldLevel != "绝密" || c.Level != "秘密" || c.Period != "1d" || c.Expires != "2026-11-23" || c.Reason != "deal closed" {
		t.Fatalf("event %s %+v %v", last.Kind, c, err)
	}
	f.verifyClean()
}

func TestSetLevelBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "")
	n := len(f.as("zhang").State.Journal.Events)
	// The errors name the input at fault (the command turns it into a flag).
	for _, c := range []struct{ level, period, reason, field string }{
		{"超密", "", "r", ""},
		{"机密", "", " ", "reason"},
		{"机密", "-1y", "r", "period"},
		{"机密", "ten years", "r", "period"},
		{"机密", "0d", "r", "period"},
	} {
		_, err := f.as("zhang").SetLevel(id, c.level, c.period, c.reason)
		var e *archive.Error
		if !errors.As(err, &e) || e.Code != archive.Usage || e.Field != c.field {
			t.Errorf("%+v: %v, want a usage error about %q", c, err, c.field)
		}
	}
	if _, err := f.as("zhang").SetLevel("C-999999", "机密", "", "r"); err == nil {
		t.Error("unknown dossier: no error")
	}
	if m := len(f.as("zhang").State.Journal.Events); m != n {
		t.Fatalf("bad input wrote %d events", m-n)
	}
}

func TestDeclassifyExpired(t *testing.T) {
	f := newFixture(t)
	secret := f.createAs("zhang", testDossier, "机密")
	long := f.createAs("zhang", testDossier, "机密")
	if _, err := f.as("zhang").SetLevel(secret, "机密", "1d", "short"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("zhang").SetLevel(long, "绝密", "长期", "forever"); err != nil {
		t.Fatal(err)
	}
	// Not yet: the period ends tomorrow.
	if n, err := f.as("zhang").DeclassifyExpired(ctx); n != 0 || err != nil {
		t.Fatalf("before expiry: %d %v", n, err)
	}
	// The day it ends it is 内部 for list, but the file is still encrypted to
	// 机密's readers and verify is clean.
	f.now = f.now.AddDate(0, 0, 1)
	a := f.as("li")
	d := a.State.Dossiers[secret]
	if a.EffectiveLevel(d) != "内部" || d.Level != "机密" {
		t.Fatalf("effective %s recorded %s", a.EffectiveLevel(d), d.Level)
	}
	es, _ := a.List(ctx, true)
	if es[0].Level != "内部" || es[0].MarkedLevel != "机密" || es[1].Level != "绝密" {
		t.Fatalf("list: %+v", es)
	}
	f.verifyClean()
	if _, err := a.Read(secret); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("clerk before the declassify run: %v", err)
	}
	// A clerk cannot open it, so she cannot declassify it.
	if n, err := f.as("li").DeclassifyExpired(ctx); n != 0 || archive.CodeOf(err) != archive.Denied || !strings.Contains(err.Error(), secret) {
		t.Fatalf("clerk: %d %v", n, err)
	}
	n, err := f.as("zhang").DeclassifyExpired(ctx)
	if n != 1 || err != nil {
		t.Fatalf("declassify: %d %v", n, err)
	}
	a = f.as("li")
	d = a.State.Dossiers[secret]
	if d.Level != "内部" || !d.Expires.IsZero() || !d.Period.Long {
		t.Fatalf("after: %+v", d)
	}
	if _, err := a.Read(secret); err != nil {
		t.Fatalf("clerk after declassification: %v", err)
	}
	if !slices.Equal(d.Recipients, a.State.ExpectedRecipients(d)) {
		t.Fatalf("recipients %v", d.Recipients)
	}
	f.verifyClean()
	// 长期 never expires.
	f.now = f.now.AddDate(500, 0, 0)
	if n, err := f.as("zhang").DeclassifyExpired(ctx); n != 0 || err != nil {
		t.Fatalf("长期: %d %v", n, err)
	}
}

func TestCreditAndTierOverrides(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "")
	if _, _, err := f.as("li").SetCredit(id, "D", "late payments"); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("clerk: %v", err)
	}
	for _, c := range []struct{ class, reason string }{{"E", "r"}, {"", "r"}, {"D", ""}} {
		if _, _, err := f.as("su").SetCredit(id, c.class, c.reason); archive.CodeOf(err) != archive.Usage {
			t.Errorf("%+v: %v, want exit 2", c, err)
		}
	}
	old, changed, err := f.as("su").SetCredit(id, "d", "late payments")
	if err != nil || !changed || old != "A" {
		t.Fatalf("credit: %q %v %v", old, changed, err)
	}
	if _, _, err := f.as("su").SetTier(id, "超级", "r"); archive.CodeOf(err) != archive.Usage {
		t.Fatalf("bad tier: %v", err)
	}
	if _, changed, err := f.as("su").SetTier(id, "key", "strategic"); err != nil || !changed {
		t.Fatalf("tier: %v %v", changed, err)
	}
	a := f.as("li")
	d := a.State.Dossiers[id]
	if d.Credit != "D" || d.Tier != "重点" || d.CreditReason != "late payments" {
		t.Fatalf("state %+v", d)
	}
	es, err := a.List(ctx, true)
	if err != nil || es[0].Credit != "D" || !es[0].Dangerous || es[0].Tier != "重点" {
		t.Fatalf("list %+v %v", es, err)
	}
	f.verifyClean()
}

func TestAssess(t *testing.T) {
	f := newFixture(t)
	big := f.createAs("li", "customer:\n  name: 大\nowner: 李四\nrelationship: 重要业务往来\nyearly_sales: 1000\ncredit_survey:\n  score: 39\n", "秘密")
	small := f.createAs("li", "customer:\n  name: 小\nowner: 李四\nyearly_sales: 10\n", "")
	hidden := f.createAs("zhang", testDossier, "绝密")
	a := f.as("li")
	es, _ := a.List(ctx, true)
	as := a.Assess(es)
	if len(as) != 3 {
		t.Fatalf("%d assessments", len(as))
	}
	x := as[0]
	if x.ID != big || x.SuggestedLevel != "机密" || x.LevelRule.ID != "R7.2.3" || x.Credit != "D" || !x.Dangerous || x.CreditLimit == nil || *x.CreditLimit != 0 || x.Grade != "A" || x.Tier != "重点" {
		t.Fatalf("big: %+v", x)
	}
	x = as[1]
	if x.ID != small || x.SuggestedLevel != "秘密" || x.Credit != "" || x.Tier != "普通" {
		t.Fatalf("small: %+v", x)
	}
	x = as[2]
	if x.ID != hidden || x.Readable || x.Level != "绝密" || x.SuggestedTier != "" {
		t.Fatalf("hidden: %+v", x)
	}
}

func TestVerifyFlagsEarlyDeclassify(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("zhang", testDossier, "机密")
	a := f.as("zhang")
	// Forge a declassification long before the period ends: a real key,
	// the rule not checked.
	d := a.State.Dossiers[id]
	if err := a.ForgeFile(id, a.State.RecipientsAt(d, "内部", "", ""), archive.KindDossierDeclassify, &archive.DossierDeclassify{OldLevel: "机密", Level: "内部", Expired: "2046-11-22"}); err != nil {
		t.Fatal(err)
	}
	// The early step is reported and does not count, so the file it wrote
	// is not the one the journal pins either.
	ps, err := a.Verify(ctx)
	found := false
	for _, p := range ps {
		found = found || strings.Contains(p.Msg, "declassified before its secrecy period ran out")
	}
	if err != nil || !found || len(ps) != 2 {
		t.Fatalf("verify: %v %v", ps, err)
	}
	if a2, err := archive.Open(ctx, a.Dir, f.clock); err != nil || a2.State.Dossiers[id].Level != "机密" {
		t.Fatalf("the early declassification counted: %v", err)
	}
}

// R7.2.3: a new dossier takes the level its relationship gives unless one
// is asked for, and nobody creates a dossier they could not read.
func TestNewDossierLevelFromRelationship(t *testing.T) {
	f := newFixture(t)
	rights := "customer:\n  name: 权益\nowner: 李四\nrelationship: 直接影响公司权益\n"
	a := f.as("li")
	c, err := a.CheckCreate([]byte(rights), "")
	wantCode(t, err, archive.Denied, "the relationship 直接影响公司权益 makes the dossier 绝密 (R7.2.3), and you (li) could not read a 绝密 dossier")
	if c.Level != "绝密" || c.Given || c.Suggested != "绝密" {
		t.Fatalf("choice %+v", c)
	}
	_, err = a.Create([]byte(sample), "机密")
	wantCode(t, err, archive.Denied, "you (li) could not read a 机密 dossier once it is written (its readers: supervisor, manager, gm)")
	if n := len(f.as("li").State.Dossiers); n != 0 {
		t.Fatalf("%d dossiers written", n)
	}
	id := f.createAs("zhang", rights, "")
	if l := f.as("zhang").State.Dossiers[id].Level; l != "绝密" {
		t.Fatalf("level %s, want 绝密", l)
	}
	// --level wins over the suggestion; without a relationship, the default.
	c, err = f.as("zhang").CheckCreate([]byte(rights), "秘密")
	if err != nil || c.Level != "秘密" || !c.Given || c.Suggested != "绝密" {
		t.Fatalf("given: %+v %v", c, err)
	}
	if c, err := f.as("li").CheckCreate([]byte(sample), ""); err != nil || c.Level != "秘密" || c.Suggested != "" {
		t.Fatalf("default: %+v %v", c, err)
	}
	f.verifyClean()
}

// A whole replay makes the classification and 核定 registers as big as
// they grow at once (registerSizes counts every kind that adds to them):
// they are never grown an entry at a time, which at 100,000 dossiers
// allocated 500 MB for the 核定 register alone.
func TestReplayMakesTheRegistersToSize(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("li", testDossier, "")
	other := f.createAs("zhang", testDossier, "机密")
	third := f.createAs("li", testDossier, "")
	if _, err := f.as("zhang").SetLevel(other, "机密", "1d", "short"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetCredit(id, "D", "late payments"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetTier(id, "key", "strategic"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{id, other, third} { // three: appends alone would make room for four
		if _, err := f.as("zhang").ReviewDone(d, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.now = f.now.AddDate(0, 0, 1)
	if n, err := f.as("zhang").DeclassifyExpired(ctx); n != 1 || err != nil {
		t.Fatalf("declassify: %d %v", n, err)
	}
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock}) // no cache: a whole replay
	if err != nil {
		t.Fatal(err)
	}
	s := a.State
	changes, reviews := archive.RegisterSizes(s.Journal)
	kinds := map[archive.ChangeKind]bool{}
	for _, c := range s.Changes {
		kinds[c.Kind] = true
	}
	if len(kinds) < 4 || len(s.Reviews) != 3 {
		t.Fatalf("the fixture made %d kinds of change (%v) and %d 核定", len(kinds), kinds, len(s.Reviews))
	}
	if cap(s.Changes) != changes || cap(s.Reviews) != reviews {
		t.Fatalf("registers of %d/%d entries have room for %d/%d, made for %d/%d: grown as replayed", len(s.Changes), len(s.Reviews), cap(s.Changes), cap(s.Reviews), changes, reviews)
	}
}

// A register whose counted events all fail is nil after a replay, as a
// snapshot gives it back (from the review of the registers made to size).
func TestReplayLeavesAnEmptyRegisterNil(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	f.writeEvent("li", archive.KindReview, id, archive.ReviewData{Quarter: "1999Q1"}) // refused: before the dossier
	a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.State.Problems) == 0 || a.State.Reviews != nil {
		t.Fatalf("%d problems, 核定 register nil %v (len %d)", len(a.State.Problems), a.State.Reviews == nil, len(a.State.Reviews))
	}
}
