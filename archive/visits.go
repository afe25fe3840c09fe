package archive

import (
	"context"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"crm/classify"
	"crm/l10n"
)

// The sister rules' "Intake and records" as maintain checks them: customers
// are visited (拜访) on their tier's cadence, and a complaint record is kept
// for its retention period, then removed. Both live in the dossier's text
// (contacts:), so checking them needs a key that opens the dossier.

// DueVisit is a customer whose next visit is overdue by the policy's
// cadence for its tier (contacts.visit_every).
type DueVisit struct {
	ID        string `json:"id"`
	Tier      string `json:"tier"`
	Every     string `json:"every"`                // the cadence, like 3m
	LastVisit string `json:"last_visit,omitempty"` // YYYY-MM-DD of the last 拜访, "" if none
	Due       string `json:"due"`                  // YYYY-MM-DD the next visit was due
	Owner     string `json:"owner,omitempty"`      // the dossier's 档案负责人
}

// ExpiredComplaints is a dossier with complaint records kept past their
// retention (contacts.complaint_retention, or the record's keep_until).
type ExpiredComplaints struct {
	ID        string   `json:"id"`
	KeptUntil []string `json:"kept_until"` // YYYY-MM-DD of each such record
}

// civilToday is now's calendar date in the policy's zone, at midnight UTC
// (the form of the dossiers' dates).
func (a *Archive) civilToday() time.Time { return civil(a.now.In(a.Location())) }

// VisitDue returns when dossier d's next visit (拜访) is due under the
// policy for tier, counted from its last visit or, before the first, from
// its creation; ok is false when the tier has no cadence.
func (a *Archive) VisitDue(d *DossierState, dd *Dossier, tier string) (due time.Time, last Date, every classify.Period, ok bool) {
	return a.visitDue(d.Created, lastVisit(dd.Contacts), tier)
}

// lastVisit is the date of the latest visit (拜访) among cs, zero if none.
func lastVisit(cs []Contact) (last Date) {
	for _, c := range cs {
		if c.Kind == ContactVisit && c.Date.After(last.Time) {
			last = c.Date
		}
	}
	return last
}

// visitDue is VisitDue of a dossier created at created whose last visit
// was last.
func (a *Archive) visitDue(created time.Time, last Date, tier string) (due time.Time, _ Date, every classify.Period, ok bool) {
	every, ok = a.Policy.VisitEvery(tier)
	return visitDueEvery(created, last, every, ok, a.Location())
}

// visitDueEvery is visitDue with the tier's span looked up already (ok:
// the policy gives one), in the policy's zone loc.
func visitDueEvery(created time.Time, last Date, every classify.Period, ok bool, loc *time.Location) (time.Time, Date, classify.Period, bool) {
	if !ok {
		return time.Time{}, Date{}, every, false
	}
	from := civil(created.In(loc))
	if !last.IsZero() {
		from = last.Time
	}
	return classify.AddSpan(from, every), last, every, true
}

// ExpiredComplaintRecords returns the complaint records of dd whose
// retention ended before today (in the policy's zone).
func (a *Archive) ExpiredComplaintRecords(dd *Dossier) []Contact {
	return a.expiredComplaints(dd.Contacts)
}

// expiredComplaints is ExpiredComplaintRecords of the records cs.
func (a *Archive) expiredComplaints(cs []Contact) []Contact {
	today := a.civilToday()
	var out []Contact
	for _, c := range cs {
		if c.Kind != ContactComplaint {
			continue
		}
		if keep := a.Policy.ComplaintKeepUntil(c); !keep.IsZero() && keep.Before(today) {
			out = append(out, c)
		}
	}
	return out
}

// contactsDue fills rep's overdue visits and expired complaints from the
// dossiers the working key opens, and counts those it cannot.
func (a *Archive) contactsDue(ctx context.Context, rep *MaintainReport) error {
	// The digests ListBrief keeps hold the last visit and the complaints'
	// dates: no dossier is parsed again while the journal pins the file
	// they were made from (listDigests, byHash).
	// Only the tiers of the entries a listing makes are read: each row's
	// override, else the tier written, else the ABC grade's over every
	// dossier read (as ListBrief grades them).
	_, rows, digests, err := a.listDigests(ctx, false, true)
	grades := a.digestGrades(rows, digests)
	today := a.civilToday()
	// The policy's spans, read once a tier rather than once a dossier,
	// and each day written once.
	type span struct {
		every classify.Period
		ok    bool
	}
	spans := map[string]span{}
	days := map[time.Time]string{}
	day := func(t time.Time) string {
		s, ok := days[t]
		if !ok {
			s = t.Format(time.DateOnly)
			days[t] = s
		}
		return s
	}
	loc := a.Location()
	customers := newCustomers(len(rows))
	for i, r := range rows {
		g := digests[i]
		if g == nil {
			rep.Unchecked++
			continue
		}
		customers.add(r.ID, g.Name, g.Individual)
		tier := listedTier(r.Tier, g.Tier, grades[i], g.Sales)
		sp, seen := spans[tier]
		if !seen {
			sp.every, sp.ok = a.Policy.VisitEvery(tier)
			spans[tier] = sp
		}
		if due, last, every, ok := visitDueEvery(r.Created, g.LastVisit, sp.every, sp.ok, loc); ok && today.After(due) {
			v := DueVisit{ID: r.ID, Tier: tier, Every: every.String(), Due: day(due), Owner: g.Owner}
			if !last.IsZero() {
				v.LastVisit = day(last.Time)
			}
			if rep.Visits == nil {
				// Room for every dossier left at once: at 100,000 nearly
				// all may be due, and growing by appends moved and
				// faulted in twice the memory (pages never written cost
				// nothing).
				rep.Visits = make([]DueVisit, 0, len(rows)-i)
			}
			rep.Visits = append(rep.Visits, v)
		}
		if cs := a.expiredComplaints(g.Complaints); len(cs) > 0 {
			x := ExpiredComplaints{ID: r.ID}
			for _, c := range cs {
				x.KeptUntil = append(x.KeptUntil, a.Policy.ComplaintKeepUntil(c).Format(time.DateOnly))
			}
			rep.Complaints = append(rep.Complaints, x)
		}
	}
	rep.SameCustomer = customers.shared()
	a.keepCustomers(rows, digests, hardErrors(err) == nil && !hasDossierError(err))
	if err != nil {
		return l10n.Errorf("checking visits and complaints: %w", err)
	}
	return nil
}

// RemoveExpiredComplaints removes from dossier id the complaint records
// whose retention has ended (sister rules: complaints are kept two years,
// policy contacts.complaint_retention), as a normal content update
// (dossier.update, field contacts), and returns them. Nothing is written
// when none has ended.
func (a *Archive) RemoveExpiredComplaints(id string) ([]Contact, error) {
	o, err := a.Read(id)
	if err != nil {
		return nil, err
	}
	dd, err := ParseDossier(o.Text)
	if err != nil {
		return nil, l10n.Errorf("dossier %s: %v", id, err)
	}
	expired := a.ExpiredComplaintRecords(dd)
	if len(expired) == 0 {
		return nil, nil
	}
	today := a.civilToday()
	text, removed, err := RemoveContacts(o.Text, func(c Contact) bool {
		keep := a.Policy.ComplaintKeepUntil(c)
		return c.Kind == ContactComplaint && !keep.IsZero() && keep.Before(today)
	})
	if err != nil {
		return nil, err
	}
	if _, _, err := a.Update(id, o.SHA256, o.Text, text); err != nil {
		return nil, err
	}
	return removed, nil
}

// checkContactDates refuses a dossier text about to be written (newText,
// of facts nf; of is the facts of the text it replaces, nil for a new
// dossier) with a contact record dated after today in the policy's zone
// that the old text does not have: a record is of a contact that took
// place, and a visit dated ahead would count for the tier's visit cadence
// until that day (sister rules: ordinary customers visited at least once
// a quarter). A record already kept that way is left to the edit that
// touches it.
func (a *Archive) checkContactDates(of, nf *writtenFacts, newText []byte) error {
	had := map[string]int{}
	if of != nil {
		for _, c := range of.Contacts {
			had[contactKey(c)]++
		}
	}
	today := a.civilToday()
	var contacts *yaml.Node // newText's contacts:, read for the first error's lines
	var ps []*FieldError
	for i, c := range nf.Contacts {
		if k := contactKey(c); had[k] > 0 {
			had[k]--
			continue
		}
		if !c.Date.After(today) {
			continue
		}
		if contacts == nil {
			contacts = &yaml.Node{}
			if top, err := dossierNode(newText); err == nil {
				if n := nodeAt(top, "contacts"); n != nil {
					contacts = n
				}
			}
		}
		var line int
		if contacts.Kind == yaml.SequenceNode && i < len(contacts.Content) {
			line = lineOf(contacts.Content[i], "date")
		}
		ps = append(ps, &FieldError{Path: fmt.Sprintf("contacts[%d].date", i), Line: line,
			Msg: l10n.Sprintf("%s is after today (%s): a contact record is filed once the contact took place", c.Date.Format(time.DateOnly), today.Format(time.DateOnly))})
	}
	if len(ps) > 0 {
		return &ValidationError{ps}
	}
	return nil
}

// contactKey is what tells one contact record from another.
func contactKey(c Contact) string {
	return c.Date.Format(time.DateOnly) + "\x00" + c.Kind + "\x00" + c.Who + "\x00" + c.Content + "\x00" + c.FollowUp
}

// CheckEdit checks newText as Update (oldText the text of dossier id) or,
// with oldText nil, as Create will check it, the checks against today and
// the policy included (checkAgainstPolicy), and writes nothing: for an
// editor that reopens until the text would be written.
func (a *Archive) CheckEdit(id string, oldText, newText []byte) error {
	var od *dossierDoc
	nd := readDoc(newText)
	var err error
	if oldText == nil {
		_, err = parseWrittenDoc(nd)
	} else {
		od = readDoc(oldText)
		err = checkUpdateDocs(od, nd)
	}
	if err != nil {
		return err
	}
	return a.checkAgainstPolicy(id, od, nd)
}

// checkAgainstPolicy makes the checks of a write that read today or the
// policy (checkContactDates, checkCreditLimit); id is the dossier's id,
// "" for a new one.
func (a *Archive) checkAgainstPolicy(id string, od, nd *dossierDoc) error {
	nf, err := factsOfDoc(nd)
	if err != nil {
		return nil // the text's own checks say what is wrong
	}
	var of *writtenFacts
	if od != nil {
		of, _ = factsOfDoc(od) // nil if it does not decode: every record is new
	}
	newText := nd.text
	if err := a.checkContactDates(of, nf, newText); err != nil {
		return err
	}
	override := ""
	if d := a.State.Dossiers[id]; id != "" && d != nil {
		override = d.Credit
	}
	return a.checkCreditLimit(override, of, nf, newText)
}
