package report

import (
	"strconv"
	"strings"
	"time"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

// Period is the span a report covers: [Start, End) in the archive policy's
// time zone (timezone, default Asia/Shanghai): "October" means October
// there, so an event stored as 2026-10-31T17:00:00Z (01:00 on 1 November in
// Beijing) belongs to November's report, whatever zone the machine running
// cron is in. The zero Period is "everything" (the registers' default).
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

// MonthPeriod is calendar month m of year y in loc.
func MonthPeriod(y int, m time.Month, loc *time.Location) Period {
	s := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return Period{Unit: "month", Label: s.Format("2006-01"), Start: s, End: s.AddDate(0, 1, 0)}
}

// QuarterPeriod is calendar quarter q in loc.
func QuarterPeriod(q classify.Quarter, loc *time.Location) Period {
	return Period{Unit: "quarter", Label: q.String(), Start: q.Start(loc), End: q.End(loc)}
}

// YearPeriod is calendar year y in loc.
func YearPeriod(y int, loc *time.Location) Period {
	s := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	return Period{Unit: "year", Label: strconv.Itoa(y), Start: s, End: s.AddDate(1, 0, 0)}
}

// In is the same calendar period cut in loc (periods parsed from flags are
// cut in UTC until the archive's zone is known).
func (p Period) In(loc *time.Location) Period {
	switch p.Unit {
	case "month":
		t, _ := time.Parse("2006-01", p.Label)
		return MonthPeriod(t.Year(), t.Month(), loc)
	case "quarter":
		q, _ := classify.ParseQuarter(p.Label)
		return QuarterPeriod(q, loc)
	case "year":
		y, _ := strconv.Atoi(p.Label)
		return YearPeriod(y, loc)
	}
	return p
}

// PreviousMonth is the last full month before now (in loc): the default of
// `crm report monthly`, run in the first week of the next month (R6.1).
func PreviousMonth(now time.Time, loc *time.Location) Period {
	t := now.In(loc)
	return MonthPeriod(t.Year(), t.Month()-1, loc) // month 0 is December of the year before
}

// PreviousQuarter is the last full quarter before now (in loc).
func PreviousQuarter(now time.Time, loc *time.Location) Period {
	return QuarterPeriod(classify.QuarterOf(now, loc).Prev(), loc)
}

// PreviousYear is the last full year before now (in loc).
func PreviousYear(now time.Time, loc *time.Location) Period {
	return YearPeriod(now.In(loc).Year()-1, loc)
}

// DefaultPeriod is what report name covers when no period is given: the
// last full month, quarter or year for monthly, quarterly and annual
// (R6.1, R6.5, R6.8); everything (the zero Period) for the registers.
func DefaultPeriod(name string, now time.Time, loc *time.Location) Period {
	switch name {
	case "monthly":
		return PreviousMonth(now, loc)
	case "quarterly":
		return PreviousQuarter(now, loc)
	case "annual":
		return PreviousYear(now, loc)
	}
	return Period{}
}

// ParseMonth parses YYYY-MM (also YYYY/MM and YYYYMM).
func ParseMonth(s string) (Period, error) {
	t := strings.TrimSpace(s)
	for _, layout := range []string{"2006-01", "2006/01", "200601", "2006-1"} {
		if m, err := time.Parse(layout, t); err == nil && m.Year() >= 1900 {
			return MonthPeriod(m.Year(), m.Month(), time.UTC), nil
		}
	}
	return Period{}, l10n.Errorf("%q is not a month: use YYYY-MM, e.g. 2026-10", s)
}

// ParseQuarter parses YYYYQn (also YYYY-Qn, lower-case q).
func ParseQuarter(s string) (Period, error) {
	q, err := classify.ParseQuarter(s)
	if err != nil {
		return Period{}, l10n.Errorf("%q is not a quarter: use YYYYQn with n from 1 to 4, e.g. 2026Q3", s)
	}
	return QuarterPeriod(q, time.UTC), nil
}

// ParseYear parses YYYY.
func ParseYear(s string) (Period, error) {
	t := strings.TrimSpace(s)
	if y, err := strconv.Atoi(t); err == nil && len(t) == 4 && y >= 1900 {
		return YearPeriod(y, time.UTC), nil
	}
	return Period{}, l10n.Errorf("%q is not a year: use YYYY, e.g. 2026", s)
}

// NotBegun reports whether p, cut in loc, begins after now: a report of a
// month, quarter or year that has not begun would read as a real one
// with nothing in it (and the state as of now under a later label), and
// is almost always a typo for one that has, so the command refuses it, as
// review due and review signoff refuse a quarter not begun (R6.5). A
// job scheduled at a period's start that runs up to archive.ClockSkew
// early (clocks lie) still gets its report. The whole history (the zero
// Period) has always begun.
func (p Period) NotBegun(now time.Time, loc *time.Location) bool {
	return !p.All() && p.In(loc).Start.After(now.Add(archive.ClockSkew))
}

// Current is the period of p's unit (month, quarter or year) that holds
// now in loc; the zero Period for the whole history.
func (p Period) Current(now time.Time, loc *time.Location) Period {
	t := now.In(loc)
	switch p.Unit {
	case "month":
		return MonthPeriod(t.Year(), t.Month(), loc)
	case "quarter":
		return QuarterPeriod(classify.QuarterOf(now, loc), loc)
	case "year":
		return YearPeriod(t.Year(), loc)
	}
	return Period{}
}
