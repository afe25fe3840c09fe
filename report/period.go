package report

import (
	"strconv"
	"strings"
	"time"

	"crm/l10n"
)

// Zone is the time zone in which report periods are cut. The department
// works in China, so "October" means October in China Standard Time
// (UTC+8, the zone of Asia/Shanghai, which has had no daylight saving since
// 1991): an event stored as 2026-10-31T17:00:00Z (01:00 on 1 November in
// Beijing) belongs to November's report. A fixed zone is used rather than
// the tz database so that reports do not depend on the machine's zoneinfo
// or on its local time zone (cron machines often run in UTC).
var Zone = time.FixedZone("CST", 8*3600)

// Period is the span a report covers: [Start, End) in Zone. The zero
// Period is "everything" (the registers' default).
type Period struct {
	Unit  string // "month", "quarter", "year", or "" for everything
	Label string // "2026-10", "2026Q3", "2026", or ""
	Start time.Time
	End   time.Time
}

// All reports whether p is the whole history.
func (p Period) All() bool { return p.Unit == "" }

// Contains reports whether t falls in p.
func (p Period) Contains(t time.Time) bool {
	return p.All() || (!t.Before(p.Start) && t.Before(p.End))
}

// MonthPeriod is calendar month m of year y.
func MonthPeriod(y int, m time.Month) Period {
	s := time.Date(y, m, 1, 0, 0, 0, 0, Zone)
	return Period{Unit: "month", Label: s.Format("2006-01"), Start: s, End: s.AddDate(0, 1, 0)}
}

// QuarterPeriod is calendar quarter q (1–4) of year y.
func QuarterPeriod(y, q int) Period {
	s := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, Zone)
	return Period{Unit: "quarter", Label: strconv.Itoa(y) + "Q" + strconv.Itoa(q), Start: s, End: s.AddDate(0, 3, 0)}
}

// YearPeriod is calendar year y.
func YearPeriod(y int) Period {
	s := time.Date(y, 1, 1, 0, 0, 0, 0, Zone)
	return Period{Unit: "year", Label: strconv.Itoa(y), Start: s, End: s.AddDate(1, 0, 0)}
}

// QuarterOf returns the quarter that t (read in Zone) falls in.
func QuarterOf(t time.Time) Period {
	t = t.In(Zone)
	return QuarterPeriod(t.Year(), (int(t.Month())-1)/3+1)
}

// PreviousMonth is the last full month before now (in Zone): the default of
// `crm report monthly`, run in the first week of the next month (R6.1).
func PreviousMonth(now time.Time) Period {
	t := now.In(Zone)
	return MonthPeriod(t.Year(), t.Month()-1) // month 0 is December of the year before
}

// PreviousQuarter is the last full quarter before now (in Zone).
func PreviousQuarter(now time.Time) Period {
	q := QuarterOf(now)
	return QuarterOf(q.Start.AddDate(0, 0, -1))
}

// PreviousYear is the last full year before now (in Zone).
func PreviousYear(now time.Time) Period { return YearPeriod(now.In(Zone).Year() - 1) }

// ParseMonth parses --month: YYYY-MM (also YYYY/MM and YYYYMM).
func ParseMonth(s string) (Period, error) {
	t := strings.TrimSpace(s)
	for _, layout := range []string{"2006-01", "2006/01", "200601", "2006-1"} {
		if m, err := time.Parse(layout, t); err == nil && m.Year() >= 1900 {
			return MonthPeriod(m.Year(), m.Month()), nil
		}
	}
	return Period{}, l10n.Errorf("--month %q: use YYYY-MM, e.g. 2026-10", s)
}

// ParseQuarter parses --quarter: YYYYQn (also YYYY-Qn, lower-case q).
func ParseQuarter(s string) (Period, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.Replace(t, "-Q", "Q", 1)
	y, q, ok := strings.Cut(t, "Q")
	if ok && len(y) == 4 && len(q) == 1 && q[0] >= '1' && q[0] <= '4' {
		if yy, err := strconv.Atoi(y); err == nil && yy >= 1900 {
			return QuarterPeriod(yy, int(q[0]-'0')), nil
		}
	}
	return Period{}, l10n.Errorf("--quarter %q: use YYYYQn with n from 1 to 4, e.g. 2026Q3", s)
}

// ParseYear parses --year: YYYY.
func ParseYear(s string) (Period, error) {
	t := strings.TrimSpace(s)
	if y, err := strconv.Atoi(t); err == nil && len(t) == 4 && y >= 1900 {
		return YearPeriod(y), nil
	}
	return Period{}, l10n.Errorf("--year %q: use YYYY, e.g. 2026", s)
}
