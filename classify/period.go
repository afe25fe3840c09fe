package classify

import (
	"crm/l10n"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Period is a secrecy period (保密期限, R7.2.4), or a span of calendar time
// such as the DUR of --within and --expiring-within.
//
// A Period is a number of years, months and days, added to a date in that
// order (see the package documentation for how a day that does not exist in
// the target month is handled), or Long (长期): a period that never ends, so
// the dossier is never declassified automatically.
//
// The zero Period means "no period recorded": it has no end, like Long, but
// [Period.String] writes it as the empty string and [ParsePeriod] does not
// accept it. Callers that find no period in a dossier should use the
// policy's period for its level, or [DefaultPeriod].
type Period struct {
	Years  int
	Months int
	Days   int
	// Long is a period without end (长期). When Long is set, the other
	// fields are ignored.
	Long bool
}

// maxUnit is the largest number ParsePeriod and ParseSpan accept before a
// unit. It keeps every result within the range of time.Time arithmetic.
const maxUnit = 100000

// IsZero reports whether p is the zero Period, "no period recorded".
func (p Period) IsZero() bool { return p == Period{} }

// Ends reports whether p has an end: it is neither Long nor zero.
func (p Period) Ends() bool { return !p.Long && !p.IsZero() }

// String returns the canonical form of p, which [ParsePeriod] turns back
// into p: "长期" for Long, else the non-zero parts among years, months and
// days, in that order, as in "10y", "6m", "30d" or "1y6m". The zero Period
// is written as the empty string.
func (p Period) String() string { return p.write("y", "m", "d") }

// Chinese writes p as the department does: 10年, 6个月, 1年6个月, 30天, 长期.
// The zero Period is the empty string.
func (p Period) Chinese() string { return p.write("年", "个月", "天") }

// English writes p in words: 10 years, 6 months, 1 year 6 months, 30
// days, long-term. The zero Period is the empty string.
func (p Period) English() string {
	if p.Long {
		return "long-term"
	}
	var parts []string
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, "year"}, {p.Months, "month"}, {p.Days, "day"}} {
		switch part.n {
		case 0:
		case 1, -1:
			parts = append(parts, strconv.Itoa(part.n)+" "+part.unit)
		default:
			parts = append(parts, strconv.Itoa(part.n)+" "+part.unit+"s")
		}
	}
	return strings.Join(parts, " ")
}

// write is p with the units given for years, months and days: 长期 for
// Long, else the non-zero parts in that order.
func (p Period) write(years, months, days string) string {
	if p.Long {
		return "长期"
	}
	var b strings.Builder
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, years}, {p.Months, months}, {p.Days, days}} {
		if part.n != 0 {
			b.WriteString(strconv.Itoa(part.n))
			b.WriteString(part.unit)
		}
	}
	return b.String()
}

// MarshalText implements [encoding.TextMarshaler] with [Period.String].
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParsePeriod],
// except that empty text (or only white space) is the zero Period.
func (p *Period) UnmarshalText(b []byte) error {
	return unmarshalOptional(b, p, ParsePeriod)
}

// ParsePeriod parses a secrecy period (R7.2.4). It accepts
//
//   - 长期 or long (any case): a period without end;
//   - a bare whole number of years, such as 10;
//   - one or more parts made of a whole number and a unit, such as 10y,
//     6m, 30d, 2w or 1y6m, where the unit is y or 年 (years), m, 月 or 个月
//     (months), w, 周 or 星期 (weeks, counted as 7 days) and d, 天 or 日
//     (days); units may be in any case, each at most once.
//
// White space around the period and between parts is ignored. Numbers are
// ASCII digits, at most 100000 each, and weeks and days together at most
// 100000 days. A period that adds up to zero, a
// negative number or anything else is an error that names the input.
func ParsePeriod(s string) (Period, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "长期" || strings.EqualFold(t, "long"):
		return Period{Long: true}, nil
	case t == "":
		return Period{}, l10n.Errorf("empty secrecy period: want a number of years such as 10y or 10年, a span such as 6m or 30d, or 长期 (long)")
	}
	if allDigits(t) {
		n, err := parseUnitNumber(l10n.T("secrecy period"), s, t)
		if err != nil {
			return Period{}, err
		}
		if n == 0 {
			return Period{}, l10n.Errorf("secrecy period %q is zero: want at least one day, or 长期 (long) for no end", s)
		}
		return Period{Years: n}, nil
	}
	p, err := parseParts(s, t, l10n.T("secrecy period"), l10n.T("want a number of years such as 10y or 10年, a span such as 6m or 30d, or 长期 (long)"))
	if err != nil {
		return Period{}, err
	}
	if p.IsZero() {
		return Period{}, l10n.Errorf("secrecy period %q is zero: want at least one day, or 长期 (long) for no end", s)
	}
	return p, nil
}

// ParseSpan parses a span of calendar time for options such as
// --within DUR and --expiring-within DUR: one or more parts made of a whole
// number and a unit, as in 30d, 2w, 6m, 1y or 1m15d, with the units that
// [ParsePeriod] accepts. Unlike ParsePeriod it requires a unit, does not
// accept 长期, and accepts a span of zero (0d, "today").
func ParseSpan(s string) (Period, error) {
	t := strings.TrimSpace(s)
	want := l10n.T("want a number and a unit, such as 30d, 2w, 6m or 1y")
	if t == "" {
		return Period{}, l10n.Errorf("empty span: %s", want)
	}
	if allDigits(t) {
		return Period{}, l10n.Errorf("span %q has no unit: %s", s, want)
	}
	return parseParts(s, t, l10n.T("span"), want)
}

// AddSpan returns the calendar date of t plus the years, months and days of
// p, at midnight UTC (see the package documentation for the date rules).
// p.Long is ignored: [ParseSpan] never returns it; use [Expiry] for
// secrecy periods.
func AddSpan(t time.Time, p Period) time.Time {
	return addDate(civilDate(t), p.Years, p.Months, p.Days)
}

var units = []struct {
	text string
	unit byte // 'y', 'm', 'w' or 'd'
}{
	// Longer texts first, so that 个月 is not read as 个 then 月.
	{"个月", 'm'}, {"星期", 'w'},
	{"年", 'y'}, {"月", 'm'}, {"周", 'w'}, {"天", 'd'}, {"日", 'd'},
	{"y", 'y'}, {"m", 'm'}, {"w", 'w'}, {"d", 'd'},
}

// parseParts parses t, the trimmed form of s, as one or more "number unit"
// parts. what names the thing parsed and want says what is accepted, for
// the error message.
func parseParts(s, t, what, want string) (Period, error) {
	if strings.Contains(t, "-") {
		return Period{}, l10n.Errorf("%s %q is negative: %s", what, s, want)
	}
	var p Period
	seen := map[byte]bool{}
	rest := t
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			r, _ := utf8.DecodeRuneInString(rest)
			return Period{}, l10n.Errorf("cannot parse %s %q: expected a number at %q; %s", what, s, string(r), want)
		}
		n, err := parseUnitNumber(what, s, rest[:i])
		if err != nil {
			return Period{}, err
		}
		rest = strings.TrimLeft(rest[i:], " \t")
		var unit byte
		for _, u := range units {
			if len(rest) >= len(u.text) && strings.EqualFold(rest[:len(u.text)], u.text) {
				unit = u.unit
				rest = rest[len(u.text):]
				break
			}
		}
		if unit == 0 {
			if rest == "" {
				return Period{}, l10n.Errorf("cannot parse %s %q: the number %d has no unit; %s", what, s, n, want)
			}
			r, _ := utf8.DecodeRuneInString(rest)
			return Period{}, l10n.Errorf("cannot parse %s %q: unknown unit %q; %s", what, s, string(r), want)
		}
		if seen[unit] {
			return Period{}, l10n.Errorf("cannot parse %s %q: the unit %q appears twice; %s", what, s, string(unit), want)
		}
		seen[unit] = true
		switch unit {
		case 'y':
			p.Years = n
		case 'm':
			p.Months = n
		case 'w':
			p.Days += 7 * n
		case 'd':
			p.Days += n
		}
		rest = strings.TrimLeft(rest, " \t")
	}
	if p.Days > maxUnit {
		// Weeks count as days, and String writes them as days.
		return Period{}, l10n.Errorf("%s %q is too long: at most %d days, weeks included", what, s, maxUnit)
	}
	return p, nil
}

func parseUnitNumber(what, s, digits string) (int, error) {
	n, err := strconv.Atoi(digits)
	if err != nil || n > maxUnit {
		return 0, l10n.Errorf("%s %q is too long: at most %d of each unit", what, s, maxUnit)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DefaultPeriod returns the default secrecy period of DOMAIN.md for a level
// (R7.2.4, after the national convention): 30 years for 绝密, 20 years for
// 机密, 10 years for 秘密. [Internal] and invalid levels have no end: Long,
// as in the default policy. The archive's policy may set other periods.
func DefaultPeriod(l Level) Period {
	switch l {
	case TopSecret:
		return Period{Years: 30}
	case Confidential:
		return Period{Years: 20}
	case Secret:
		return Period{Years: 10}
	}
	return Period{Long: true}
}

// Expiry returns the day a secrecy period set on setOn runs out (R7.2.4):
// the calendar date of setOn plus p, at midnight UTC. From that day on the
// dossier is declassified. ok is false, and expires the zero Time, when the
// period has no end (p is Long or zero) or setOn is the zero Time (the day
// the level was set is not known).
func Expiry(setOn time.Time, p Period) (expires time.Time, ok bool) {
	if !p.Ends() || setOn.IsZero() {
		return time.Time{}, false
	}
	return addDate(civilDate(setOn), p.Years, p.Months, p.Days), true
}

// Expired reports whether a secrecy period set on setOn has run out by
// today (R7.2.4): whether today's calendar date is on or after the date
// [Expiry] returns. A period without end never expires, and neither does one
// whose setOn is the zero Time.
func Expired(setOn time.Time, p Period, today time.Time) bool {
	exp, ok := Expiry(setOn, p)
	return ok && !civilDate(today).Before(exp)
}

// EffectiveLevel returns the level a dossier marked level on setOn, with
// secrecy period p, has today (R7.2.4): [Internal] from the day the period
// runs out (see [Expired]), so a period that ends today has already been
// declassified today, and level before that day. [Internal] and invalid
// levels are returned unchanged.
func EffectiveLevel(level Level, setOn time.Time, p Period, today time.Time) Level {
	if level > Internal && level.Valid() && Expired(setOn, p, today) {
		return Internal
	}
	return level
}

// civilDate returns t's calendar date, as read in t's own location, at
// midnight UTC.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addDate adds years and months to the date d keeping its day of the month,
// or moving to the first day of the next month when the target month is
// shorter, and then adds days. d must be midnight UTC.
func addDate(d time.Time, years, months, days int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(months)+time.Month(12*years), 1, 0, 0, 0, 0, time.UTC)
	ty, tm, _ := first.Date()
	var r time.Time
	if day <= daysIn(ty, tm) {
		r = time.Date(ty, tm, day, 0, 0, 0, 0, time.UTC)
	} else {
		r = first.AddDate(0, 1, 0)
	}
	return r.AddDate(0, 0, days)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
