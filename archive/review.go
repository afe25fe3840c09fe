package archive

import (
	"math"
	"strings"
	"time"

	"crm/classify"
	"crm/l10n"
)

// Hold is a legal hold (冻结) on a dossier.
type Hold struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	Since  time.Time `json:"since"`
}

// Review is one recorded 核定 of a dossier (R6.5).
type Review struct {
	Quarter string    `json:"quarter"`
	By      string    `json:"by"`
	Time    time.Time `json:"time"`
	Note    string    `json:"note,omitempty"`
}

// ReviewEntry is a 核定 in the archive's register of them.
type ReviewEntry struct {
	Dossier string
	Review
}

// Payloads of the 核定 and hold events.
type (
	// ReviewData is a quarterly re-verification (核定, R6.5) of the
	// event's dossier, in the calendar quarter of the event in the
	// policy's zone.
	ReviewData struct {
		Quarter string `yaml:"quarter" json:"quarter"`
		Note    string `yaml:"note" json:"note"`
	}
	// HoldData puts the event's dossier under a legal hold (冻结).
	HoldData struct {
		Reason string `yaml:"reason" json:"reason"`
	}
	// ReleaseData releases a legal hold.
	ReleaseData struct {
		Reason string `yaml:"reason" json:"reason"`
	}
)

func (x *ReviewData) check(c *step) error {
	if _, err := classify.ParseQuarter(x.Quarter); err != nil {
		return problemf("unreadable review data: quarter must look like 2026Q4")
	}
	return nil
}

func (x *ReviewData) apply(c *step) {
	r := Review{Quarter: x.Quarter, By: c.e.Actor, Time: c.e.Time, Note: x.Note}
	c.d.Reviews = append(c.d.Reviews, r)
	c.s.Reviews = append(c.s.Reviews, ReviewEntry{Dossier: c.d.ID, Review: r})
}

func (x *HoldData) check(c *step) error {
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the dossier is held (e.g. the case or order)"))
	}
	if d := c.d; d.OnHold() {
		return failErr(l10n.Errorf("dossier %s is already on hold since %s (%s)", d.ID, c.s.date(d.Hold.Since), d.Hold.Reason), NoNext, "")
	}
	return nil
}

func (x *HoldData) apply(c *step) { c.d.Hold = &Hold{Reason: x.Reason, By: c.e.Actor, Since: c.e.Time} }

func (x *ReleaseData) check(c *step) error {
	if !c.d.OnHold() {
		return failErr(l10n.Errorf("dossier %s is not on hold: nothing to release", c.d.ID), NoNext, "")
	}
	return nil
}

func (x *ReleaseData) apply(c *step) { c.d.Hold = nil }

// Quarter is the calendar quarter of the archive's clock in its zone.
func (a *Archive) Quarter() classify.Quarter { return classify.QuarterOf(a.now, a.Location()) }

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
// days left until its end (in the policy's zone).
func (a *Archive) ReviewsDue(q classify.Quarter) []DueReview {
	loc := a.Location()
	now := a.now.In(loc)
	end := q.End(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	days := int(math.Round(end.Sub(today).Hours() / 24))
	var out []DueReview
	for _, d := range a.State.SortedDossiers() {
		if d.Status != StatusActive || !d.Created.Before(end) || d.ReviewedIn(q.String()) != nil {
			continue
		}
		r := DueReview{ID: d.ID, Level: d.Level, Owner: d.CreatedBy, OwnerName: a.State.MemberName(d.CreatedBy), DaysLeft: days, Overdue: !now.Before(end)}
		if r.OwnerName == d.CreatedBy {
			r.OwnerName = ""
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
func (a *Archive) ReviewDone(id, note string) (classify.Quarter, error) {
	q := a.Quarter()
	if _, err := a.requireKind(KindReview); err != nil {
		return q, err
	}
	err := a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		_, err = a.commit(KindReview, id, &ReviewData{Quarter: q.String(), Note: note})
		return err
	})
	return q, err
}

// SetHold puts dossier id under a legal hold (冻结), or releases it.
func (a *Archive) SetHold(id string, hold bool, reason string) error {
	kind, data := KindHold, payload(&HoldData{Reason: reason})
	if !hold {
		kind, data = KindRelease, &ReleaseData{Reason: reason}
	}
	if _, err := a.requireKind(kind); err != nil {
		return err
	}
	if hold && strings.TrimSpace(reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the dossier is held (e.g. the case or order)"))
	}
	return a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		_, err = a.commit(kind, id, data)
		return err
	})
}
