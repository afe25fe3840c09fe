package archive

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"crm/l10n"
)

// Event kinds of the lifecycle steps (R6.5, R6.7, R6.10, R7.1).
const (
	KindReview         = "dossier.review"
	KindHold           = "dossier.hold"
	KindRelease        = "dossier.release"
	KindLoanRequest    = "loan.request"
	KindLoanEndorse    = "loan.endorse"
	KindLoanApprove    = "loan.approve"
	KindLoanRenew      = "loan.renew"
	KindLoanReturn     = "loan.return"
	KindLoanExpire     = "loan.expire"
	KindDestroyRequest = "destroy.request"
	KindDestroyApprove = "destroy.approve"
	KindDestroyReject  = "destroy.reject"
	KindDestroyExecute = "destroy.execute"
)

// Id prefixes of loans and destruction requests (L-000001, D-000001).
const (
	loanPrefix    = "L-"
	destroyPrefix = "D-"
)

func formatSeq(prefix string, n int) string { return fmt.Sprintf("%s%06d", prefix, n) }

func seqNumber(prefix, id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || rest == "" || len(rest) > 12 {
		return 0, false
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

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

// Approval is one approval of a loan or a destruction request.
type Approval struct {
	Step   int       `yaml:"step,omitempty" json:"step,omitempty"`
	Role   string    `yaml:"role" json:"role"`
	Member string    `yaml:"member" json:"member"`
	Date   string    `yaml:"date" json:"date"` // YYYY-MM-DD
	Time   time.Time `yaml:"-" json:"time"`
	Event  string    `yaml:"-" json:"-"` // hash of the approving event
}

// Loan statuses.
const (
	LoanPending  = "pending"  // waiting for the department manager's sign-off or approvals
	LoanOut      = "out"      // approved: the borrower can read the dossier
	LoanExpired  = "expired"  // past due and access revoked by maintain; still to be returned
	LoanReturned = "returned" // returned
)

// Loan is a borrowing of a dossier (借阅, R7.1), as the journal tells it.
type Loan struct {
	ID         string      `json:"loan"`
	Dossier    string      `json:"dossier"`
	Borrower   string      `json:"borrower"`
	Department string      `json:"department"`
	Purpose    string      `json:"purpose"`
	Days       int         `json:"days"`
	Requested  time.Time   `json:"requested"`
	EndorsedBy string      `json:"endorsed_by,omitempty"`
	NeedsSign  bool        `json:"needs_endorsement"`
	Approvals  []Approval  `json:"approvals"`
	Out        time.Time   `json:"out,omitzero"`
	Due        time.Time   `json:"due,omitzero"`
	Renewals   int         `json:"renewals"`
	Expired    time.Time   `json:"expired,omitzero"`
	Returned   time.Time   `json:"returned,omitzero"`
	ReturnedBy string      `json:"returned_by,omitempty"`
	Intact     bool        `json:"intact"`
	Note       string      `json:"note,omitempty"`
	Card       *BorrowCard `json:"card,omitempty"`
}

// Status is the loan's status: pending, out, expired or returned.
func (l *Loan) Status() string {
	switch {
	case !l.Returned.IsZero():
		return LoanReturned
	case !l.Expired.IsZero():
		return LoanExpired
	case !l.Out.IsZero():
		return LoanOut
	}
	return LoanPending
}

// Open reports whether the loan is approved and not yet returned (the
// dossier is on loan, whether or not access has been revoked).
func (l *Loan) Open() bool { return !l.Out.IsZero() && l.Returned.IsZero() }

// HasAccess reports whether the borrower must be a recipient of the file:
// approved, not returned, not expired.
func (l *Loan) HasAccess() bool { return l.Open() && l.Expired.IsZero() }

// Overdue reports whether the loan is open and past its due time at now.
func (l *Loan) Overdue(now time.Time) bool { return l.Open() && now.After(l.Due) }

// BorrowCard is the 借阅卡 (R7.1): journaled with the last approval.
type BorrowCard struct {
	Card         string   `yaml:"card" json:"card"`
	Dossier      string   `yaml:"dossier" json:"dossier"`
	Level        string   `yaml:"level" json:"level"`
	Borrower     string   `yaml:"borrower" json:"borrower"`
	BorrowerName string   `yaml:"borrower_name" json:"borrower_name"`
	Title        string   `yaml:"title" json:"title"`
	Department   string   `yaml:"department" json:"department"`
	Purpose      string   `yaml:"purpose" json:"purpose"`
	EndorsedBy   string   `yaml:"endorsed_by" json:"endorsed_by"`
	Approvers    []string `yaml:"approvers" json:"approvers"`
	Out          string   `yaml:"out" json:"out"`
	Due          string   `yaml:"due" json:"due"`
	Renewals     int      `yaml:"renewals" json:"renewals"`
	Returned     string   `yaml:"returned" json:"returned"`
	Intact       string   `yaml:"intact" json:"intact"`
	Remarks      string   `yaml:"remarks" json:"remarks"`
}

// Destruction request statuses.
const (
	DestroyPending  = "pending"  // approvals still missing
	DestroyApproved = "approved" // every approval given; may be executed
	DestroyRejected = "rejected"
	DestroyExecuted = "executed"
)

// Destruction is a destruction request (销毁, R6.10).
type Destruction struct {
	ID          string     `json:"request"`
	Dossier     string     `json:"dossier"`
	Reason      string     `json:"reason"`
	RequestedBy string     `json:"requested_by"`
	Requested   time.Time  `json:"requested"`
	Approvals   []Approval `json:"approvals"`
	Chain       []string   `json:"chain"`
	RejectedBy  string     `json:"rejected_by,omitempty"`
	Rejected    time.Time  `json:"rejected,omitzero"`
	RejectNote  string     `json:"reject_reason,omitempty"`
	Executed    time.Time  `json:"executed,omitzero"`
	ExecutedBy  string     `json:"executed_by,omitempty"`
	Witnesses   []string   `json:"witnesses,omitempty"`
	Method      string     `json:"method,omitempty"`
	Level       string     `json:"level,omitempty"`
}

// Status is pending, approved, rejected or executed.
func (r *Destruction) Status() string {
	switch {
	case !r.Executed.IsZero():
		return DestroyExecuted
	case !r.Rejected.IsZero():
		return DestroyRejected
	case len(r.Approvals) >= len(r.Chain):
		return DestroyApproved
	}
	return DestroyPending
}

// NextRole is the role whose approval is due next, or "".
func (r *Destruction) NextRole() string {
	if r.Status() != DestroyPending {
		return ""
	}
	return r.Chain[len(r.Approvals)]
}

// OnHold reports whether the dossier is under a legal hold (冻结): it may
// then be neither destroyed nor reclassified.
func (d *DossierState) OnHold() bool { return d.Hold != nil }

// OnLoan reports whether the dossier is lent out (approved and not yet
// returned, overdue or not): it may then be neither destroyed nor reclassified.
func (d *DossierState) OnLoan() bool {
	for _, l := range d.Loans {
		if l.Open() {
			return true
		}
	}
	return false
}

// ReviewedIn returns the dossier's last review in quarter q (like 2026Q4), or nil.
func (d *DossierState) ReviewedIn(q string) *Review {
	for i := len(d.Reviews) - 1; i >= 0; i-- {
		if d.Reviews[i].Quarter == q {
			return &d.Reviews[i]
		}
	}
	return nil
}

// SortedLoans returns every loan by id.
func (s *State) SortedLoans() []*Loan {
	var ls []*Loan
	for _, l := range s.Loans {
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	return ls
}

// SortedDestructions returns every destruction request by id.
func (s *State) SortedDestructions() []*Destruction {
	var rs []*Destruction
	for _, r := range s.Destructions {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	return rs
}

// Payloads of the lifecycle events (FORMAT.md, "Event kinds").
type (
	reasonData struct {
		Reason string `yaml:"reason"`
	}
	reviewData struct {
		Quarter string `yaml:"quarter"`
		Note    string `yaml:"note"`
	}
	loanRequestData struct {
		Loan       string `yaml:"loan"`
		Purpose    string `yaml:"purpose"`
		Days       int    `yaml:"days"`
		Department string `yaml:"department"`
		EndorsedBy string `yaml:"endorsed_by"`
	}
	loanData struct {
		Loan   string      `yaml:"loan"`
		Due    string      `yaml:"due,omitempty"`
		Card   *BorrowCard `yaml:"card,omitempty"`
		Intact *bool       `yaml:"intact,omitempty"`
		Note   string      `yaml:"note,omitempty"`
	}
	destroyData struct {
		Request   string     `yaml:"request"`
		Step      int        `yaml:"step,omitempty"`
		Reason    string     `yaml:"reason,omitempty"`
		Witnesses []string   `yaml:"witnesses,omitempty"`
		Method    string     `yaml:"method,omitempty"`
		Level     string     `yaml:"level,omitempty"`
		Date      string     `yaml:"date,omitempty"`
		Approvals []Approval `yaml:"approvals,omitempty"`
	}
)

// LoanApprovers returns the roles that must each approve a loan of a
// dossier of level (policy loan.approvers: the level's entry, else default).
func (p *Policy) LoanApprovers(level string) []string {
	if r, ok := p.Loan.Approvers[level]; ok {
		return r
	}
	return p.Loan.Approvers["default"]
}

// LoanDays is the default loan period in days.
func (p *Policy) LoanDays() int {
	if p.Loan.Days > 0 {
		return p.Loan.Days
	}
	return 3
}

// HoldRoles are the roles that may put a dossier on hold and release it
// (policy permissions.hold; else those who run the archive, permissions.members).
func (p *Policy) HoldRoles() []string {
	if len(p.Permissions.Hold) > 0 {
		return p.Permissions.Hold
	}
	return p.Permissions.Members
}

// DestroyRoles are the roles that may execute an approved destruction
// (policy permissions.destroy; else permissions.members).
func (p *Policy) DestroyRoles() []string {
	if len(p.Permissions.Destroy) > 0 {
		return p.Permissions.Destroy
	}
	return p.Permissions.Members
}

// dateOf is t's calendar date in the local time zone (the department's
// office), as written on borrow cards and the destruction list.
func dateOf(t time.Time) string { return t.In(time.Local).Format(time.DateOnly) }

// checkLoanRequest checks a loan request by actor for dossier d.
func (s *State) checkLoanRequest(p *Policy, actor *Member, d *DossierState) error {
	if !actor.HasRole(p.Loan.Borrowers...) {
		return Denied(l10n.Errorf("only managers and above may borrow a dossier (R7.1): borrowing needs one of the roles %v; %s holds %v", p.Loan.Borrowers, actor.ID, actor.Roles))
	}
	for _, l := range d.Loans {
		if l.Borrower == actor.ID && l.Returned.IsZero() {
			return l10n.Errorf("%s already has loan %s of dossier %s (%s): return it first (`crm borrow return %s`)", actor.ID, l.ID, d.ID, l.Status(), l.ID)
		}
	}
	return nil
}

// needsEndorsement reports whether a request from department dept needs
// its department manager's sign-off (R6.7).
func needsEndorsement(p *Policy, dept string) bool { return dept != p.HomeDepartment }

// checkLoanEndorse checks an endorsement of loan l by actor.
func (s *State) checkLoanEndorse(actor *Member, l *Loan) error {
	if !l.NeedsSign || l.EndorsedBy != "" {
		return l10n.Errorf("loan %s needs no (further) department manager's sign-off", l.ID)
	}
	if l.Status() != LoanPending {
		return l10n.Errorf("loan %s is %s: nothing to sign", l.ID, l.Status())
	}
	if !actor.HasRole("dept_manager") || actor.Department != l.Department {
		return Denied(l10n.Errorf("loan %s must be signed by a dept_manager of %s (R6.7); %s is %v of %s", l.ID, l.Department, actor.ID, actor.Roles, actor.Department))
	}
	return nil
}

// checkLoanApprove checks an approval of loan l by actor, and returns the
// role it counts for and whether it is the last one needed.
func (s *State) checkLoanApprove(p *Policy, actor *Member, l *Loan, level string) (role string, last bool, err error) {
	if l.Status() != LoanPending {
		return "", false, l10n.Errorf("loan %s is %s: there is nothing to approve", l.ID, l.Status())
	}
	if l.NeedsSign && l.EndorsedBy == "" {
		return "", false, l10n.Errorf("loan %s first needs the sign-off of a dept_manager of %s (R6.7): `crm borrow endorse %s`", l.ID, l.Department, l.ID)
	}
	need := p.LoanApprovers(level)
	if len(need) == 0 {
		return "", false, l10n.Errorf("the policy names no approver for loans of level %s (loan.approvers)", level)
	}
	if actor.ID == l.Borrower {
		return "", false, Denied(l10n.Errorf("%s may not approve their own loan %s", actor.ID, l.ID))
	}
	done := map[string]bool{}
	for _, a := range l.Approvals {
		if a.Member == actor.ID {
			return "", false, Denied(l10n.Errorf("%s already approved loan %s on %s: nobody approves twice", actor.ID, l.ID, a.Date))
		}
		done[a.Role] = true
	}
	var missing []string
	for _, r := range need {
		if !done[r] {
			missing = append(missing, r)
		}
	}
	for _, r := range missing {
		if actor.HasRole(r) {
			role = r
			break
		}
	}
	if role == "" {
		return "", false, Denied(l10n.Errorf("loan %s (level %s) still needs approval by %v; %s holds %v", l.ID, level, missing, actor.ID, actor.Roles))
	}
	return role, len(missing) == 1, nil
}

// checkLoanReturn checks a return of loan l by actor.
func (s *State) checkLoanReturn(p *Policy, actor *Member, l *Loan, level string) error {
	if !l.Open() {
		return l10n.Errorf("loan %s is %s: only a lent-out loan can be returned", l.ID, l.Status())
	}
	if actor.ID != l.Borrower && !actor.HasRole(p.LoanApprovers(level)...) {
		return Denied(l10n.Errorf("loan %s can be returned by its borrower %s or by %v; %s holds %v", l.ID, l.Borrower, p.LoanApprovers(level), actor.ID, actor.Roles))
	}
	return nil
}

// checkLoanRenew checks a renewal of loan l by actor at time t.
func (s *State) checkLoanRenew(p *Policy, actor *Member, l *Loan, t time.Time) error {
	if actor.ID != l.Borrower {
		return Denied(l10n.Errorf("only the borrower %s may renew loan %s", l.Borrower, l.ID))
	}
	if l.Status() != LoanOut {
		return l10n.Errorf("loan %s is %s: only a lent-out loan can be renewed", l.ID, l.Status())
	}
	if t.After(l.Due) {
		return l10n.Errorf("loan %s was due %s and is overdue: return it (`crm borrow return %s`), then ask again", l.ID, fmtTime(l.Due), l.ID)
	}
	if l.Renewals >= p.Loan.Renewals {
		return l10n.Errorf("loan %s was renewed %d time(s), the most the policy allows (loan.renewals): return it, then ask again", l.ID, l.Renewals)
	}
	return nil
}

// checkDestroyRequest checks a destruction request for d by actor.
func (s *State) checkDestroyRequest(p *Policy, actor *Member, d *DossierState) error {
	if !actor.HasRole(p.Permissions.Write...) {
		return Denied(l10n.Errorf("asking to destroy a dossier needs one of the roles %v; %s holds %v", p.Permissions.Write, actor.ID, actor.Roles))
	}
	if err := destroyBlocked(d); err != nil {
		return err
	}
	for _, r := range s.Destructions {
		if r.Dossier == d.ID && (r.Status() == DestroyPending || r.Status() == DestroyApproved) {
			return l10n.Errorf("dossier %s already has destruction request %s (%s): `crm destroy list` shows it", d.ID, r.ID, r.Status())
		}
	}
	if len(p.Destruction.Chain) == 0 {
		return l10n.Errorf("the policy has no destruction.chain: nobody can approve a destruction")
	}
	return nil
}

func destroyBlocked(d *DossierState) error {
	if d.OnHold() {
		return Denied(l10n.Errorf("dossier %s is under a legal hold since %s (%s): it cannot be destroyed until `crm release %s`", d.ID, dateOf(d.Hold.Since), d.Hold.Reason, d.ID))
	}
	for _, l := range d.Loans {
		if l.Open() {
			return Denied(l10n.Errorf("dossier %s is on loan (%s to %s): it cannot be destroyed until the loan is returned", d.ID, l.ID, l.Borrower))
		}
	}
	return nil
}

// checkDestroyApprove checks the next approval of r by actor; step is the
// 1-based position in the chain the approval takes.
func (s *State) checkDestroyApprove(actor *Member, r *Destruction, d *DossierState) (step int, role string, err error) {
	switch r.Status() {
	case DestroyRejected:
		return 0, "", l10n.Errorf("destruction request %s was rejected by %s (%s): a rejection ends it; ask again with `crm destroy request`", r.ID, r.RejectedBy, r.RejectNote)
	case DestroyApproved:
		return 0, "", l10n.Errorf("destruction request %s has every approval already: `crm destroy execute %s`", r.ID, r.ID)
	case DestroyExecuted:
		return 0, "", l10n.Errorf("destruction request %s was executed", r.ID)
	}
	for _, a := range r.Approvals {
		if a.Member == actor.ID {
			return 0, "", Denied(l10n.Errorf("%s already approved destruction request %s (step %d, %s): nobody approves twice", actor.ID, r.ID, a.Step, a.Role))
		}
	}
	if err := destroyBlocked(d); err != nil {
		return 0, "", err
	}
	step = len(r.Approvals) + 1
	role = r.Chain[step-1]
	if !actor.HasRole(role) {
		return 0, "", Denied(l10n.Errorf("destruction request %s waits for step %d of %v, by a %s; %s holds %v (approvals go in the policy's order)", r.ID, step, r.Chain, role, actor.ID, actor.Roles))
	}
	return step, role, nil
}

// checkDestroyReject checks a rejection of r by actor.
func (s *State) checkDestroyReject(actor *Member, r *Destruction) error {
	if st := r.Status(); st != DestroyPending && st != DestroyApproved {
		return l10n.Errorf("destruction request %s is %s: there is nothing to reject", r.ID, st)
	}
	if !actor.HasRole(r.Chain...) {
		return Denied(l10n.Errorf("rejecting a destruction needs one of the roles %v; %s holds %v", r.Chain, actor.ID, actor.Roles))
	}
	return nil
}

// checkDestroyExecute checks the execution of r by actor with witnesses.
func (s *State) checkDestroyExecute(p *Policy, actor *Member, r *Destruction, d *DossierState, witnesses []string) error {
	if !actor.HasRole(p.DestroyRoles()...) {
		return Denied(l10n.Errorf("executing a destruction needs one of the roles %v; %s holds %v", p.DestroyRoles(), actor.ID, actor.Roles))
	}
	switch st := r.Status(); st {
	case DestroyPending:
		return Denied(l10n.Errorf("destruction request %s has %d of %d approvals: it waits for a %s (R6.10)", r.ID, len(r.Approvals), len(r.Chain), r.NextRole()))
	case DestroyRejected, DestroyExecuted:
		return l10n.Errorf("destruction request %s is %s: nothing to execute", r.ID, st)
	}
	if err := destroyBlocked(d); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, w := range witnesses {
		m := s.Members[w]
		if m == nil || m.Removed {
			return Usage(l10n.Errorf("--witness %s is not a member of the archive", w))
		}
		if w == actor.ID {
			return Usage(l10n.Errorf("--witness %s: the executor cannot be a witness", w))
		}
		if seen[w] {
			return Usage(l10n.Errorf("--witness %s is given twice: witnesses must be distinct", w))
		}
		seen[w] = true
	}
	if len(witnesses) != p.Destruction.Witnesses {
		return Usage(l10n.Errorf("the policy asks for %d witnesses (监销人, destruction.witnesses); %d given: repeat --witness MEMBER", p.Destruction.Witnesses, len(witnesses)))
	}
	return nil
}

// applyLifecycle replays a lifecycle event of dossier d, checking the
// step's rules as of this point in the chain. A step that breaks them is
// reported and leaves the workflow as it was.
func (s *State) applyLifecycle(e *Event, d *DossierState, p *Policy, bad func(*Event, string, ...any)) {
	actor := s.Members[e.Actor]
	refuse := func(err error) { bad(e, "%s by %s refused: %v", e.Kind, e.Actor, err) }
	if s.Loans == nil {
		s.Loans, s.Destructions = map[string]*Loan{}, map[string]*Destruction{}
	}
	switch e.Kind {
	case KindReview:
		var x reviewData
		if err := e.Decode(&x); err != nil || !quarterRE.MatchString(x.Quarter) {
			bad(e, "unreadable review data: quarter must look like 2026Q4")
			return
		}
		if !actor.HasRole(p.Permissions.Review...) {
			bad(e, "%s by %s, who does not hold a role allowed to review (%v)", e.Kind, e.Actor, p.Permissions.Review)
			return
		}
		d.Reviews = append(d.Reviews, Review{Quarter: x.Quarter, By: e.Actor, Time: e.Time, Note: x.Note})
	case KindHold, KindRelease:
		var x reasonData
		e.Decode(&x)
		if !actor.HasRole(p.HoldRoles()...) {
			bad(e, "%s by %s, who does not hold a role allowed to hold or release (%v)", e.Kind, e.Actor, p.HoldRoles())
			return
		}
		if e.Kind == KindHold {
			if d.OnHold() {
				bad(e, "dossier %s is put on hold twice", d.ID)
				return
			}
			d.Hold = &Hold{Reason: x.Reason, By: e.Actor, Since: e.Time}
		} else {
			if !d.OnHold() {
				bad(e, "dossier %s is released but was not on hold", d.ID)
				return
			}
			d.Hold = nil
		}
	case KindLoanRequest:
		var x loanRequestData
		if err := e.Decode(&x); err != nil {
			bad(e, "unreadable loan data: %v", err)
			return
		}
		n, ok := seqNumber(loanPrefix, x.Loan)
		if !ok || s.Loans[x.Loan] != nil {
			bad(e, "loan id %q is not new or not of the form L-000001", x.Loan)
			return
		}
		if err := s.checkLoanRequest(p, actor, d); err != nil {
			refuse(err)
			return
		}
		needs := needsEndorsement(p, actor.Department)
		if x.Department != actor.Department || (x.EndorsedBy != "" && (!needs || x.EndorsedBy != e.Actor || !actor.HasRole("dept_manager"))) || x.Days < 1 {
			bad(e, "loan %s: department, days or sign-off do not match the requester %s", x.Loan, e.Actor)
			return
		}
		l := &Loan{ID: x.Loan, Dossier: d.ID, Borrower: e.Actor, Department: x.Department, Purpose: x.Purpose, Days: x.Days, Requested: e.Time, EndorsedBy: x.EndorsedBy, NeedsSign: needs}
		s.Loans[l.ID] = l
		d.Loans = append(d.Loans, l)
		s.MaxLoan = max(s.MaxLoan, n)
	default:
		s.applyLoanOrDestroy(e, d, p, actor, bad, refuse)
	}
}

func (s *State) applyLoanOrDestroy(e *Event, d *DossierState, p *Policy, actor *Member, bad func(*Event, string, ...any), refuse func(error)) {
	switch e.Kind {
	case KindLoanEndorse, KindLoanApprove, KindLoanRenew, KindLoanReturn, KindLoanExpire:
		var x loanData
		if err := e.Decode(&x); err != nil {
			bad(e, "unreadable loan data: %v", err)
			return
		}
		l := s.Loans[x.Loan]
		if l == nil || l.Dossier != d.ID {
			bad(e, "%s of loan %q, which dossier %s does not have", e.Kind, x.Loan, d.ID)
			return
		}
		if e.Kind == KindLoanRenew || e.Kind == KindLoanReturn || e.Kind == KindLoanExpire {
			if n := len(l.Approvals); n > 0 && !s.follows(e, l.Approvals[n-1].Event) {
				bad(e, "%s of loan %s does not follow its approval in the journal's links", e.Kind, l.ID)
				return
			}
		}
		switch e.Kind {
		case KindLoanEndorse:
			if err := s.checkLoanEndorse(actor, l); err != nil {
				refuse(err)
				return
			}
			l.EndorsedBy = e.Actor
		case KindLoanApprove:
			role, last, err := s.checkLoanApprove(p, actor, l, d.Level)
			if err != nil {
				refuse(err)
				return
			}
			l.Approvals = append(l.Approvals, Approval{Role: role, Member: e.Actor, Date: dateOf(e.Time), Time: e.Time, Event: e.Hash})
			if last {
				l.Out, l.Due = e.Time, e.Time.Add(time.Duration(l.Days)*24*time.Hour)
				l.Card = x.Card
				if x.Due != fmtTime(l.Due) {
					bad(e, "loan %s: due %q, but %d days from the approval is %s", l.ID, x.Due, l.Days, fmtTime(l.Due))
				}
			}
		case KindLoanRenew:
			if err := s.checkLoanRenew(p, actor, l, e.Time); err != nil {
				refuse(err)
				return
			}
			l.Renewals++
			l.Due = l.Due.Add(time.Duration(l.Days) * 24 * time.Hour)
			if x.Due != fmtTime(l.Due) {
				bad(e, "loan %s: renewed due %q, but the loan period gives %s", l.ID, x.Due, fmtTime(l.Due))
			}
		case KindLoanReturn:
			if err := s.checkLoanReturn(p, actor, l, d.Level); err != nil {
				refuse(err)
				return
			}
			l.Returned, l.ReturnedBy, l.Note = e.Time, e.Actor, x.Note
			l.Intact = x.Intact == nil || *x.Intact
		case KindLoanExpire:
			if l.Status() != LoanOut || !e.Time.After(l.Due) {
				bad(e, "loan %s is expired while %s and due %s", l.ID, l.Status(), fmtTime(l.Due))
				return
			}
			l.Expired = e.Time
		}
	case KindDestroyRequest, KindDestroyApprove, KindDestroyReject, KindDestroyExecute:
		var x destroyData
		if err := e.Decode(&x); err != nil {
			bad(e, "unreadable destruction data: %v", err)
			return
		}
		if e.Kind == KindDestroyRequest {
			n, ok := seqNumber(destroyPrefix, x.Request)
			if !ok || s.Destructions[x.Request] != nil {
				bad(e, "destruction request id %q is not new or not of the form D-000001", x.Request)
				return
			}
			if err := s.checkDestroyRequest(p, actor, d); err != nil {
				refuse(err)
				return
			}
			s.Destructions[x.Request] = &Destruction{ID: x.Request, Dossier: d.ID, Reason: x.Reason, RequestedBy: e.Actor, Requested: e.Time, Chain: slices.Clone(p.Destruction.Chain)}
			s.MaxDestruction = max(s.MaxDestruction, n)
			return
		}
		r := s.Destructions[x.Request]
		if r == nil || r.Dossier != d.ID {
			bad(e, "%s of request %q, which dossier %s does not have", e.Kind, x.Request, d.ID)
			return
		}
		switch e.Kind {
		case KindDestroyApprove:
			step, role, err := s.checkDestroyApprove(actor, r, d)
			if err != nil {
				refuse(err)
				return
			}
			if x.Step != step {
				bad(e, "destruction request %s: approval claims step %d, but it is step %d in the chain", r.ID, x.Step, step)
				return
			}
			// Order is "reachable through links", never timestamps
			// (DESIGN.md): the previous step must be among this
			// event's ancestors.
			if n := len(r.Approvals); n > 0 && !s.follows(e, r.Approvals[n-1].Event) {
				bad(e, "destruction request %s: step %d does not follow step %d in the journal's links (written apart from it)", r.ID, step, n)
				return
			}
			r.Approvals = append(r.Approvals, Approval{Step: step, Role: role, Member: e.Actor, Date: dateOf(e.Time), Time: e.Time, Event: e.Hash})
		case KindDestroyReject:
			if err := s.checkDestroyReject(actor, r); err != nil {
				refuse(err)
				return
			}
			r.RejectedBy, r.Rejected, r.RejectNote = e.Actor, e.Time, x.Reason
		case KindDestroyExecute:
			if err := s.checkDestroyExecute(p, actor, r, d, x.Witnesses); err != nil {
				refuse(err)
				return
			}
			if n := len(r.Approvals); n > 0 && !s.follows(e, r.Approvals[n-1].Event) {
				bad(e, "destruction request %s: execution does not follow the last approval in the journal's links", r.ID)
				return
			}
			r.Executed, r.ExecutedBy, r.Witnesses, r.Method, r.Level = e.Time, e.Actor, x.Witnesses, x.Method, d.Level
			d.Status = StatusDestroyed
		}
	}
}

// follows reports whether the event with hash ancestor is reachable from e
// through prev links: the journal's only trustworthy order.
func (s *State) follows(e *Event, ancestor string) bool {
	if s.Journal == nil || ancestor == "" {
		return true
	}
	seen := map[string]bool{}
	todo := slices.Clone(e.Prev)
	for len(todo) > 0 {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if h == ancestor {
			return true
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		if p := s.Journal.ByHash[h]; p != nil {
			todo = append(todo, p.Prev...)
		}
	}
	return false
}
