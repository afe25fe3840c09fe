package classify

import (
	"strings"
	"testing"
)

func TestParseCreditClass(t *testing.T) {
	tests := []struct {
		in   string
		want CreditClass
		err  string
	}{
		{"A", CreditA, ""},
		{"b", CreditB, ""},
		{" C ", CreditC, ""},
		{"d", CreditD, ""},
		{"优", CreditA, ""},
		{"良", CreditB, ""},
		{"中", CreditC, ""},
		{"差", CreditD, ""},
		{"", "", "empty credit class: want A, B, C or D (or 优, 良, 中, 差)"},
		{"E", "", `unknown credit class "E"`},
		{"AA", "", `unknown credit class "AA"`},
	}
	for _, tt := range tests {
		got, err := ParseCreditClass(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseCreditClass(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCreditClass(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCreditClassNames(t *testing.T) {
	want := map[CreditClass][2]string{
		CreditA: {"优", "excellent"}, CreditB: {"良", "good"},
		CreditC: {"中", "fair"}, CreditD: {"差", "poor"},
	}
	for _, c := range CreditClasses() {
		if !c.Valid() || c.Chinese() != want[c][0] || c.English() != want[c][1] {
			t.Errorf("%s: Valid %v Chinese %q English %q", c, c.Valid(), c.Chinese(), c.English())
		}
	}
	if CreditClass("E").Valid() || CreditClass("").Valid() {
		t.Error("E or empty is valid")
	}
	var c CreditClass
	if err := c.UnmarshalText([]byte("")); err != nil || c != "" {
		t.Errorf("UnmarshalText(empty) = %q, %v", c, err)
	}
	if err := c.UnmarshalText([]byte("良")); err != nil || c != CreditB {
		t.Errorf("UnmarshalText(良) = %q, %v", c, err)
	}
	if err := c.UnmarshalText([]byte("x")); err == nil {
		t.Error(`UnmarshalText("x") did not fail`)
	}
}

// R8: D customers are dangerous customers (危险客户).
func TestDangerous(t *testing.T) {
	for _, c := range []CreditClass{CreditA, CreditB, CreditC, "", "E"} {
		if Dangerous(c) {
			t.Errorf("Dangerous(%q) = true", c)
		}
	}
	if !Dangerous(CreditD) {
		t.Error("Dangerous(D) = false")
	}
}

// R8: thresholds are 0–100 and strictly decreasing.
func TestThresholdsValidate(t *testing.T) {
	tests := []struct {
		th  Thresholds
		err string
	}{
		{DefaultThresholds(), ""},
		{Thresholds{100, 50, 0}, ""},
		{Thresholds{3, 2, 1}, ""},
		{Thresholds{101, 60, 40}, "credit threshold A is 101: want a score from 0 to 100"},
		{Thresholds{80, -1, -2}, "credit threshold B is -1"},
		{Thresholds{80, 60, -1}, "credit threshold C is -1"},
		{Thresholds{60, 60, 40}, "credit threshold A (60) is not above B (60)"},
		{Thresholds{80, 40, 60}, "credit threshold B (40) is not above C (60)"},
		{Thresholds{}, "credit threshold A (0) is not above B (0)"},
	}
	for _, tt := range tests {
		err := tt.th.Validate()
		if tt.err == "" {
			if err != nil {
				t.Errorf("%+v.Validate() = %v", tt.th, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%+v.Validate() = %v, want an error containing %q", tt.th, err, tt.err)
		}
	}
	if (DefaultThresholds() != Thresholds{A: 80, B: 60, C: 40}) {
		t.Errorf("DefaultThresholds() = %+v", DefaultThresholds())
	}
}

// R8: A ≥ 80, B ≥ 60, C ≥ 40, else D; the boundaries belong to the higher class.
func TestClassifyScore(t *testing.T) {
	def := DefaultThresholds()
	tests := []struct {
		score int
		th    Thresholds
		want  CreditClass
		err   string
	}{
		{100, def, CreditA, ""},
		{80, def, CreditA, ""},
		{79, def, CreditB, ""},
		{60, def, CreditB, ""},
		{59, def, CreditC, ""},
		{40, def, CreditC, ""},
		{39, def, CreditD, ""},
		{0, def, CreditD, ""},
		{90, Thresholds{95, 85, 50}, CreditB, ""},
		{0, Thresholds{100, 50, 0}, CreditC, ""},
		{-1, def, "", "credit survey score -1 is out of range: want a score from 0 to 100"},
		{101, def, "", "credit survey score 101 is out of range"},
		{50, Thresholds{40, 60, 80}, "", "not above"},
	}
	for _, tt := range tests {
		got, rule, err := ClassifyScore(tt.score, tt.th)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ClassifyScore(%d, %+v) error = %v, want one containing %q", tt.score, tt.th, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ClassifyScore(%d, %+v) = %q, %v; want %q", tt.score, tt.th, got, err, tt.want)
		}
		if rule.ID != "R8" || !strings.Contains(rule.Text, got.Chinese()) || !strings.Contains(rule.TextEN, got.English()) {
			t.Errorf("ClassifyScore(%d) rule = %+v", tt.score, rule)
		}
		if Dangerous(got) != strings.Contains(rule.Text, "危险客户") {
			t.Errorf("ClassifyScore(%d): rule %q and Dangerous disagree", tt.score, rule.Text)
		}
	}
}
