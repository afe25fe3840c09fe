package archive_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
)

// A dossier.declassify is dated no earlier than the moment its secrecy
// period ran out: 00:00 of the expiry day in the policy's zone
// (Asia/Shanghai here), not a day of tolerance before it. A signer whose
// clock is ahead, or forged, by an hour or by 23 hours declassifies
// nothing; one dated exactly then does.
func TestReplayRefusesEarlyDeclassify(t *testing.T) {
	// Set on 2026-11-22 (Shanghai) for 2 days: expires 2026-11-24, which
	// begins at 2026-11-23 16:00 UTC.
	runsOut := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		before time.Duration
		early  bool
	}{{23 * time.Hour, true}, {time.Hour, true}, {time.Second, true}, {0, false}} {
		f := newFixture(t)
		id := f.createAs("zhang", testDossier, "机密")
		if _, err := f.as("zhang").SetLevel(id, "机密", "2d", "short"); err != nil {
			t.Fatal(err)
		}
		if d := f.as("zhang").State.Dossiers[id]; day(d.Expires) != "2026-11-24" {
			t.Fatalf("expires %s", day(d.Expires))
		}
		// The forger's clock reads c.before before the period runs out.
		f.now = runsOut.Add(-c.before)
		a := f.as("zhang")
		d := a.State.Dossiers[id]
		if err := a.ForgeFile(id, a.State.RecipientsAt(d, "内部", "", ""), archive.KindDossierDeclassify, &archive.DossierDeclassify{OldLevel: "机密", Level: "内部", Expired: "2026-11-24"}); err != nil {
			t.Fatal(err)
		}
		// Checked by a right clock two days later.
		f.now = runsOut.Add(48 * time.Hour)
		b := f.as("li")
		ps, err := b.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		early := slices.ContainsFunc(ps, func(p archive.Problem) bool {
			return strings.Contains(p.Msg, "declassified before its secrecy period ran out") && strings.Contains(p.Msg, "2026-11-23T16:00:00Z") && strings.Contains(p.Path, "journal/")
		})
		level := b.State.Dossiers[id].Level
		if c.early {
			if !early || level != "机密" {
				t.Errorf("declassify %s before the period ran out: problems %v, level %s; want it refused", c.before, ps, level)
			}
			continue
		}
		if len(ps) > 0 || level != "内部" {
			t.Errorf("declassify exactly when the period ran out: problems %v, level %s; want it accepted", ps, level)
		}
		if at := b.State.DeclassifiedAt(b.State.Dossiers[id], f.now); len(at) != 1 || !at[0].Equal(runsOut) {
			t.Errorf("declassified at %v, want %v", at, runsOut)
		}
	}
}

// A declassification written under an earlier policy was dated by that
// policy's zone, which the journal does not record: a change of the zone
// (here from Asia/Shanghai to Europe/London, eight hours later) makes it
// no problem, and the reports still count it when the period ran out in
// the zone of the policy they are made under, where the register dates it.
func TestDeclassifyUnderEarlierZone(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("zhang", testDossier, "机密")
	if _, err := f.as("zhang").SetLevel(id, "机密", "1d", "short"); err != nil {
		t.Fatal(err)
	}
	// Expires 2026-11-23: 2026-11-22 16:00 UTC in Shanghai.
	f.now = time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)
	if n, err := f.as("zhang").DeclassifyExpired(ctx); n != 1 || err != nil {
		t.Fatalf("declassify: %d %v", n, err)
	}
	// The manager moves the policy to London's zone.
	f.now = f.now.Add(24 * time.Hour)
	f.movePolicyZone(t, "Europe/London")
	f.now = f.now.Add(time.Hour)
	f.verifyClean()
	a := f.as("li")
	d := a.State.Dossiers[id]
	if d.Level != "内部" {
		t.Fatalf("level %s after the zone changed", d.Level)
	}
	london := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if at := a.State.DeclassifiedAt(d, f.now); len(at) != 1 || !at[0].Equal(london) || !a.Policy.RunsOut(d.LevelSetOn).Equal(london) {
		t.Fatalf("declassified at %v, want %v", at, london)
	}
}

// movePolicyZone has the manager move the policy from Asia/Shanghai to
// zone: crm.yaml rewritten and its policy.update journaled.
func (f *fixture) movePolicyZone(t *testing.T, zone string) {
	t.Helper()
	path := filepath.Join(f.dir, archive.PolicyFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(raw), "timezone: Asia/Shanghai", "timezone: "+zone, 1)
	if moved == string(raw) {
		t.Fatal("no timezone in the policy")
	}
	if err := os.WriteFile(path, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(moved))
	f.writeEvent("zhang", archive.KindPolicyUpdate, "", &archive.PolicyUpdate{PolicySHA256: hex.EncodeToString(sum[:])})
}
