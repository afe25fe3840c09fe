package archive

import (
	"context"
	"errors"
	"slices"
	"time"

	"crm/classify"
)

// MaintainReport is what the periodic job did and what needs a person.
type MaintainReport struct {
	Quarter string  `json:"quarter"`
	Expired []*Loan `json:"expired"` // access revoked by this run
	// RoleLost are the loans out whose access this run ended because
	// their borrower no longer holds a role that may borrow, or was
	// removed (R7.1): approved where the role change was not known.
	RoleLost     []*Loan        `json:"expired_borrower_role_lost"`
	Declassified int            `json:"declassified"`   // dossiers dropped to 内部 by this run (R7.2.4)
	Overdue      []*Loan        `json:"overdue"`        // open loans past due
	Reviews      []DueReview    `json:"reviews_due"`    // 核定 due within the window or overdue
	Missed       []MissedReview `json:"reviews_missed"` // quarters that ended without a 核定 (R6.5)
	// Rekeyed are the dossiers this run re-encrypted because a step was
	// recorded without a file (a borrower's own return, a loan approved
	// by a role that only reads, a member change that was interrupted).
	Rekeyed      []string       `json:"rekeyed"`
	PendingLoans []*Loan        `json:"loans_pending"` // loan requests waiting for a sign-off or approval
	Destructions []*Destruction `json:"destructions_pending"`
	// PendingRequests are the statistics requests waiting for a
	// department manager's signature or 客服部's approval (R6.7).
	PendingRequests []PendingRequest `json:"requests_pending"`
	// From the dossiers the key opens (contacts:): overdue visits,
	// complaints past their retention, and how many could not be checked.
	Visits     []DueVisit          `json:"visits_due"`
	Complaints []ExpiredComplaints `json:"complaints_expired"`
	// SameCustomer are the organisations with more than one dossier
	// among those the key opens (R5: one dossier per customer).
	SameCustomer []SameCustomer `json:"same_customer"`
	Unchecked    int            `json:"unchecked"`
	// R6.1: who owes this month's customer information report after its
	// due day, and hand-ins waiting to be merged (R6.3).
	HandInsMissing []MissingHandIn `json:"hand_ins_missing"`
	HandInsPending []*Submission   `json:"hand_ins_pending"`
	// HandInsOrphaned are the ids of the hand-ins of HandInsPending whose
	// dossier was destroyed since: nothing can be folded into it, so
	// such a hand-in waits until a clerk turns it down.
	HandInsOrphaned []string `json:"hand_ins_about_destroyed"`
	// Ahead are the journal's events dated after this run's clock (beyond
	// ClockSkew): they count from their date (a writer's clock ahead), or
	// this clock is behind.
	Ahead []AheadEvent `json:"events_ahead"`
	// Bundled are the closed months this run put in bundles.
	Bundled []Bundled `json:"bundled"`
	Errors  []string  `json:"errors"`
}

// NeedsPerson reports whether something in the report waits for a person
// (the job then ends with "something is due").
func (r *MaintainReport) NeedsPerson() bool {
	return len(r.Overdue)+len(r.Reviews)+len(r.Missed)+len(r.PendingLoans)+len(r.Destructions)+len(r.PendingRequests)+
		len(r.Visits)+len(r.Complaints)+len(r.SameCustomer)+len(r.HandInsMissing)+len(r.HandInsPending)+len(r.Ahead)+len(r.Errors) > 0
}

// DueWithin reports whether the quarter of a due review ends within span
// of today (in the policy's zone), or has ended.
func (a *Archive) DueWithin(r DueReview, span classify.Period) bool {
	if r.Overdue {
		return true
	}
	loc := a.Location()
	now := a.now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	end := today.AddDate(0, 0, r.DaysLeft)
	return !end.After(classify.AddSpan(today, span))
}

// Maintain is the periodic job (cron): it revokes the access of loans past
// due, and of loans out whose borrower no longer holds a role that may
// borrow or was removed (R7.1: approved where the role change was not
// known, so the change did not end them), declassifies dossiers whose secrecy period ran out, re-encrypts
// files whose recipients are stale, and reports overdue loans, reviews due
// within the window (or overdue) and quarters missed, requests waiting for
// approval, and, from the dossiers its key opens, overdue visits and
// complaints kept past their retention. It writes nothing when there is nothing to revoke,
// so running it again changes nothing. A loan whose access cannot be
// revoked with the working key is reported in Errors and the returned error.
func (a *Archive) Maintain(ctx context.Context, within classify.Period) (*MaintainReport, error) {
	q := a.Quarter()
	rep := &MaintainReport{Quarter: q.String()}
	var errs []error
	// However the archive was opened (the command opens the snapshot's
	// header only), the state taken under the lock is the summary's: every
	// row and register. Only a run that finds something to write in them
	// takes a state to write against: the parts of the dossiers it writes
	// about with every loan, else the whole state.
	a.only, a.onlyLoan, a.onlyRequest, a.creates = "", "", "", false
	a.summary = SummaryRows | SummaryLoans | SummaryDestructions
	defer func() { a.summary = 0 }() // later steps on a take the whole state, as before
	a.prefetchDigests()              // for contactsDue, while the state is taken
	err := a.locked(func() error {
		if err := a.maintainSteps(ctx, rep, &errs); err != nil {
			return err
		}
		// Last, the closed months go into bundles (bundle.go): the steps
		// above read the events where they were.
		var err error
		if rep.Bundled, err = a.BundleJournal(); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.partial && !a.State.summary {
		// The steps had some dossiers' parts: what the report lists
		// comes from the rows and registers, with the steps just written.
		a.summary = SummaryRows | SummaryLoans | SummaryDestructions
		if _, err := a.refresh(); err != nil {
			return nil, err
		}
	}
	// The visits and complaints first. With no digests yet they decrypt
	// every dossier the key opens, each garbage once digested: the whole
	// report is then made under the budget (at 100,000 dossiers 236-255
	// MB, 14-15 s). Made after the lists below (34 MB of missed 核定
	// alone), the decryption had less room under it: 18-19 s.
	// With the digests there, the 核定 lists are made on other cores while
	// the visits are checked (at 100,000 dossiers each walks every row);
	// the rows and the zone first, as both keep what they make.
	var due []DueReview
	var lists chan struct{} // closed when made aside
	if a.digestsLack() {
		defer PaceGC()()
	} else {
		a.State.sortedRows()
		a.Location()
		lists = make(chan struct{})
		go func() {
			defer close(lists)
			due, rep.Missed = a.ReviewsDueAndMissed(q, true)
		}()
	}
	cerr := a.contactsDue(ctx, rep)
	for _, l := range a.State.SortedLoans() {
		if l.Overdue(a.now) {
			rep.Overdue = append(rep.Overdue, l)
		}
		if l.Status() == LoanPending && a.State.dossierStatus(l.Dossier) == StatusActive {
			rep.PendingLoans = append(rep.PendingLoans, l)
		}
	}
	if lists != nil {
		<-lists
	} else {
		due, rep.Missed = a.ReviewsDue(q), a.ReviewsMissed(q)
	}
	for _, r := range due {
		if a.DueWithin(r, within) {
			rep.Reviews = append(rep.Reviews, r)
		}
	}
	for _, r := range a.State.SortedDestructions() {
		if st := r.Status(); st == DestroyPending || st == DestroyApproved {
			rep.Destructions = append(rep.Destructions, r)
		}
	}
	rep.PendingRequests = a.PendingRequests()
	rep.HandInsMissing, rep.HandInsPending = a.MissingHandIns(), a.Submissions(true)
	for _, sub := range rep.HandInsPending {
		if sub.About != "" && a.State.dossierStatus(sub.About) == StatusDestroyed {
			rep.HandInsOrphaned = append(rep.HandInsOrphaned, sub.ID)
		}
	}
	rep.Ahead = a.AheadEvents()
	if cerr != nil {
		errs = append(errs, cerr)
	}
	for _, e := range errs {
		rep.Errors = append(rep.Errors, e.Error())
	}
	return rep, errors.Join(errs...)
}

// maintainSteps is Maintain's steps under the lock: loans expired,
// dossiers declassified, stale files re-encrypted.
func (a *Archive) maintainSteps(ctx context.Context, rep *MaintainReport, errs *[]error) error {
	if a.State.summary {
		todo := a.maintainTodo()
		if len(todo) == 0 {
			return nil
		}
		// The steps are written against the parts of the dossiers
		// they are about, with every loan (idsState), or the whole
		// state when those cannot be had.
		a.summary, a.onlyIDs = 0, todo
		clean, err := a.refresh()
		a.onlyIDs = nil
		if err != nil {
			return err
		}
		if !clean {
			a.repairCrash()
		}
	}
	rep.Expired, rep.RoleLost, *errs = a.expireLoans()
	// Declassification (R7.2.4): dossiers whose secrecy period ran out
	// drop to 内部; idempotent, like expireLoans.
	n, err := a.declassifyExpired(ctx)
	rep.Declassified = n
	if err != nil {
		*errs = append(*errs, err)
	}
	// Files whose recipients the journal changed without a file (a
	// borrower's own return, …) are re-encrypted by a writer.
	rep.Rekeyed, err = a.rekeyStale(ctx)
	if err != nil {
		*errs = append(*errs, err)
	}
	return nil
}

// maintainTodo returns, from a summary state's rows and loans, the
// dossiers Maintain has a step to write about: those of a loan out past
// due or whose borrower may no longer borrow (expireLoans), those whose secrecy period ran out
// (declassifyExpired), and files not encrypted to the recipients they
// should be, or to a rotated key (rekeyStale). They are the same tests on
// the same facts.
func (a *Archive) maintainTodo() []string {
	var todo []string
	for _, l := range a.State.Loans {
		if l.accessExpired(a.now) || a.State.borrowerLost(l) {
			todo = append(todo, l.Dossier)
		}
	}
	low := a.Policy.DeclassifiedLevel()
	at := a.now.Add(time.Nanosecond)
	readers := map[string][]string{} // each level's, made once
	rows := a.State.sortedRows()
	for i := range rows {
		r := &rows[i]
		if r.Status != StatusActive {
			continue
		}
		if r.Level != low && a.State.rowLevelAt(r, at) != r.Level || a.State.rowStale(r, readers) {
			todo = append(todo, r.ID)
		}
	}
	slices.Sort(todo)
	return slices.Compact(todo)
}
