package classify

import (
	"strings"
	"testing"
	"time"
)

func intp(n int) *int { return &n }

func TestSuggest(t *testing.T) {
	today := date("2026-03-10")
	tests := []struct {
		name string
		in   SuggestInput

		level, effective Level
		levelRule        string // rule ID
		expires          string // "" for none
		credit           CreditClass
		dangerous        bool
		tier             Tier
		problems         []string // substrings, in order
	}{
		{
			name: "R7.2.3 raises an ordinary dossier; R8 A; tier from grade",
			in: SuggestInput{Relationship: "重要业务往来", CurrentLevel: Secret, LevelSetOn: date("2020-01-01"),
				Period: Period{Years: 10}, Today: today, Score: intp(80), Grade: GradeA, Sales: 1e6},
			level: Confidential, effective: Secret, levelRule: "R7.2.3", expires: "2030-01-01",
			credit: CreditA, tier: TierKey,
		},
		{
			name: "R7.2.4 period ends today: declassified whatever the relationship",
			in: SuggestInput{Relationship: "直接影响公司权益", CurrentLevel: Secret, LevelSetOn: date("2016-03-10"),
				Period: Period{Years: 10}, Today: today, Score: intp(39), Sales: 0},
			level: Internal, effective: Internal, levelRule: "R7.2.4", expires: "2026-03-10",
			credit: CreditD, dangerous: true, tier: TierPotential,
		},
		{
			name: "period ends tomorrow: still marked",
			in: SuggestInput{Relationship: "一般业务往来", CurrentLevel: Secret, LevelSetOn: date("2016-03-11"),
				Period: Period{Years: 10}, Today: today, Sales: 5, Grade: GradeC},
			level: Secret, effective: Secret, levelRule: "R7.2.3", expires: "2026-03-11",
			tier: TierOrdinary,
		},
		{
			name:  "no relationship keeps the level; no survey, no class",
			in:    SuggestInput{CurrentLevel: Confidential, LevelSetOn: date("2020-01-01"), Period: Period{Long: true}, Today: today},
			level: Confidential, effective: Confidential, levelRule: "R7.2.3",
			tier: TierPotential,
		},
		{
			name: "bad input is reported, the rest still suggested",
			in: SuggestInput{Relationship: "朋友", CurrentLevel: Secret, Today: today, Score: intp(101),
				ExplicitTier: "VIP", Sales: 3},
			level: Secret, effective: Secret, levelRule: "R7.2.3",
			tier:     TierOrdinary,
			problems: []string{`unknown relationship "朋友"`, "score 101 is out of range", `unknown customer tier "VIP"`},
		},
		{
			name:  "nothing known",
			in:    SuggestInput{Today: today},
			level: 0, effective: 0, levelRule: "R7.2.3", tier: TierPotential,
			problems: []string{"no secrecy level can be suggested"},
		},
		{
			name: "policy thresholds and explicit tier",
			in: SuggestInput{Relationship: "ordinary", CurrentLevel: Internal, Today: today, Score: intp(85),
				Thresholds: Thresholds{A: 90, B: 70, C: 50}, ExplicitTier: "重点", Sales: 0},
			level: Secret, effective: Internal, levelRule: "R7.2.3", credit: CreditB, tier: TierKey,
		},
		{
			name:  "bad policy thresholds are a problem",
			in:    SuggestInput{Relationship: "ordinary", CurrentLevel: Secret, Today: today, Score: intp(50), Thresholds: Thresholds{A: 10, B: 20, C: 30}},
			level: Secret, effective: Secret, levelRule: "R7.2.3", tier: TierPotential,
			problems: []string{"credit threshold A (10) is not above B (20)"},
		},
	}
	for _, tt := range tests {
		s := Suggest(tt.in)
		if s.CurrentLevel != tt.in.CurrentLevel || s.Level != tt.level || s.EffectiveLevel != tt.effective || s.LevelRule.ID != tt.levelRule {
			t.Errorf("%s: level current %v effective %v suggested %v by %+v; want effective %v suggested %v by %s",
				tt.name, s.CurrentLevel, s.EffectiveLevel, s.Level, s.LevelRule, tt.effective, tt.level, tt.levelRule)
		}
		if s.LevelChanged() != (tt.level != tt.in.CurrentLevel) {
			t.Errorf("%s: LevelChanged = %v", tt.name, s.LevelChanged())
		}
		if tt.expires == "" {
			if !s.Expires.IsZero() {
				t.Errorf("%s: Expires = %v, want none", tt.name, s.Expires)
			}
		} else if !s.Expires.Equal(date(tt.expires)) {
			t.Errorf("%s: Expires = %v, want %s", tt.name, s.Expires, tt.expires)
		}
		if s.Credit != tt.credit || s.Dangerous != tt.dangerous {
			t.Errorf("%s: credit %q dangerous %v, want %q %v", tt.name, s.Credit, s.Dangerous, tt.credit, tt.dangerous)
		}
		if tt.in.Score == nil && (s.CreditRule.ID != "R8" || !strings.Contains(s.CreditRule.Text, "尚无信用调查")) {
			t.Errorf("%s: credit rule without survey = %+v", tt.name, s.CreditRule)
		}
		if s.Tier != tt.tier || s.TierRule.ID == "" {
			t.Errorf("%s: tier %q by %+v, want %q", tt.name, s.Tier, s.TierRule, tt.tier)
		}
		if len(s.Problems) != len(tt.problems) {
			t.Errorf("%s: problems %v, want %d", tt.name, s.Problems, len(tt.problems))
			continue
		}
		for i, p := range tt.problems {
			if !strings.Contains(s.Problems[i].Error(), p) {
				t.Errorf("%s: problem %d = %v, want one containing %q", tt.name, i, s.Problems[i], p)
			}
		}
		if s.LevelRule.Text == "" || s.LevelRule.TextEN == "" {
			t.Errorf("%s: level rule has no text: %+v", tt.name, s.LevelRule)
		}
	}
}

// R7.2.4: the declassification rule says when and why.
func TestSuggestDeclassifyRuleText(t *testing.T) {
	s := Suggest(SuggestInput{CurrentLevel: TopSecret, LevelSetOn: date("1996-03-10").Add(20 * time.Hour),
		Period: Period{Years: 30}, Today: date("2026-03-10")})
	for _, want := range []string{"绝密", "1996-03-10", "30y", "2026-03-10", "内部"} {
		if !strings.Contains(s.LevelRule.Text, want) {
			t.Errorf("rule text %q lacks %q", s.LevelRule.Text, want)
		}
	}
	if !strings.Contains(s.LevelRule.TextEN, "declassified") {
		t.Errorf("rule TextEN %q", s.LevelRule.TextEN)
	}
}
