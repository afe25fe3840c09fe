package report

import (
	"strconv"
	"time"

	"crm/archive"
)

// RegisterEntry is one dossier of the customer register: its id, its
// effective level (R7.2.4) and content, and what the journal adds.
type RegisterEntry struct {
	ID      string
	Level   string
	Dossier *archive.Dossier
	// Credit and Tier are the current credit class and tier
	// (archive.ListEntry, with the journal's adjustments); empty means
	// the dossier's own credit_survey.class and tier.
	Credit, Tier string
	// LastVerified is the time of the last 核定 (R6.5); zero if none.
	LastVerified time.Time
}

// Register fills the register layout (templates/reports/register.yaml) with
// one row per entry, in the order given: the electronic spreadsheet copy of
// the dossiers kept for analysis (R6.2). unreadable is how many dossiers the
// caller's key could not open; when not 0 the layout's note "unreadable"
// says so; dates are days in loc (the policy's zone). The caller sets
// GeneratedAt.
//
// It reads nothing but its arguments (not the archive, not gather.go), so
// any list of dossiers can be exported.
func Register(l *Layout, entries []RegisterEntry, unreadable int, loc *time.Location) (*Report, error) {
	rows := make([]Row, 0, len(entries))
	for _, en := range entries {
		d := en.Dossier
		if d == nil {
			continue
		}
		credit := en.Credit
		if credit == "" {
			credit = d.CreditSurvey.Class
		}
		tier := en.Tier
		if tier == "" {
			tier = d.Tier
		}
		r := Row{
			"dossier": Str(en.ID), "level": optText(en.Level), "customer": optText(d.Customer.Name),
			"kind": optText(d.Customer.Kind), "ownership": optText(d.Customer.Ownership),
			"industry": optText(d.Customer.Industry), "region": optText(d.Customer.Region), "size": optText(d.Customer.Size),
			"tier": optText(tier), "credit": optText(credit), "yearly_sales": Num(d.YearlySales),
			"telephone": optText(d.ContactPhone()), "address": optText(d.Customer.Address),
			"contact_person": optText(d.ContactPerson.Name), "owner": optText(d.Owner),
			"trading_since": optDay(d.Customer.TradingSince), "last_verified": optTime(en.LastVerified, loc),
		}
		if d.CreditSurvey.CreditLimit > 0 {
			r["credit_limit"] = Num(d.CreditSurvey.CreditLimit)
		}
		if o := d.CreditSurvey.Outstanding; o != nil {
			r["outstanding"] = Num(*o)
		}
		var last archive.Date
		for _, c := range d.Contacts {
			if c.Date.After(last.Time) {
				last = c.Date
			}
		}
		r["last_contact"] = optDay(last)
		rows = append(rows, r)
	}
	rep, err := Build(l, map[string][]Row{"register": rows})
	if err != nil {
		return nil, err
	}
	if unreadable > 0 {
		n, err := l.Note("unreadable", map[string]string{"count": strconv.Itoa(unreadable)})
		if err != nil {
			return nil, err
		}
		rep.Notes = append(rep.Notes, n)
	}
	return rep, nil
}

// text is s as a text cell, or an empty cell.
func optText(s string) Value {
	if s == "" {
		return Value{}
	}
	return Str(s)
}

// optDay is a dossier's date as a date cell, or an empty cell.
func optDay(d archive.Date) Value {
	if d.IsZero() {
		return Value{}
	}
	return Date(d.Time)
}

// optTime is the day of t in loc (the policy's zone), or an empty cell.
func optTime(t time.Time, loc *time.Location) Value {
	if t.IsZero() {
		return Value{}
	}
	return Date(t.In(loc))
}
