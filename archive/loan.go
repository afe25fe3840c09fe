package archive

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"crm/archive/journal"
	"crm/l10n"
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

// Approval is one approval of a loan or a destruction request.
type Approval struct {
	Step   int       `yaml:"step,omitempty" json:"step,omitempty"`
	Role   string    `yaml:"role" json:"role"`
	Member string    `yaml:"member" json:"member"`
	Date   string    `yaml:"date" json:"date"` // YYYY-MM-DD, in the policy's zone
	Time   time.Time `yaml:"-" json:"time"`
	Event  string    `yaml:"-" json:"-"` // hash of the approving event
}

// Loan statuses.
const (
	LoanPending  = "pending"  // waiting for the department manager's sign-off or approvals
	LoanOut      = "out"      // approved: the borrower can read the dossier
	LoanExpired  = "expired"  // past due and access revoked by maintain; still to be returned
	LoanReturned = "returned" // returned
	// A request that ended without a loan.
	LoanCancelled = "cancelled" // withdrawn by the requester while pending
	LoanRejected  = "rejected"  // rejected by an approver while pending
	// LoanVoid is a request that ended undecided: its requester was
	// removed while it waited (the removal closes it: Loan.Status), or
	// its dossier was destroyed (State.LoanStatus).
	LoanVoid = "void"
)

// LoanStatusText is loan status s as the user reads it, in lists and in
// messages.
func LoanStatusText(s string) string { return loanStatus(s).String() }

// loanStatus is LoanStatusText in either language (l10n.Phrase): the
// message of a problem is kept in both.
func loanStatus(s string) l10n.Words {
	switch s {
	case LoanPending:
		return l10n.Words{En: "pending", Zh: "待批"}
	case LoanOut:
		return l10n.Words{En: "out", Zh: "借出"}
	case LoanExpired:
		return l10n.Words{En: "expired", Zh: "已收回权限"}
	case LoanReturned:
		return l10n.Words{En: "returned", Zh: "已归还"}
	case LoanCancelled:
		return l10n.Words{En: "withdrawn", Zh: "已撤回"}
	case LoanRejected:
		return l10n.Words{En: "rejected", Zh: "已驳回"}
	case LoanVoid:
		return l10n.Words{En: "void", Zh: "已作废"}
	}
	return l10n.Words{En: s, Zh: s}
}

// Loan is a borrowing of a dossier (借阅, R7.1), as the journal tells it.
type Loan struct {
	ID         string     `json:"loan"`
	Dossier    string     `json:"dossier"`
	Borrower   string     `json:"borrower"`
	Department string     `json:"department"`
	Purpose    string     `json:"purpose"`
	Days       int        `json:"days"`
	Requested  time.Time  `json:"requested"`
	EndorsedBy string     `json:"endorsed_by,omitempty"`
	NeedsSign  bool       `json:"needs_endorsement"`
	Approvals  []Approval `json:"approvals"`
	Out        time.Time  `json:"out,omitzero"`
	Due        time.Time  `json:"due,omitzero"`
	Renewals   int        `json:"renewals"`
	Expired    time.Time  `json:"expired,omitzero"`
	Returned   time.Time  `json:"returned,omitzero"`
	ReturnedBy string     `json:"returned_by,omitempty"`
	Intact     bool       `json:"intact"`
	Note       string     `json:"note,omitempty"`
	// ClosedByRemoval is the reason the removal of the borrower gave ("-"
	// for none) when that removal closed the loan (a leaver borrows
	// nothing), else "". The state keeps the reason, not a sentence: a
	// sentence would be in the language of whoever replayed the journal.
	ClosedByRemoval string      `json:"closed_by_removal,omitempty"`
	Card            *BorrowCard `json:"card,omitempty"`
	// A request withdrawn (Cancelled) or rejected (Rejected, by
	// RejectedBy) while pending, and why.
	Cancelled  time.Time `json:"cancelled,omitzero"`
	Rejected   time.Time `json:"rejected,omitzero"`
	RejectedBy string    `json:"rejected_by,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// Status is the loan's status: pending, out, expired, returned,
// cancelled, rejected, or void for a request closed by its requester's
// removal before it was lent out (nothing was returned).
func (l *Loan) Status() string {
	switch {
	case !l.Returned.IsZero() && l.Out.IsZero():
		return LoanVoid
	case !l.Returned.IsZero():
		return LoanReturned
	case !l.Expired.IsZero():
		return LoanExpired
	case !l.Out.IsZero():
		return LoanOut
	case !l.Cancelled.IsZero():
		return LoanCancelled
	case !l.Rejected.IsZero():
		return LoanRejected
	}
	return LoanPending
}

// LoanStatus is loan l's status as lists and the borrow register show it:
// l.Status(), but void for a request that still waited when its dossier
// was destroyed (no step on a destroyed dossier is taken any more, so
// nobody can approve, reject or withdraw it).
func (s *State) LoanStatus(l *Loan) string {
	st := l.Status()
	if st == LoanPending && s.dossierStatus(l.Dossier) == StatusDestroyed {
		return LoanVoid
	}
	return st
}

// Ended reports whether the loan or request is over: returned, withdrawn
// or rejected.
func (l *Loan) Ended() bool {
	return !l.Returned.IsZero() || !l.Cancelled.IsZero() || !l.Rejected.IsZero()
}

// Open reports whether the loan is approved and not yet returned (the
// dossier is on loan, whether or not access has been revoked).
func (l *Loan) Open() bool { return !l.Out.IsZero() && l.Returned.IsZero() }

// HasAccess reports whether the borrower must be a recipient of the file:
// approved, not returned, not expired.
func (l *Loan) HasAccess() bool { return l.Open() && l.Expired.IsZero() }

// RoleLost reports whether the loan's access was revoked no later than
// its due time: replay lets that stand only once its borrower no longer
// held a role that may borrow (R7.1: loan.expire's check, and the loans a
// role change lists), so it was not revoked for being overdue.
func (l *Loan) RoleLost() bool { return !l.Expired.IsZero() && !l.Expired.After(l.Due) }

// Overdue reports whether the loan is open and past its due time at now.
func (l *Loan) Overdue(now time.Time) bool { return l.Open() && now.After(l.Due) }

// lapsedLoan returns the loan through which member reads dossier d when
// every such loan of theirs is past due at now, and they do not read d
// by its level: the access a loan gives ends at its due time (R7.1),
// though the file opens with their key until crm maintain revokes it
// (loan.expire). Nil otherwise.
func (s *State) lapsedLoan(d *DossierState, member string, now time.Time) *Loan {
	if slices.Contains(s.Readers(d.Level), member) {
		return nil
	}
	return lapsedOf(d.Loans, member, now)
}

// lapsedOf is the last of loans through which member has access, when
// every one of them is past due at now; nil otherwise.
func lapsedOf(loans []*Loan, member string, now time.Time) *Loan {
	var lapsed *Loan
	for _, l := range loans {
		if l.Borrower != member || !l.HasAccess() {
			continue
		}
		if !now.After(l.Due) {
			return nil
		}
		lapsed = l
	}
	return lapsed
}

// accessExpired reports whether loan l is out with its due time past at
// now: its access is to be revoked (loan.expire; expireLoans, maintainWrites).
func (l *Loan) accessExpired(now time.Time) bool { return l.Status() == LoanOut && now.After(l.Due) }

// borrowerLost reports whether loan l is out while its borrower holds no
// role that may borrow, or was removed (R7.1): its access is to be ended
// as a lapsed loan's is (loan.expire; expireLoans, maintainTodo). A role
// change ends the loans it knows of (member.roles loans); this is the
// loan approved in a clone that had not heard of the change, which the
// approval's own check lets stand (rolesWhereWritten).
func (s *State) borrowerLost(l *Loan) bool {
	if l.Status() != LoanOut {
		return false
	}
	m := s.Members[l.Borrower]
	return m == nil || m.Removed || !hasAny(m.Roles, s.Policy.Loan.Borrowers)
}

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

// Payloads of the loan events (R7.1, R6.7).
type (
	// LoanRequest asks to borrow the event's dossier.
	LoanRequest struct {
		Loan       string `yaml:"loan" json:"loan"`
		Purpose    string `yaml:"purpose" json:"purpose"`
		Days       int    `yaml:"days" json:"days"`
		Department string `yaml:"department" json:"department"`
		EndorsedBy string `yaml:"endorsed_by" json:"endorsed_by"`
	}
	// LoanEndorse is the requester's department manager's sign-off (R6.7).
	LoanEndorse struct {
		Loan string `yaml:"loan" json:"loan"`
	}
	// LoanApprove is one approval; the last one carries the borrow card
	// and the due time, and gives the borrower access (the file).
	LoanApprove struct {
		Loan string      `yaml:"loan" json:"loan"`
		Due  string      `yaml:"due,omitempty" json:"due,omitempty"`
		Card *BorrowCard `yaml:"card,omitempty" json:"card,omitempty"`
		File `yaml:",inline"`
	}
	// LoanRenew extends a loan by its period.
	LoanRenew struct {
		Loan string `yaml:"loan" json:"loan"`
		Due  string `yaml:"due" json:"due"`
	}
	// LoanReturn records the return, intact or not; the borrower loses the
	// access the loan gave (not what their role reads).
	LoanReturn struct {
		Loan   string `yaml:"loan" json:"loan"`
		Intact *bool  `yaml:"intact,omitempty" json:"intact,omitempty"`
		Note   string `yaml:"note,omitempty" json:"note,omitempty"`
		File   `yaml:",inline"`
	}
	// LoanExpire revokes the access of an overdue loan.
	LoanExpire struct {
		Loan string `yaml:"loan" json:"loan"`
		File `yaml:",inline"`
	}
	// LoanCancel withdraws a request that waits (by its requester).
	LoanCancel struct {
		Loan   string `yaml:"loan" json:"loan"`
		Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
	}
	// LoanReject rejects a request that waits (by one who may approve it).
	LoanReject struct {
		Loan   string `yaml:"loan" json:"loan"`
		Reason string `yaml:"reason" json:"reason"`
	}
)

func fmtUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func loanDays(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }

// loanOf returns the loan an event names, which must be of its dossier.
func (c *step) loanOf(id string) (*Loan, error) {
	l := c.s.Loans[id]
	if l == nil || l.Dossier != c.d.ID {
		return nil, problemf("%s of loan %q, which dossier %s does not have", kindWord(c.e.Kind), id, c.d.ID)
	}
	return l, nil
}

// afterApproval checks that a step on loan l follows its last approval
// through links (clocks lie).
func (c *step) afterApproval(l *Loan) error {
	if n := len(l.Approvals); n > 0 && !c.follows(l.Approvals[n-1].Event) {
		return problemf("%s of loan %s does not follow its approval in the journal's links", kindWord(c.e.Kind), l.ID)
	}
	return nil
}

func (x *LoanRequest) check(c *step) error {
	if !validID(loanPrefix, x.Loan) || c.s.Loans[x.Loan] != nil {
		return problemf("loan id %q is not new or not of the form L-000001 or L-0Q7K4M8Z3X", x.Loan)
	}
	actor, d := c.actor, c.d
	for _, l := range d.Loans {
		if l.Borrower == actor.ID && !l.Ended() {
			return failErr(l10n.Errorf("%s already has loan %s of dossier %s (%s): return it first", actor.ID, l.ID, d.ID, loanStatus(l.Status())), NextReturn, l.ID)
		}
	}
	if strings.TrimSpace(x.Purpose) == "" {
		return missingErr("purpose", l10n.Errorf("say what the dossier is borrowed for (it goes on the borrow card)"))
	}
	if x.Days < 1 || x.Days > c.p.LoanDays() {
		e := usageErr("days", l10n.Errorf("a loan lasts 1 to %d days (policy loan.days); renew it for longer", c.p.LoanDays()))
		e.Value = strconv.Itoa(x.Days)
		return e
	}
	needs := c.p.NeedsEndorsement(actor.Department)
	if x.Department != actor.Department || (x.EndorsedBy != "" && (!needs || x.EndorsedBy != c.e.Actor || !actor.HasRole("dept_manager"))) {
		return problemf("loan %s: department, days or sign-off do not match the requester %s", x.Loan, c.e.Actor)
	}
	return nil
}

func (x *LoanRequest) apply(c *step) {
	n, _ := seqNumber(loanPrefix, x.Loan)
	l := &Loan{ID: x.Loan, Dossier: c.d.ID, Borrower: c.e.Actor, Department: x.Department, Purpose: x.Purpose, Days: x.Days,
		Requested: c.e.Time, EndorsedBy: x.EndorsedBy, NeedsSign: c.p.NeedsEndorsement(c.actor.Department)}
	c.s.Loans[l.ID] = l
	c.d.Loans = append(c.d.Loans, l)
	c.s.MaxLoan = max(c.s.MaxLoan, n)
}

func (x *LoanEndorse) check(c *step) error {
	l, err := c.loanOf(x.Loan)
	if err != nil {
		return err
	}
	actor := c.actor
	if !l.NeedsSign || l.EndorsedBy != "" {
		return failErr(l10n.Errorf("loan %s needs no (further) department manager's sign-off", l.ID), NoNext, "")
	}
	if l.Status() != LoanPending {
		return failErr(l10n.Errorf("loan %s is %s: nothing to sign", l.ID, loanStatus(l.Status())), NoNext, "")
	}
	if !actor.HasRole("dept_manager") || actor.Department != l.Department {
		return &Error{Code: Denied, Actor: actor.ID, Need: []string{"dept_manager"}, Held: actor.Roles,
			Err: l10n.Errorf("loan %s must be signed by a dept_manager of %s (R6.7); %s is %v of %s", l.ID, l.Department, actor.ID, c.p.rolesText(actor.Roles), actor.Department)}
	}
	return nil
}

func (x *LoanEndorse) apply(c *step) { c.s.Loans[x.Loan].EndorsedBy = c.e.Actor }

// NextForLoan says what loan l waits for: "dept_manager" for the
// requester's department manager's sign-off (R6.7), else the approver
// roles still missing; nil when it waits for nobody.
func (s *State) NextForLoan(l *Loan) []string {
	if l.Status() != LoanPending {
		return nil
	}
	if l.NeedsSign && l.EndorsedBy == "" {
		return []string{"dept_manager"}
	}
	level := ""
	if d := s.Dossiers[l.Dossier]; d != nil {
		level = d.Level
	} else if r := s.rowByID(l.Dossier); r != nil {
		level = r.Level // a state of the snapshot's rows (maintain's)
	} else {
		return nil
	}
	return s.Policy.MissingApprovers(l, level)
}

// LoanDeciders are the roles that may approve or reject loan l of a
// dossier of level: the level's approvers, and when the borrower holds one
// of them, the roles that approve in their stead
// (Policy.SelfLoanApprovers).
func (s *State) LoanDeciders(l *Loan, level string) []string {
	need := s.Policy.LoanApprovers(level)
	if s.Members[l.Borrower].HasRole(need...) {
		need = appendNew(need, s.Policy.SelfLoanApprovers()...)
	}
	return need
}

// approveRole checks an approval of loan l by actor for a dossier of
// level, and returns the role it counts for and whether it is the last one
// needed. Nobody approves their own loan: a role the borrower holds is
// given by another holder of it or by a role of
// Policy.SelfLoanApprovers (a manager's loan goes to another manager or
// the gm).
//
// e is the approval's event on replay (nil when one is about to be
// written, on the state it will follow): the borrower's role is the one
// they held where it was written (State.rolesWhereWritten).
func (s *State) approveRole(actor *Member, l *Loan, level string, e *journal.Event) (role string, last bool, err error) {
	p := s.Policy
	if l.Status() != LoanPending {
		return "", false, failErr(l10n.Errorf("loan %s is %s: there is nothing to approve", l.ID, loanStatus(l.Status())), NoNext, "")
	}
	if l.NeedsSign && l.EndorsedBy == "" {
		return "", false, failErr(l10n.Errorf("loan %s first needs the sign-off of a dept_manager of %s (R6.7)", l.ID, l.Department), NextEndorse, l.ID)
	}
	if len(p.LoanApprovers(level)) == 0 {
		return "", false, failErr(l10n.Errorf("the policy names no approver for loans of level %s (loan.approvers)", level), NoNext, "")
	}
	if actor.ID == l.Borrower {
		return "", false, deniedErr(l10n.Errorf("%s may not approve their own loan %s", actor.ID, l.ID))
	}
	// Only managers and above borrow (R7.1), when the loan is granted as
	// when it was asked for: a requester whose borrowing role was taken
	// away (or who left) while the request waited gets no key. A change
	// the approval does not follow (made in a clone it had not heard
	// from) does not refuse it: refused on replay, an approval given in
	// good faith was superseded and the file it wrote for the borrower a
	// problem no step settles, its approver's clone unable to push.
	held := s.rolesWhereWritten(e, l.Borrower)
	if !hasAny(held, p.Loan.Borrowers) {
		return "", false, failErr(l10n.Errorf("loan %s cannot be approved: its requester %s no longer holds a role that may borrow (%v, R7.1); %s holds %v", l.ID, l.Borrower, p.rolesText(p.Loan.Borrowers), l.Borrower, p.rolesText(held)), NoNext, "")
	}
	for _, a := range l.Approvals {
		if a.Member == actor.ID {
			return "", false, deniedErr(l10n.Errorf("%s already approved loan %s on %s: nobody approves twice", actor.ID, l.ID, a.Date))
		}
	}
	missing := p.MissingApprovers(l, level)
	// The borrower's roles where the approval was written (held): a
	// borrower removed since by a step it does not follow still counts as
	// the member they were (LoanApprove.check).
	var roles []string // as Member.HasRole: a removed member holds none
	if !actor.Removed {
		roles = actor.Roles
	}
	role, _, need := p.loanApprovalRole(missing, roles, held)
	if role != "" {
		return role, len(missing) == 1, nil
	}
	return "", false, &Error{Code: Denied, Actor: actor.ID, Need: need, Held: actor.Roles,
		Err: l10n.Errorf("loan %s (level %s) still needs approval by %v; %s holds %v", l.ID, level, s.Policy.rolesText(need), actor.ID, s.Policy.rolesText(actor.Roles))}
}

// loanApprovalRole is the rule of roles of a loan approval (R7.1), for
// approveRole on write and replay and for State.stageRole: given the
// approver roles the loan still needs (missing), the approver's roles
// and the borrower's, role is the one the approval counts for, and as the
// approver's roles it is given as: role itself, held by the approver; or,
// when role is one the borrower holds (nobody approves their own loan),
// the approver's roles of Policy.SelfLoanApprovers, who give it in their
// stead (a manager's loan of a 机密 dossier goes to the gm). "" and the
// roles it needs when the approver may give none.
func (p *Policy) loanApprovalRole(missing, roles, borrower []string) (role string, as, need []string) {
	for _, r := range missing {
		if slices.Contains(roles, r) {
			return r, []string{r}, nil
		}
	}
	stand := p.SelfLoanApprovers()
	need = missing
	for _, r := range missing {
		if slices.Contains(borrower, r) {
			for _, h := range stand {
				if slices.Contains(roles, h) {
					as = append(as, h)
				}
			}
			if as != nil {
				return r, as, nil
			}
			need = appendNew(need, stand...)
		}
	}
	return "", nil, need
}

func (x *LoanApprove) check(c *step) error {
	l, err := c.loanOf(x.Loan)
	if err != nil {
		return err
	}
	// Approvals of one loan go one after another through links: a second
	// approval written concurrently with the first is superseded, and given
	// again after the clones meet.
	if err := c.afterApproval(l); err != nil {
		return err
	}
	// A request its requester's removal closed (void), approved in a
	// clone that had not heard of the removal: the approval is judged on
	// the request as it still was where it was written, and stands with
	// no effect (the loan stays closed, apply). The file it encrypted to
	// the borrower is let through as one written concurrently with a
	// change of keys (checkFile): pending until a writer's next step
	// re-encrypts it without the leaver. Refused, the approver's honest
	// step was superseded and its file a problem no step settles.
	judged := l
	if c.s.voidedUnheard(l, c.e) {
		open := *l
		open.Returned, open.ReturnedBy, open.Intact, open.Note = time.Time{}, "", false, ""
		judged, c.lapsed = &open, l.Borrower
	}
	_, last, err := c.s.approveRole(c.actor, judged, c.d.Level, c.e)
	if err != nil {
		return err
	}
	if last {
		due := c.e.Time.Add(loanDays(l.Days))
		if x.Due != fmtUTC(due) {
			return problemf("loan %s: due %q, but %d days from the approval is %s", l.ID, x.Due, l.Days, fmtUTC(due))
		}
		if err := x.Card.check(l, c.d, c.e.Time, due); err != nil {
			return err
		}
		if c.lapsed == "" {
			c.plus = l.Borrower
		}
	}
	return nil
}

// voidedUnheard reports whether loan l is a request closed by its
// borrower's removal (void) that event e does not follow: no removal of
// the borrower is an ancestor of e (written in a clone that had not
// heard of it, and ordered after it by a merge). Nil e (a step about to
// be written, which follows every event of the state): false.
func (s *State) voidedUnheard(l *Loan, e *journal.Event) bool {
	if e == nil || s.Journal == nil || l.Status() != LoanVoid {
		return false
	}
	m, hs := s.Members[l.Borrower], s.removed[l.Borrower]
	if m == nil || !m.Removed || len(hs) == 0 {
		return false
	}
	return !slices.ContainsFunc(hs, func(h string) bool { return s.Journal.Follows(e, h) })
}

// check compares a borrow card journaled with the last approval of loan l
// (at t, due at due) with what the journal says of the loan: the borrow
// register is printed from it (R7.1).
func (card *BorrowCard) check(l *Loan, d *DossierState, t, due time.Time) error {
	if card == nil {
		return nil
	}
	if card.Card != l.ID || card.Dossier != d.ID || card.Level != d.Level || card.Borrower != l.Borrower ||
		card.Department != l.Department || card.Purpose != l.Purpose || card.EndorsedBy != l.EndorsedBy ||
		!sameDay(card.Out, t) || !sameDay(card.Due, due) {
		return problemf("loan %s: the borrow card does not say what the journal says of the loan (number, dossier, level, borrower, department, purpose, sign-off, dates)", l.ID)
	}
	return nil
}

func (x *LoanApprove) apply(c *step) {
	l := c.s.Loans[x.Loan]
	if c.lapsed != "" || c.s.voidedUnheard(l, c.e) {
		return // superseded by the removal that closed the request: no effect
	}
	role, last, _ := c.s.approveRole(c.actor, l, c.d.Level, c.e)
	l.Approvals = append(l.Approvals, Approval{Role: role, Member: c.e.Actor, Date: c.s.date(c.e.Time), Time: c.e.Time, Event: c.e.Hash})
	if last {
		l.Out, l.Due, l.Card = c.e.Time, c.e.Time.Add(loanDays(l.Days)), x.Card
	}
}

func (x *LoanRenew) check(c *step) error {
	l, err := c.loanOf(x.Loan)
	if err != nil {
		return err
	}
	if err := c.afterApproval(l); err != nil {
		return err
	}
	if c.actor.ID != l.Borrower {
		return deniedErr(l10n.Errorf("only the borrower %s may renew loan %s", l.Borrower, l.ID))
	}
	// Only managers and above borrow (R7.1), for as long as the loan
	// runs: a borrower whose borrowing role was taken away does not
	// extend it (approveRole checks the same when it is granted).
	if need := c.p.Loan.Borrowers; !c.actor.HasRole(need...) {
		return &Error{Code: Denied, Actor: c.actor.ID, Need: need, Held: c.actor.Roles,
			Err: l10n.Errorf("loan %s cannot be renewed: its borrower %s no longer holds a role that may borrow (%v, R7.1); %s holds %v", l.ID, l.Borrower, c.p.rolesText(need), l.Borrower, c.p.rolesText(c.actor.Roles))}
	}
	if l.Status() != LoanOut {
		return failErr(l10n.Errorf("loan %s is %s: only a lent-out loan can be renewed", l.ID, loanStatus(l.Status())), NoNext, "")
	}
	if c.e.Time.After(l.Due) {
		return failErr(l10n.Errorf("loan %s was due %s and is overdue: return it, then ask again", l.ID, c.s.formatTime(l.Due)), NextReturn, l.ID)
	}
	if l.Renewals >= c.p.Loan.Renewals {
		return failErr(l10n.Errorf("loan %s was renewed %d time(s), the most the policy allows (loan.renewals): return it, then ask again", l.ID, l.Renewals), NextReturn, l.ID)
	}
	if due := l.Due.Add(loanDays(l.Days)); x.Due != fmtUTC(due) {
		return problemf("loan %s: renewed due %q, but the loan period gives %s", l.ID, x.Due, fmtUTC(due))
	}
	return nil
}

func (x *LoanRenew) apply(c *step) {
	l := c.s.Loans[x.Loan]
	l.Renewals++
	l.Due = l.Due.Add(loanDays(l.Days))
}

func (x *LoanReturn) check(c *step) error {
	l, err := c.loanOf(x.Loan)
	if err != nil {
		return err
	}
	if err := c.afterApproval(l); err != nil {
		return err
	}
	if !l.Open() {
		return failErr(l10n.Errorf("loan %s is %s: only a lent-out loan can be returned", l.ID, loanStatus(l.Status())), NoNext, "")
	}
	if approvers := c.p.LoanApprovers(c.d.Level); c.actor.ID != l.Borrower && !c.actor.HasRole(approvers...) {
		return &Error{Code: Denied, Actor: c.actor.ID, Need: approvers, Held: c.actor.Roles,
			Err: l10n.Errorf("loan %s can be returned by its borrower %s or by %v; %s holds %v", l.ID, l.Borrower, c.p.rolesText(approvers), c.actor.ID, c.p.rolesText(c.actor.Roles))}
	}
	c.except = l.ID
	return nil
}

func (x *LoanReturn) apply(c *step) {
	l := c.s.Loans[x.Loan]
	l.Returned, l.ReturnedBy, l.Note = c.e.Time, c.e.Actor, x.Note
	l.Intact = x.Intact == nil || *x.Intact
}

func (x *LoanExpire) check(c *step) error {
	l, err := c.loanOf(x.Loan)
	if err != nil {
		return err
	}
	if err := c.afterApproval(l); err != nil {
		return err
	}
	// After its due time, or once its borrower may not borrow (R7.1): by
	// the roles they held where the expiry was written, so that a role
	// given back in a clone that had not heard of it leaves it standing.
	if l.Status() != LoanOut || !c.e.Time.After(l.Due) && hasAny(c.s.rolesWhereWritten(c.e, l.Borrower), c.p.Loan.Borrowers) {
		return problemf("loan %s is expired while %s and due %s", l.ID, l.Status(), fmtUTC(l.Due))
	}
	if !slices.Contains(c.d.Recipients, c.actor.ID) {
		return problemf("%s by %s, who is not a recipient of dossier %s", kindWord(c.e.Kind), c.actor.ID, c.d.ID)
	}
	c.except = l.ID
	return nil
}

func (x *LoanExpire) apply(c *step) { c.s.Loans[x.Loan].Expired = c.e.Time }

// appendNew is a followed by the roles of b it does not have, in order.
func appendNew(a []string, b ...string) []string {
	out := slices.Clone(a)
	for _, r := range b {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// pendingLoan returns the loan an event names, which must be waiting.
func (c *step) pendingLoan(id string) (*Loan, error) {
	l, err := c.loanOf(id)
	if err != nil {
		return nil, err
	}
	if l.Status() != LoanPending {
		return nil, failErr(l10n.Errorf("loan %s is %s: only a request that waits can be withdrawn or rejected", l.ID, loanStatus(l.Status())), NoNext, "")
	}
	return l, nil
}

func (x *LoanCancel) check(c *step) error {
	l, err := c.pendingLoan(x.Loan)
	if err != nil {
		return err
	}
	if c.actor.ID != l.Borrower {
		return deniedErr(l10n.Errorf("only the requester %s may withdraw loan request %s", l.Borrower, l.ID))
	}
	return nil
}

func (x *LoanCancel) apply(c *step) {
	l := c.s.Loans[x.Loan]
	l.Cancelled, l.Reason = c.e.Time, x.Reason
}

func (x *LoanReject) check(c *step) error {
	l, err := c.pendingLoan(x.Loan)
	if err != nil {
		return err
	}
	if c.actor.ID == l.Borrower {
		return deniedErr(l10n.Errorf("%s may not reject their own loan request %s: withdraw it instead", c.actor.ID, l.ID))
	}
	if need := c.s.LoanDeciders(l, c.d.Level); !c.actor.HasRole(need...) {
		return &Error{Code: Denied, Actor: c.actor.ID, Need: need, Held: c.actor.Roles,
			Err: l10n.Errorf("loan request %s (level %s) can be rejected by %v; %s holds %v", l.ID, c.d.Level, c.p.rolesText(need), c.actor.ID, c.p.rolesText(c.actor.Roles))}
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the loan is rejected (the requester reads it)"))
	}
	return nil
}

func (x *LoanReject) apply(c *step) {
	l := c.s.Loans[x.Loan]
	l.Rejected, l.RejectedBy, l.Reason = c.e.Time, c.e.Actor, x.Reason
}

// loan returns loan id and its dossier, or an error naming it. A state
// of some parts advanced over a loan step holds every loan (the step reads
// their ids) but only the dossiers of the steps: for a loan of another
// dossier the whole state is read.
func (a *Archive) loan(id string) (*Loan, *DossierState, error) {
	id = resolveID(loanPrefix, id, func(x string) bool { return a.State.Loans[x] != nil })
	l := a.State.Loans[id]
	if l == nil {
		return nil, nil, unknownStep(id, l10n.Errorf("no loan %q in this archive (ids like %s)", id, a.exampleStepID(loanPrefix)), NextLoans)
	}
	if a.State.Dossiers[l.Dossier] == nil && a.fromSnapshot {
		if err := a.fullState(); err != nil {
			return nil, nil, err
		}
		if l = a.State.Loans[id]; l == nil {
			return nil, nil, unknownStep(id, l10n.Errorf("no loan %q in this archive (ids like %s)", id, a.exampleStepID(loanPrefix)), NextLoans)
		}
	}
	d := a.State.Dossiers[l.Dossier]
	if d == nil {
		return nil, nil, failErr(l10n.Errorf("loan %s is of dossier %s, which the journal does not have", l.ID, l.Dossier), NextLog, "")
	}
	return l, d, nil
}

// loanStep runs step on loan loanID for the working member, holding the
// lock: the shape every step on an existing loan shares.
func (a *Archive) loanStep(loanID string, step func(me *Member, l *Loan, d *DossierState) error) (*Loan, error) {
	if err := checkStepID(loanID); err != nil {
		return nil, err
	}
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

// BorrowRequest asks to borrow dossier id for purpose, for days (0: the
// policy's loan period). A request from outside the home department carries
// its department manager's sign-off when the requester is that manager
// (R6.7); otherwise it waits for an endorsement.
func (a *Archive) BorrowRequest(id, purpose string, days int) (*Loan, error) {
	if err := a.checkID(id); err != nil {
		return nil, err
	}
	me, err := a.requireKind(KindLoanRequest)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(purpose) == "" {
		return nil, missingErr("purpose", l10n.Errorf("say what the dossier is borrowed for (it goes on the borrow card)"))
	}
	if days == 0 {
		days = a.Policy.LoanDays()
	}
	if days < 1 || days > a.Policy.LoanDays() {
		e := usageErr("days", l10n.Errorf("a loan lasts 1 to %d days (policy loan.days); renew it for longer", a.Policy.LoanDays()))
		e.Value = strconv.Itoa(days)
		return nil, e
	}
	var l *Loan
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		x := &LoanRequest{Loan: a.newStepID(loanPrefix, a.State.MaxLoan, func(id string) bool { return a.State.Loans[id] != nil }), Purpose: purpose, Days: days, Department: me.Department}
		if a.Policy.NeedsEndorsement(me.Department) && me.HasRole("dept_manager") {
			x.EndorsedBy = me.ID
		}
		if _, err := a.commit(KindLoanRequest, id, x); err != nil {
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
		_, err := a.commit(KindLoanEndorse, d.ID, &LoanEndorse{Loan: l.ID})
		return err
	})
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
		if _, last, err = a.State.approveRole(me, l, d.Level, nil); err != nil {
			return err
		}
		x := &LoanApprove{Loan: l.ID}
		if !last {
			_, err = a.commit(KindLoanApprove, d.ID, x)
			return err
		}
		due := a.now.Add(loanDays(l.Days))
		x.Due, x.Card = fmtUTC(due), a.borrowCard(l, d, due, me.ID)
		return a.stepWithRecipients(d, a.State.RecipientsAt(d, d.Level, "", l.Borrower), KindLoanApprove, x)
	})
	return l, last, err
}

func (a *Archive) borrowCard(l *Loan, d *DossierState, due time.Time, approver string) *BorrowCard {
	c := &BorrowCard{Card: l.ID, Dossier: d.ID, Level: d.Level, Borrower: l.Borrower, Department: l.Department,
		Purpose: l.Purpose, EndorsedBy: l.EndorsedBy, Out: a.Date(a.now), Due: a.Date(due)}
	if m := a.State.Members[l.Borrower]; m != nil {
		c.BorrowerName = m.Name
		var titles []string
		for _, r := range m.Roles {
			titles = append(titles, a.Policy.RoleTitle(r))
		}
		c.Title = strings.Join(titles, "、")
	}
	for _, ap := range l.Approvals {
		c.Approvers = append(c.Approvers, ap.Member)
	}
	c.Approvers = append(c.Approvers, approver)
	return c
}

// BorrowCancel withdraws the working member's own loan request while it
// waits.
func (a *Archive) BorrowCancel(loanID, reason string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		_, err := a.commit(KindLoanCancel, d.ID, &LoanCancel{Loan: l.ID, Reason: strings.TrimSpace(reason)})
		return err
	})
}

// BorrowReject rejects a loan request that waits, with a reason; only one
// who may approve it may reject it.
func (a *Archive) BorrowReject(loanID, reason string) (*Loan, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, missingErr("reason", l10n.Errorf("say why the loan is rejected (the requester reads it)"))
	}
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		_, err := a.commit(KindLoanReject, d.ID, &LoanReject{Loan: l.ID, Reason: strings.TrimSpace(reason)})
		return err
	})
}

// BorrowRenew extends an open loan by its period (policy loan.renewals times at most).
func (a *Archive) BorrowRenew(loanID string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		_, err := a.commit(KindLoanRenew, d.ID, &LoanRenew{Loan: l.ID, Due: fmtUTC(l.Due.Add(loanDays(l.Days)))})
		return err
	})
}

// BorrowReturn records the return of a loan, intact or with a note on the
// damage, and re-encrypts the dossier without the borrower.
func (a *Archive) BorrowReturn(loanID string, intact bool, note string) (*Loan, error) {
	return a.loanStep(loanID, func(me *Member, l *Loan, d *DossierState) error {
		// Check before re-encrypting: the rule's refusal is the answer.
		if err := a.precheck(KindLoanReturn, d.ID, &LoanReturn{Loan: l.ID}); err != nil {
			return err
		}
		x := &LoanReturn{Loan: l.ID, Intact: &intact, Note: note}
		return a.stepWithRecipients(d, a.State.RecipientsAt(d, d.Level, l.ID, ""), KindLoanReturn, x)
	})
}

// Loans lists the loans by id; with overdueOnly, only those open past due now.
func (a *Archive) Loans(overdueOnly bool) []*Loan {
	var out []*Loan
	for _, l := range a.State.SortedLoans() {
		if overdueOnly && !l.Overdue(a.now) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// expireLoans revokes the access of every loan past due, and of every
// loan out whose borrower no longer holds a role that may borrow or was
// removed (R7.1, borrowerLost; lost), by loan.expire, re-encrypting the
// file without the borrower. The caller holds the lock. A loan whose
// dossier the working key cannot re-encrypt is skipped, with its error.
func (a *Archive) expireLoans() (expired, lost []*Loan, errs []error) {
	for _, l := range a.State.SortedLoans() {
		due := l.accessExpired(a.now)
		if !due && !a.State.borrowerLost(l) {
			continue
		}
		if a.id == nil {
			errs = append(errs, deniedErr(l10n.Errorf("loan %s is overdue and its access must be revoked: that needs a key that can read dossier %s", l.ID, l.Dossier)))
			continue
		}
		d := a.State.Dossiers[l.Dossier]
		if err := a.stepWithRecipients(d, a.State.RecipientsAt(d, d.Level, l.ID, ""), KindLoanExpire, &LoanExpire{Loan: l.ID}); err != nil {
			errs = append(errs, l10n.Errorf("loan %s: %w", l.ID, err))
			continue
		}
		if due {
			expired = append(expired, l)
		} else {
			lost = append(lost, l)
		}
	}
	return expired, lost, errs
}
