package classify

import (
	"strings"
	"testing"
	"time"
)

func TestParseSizeClass(t *testing.T) {
	tests := []struct {
		in   string
		want SizeClass
		err  string
	}{
		{"大型", SizeLarge, ""},
		{"中型", SizeMedium, ""},
		{"小型", SizeSmall, ""},
		{" 个体 ", SizeSoleTrader, ""},
		{"Large", SizeLarge, ""},
		{"sole-trader", SizeSoleTrader, ""},
		{"", "", "empty customer size: want 大型, 中型, 小型 or 个体 (or large, medium, small, sole-trader)"},
		{"巨型", "", `unknown customer size "巨型"`},
	}
	for _, tt := range tests {
		got, err := ParseSizeClass(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSizeClass(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSizeClass(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, c := range SizeClasses() {
		if !c.Valid() || c.English() == "" {
			t.Errorf("%s: Valid %v English %q", c, c.Valid(), c.English())
		}
	}
	if SizeClass("x").Valid() {
		t.Error(`SizeClass("x").Valid() = true`)
	}
}

// "Other classifications": new < 1 year ≤ old < 5 years ≤ loyal.
func TestCooperation(t *testing.T) {
	tests := []struct {
		since, today string
		want         string
	}{
		{"2026-03-10", "2026-03-10", CooperationNew},
		{"2025-03-10", "2026-03-09", CooperationNew},
		{"2025-03-10", "2026-03-10", CooperationOld},
		{"2025-03-10", "2026-03-11", CooperationOld},
		{"2021-03-10", "2026-03-09", CooperationOld},
		{"2021-03-10", "2026-03-10", CooperationLoyal},
		{"1990-01-01", "2026-03-10", CooperationLoyal},
		{"2024-02-29", "2025-02-28", CooperationNew},
		{"2024-02-29", "2025-03-01", CooperationOld},
		{"2024-02-29", "2029-02-28", CooperationOld},
		{"2024-02-29", "2029-03-01", CooperationLoyal},
		{"2027-01-01", "2026-03-10", CooperationNew},
	}
	for _, tt := range tests {
		got, rule := Cooperation(date(tt.since), date(tt.today))
		if got != tt.want {
			t.Errorf("Cooperation(%s, %s) = %q, want %q", tt.since, tt.today, got, tt.want)
		}
		if rule.ID != RuleCooperation || !strings.Contains(rule.Text, tt.want) || !strings.Contains(rule.TextEN, tt.since) {
			t.Errorf("Cooperation(%s, %s) rule = %+v", tt.since, tt.today, rule)
		}
	}
	got, rule := Cooperation(time.Time{}, date("2026-01-01"))
	if got != "" || rule.ID != RuleCooperation || !strings.Contains(rule.Text, "未记录") {
		t.Errorf("Cooperation(zero) = %q, %+v", got, rule)
	}
}

func TestUnmarshalOptional(t *testing.T) {
	var s SizeClass = SizeLarge
	if err := s.UnmarshalText([]byte(" ")); err != nil || s != "" {
		t.Errorf("SizeClass.UnmarshalText(blank) = %q, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("small")); err != nil || s != SizeSmall {
		t.Errorf("SizeClass.UnmarshalText(small) = %q, %v", s, err)
	}
	var tier Tier
	if err := tier.UnmarshalText([]byte("key")); err != nil || tier != TierKey {
		t.Errorf("Tier.UnmarshalText(key) = %q, %v", tier, err)
	}
	var g Grade
	if err := g.UnmarshalText([]byte("b")); err != nil || g != GradeB {
		t.Errorf("Grade.UnmarshalText(b) = %q, %v", g, err)
	}
	for _, u := range []interface{ UnmarshalText([]byte) error }{&s, &tier, &g} {
		if err := u.UnmarshalText([]byte("??")); err == nil {
			t.Errorf("%T.UnmarshalText(??) did not fail", u)
		}
	}
}
