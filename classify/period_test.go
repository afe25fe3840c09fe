package classify

import (
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// R7.2.4: the secrecy period and its forms.
func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		err  string
	}{
		{"10y", Period{Years: 10}, ""},
		{"10Y", Period{Years: 10}, ""},
		{"10", Period{Years: 10}, ""},
		{" 10 ", Period{Years: 10}, ""},
		{"10年", Period{Years: 10}, ""},
		{"10 年", Period{Years: 10}, ""},
		{"30y", Period{Years: 30}, ""},
		{"6m", Period{Months: 6}, ""},
		{"6月", Period{Months: 6}, ""},
		{"6个月", Period{Months: 6}, ""},
		{"1d", Period{Days: 1}, ""},
		{"30天", Period{Days: 30}, ""},
		{"30日", Period{Days: 30}, ""},
		{"2w", Period{Days: 14}, ""},
		{"2周", Period{Days: 14}, ""},
		{"1星期", Period{Days: 7}, ""},
		{"1w3d", Period{Days: 10}, ""},
		{"1y6m", Period{Years: 1, Months: 6}, ""},
		{"1y 6m 3d", Period{Years: 1, Months: 6, Days: 3}, ""},
		{"1年6个月", Period{Years: 1, Months: 6}, ""},
		{"0y6m", Period{Months: 6}, ""},
		{"长期", Period{Long: true}, ""},
		{"long", Period{Long: true}, ""},
		{"LONG", Period{Long: true}, ""},
		{"100000y", Period{Years: 100000}, ""},

		{"", Period{}, "empty secrecy period"},
		{"0", Period{}, `secrecy period "0" is zero`},
		{"0y", Period{}, `secrecy period "0y" is zero`},
		{"0d0m", Period{}, "is zero"},
		{"-1y", Period{}, `secrecy period "-1y" is negative`},
		{"-5", Period{}, `"-5" is negative`},
		{"1y-1d", Period{}, "is negative"},
		{"abc", Period{}, `cannot parse secrecy period "abc"`},
		{"y", Period{}, `expected a number at "y"`},
		{"10x", Period{}, `unknown unit "x"`},
		{"10h", Period{}, `unknown unit "h"`},
		{"1y2", Period{}, "the number 2 has no unit"},
		{"1y1y", Period{}, `the unit "y" appears twice`},
		{"1.5y", Period{}, `unknown unit "."`},
		{"+1y", Period{}, `expected a number at "+"`},
		{"100001y", Period{}, "at most 100000"},
		{"100000d", Period{Days: 100000}, ""},
		{"14285w", Period{Days: 99995}, ""},
		{"100000w", Period{}, `secrecy period "100000w" is too long: at most 100000 days, weeks included`},
		{"14285w6d", Period{}, "at most 100000 days"},
		{"99999999999999999999999", Period{}, "at most 100000"},
		{"１０年", Period{}, "cannot parse"},
		{"永久", Period{}, `cannot parse secrecy period "永久"`},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePeriod(%q) = %+v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestPeriodString(t *testing.T) {
	tests := []struct {
		p    Period
		want string
	}{
		{Period{Years: 10}, "10y"},
		{Period{Months: 6}, "6m"},
		{Period{Days: 1}, "1d"},
		{Period{Years: 1, Months: 6, Days: 3}, "1y6m3d"},
		{Period{Long: true}, "长期"},
		{Period{Long: true, Years: 3}, "长期"},
		{Period{}, ""},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
		if tt.p.IsZero() || (tt.p.Long && tt.p != Period{Long: true}) {
			continue
		}
		back, err := ParsePeriod(tt.want)
		if err != nil || back != tt.p {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", tt.want, back, err, tt.p)
		}
	}
}

func TestPeriodText(t *testing.T) {
	for _, in := range []string{"10y", "长期", "", "6m"} {
		var p Period
		if err := p.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", in, err)
		}
		b, _ := p.MarshalText()
		if string(b) != in {
			t.Errorf("UnmarshalText then MarshalText of %q gave %q", in, b)
		}
	}
	var p Period
	if err := p.UnmarshalText([]byte("-1y")); err == nil {
		t.Error(`UnmarshalText("-1y") did not fail`)
	}
}

func TestPeriodEnds(t *testing.T) {
	if (Period{}).Ends() || (Period{Long: true}).Ends() || !(Period{Days: 1}).Ends() {
		t.Error("Ends: want false for zero and Long, true for 1d")
	}
}

// R7.2.4 defaults: 绝密 30 years, 机密 20, 秘密 10; 内部 has no end.
func TestDefaultPeriod(t *testing.T) {
	tests := []struct {
		l    Level
		want Period
	}{
		{TopSecret, Period{Years: 30}},
		{Confidential, Period{Years: 20}},
		{Secret, Period{Years: 10}},
		{Internal, Period{Long: true}},
		{0, Period{Long: true}},
	}
	for _, tt := range tests {
		if got := DefaultPeriod(tt.l); got != tt.want {
			t.Errorf("DefaultPeriod(%v) = %+v, want %+v", tt.l, got, tt.want)
		}
	}
}

// R7.2.4: the day a period runs out, including leap days and month ends.
func TestExpiry(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name  string
		setOn time.Time
		p     Period
		want  string // "" for no end
	}{
		{"10y", date("2016-03-10"), Period{Years: 10}, "2026-03-10"},
		{"1d", date("2026-03-10"), Period{Days: 1}, "2026-03-11"},
		{"time of day ignored", date("2016-03-10").Add(23*time.Hour + 59*time.Minute), Period{Years: 10}, "2026-03-10"},
		{"local calendar date, not UTC", time.Date(2016, 3, 10, 0, 30, 0, 0, cst), Period{Years: 10}, "2026-03-10"},
		{"leap day + 1y → 1 March", date("2024-02-29"), Period{Years: 1}, "2025-03-01"},
		{"leap day + 4y → leap day", date("2024-02-29"), Period{Years: 4}, "2028-02-29"},
		{"leap day + 10y", date("2024-02-29"), Period{Years: 10}, "2034-03-01"},
		{"leap day + 12m → 1 March", date("2024-02-29"), Period{Months: 12}, "2025-03-01"},
		{"leap day + 1d", date("2024-02-29"), Period{Days: 1}, "2024-03-01"},
		{"28 Feb + 1y in leap year", date("2023-02-28"), Period{Years: 1}, "2024-02-28"},
		{"365d across leap day", date("2024-01-01"), Period{Days: 365}, "2024-12-31"},
		{"31 Jan + 1m → 1 March", date("2026-01-31"), Period{Months: 1}, "2026-03-01"},
		{"31 Jan + 1m leap year → 1 March", date("2024-01-31"), Period{Months: 1}, "2024-03-01"},
		{"30 Jan + 1m leap year → 1 March", date("2024-01-30"), Period{Months: 1}, "2024-03-01"},
		{"29 Jan + 1m leap year → 29 Feb", date("2024-01-29"), Period{Months: 1}, "2024-02-29"},
		{"31 Aug + 6m", date("2026-08-31"), Period{Months: 6}, "2027-03-01"},
		{"31 Mar + 1m → 1 May", date("2026-03-31"), Period{Months: 1}, "2026-05-01"},
		{"months roll the year", date("2026-11-15"), Period{Months: 3}, "2027-02-15"},
		{"years, months then days", date("2025-01-31"), Period{Months: 1, Days: 1}, "2025-03-02"},
		{"long", date("2026-01-01"), Period{Long: true}, ""},
		{"zero period", date("2026-01-01"), Period{}, ""},
		{"unknown set date", time.Time{}, Period{Years: 10}, ""},
	}
	for _, tt := range tests {
		got, ok := Expiry(tt.setOn, tt.p)
		if tt.want == "" {
			if ok || !got.IsZero() {
				t.Errorf("%s: Expiry = %v, %v; want no end", tt.name, got, ok)
			}
			continue
		}
		if !ok || !got.Equal(date(tt.want)) || got.Location() != time.UTC {
			t.Errorf("%s: Expiry(%v, %v) = %v, %v; want %s UTC", tt.name, tt.setOn, tt.p, got, ok, tt.want)
		}
	}
}

// R7.2.4: declassified to 内部 from the expiry day on.
func TestEffectiveLevelBoundary(t *testing.T) {
	tests := []struct {
		name  string
		level Level
		setOn string
		p     Period
		today string
		want  Level
	}{
		{"day before expiry", Secret, "2016-03-10", Period{Years: 10}, "2026-03-09", Secret},
		{"expiry day (period ends today)", Secret, "2016-03-10", Period{Years: 10}, "2026-03-10", Internal},
		{"day after expiry", Secret, "2016-03-10", Period{Years: 10}, "2026-03-11", Internal},
		{"top secret 30y not yet", TopSecret, "2000-01-01", Period{Years: 30}, "2029-12-31", TopSecret},
		{"top secret 30y", TopSecret, "2000-01-01", Period{Years: 30}, "2030-01-01", Internal},
		{"leap day set, 28 Feb still secret", Confidential, "2024-02-29", Period{Years: 1}, "2025-02-28", Confidential},
		{"leap day set, 1 March declassified", Confidential, "2024-02-29", Period{Years: 1}, "2025-03-01", Internal},
		{"1d: same day", Secret, "2026-05-01", Period{Days: 1}, "2026-05-01", Secret},
		{"1d: next day", Secret, "2026-05-01", Period{Days: 1}, "2026-05-02", Internal},
		{"today before setOn", Secret, "2026-05-01", Period{Days: 1}, "2020-01-01", Secret},
		{"long never", TopSecret, "1900-01-01", Period{Long: true}, "2900-01-01", TopSecret},
		{"zero period never", Secret, "1900-01-01", Period{}, "2900-01-01", Secret},
		{"internal stays", Internal, "2000-01-01", Period{Years: 1}, "2026-01-01", Internal},
		{"invalid level unchanged", 0, "2000-01-01", Period{Years: 1}, "2026-01-01", 0},
	}
	for _, tt := range tests {
		got := EffectiveLevel(tt.level, date(tt.setOn), tt.p, date(tt.today))
		if got != tt.want {
			t.Errorf("%s: EffectiveLevel = %v, want %v", tt.name, got, tt.want)
		}
		wantExpired := tt.p.Ends() && !date(tt.today).Before(date(tt.setOn).AddDate(tt.p.Years, tt.p.Months, tt.p.Days))
		if got := Expired(date(tt.setOn), tt.p, date(tt.today)); got != wantExpired {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, wantExpired)
		}
	}
	// The time of day of today does not matter, only its calendar date.
	late := date("2026-03-09").Add(23*time.Hour + 59*time.Minute)
	if EffectiveLevel(Secret, date("2016-03-10"), Period{Years: 10}, late) != Secret {
		t.Error("23:59 on the day before expiry is already declassified")
	}
	if Expired(time.Time{}, Period{Years: 1}, date("2026-01-01")) {
		t.Error("a period with an unknown set date expired")
	}
}

func TestParseSpan(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		err  string
	}{
		{"30d", Period{Days: 30}, ""},
		{"2w", Period{Days: 14}, ""},
		{"6m", Period{Months: 6}, ""},
		{"1y", Period{Years: 1}, ""},
		{"1m15d", Period{Months: 1, Days: 15}, ""},
		{"0d", Period{}, ""},
		{"7天", Period{Days: 7}, ""},
		{"", Period{}, "empty span"},
		{"30", Period{}, `span "30" has no unit`},
		{"长期", Period{}, `cannot parse span "长期"`},
		{"long", Period{}, `cannot parse span "long"`},
		{"-3d", Period{}, `span "-3d" is negative`},
		{"3x", Period{}, `unknown unit "x"; want a number and a unit, such as 30d, 2w, 6m or 1y`},
	}
	for _, tt := range tests {
		got, err := ParseSpan(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSpan(%q) = %+v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSpan(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestAddSpan(t *testing.T) {
	tests := []struct {
		from string
		span string
		want string
	}{
		{"2026-10-01", "30d", "2026-10-31"},
		{"2026-10-01", "2w", "2026-10-15"},
		{"2026-08-31", "6m", "2027-03-01"},
		{"2024-02-29", "1y", "2025-03-01"},
		{"2026-12-31", "1d", "2027-01-01"},
		{"2026-10-01", "0d", "2026-10-01"},
	}
	for _, tt := range tests {
		p, err := ParseSpan(tt.span)
		if err != nil {
			t.Fatal(err)
		}
		got := AddSpan(date(tt.from).Add(15*time.Hour), p)
		if !got.Equal(date(tt.want)) {
			t.Errorf("AddSpan(%s, %s) = %v, want %s", tt.from, tt.span, got, tt.want)
		}
	}
	if got := AddSpan(date("2026-01-01"), Period{Long: true}); !got.Equal(date("2026-01-01")) {
		t.Errorf("AddSpan ignores Long: got %v", got)
	}
}
