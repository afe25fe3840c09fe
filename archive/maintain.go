package archive

import (
	"errors"
	"time"
)

// MaintainReport is what `crm maintain` did and what needs a person.
type MaintainReport struct {
	Quarter      Quarter        `json:"quarter"`
	Expired      []*Loan        `json:"expired"`       // access revoked by this run
	Declassified int            `json:"declassified"`  // dossiers dropped to 内部 by this run (R7.2.4)
	Overdue      []*Loan        `json:"overdue"`       // open loans past due
	Reviews      []DueReview    `json:"reviews_due"`   // 核定 due within the window or overdue
	PendingLoans []*Loan        `json:"loans_pending"` // loan requests waiting for a sign-off or approval
	Destructions []*Destruction `json:"destructions_pending"`
	Errors       []string       `json:"errors,omitempty"`
}

// NeedsPerson reports whether something in the report waits for a person
// (`crm maintain` then exits 10).
func (r *MaintainReport) NeedsPerson() bool {
	return len(r.Overdue)+len(r.Reviews)+len(r.PendingLoans)+len(r.Destructions)+len(r.Errors) > 0
}

// Maintain is the periodic job (cron): it revokes the access of loans past
// due, declassifies dossiers whose secrecy period ran out, and reports overdue loans, reviews due within the window (or
// overdue), and requests waiting for approval. It writes nothing when there
// is nothing to revoke, so running it again changes nothing. A loan whose
// access cannot be revoked with the working key is reported in Errors and
// the returned error.
func (a *Archive) Maintain(within time.Duration) (*MaintainReport, error) {
	rep := &MaintainReport{Quarter: QuarterOf(a.Now())}
	var errs []error
	err := a.locked(func() error {
		rep.Expired, errs = a.expireLoans()
		// Declassification (R7.2.4): dossiers whose secrecy period ran out
		// drop to 内部; idempotent, like expireLoans.
		n, err := a.declassifyExpired()
		rep.Declassified = n
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := a.Now()
	for _, l := range a.State.SortedLoans() {
		if l.Overdue(now) {
			rep.Overdue = append(rep.Overdue, l)
		}
		if d := a.State.Dossiers[l.Dossier]; l.Status() == LoanPending && d != nil && d.Status == StatusActive {
			rep.PendingLoans = append(rep.PendingLoans, l)
		}
	}
	for _, r := range a.ReviewsDue(rep.Quarter) {
		if r.Overdue || time.Duration(r.DaysLeft)*24*time.Hour <= within {
			rep.Reviews = append(rep.Reviews, r)
		}
	}
	for _, r := range a.State.SortedDestructions() {
		if st := r.Status(); st == DestroyPending || st == DestroyApproved {
			rep.Destructions = append(rep.Destructions, r)
		}
	}
	for _, e := range errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	return rep, errors.Join(errs...)
}
