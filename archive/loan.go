package archive

import (
	"slices"
	"strings"
	"time"

	"crm/l10n"
)

// stepWithRecipients journals kind for dossier d with data. When readers
// differ from the file's recipients, the file is first re-encrypted to them
// (the working identity must be able to read it) and the event carries the
// new sha256 and recipients; otherwise no file is touched.
func (a *Archive) stepWithRecipients(d *DossierState, readers []string, kind string, data map[string]any) (*Event, error) {
	if slices.Equal(readers, d.Recipients) {
		return a.appendEvent(kind, d.ID, data)
	}
	out, err := a.reencrypt(d, readers)
	if err != nil {
		return nil, err
	}
	return a.writeCiphertext(d.ID, out, readers, kind, fileData{}, data)
}

// loan returns loan id and its dossier, or an error naming it.
func (a *Archive) loan(id string) (*Loan, *DossierState, error) {
	l := a.State.Loans[id]
	if l == nil {
		return nil, nil, Usage(l10n.Errorf("no loan %q in this archive: `crm borrow list` shows the loans (ids like L-000001)", id))
	}
	d := a.State.Dossiers[l.Dossier]
	return l, d, nil
}

// BorrowRequest asks to borrow dossier id for purpose, for days (0: the
// policy's loan period). A request from outside the home department carries
// its department manager's sign-off when the requester is that manager
// (R6.7); otherwise it waits for `crm borrow endorse`.
func (a *Archive) BorrowRequest(id, purpose string, days int) (*Loan, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(purpose) == "" {
		return nil, Usage(l10n.Errorf("--purpose is needed: what the dossier is borrowed for (it goes on the borrow card)"))
	}
	if days == 0 {
		days = a.Policy.LoanDays()
	}
	if days < 1 || days > a.Policy.LoanDays() {
		return nil, Usage(l10n.Errorf("--days %d: a loan lasts 1 to %d days (policy loan.days); renew it for longer", days, a.Policy.LoanDays()))
	}
	var l *Loan
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if err := a.State.checkLoanRequest(a.Policy, me, d); err != nil {
			return err
		}
		x := loanRequestData{Loan: formatSeq(loanPrefix, a.State.MaxLoan+1), Purpose: purpose, Days: days, Department: me.Department}
		if needsEndorsement(a.Policy, me.Department) && me.HasRole("dept_manager") {
			x.EndorsedBy = me.ID
		}
		if _, err := a.appendEvent(KindLoanRequest, id, x); err != nil {
			return err
		}
		l = a.State.Loans[x.Loan]
		return nil
	})
	return l, err
}

// BorrowEndorse records the sign-off of the requester's department manager (R6.7).
func (a *Archive) BorrowEndorse(loanID string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		if err := a.State.checkLoanEndorse(me, l); err != nil {
			return err
		}
		_, err := a.appendEvent(KindLoanEndorse, d.ID, loanData{Loan: l.ID})
		return err
	})
}

// loanStep runs step on loan loanID for the working member, holding the
// lock: the shape every step on an existing loan shares.
func (a *Archive) loanStep(loanID string, step func(me *Member, l *Loan, d *DossierState) error) (*Loan, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	var l *Loan
	err = a.locked(func() error {
		var d *DossierState
		var err error
		if l, d, err = a.loan(loanID); err != nil {
			return err
		}
		return step(me, l, d)
	})
	return l, err
}

// BorrowApprove approves loan loanID. On the last approval the dossier is
// re-encrypted to include the borrower, and the borrow card is journaled;
// last reports whether that happened.
func (a *Archive) BorrowApprove(loanID string) (l *Loan, last bool, err error) {
	l, err = a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		if _, err := a.Lookup(d.ID); err != nil {
			return err
		}
		var err error
		_, last, err = a.State.checkLoanApprove(a.Policy, me, l, d.Level)
		if err != nil {
			return err
		}
		data := map[string]any{"loan": l.ID}
		if !last {
			_, err = a.appendEvent(KindLoanApprove, d.ID, data)
			return err
		}
		t := a.Now().UTC().Truncate(time.Second)
		due := t.Add(time.Duration(l.Days) * 24 * time.Hour)
		card := a.borrowCard(l, d, t, due, me.ID)
		data["due"], data["card"] = fmtTime(due), card
		_, err = a.stepWithRecipients(d, a.recipientsFor(d, "", l.Borrower), KindLoanApprove, data)
		return err
	})
	return l, last, err
}

func (a *Archive) borrowCard(l *Loan, d *DossierState, out, due time.Time, approver string) *BorrowCard {
	c := &BorrowCard{Card: l.ID, Dossier: d.ID, Level: d.Level, Borrower: l.Borrower, Department: l.Department,
		Purpose: l.Purpose, EndorsedBy: l.EndorsedBy, Out: dateOf(out), Due: dateOf(due)}
	if m := a.State.Members[l.Borrower]; m != nil {
		c.BorrowerName = m.Name
		var titles []string
		for _, r := range m.Roles {
			if t := a.Policy.Roles[r]; t != "" {
				titles = append(titles, t)
			} else {
				titles = append(titles, r)
			}
		}
		c.Title = strings.Join(titles, "、")
	}
	for _, ap := range l.Approvals {
		c.Approvers = append(c.Approvers, ap.Member)
	}
	c.Approvers = append(c.Approvers, approver)
	return c
}

// CardOf returns loan l's borrow card with what happened since approval
// (renewals, due, return) filled in.
func (l *Loan) CardOf() *BorrowCard {
	if l.Card == nil {
		return nil
	}
	c := *l.Card
	c.Renewals, c.Due = l.Renewals, dateOf(l.Due)
	if !l.Returned.IsZero() {
		c.Returned = dateOf(l.Returned)
		c.Intact = map[bool]string{true: "yes", false: "no"}[l.Intact]
		c.Remarks = l.Note
	}
	if !l.Expired.IsZero() && c.Remarks == "" {
		c.Remarks = l10n.Sprintf("access revoked %s: overdue", dateOf(l.Expired))
	}
	return &c
}

// BorrowRenew extends an open loan by its period (policy loan.renewals times at most).
func (a *Archive) BorrowRenew(loanID string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		t := a.Now().UTC().Truncate(time.Second)
		if err := a.State.checkLoanRenew(a.Policy, me, l, t); err != nil {
			return err
		}
		due := l.Due.Add(time.Duration(l.Days) * 24 * time.Hour)
		_, err := a.appendEvent(KindLoanRenew, d.ID, loanData{Loan: l.ID, Due: fmtTime(due)})
		return err
	})
}

// BorrowReturn records the return of a loan, intact or with a note on the
// damage, and re-encrypts the dossier without the borrower.
func (a *Archive) BorrowReturn(loanID string, intact bool, note string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		if err := a.State.checkLoanReturn(a.Policy, me, l, d.Level); err != nil {
			return err
		}
		data := map[string]any{"loan": l.ID, "intact": intact, "note": note}
		_, err := a.stepWithRecipients(d, a.recipientsFor(d, l.ID, ""), KindLoanReturn, data)
		return err
	})
}

// Loans lists the loans by id; with overdueOnly, only those open past due at now.
func (a *Archive) Loans(overdueOnly bool) []*Loan {
	var out []*Loan
	for _, l := range a.State.SortedLoans() {
		if overdueOnly && !l.Overdue(a.Now()) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// expireLoans revokes the access of every loan past due (loan.expire,
// re-encrypting the file without the borrower). The caller holds the lock.
// A loan whose dossier the working key cannot re-encrypt is skipped, with
// its error.
func (a *Archive) expireLoans() (expired []*Loan, errs []error) {
	now := a.Now().UTC().Truncate(time.Second) // the event's time, which replay compares with due
	for _, l := range a.State.SortedLoans() {
		if l.Status() != LoanOut || !now.After(l.Due) {
			continue
		}
		if a.id == nil {
			errs = append(errs, Denied(l10n.Errorf("loan %s is overdue and its access must be revoked: run `crm maintain` with a key that can read dossier %s", l.ID, l.Dossier)))
			continue
		}
		d := a.State.Dossiers[l.Dossier]
		if _, err := a.stepWithRecipients(d, a.recipientsFor(d, l.ID, ""), KindLoanExpire, map[string]any{"loan": l.ID}); err != nil {
			errs = append(errs, l10n.Errorf("loan %s: %v", l.ID, err))
			continue
		}
		expired = append(expired, l)
	}
	return expired, errs
}
