package classify

import (
	"strings"
	"testing"
)

// R7.2.2, R7.2.4: four levels, ordered, with Chinese and English names.
func TestLevelOrderAndNames(t *testing.T) {
	want := []struct {
		l      Level
		zh, en string
	}{
		{Internal, "内部", "internal"},
		{Secret, "秘密", "secret"},
		{Confidential, "机密", "confidential"},
		{TopSecret, "绝密", "top-secret"},
	}
	got := Levels()
	if len(got) != len(want) {
		t.Fatalf("Levels() = %v, want %d levels", got, len(want))
	}
	for i, w := range want {
		if got[i] != w.l {
			t.Errorf("Levels()[%d] = %v, want %v", i, got[i], w.l)
		}
		if i > 0 && !(got[i-1] < got[i]) {
			t.Errorf("%v is not below %v", got[i-1], got[i])
		}
		if s := w.l.String(); s != w.zh {
			t.Errorf("%d.String() = %q, want %q", int(w.l), s, w.zh)
		}
		if s := w.l.English(); s != w.en {
			t.Errorf("%d.English() = %q, want %q", int(w.l), s, w.en)
		}
		if !w.l.Valid() {
			t.Errorf("%v.Valid() = false", w.l)
		}
	}
	for _, bad := range []Level{0, -1, TopSecret + 1} {
		if bad.Valid() {
			t.Errorf("Level(%d).Valid() = true", int(bad))
		}
		if s := bad.String(); !strings.HasPrefix(s, "Level(") {
			t.Errorf("Level(%d).String() = %q", int(bad), s)
		}
		if _, err := bad.MarshalText(); err == nil {
			t.Errorf("Level(%d).MarshalText() did not fail", int(bad))
		}
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		err  string // substring of the error, "" for none
	}{
		{"内部", Internal, ""},
		{"秘密", Secret, ""},
		{"机密", Confidential, ""},
		{"绝密", TopSecret, ""},
		{" 绝密\n", TopSecret, ""},
		{"internal", Internal, ""},
		{"SECRET", Secret, ""},
		{"Confidential", Confidential, ""},
		{"top-secret", TopSecret, ""},
		{"  Top-Secret ", TopSecret, ""},
		{"", 0, "empty secrecy level"},
		{"   ", 0, "empty secrecy level"},
		{"topsecret", 0, `unknown secrecy level "topsecret"`},
		{"top secret", 0, `"top secret"`},
		{"公开", 0, `unknown secrecy level "公开"`},
		{"1", 0, "want one of 内部, 秘密, 机密, 绝密 (or internal, secret, confidential, top-secret)"},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseLevel(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestLevelText(t *testing.T) {
	for _, l := range Levels() {
		b, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, l)
		}
	}
	var l Level
	if err := l.UnmarshalText([]byte("x")); err == nil {
		t.Error(`UnmarshalText("x") did not fail`)
	}
}

// R7.2.3: level by relationship.
func TestSuggestLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		err  string
	}{
		{"一般业务往来", Secret, ""},
		{"重要业务往来", Confidential, ""},
		{"直接影响公司权益", TopSecret, ""},
		{" 重要业务往来 ", Confidential, ""},
		{"ordinary", Secret, ""},
		{"Important", Confidential, ""},
		{"RIGHTS", TopSecret, ""},
		{"", 0, "empty relationship: want one of 一般业务往来 (ordinary), 重要业务往来 (important), 直接影响公司权益 (rights)"},
		{"一般", 0, `unknown relationship "一般": want one of`},
	}
	for _, tt := range tests {
		got, rule, err := SuggestLevel(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SuggestLevel(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("SuggestLevel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if rule.ID != "R7.2.3" || !strings.Contains(rule.Text, tt.want.String()) || !strings.Contains(rule.TextEN, tt.want.English()) {
			t.Errorf("SuggestLevel(%q) rule = %+v", tt.in, rule)
		}
	}
	if got := Relationships(); len(got) != 3 || got[0] != "一般业务往来" {
		t.Errorf("Relationships() = %v", got)
	}
}

func TestRuleString(t *testing.T) {
	r := Rule{ID: "R8", Text: "x"}
	if r.String() != "R8: x" {
		t.Errorf("String() = %q", r.String())
	}
	if (Rule{Text: "y"}).String() != "y" {
		t.Error("a rule without ID should print its text only")
	}
}
