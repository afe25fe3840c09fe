package archive

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"crm/l10n"
)

var quarterRE = regexp.MustCompile(`^(\d{4})Q([1-4])$`)

// Quarter is a calendar quarter, like 2026Q4.
type Quarter struct {
	Year, Q int
}

func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// QuarterOf is the calendar quarter t falls in, in t's own zone.
func QuarterOf(t time.Time) Quarter { return Quarter{t.Year(), (int(t.Month())-1)/3 + 1} }

// ParseQuarter parses 2026Q4 (or 2026q4).
func ParseQuarter(s string) (Quarter, error) {
	m := quarterRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return Quarter{}, Usage(l10n.Errorf("--quarter %q: write a calendar quarter like 2026Q4", s))
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	return Quarter{y, n}, nil
}

// Start is the first instant of the quarter in loc.
func (q Quarter) Start(loc *time.Location) time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, loc)
}

// End is the first instant after the quarter in loc.
func (q Quarter) End(loc *time.Location) time.Time { return q.Start(loc).AddDate(0, 3, 0) }

// ParseWithin parses a window like 14d, 2w or a Go duration (36h).
func ParseWithin(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suf, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suf); ok {
			if v, err := strconv.Atoi(n); err == nil && v >= 0 {
				return time.Duration(v) * unit, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, Usage(l10n.Errorf("--within %q: write a window like 14d, 2w or 36h", s))
	}
	return d, nil
}

// DueReview is a dossier not yet verified (核定) in a quarter (R6.5).
type DueReview struct {
	ID         string `json:"id"`
	Level      string `json:"level"`
	Owner      string `json:"owner"`                 // the member who created the dossier (the journal's owner)
	OwnerName  string `json:"owner_name"`            // their name
	LastReview string `json:"last_review,omitempty"` // quarter of the last 核定, if any
	DaysLeft   int    `json:"days_left"`             // whole days to the end of the quarter; negative when overdue
	Overdue    bool   `json:"overdue"`
}

// ReviewsDue lists, from the journal alone, the active dossiers created
// before the quarter ended that have no dossier.review for it, with the
// days left until its end at now (in now's zone).
func (a *Archive) ReviewsDue(q Quarter) []DueReview {
	now := a.Now()
	loc := now.Location()
	end := q.End(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	days := int(math.Round(end.Sub(today).Hours() / 24))
	var out []DueReview
	for _, d := range a.State.SortedDossiers() {
		if d.Status != StatusActive || !d.Created.Before(end) || d.ReviewedIn(q.String()) != nil {
			continue
		}
		r := DueReview{ID: d.ID, Level: d.Level, Owner: d.CreatedBy, DaysLeft: days, Overdue: !now.Before(end)}
		if m := a.State.Members[d.CreatedBy]; m != nil {
			r.OwnerName = m.Name
		}
		if n := len(d.Reviews); n > 0 {
			r.LastReview = d.Reviews[n-1].Quarter
		}
		out = append(out, r)
	}
	return out
}

// ReviewDone records the quarterly 核定 of dossier id (R6.5) for the
// current quarter, with a note on what was checked or changed.
func (a *Archive) ReviewDone(id, note string) (Quarter, error) {
	q := QuarterOf(a.Now())
	if _, err := a.require(l10n.T("the quarterly review (核定)"), a.Policy.Permissions.Review); err != nil {
		return q, err
	}
	err := a.locked(func() error {
		if _, err := a.Lookup(id); err != nil {
			return err
		}
		_, err := a.appendEvent(KindReview, id, reviewData{Quarter: q.String(), Note: note})
		return err
	})
	return q, err
}

// SetHold puts dossier id under a legal hold (冻结), or releases it.
func (a *Archive) SetHold(id string, hold bool, reason string) error {
	step := l10n.T("a legal hold")
	if !hold {
		step = l10n.T("releasing a legal hold")
	}
	if _, err := a.require(step, a.Policy.HoldRoles()); err != nil {
		return err
	}
	if hold && strings.TrimSpace(reason) == "" {
		return Usage(l10n.Errorf("--reason is needed: why the dossier is held (e.g. the case or order)"))
	}
	return a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if hold && d.OnHold() {
			return l10n.Errorf("dossier %s is already on hold since %s (%s)", id, dateOf(d.Hold.Since), d.Hold.Reason)
		}
		if !hold && !d.OnHold() {
			return l10n.Errorf("dossier %s is not on hold: nothing to release", id)
		}
		kind := KindHold
		if !hold {
			kind = KindRelease
		}
		_, err = a.appendEvent(kind, id, reasonData{Reason: reason})
		return err
	})
}
