package report

import (
	"cmp"
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
	// row is what the register shows of Dossier, once Compact made it.
	row *registerRow
}

// registerRow is what a register row shows of a dossier's content.
type registerRow struct {
	customer, kind, ownership, industry, region, size string
	tier, credit, telephone, address, contact, owner  string
	sales, limit, outstanding                         float64
	hasLimit, hasOutstanding                          bool
	tradingSince, lastContact                         archive.Date
}

// Compact returns en with its dossier reduced to what the register shows
// of it (about 300 bytes), for a caller that reads every dossier one
// after another and keeps an entry of each: at 100,000 dossiers the
// dossiers themselves were gigabytes. Register reads it the same.
func (en RegisterEntry) Compact() RegisterEntry {
	if d := en.Dossier; d != nil {
		credit, tier := cmp.Or(en.Credit, d.CreditSurvey.Class), cmp.Or(en.Tier, d.Tier)
		r := registerRow{customer: d.Customer.Name, kind: d.Customer.Kind, ownership: d.Customer.Ownership,
			industry: d.Customer.Industry, region: d.Customer.Region, size: d.Customer.Size, tier: tier, credit: credit,
			telephone: d.ContactPhone(), address: d.Customer.Address, contact: d.ContactPerson.Name, owner: d.Owner,
			sales: d.YearlySales, limit: d.CreditSurvey.CreditLimit, hasLimit: d.CreditSurvey.CreditLimit > 0,
			tradingSince: d.Customer.TradingSince}
		if o := d.CreditSurvey.Outstanding; o != nil {
			r.outstanding, r.hasOutstanding = *o, true
		}
		for _, c := range d.Contacts {
			if c.Date.After(r.lastContact.Time) {
				r.lastContact = c.Date
			}
		}
		en.row, en.Dossier = &r, nil
	}
	return en
}

// Register fills the register layout (templates/reports/register.yaml) with
// one row per entry, in the order given: the electronic spreadsheet copy of
// the dossiers kept for analysis (R6.2). unreadable is how many dossiers the
// caller's key could not open; when not 0 the layout's note "unreadable"
// says so; dates are days in loc (the policy's zone). The caller sets
// GeneratedAt. An entry without content (no Dossier, not compacted) has no
// row. The rows are made as they are read.
//
// It reads nothing but its arguments (not the archive, not gather.go), so
// any list of dossiers can be exported.
func Register(l *Layout, entries []RegisterEntry, unreadable int, loc *time.Location) (*Report, error) {
	rows := make([]RegisterEntry, 0, len(entries))
	for _, en := range entries {
		if en.Dossier != nil || en.row != nil {
			rows = append(rows, en.Compact())
		}
	}
	keys := []string{"dossier", "level", "customer", "kind", "ownership", "industry", "region", "size", "tier", "credit",
		"yearly_sales", "telephone", "address", "contact_person", "owner", "trading_since", "last_verified",
		"credit_limit", "outstanding", "last_contact"}
	src := &rowsOf[RegisterEntry]{items: rows, keys: keys, cell: func(en *RegisterEntry, _ int, key string) Value {
		r := en.row
		switch key {
		case "dossier":
			return Str(en.ID)
		case "level":
			return optText(en.Level)
		case "customer":
			return optText(r.customer)
		case "kind":
			return optText(r.kind)
		case "ownership":
			return optText(r.ownership)
		case "industry":
			return optText(r.industry)
		case "region":
			return optText(r.region)
		case "size":
			return optText(r.size)
		case "tier":
			return optText(r.tier)
		case "credit":
			return optText(r.credit)
		case "yearly_sales":
			return Num(r.sales)
		case "telephone":
			return optText(r.telephone)
		case "address":
			return optText(r.address)
		case "contact_person":
			return optText(r.contact)
		case "owner":
			return optText(r.owner)
		case "trading_since":
			return optDay(r.tradingSince)
		case "last_verified":
			return optTime(en.LastVerified, loc)
		case "credit_limit":
			if r.hasLimit {
				return Num(r.limit)
			}
		case "outstanding":
			if r.hasOutstanding {
				return Num(r.outstanding)
			}
		case "last_contact":
			return optDay(r.lastContact)
		}
		return Value{}
	}}
	rep, err := build(l, nil, map[string]rowSource{"register": src}, true)
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
