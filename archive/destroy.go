package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crm/l10n"
)

// DefaultDestroyMethod is what a destroy.execute records when no method is
// given. Every execution since the first recorded this one string, in both
// languages: it stays as it is (replay and old archives read it), and the
// destruction list words it in its own language (report).
const DefaultDestroyMethod = "删除密文文件 (ciphertext deleted)"

// Destruction request statuses.
const (
	DestroyPending  = "pending"  // approvals still missing
	DestroyApproved = "approved" // every approval given; may be executed
	DestroyRejected = "rejected"
	DestroyExecuted = "executed"
)

// DestroyStatusText is destruction request status s as the user reads it,
// in lists and in messages.
func DestroyStatusText(s string) string { return destroyStatus(s).String() }

// destroyStatus is DestroyStatusText in either language (l10n.Phrase): the
// message of a problem is kept in both.
func destroyStatus(s string) l10n.Words {
	switch s {
	case DestroyPending:
		return l10n.Words{En: "pending", Zh: "审批中"}
	case DestroyApproved:
		return l10n.Words{En: "approved", Zh: "已批准"}
	case DestroyRejected:
		return l10n.Words{En: "rejected", Zh: "已驳回"}
	case DestroyExecuted:
		return l10n.Words{En: "executed", Zh: "已销毁"}
	}
	return l10n.Words{En: s, Zh: s}
}

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

// Payloads of the destruction events (R6.10).
type (
	// DestroyRequest asks for the event's dossier to be destroyed.
	DestroyRequest struct {
		Request string `yaml:"request" json:"request"`
		Reason  string `yaml:"reason" json:"reason"`
	}
	// DestroyApprove is the approval of one step of the chain (1-based).
	DestroyApprove struct {
		Request string `yaml:"request" json:"request"`
		Step    int    `yaml:"step" json:"step"`
	}
	// DestroyReject ends a request at the step it waited for.
	DestroyReject struct {
		Request string `yaml:"request" json:"request"`
		Step    int    `yaml:"step,omitempty" json:"step,omitempty"`
		Reason  string `yaml:"reason" json:"reason"`
	}
	// DestroyExecute is the destruction list entry (销毁清册): the file is
	// removed, the journal kept.
	DestroyExecute struct {
		Request   string     `yaml:"request" json:"request"`
		Reason    string     `yaml:"reason,omitempty" json:"reason,omitempty"`
		Witnesses []string   `yaml:"witnesses" json:"witnesses"`
		Method    string     `yaml:"method,omitempty" json:"method,omitempty"`
		Level     string     `yaml:"level,omitempty" json:"level,omitempty"`
		Date      string     `yaml:"date,omitempty" json:"date,omitempty"`
		Approvals []Approval `yaml:"approvals,omitempty" json:"approvals,omitempty"`
	}
)

// destroyBlocked returns why d may not be destroyed now, or nil.
func destroyBlocked(s *State, d *DossierState) error {
	if d.OnHold() {
		// The dossier's state, not the member's roles, stands in the
		// way: exit 1, as for a level change under a hold.
		return failErr(l10n.Errorf("dossier %s is under a legal hold since %s (%s): it cannot be destroyed until it is released", d.ID, s.date(d.Hold.Since), d.Hold.Reason), NextRelease, d.ID)
	}
	for _, l := range d.Loans {
		if l.Open() {
			return failErr(l10n.Errorf("dossier %s is on loan (%s to %s): it cannot be destroyed until the loan is returned", d.ID, l.ID, l.Borrower), NextLoans, "")
		}
	}
	return nil
}

// requestOf returns the destruction request an event names, which must be
// of its dossier.
func (c *step) requestOf(id string) (*Destruction, error) {
	r := c.s.Destructions[id]
	if r == nil || r.Dossier != c.d.ID {
		return nil, problemf("%s of request %q, which dossier %s does not have", kindWord(c.e.Kind), id, c.d.ID)
	}
	return r, nil
}

func (x *DestroyRequest) check(c *step) error {
	if !validID(destroyPrefix, x.Request) || c.s.Destructions[x.Request] != nil {
		return problemf("destruction request id %q is not new or not of the form D-000001 or D-0Q7K4M8Z3X", x.Request)
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the material has no value left (it goes on the destruction list)"))
	}
	if err := destroyBlocked(c.s, c.d); err != nil {
		return err
	}
	for _, r := range c.s.Destructions {
		if r.Dossier == c.d.ID && (r.Status() == DestroyPending || r.Status() == DestroyApproved) {
			return failErr(l10n.Errorf("dossier %s already has destruction request %s (%s)", c.d.ID, r.ID, destroyStatus(r.Status())), NextDestructions, "")
		}
	}
	if len(c.p.Destruction.Chain) == 0 {
		return failErr(l10n.Errorf("the policy has no destruction.chain: nobody can approve a destruction"), NoNext, "")
	}
	return nil
}

func (x *DestroyRequest) apply(c *step) {
	n, _ := seqNumber(destroyPrefix, x.Request)
	c.s.Destructions[x.Request] = &Destruction{ID: x.Request, Dossier: c.d.ID, Reason: x.Reason, RequestedBy: c.e.Actor,
		Requested: c.e.Time, Chain: slices.Clone(c.p.Destruction.Chain)}
	c.s.MaxDestruction = max(c.s.MaxDestruction, n)
}

// approveStep checks the next approval of r by actor; step is the 1-based
// position in the chain the approval takes.
func approveStep(s *State, actor *Member, r *Destruction, d *DossierState) (step int, role string, err error) {
	switch r.Status() {
	case DestroyRejected:
		return 0, "", failErr(l10n.Errorf("destruction request %s was rejected by %s (%s): a rejection ends it", r.ID, r.RejectedBy, r.RejectNote), NextRequestAgain, d.ID)
	case DestroyApproved:
		return 0, "", failErr(l10n.Errorf("destruction request %s has every approval already", r.ID), NextExecute, r.ID)
	case DestroyExecuted:
		return 0, "", failErr(l10n.Errorf("destruction request %s was executed", r.ID), NoNext, "")
	}
	for _, a := range r.Approvals {
		if a.Member == actor.ID {
			return 0, "", deniedErr(l10n.Errorf("%s already approved destruction request %s (step %d, %s): nobody approves twice", actor.ID, r.ID, a.Step, s.Policy.roleText(a.Role)))
		}
	}
	if err := destroyBlocked(s, d); err != nil {
		return 0, "", err
	}
	step = len(r.Approvals) + 1
	role = r.Chain[step-1]
	if !actor.HasRole(role) {
		return 0, "", &Error{Code: Denied, Actor: actor.ID, Need: []string{role}, Held: actor.Roles,
			Err: l10n.Errorf("destruction request %s waits for step %d of %v, by a %s; %s holds %v (approvals go in the policy's order)", r.ID, step, s.Policy.chainText(r.Chain), s.Policy.roleText(role), actor.ID, s.Policy.rolesText(actor.Roles))}
	}
	return step, role, nil
}

// afterLastApproval checks that a step on r follows its last approval
// through links: order is "reachable through links", never timestamps.
func (c *step) afterLastApproval(r *Destruction, what l10n.Phrase) error {
	if n := len(r.Approvals); n > 0 && !c.follows(r.Approvals[n-1].Event) {
		return problemf("destruction request %s: %s does not follow step %d in the journal's links (written apart from it)", r.ID, what, n)
	}
	return nil
}

func (x *DestroyApprove) check(c *step) error {
	r, err := c.requestOf(x.Request)
	if err != nil {
		return err
	}
	step, _, err := approveStep(c.s, c.actor, r, c.d)
	if err != nil {
		return err
	}
	if x.Step != step {
		return problemf("destruction request %s: approval claims step %d, but it is step %d in the chain", r.ID, x.Step, step)
	}
	return c.afterLastApproval(r, l10n.Textf("step %d", step))
}

func (x *DestroyApprove) apply(c *step) {
	r := c.s.Destructions[x.Request]
	step, role, _ := approveStep(c.s, c.actor, r, c.d)
	r.Approvals = append(r.Approvals, Approval{Step: step, Role: role, Member: c.e.Actor, Date: c.s.date(c.e.Time), Time: c.e.Time, Event: c.e.Hash})
}

func (x *DestroyReject) check(c *step) error {
	r, err := c.requestOf(x.Request)
	if err != nil {
		return err
	}
	if st := r.Status(); st != DestroyPending && st != DestroyApproved {
		return failErr(l10n.Errorf("destruction request %s is %s: there is nothing to reject", r.ID, destroyStatus(st)), NoNext, "")
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the destruction is rejected"))
	}
	return nil
}

func (x *DestroyReject) apply(c *step) {
	r := c.s.Destructions[x.Request]
	r.RejectedBy, r.Rejected, r.RejectNote = c.e.Actor, c.e.Time, x.Reason
}

// checkWitnesses checks the witnesses (监销人) of an execution by actor.
func checkWitnesses(s *State, p *Policy, actor *Member, witnesses []string) error {
	seen := map[string]bool{}
	for _, w := range witnesses {
		m := s.Members[w]
		switch {
		case m == nil || m.Removed:
			// A member id that names no member is an error (exit 1),
			// as an unknown id is; what cannot be one, a usage error.
			if !memberIDRE().MatchString(w) {
				return usageErr("witness", l10n.Errorf("%q is not a member id: use lower-case letters, digits, . _ - (e.g. zhangsan)", w))
			}
			e := failErr(l10n.Errorf("%s is not a member of the archive", w), NextMemberList, "")
			e.Field = "witness"
			return e
		case w == actor.ID:
			return usageErr("witness", l10n.Errorf("%s: the executor cannot be a witness", w))
		case seen[w]:
			return usageErr("witness", l10n.Errorf("%s is given twice: witnesses must be distinct", w))
		}
		seen[w] = true
	}
	if len(witnesses) != p.Destruction.Witnesses {
		return usageErr("witness", l10n.Errorf("the policy asks for %d witnesses (监销人, destruction.witnesses); %d given", p.Destruction.Witnesses, len(witnesses)))
	}
	return nil
}

func (x *DestroyExecute) check(c *step) error {
	r, err := c.requestOf(x.Request)
	if err != nil {
		return err
	}
	switch st := r.Status(); st {
	case DestroyPending:
		return &Error{Code: Denied, Err: l10n.Errorf("destruction request %s has %d of %d approvals: it waits for a %s (R6.10)", r.ID, len(r.Approvals), len(r.Chain), c.p.roleText(r.NextRole()))}
	case DestroyRejected, DestroyExecuted:
		return failErr(l10n.Errorf("destruction request %s is %s: nothing to execute", r.ID, destroyStatus(st)), NoNext, "")
	}
	if err := destroyBlocked(c.s, c.d); err != nil {
		return err
	}
	if err := checkWitnesses(c.s, c.p, c.actor, x.Witnesses); err != nil {
		return err
	}
	// The destruction list (销毁清册) is kept permanently: what the event
	// says of the level and date must be what the journal says.
	if (x.Level != "" && x.Level != c.d.Level) || (x.Date != "" && !sameDay(x.Date, c.e.Time)) {
		return problemf("destruction request %s: the execution records level %q and date %q, but the dossier is %s and the event is dated %s", r.ID, x.Level, x.Date, c.d.Level, fmtUTC(c.e.Time))
	}
	return c.afterLastApproval(r, l10n.Word("the execution"))
}

func (x *DestroyExecute) apply(c *step) {
	r := c.s.Destructions[x.Request]
	r.Executed, r.ExecutedBy, r.Witnesses, r.Method, r.Level = c.e.Time, c.e.Actor, x.Witnesses, x.Method, c.d.Level
	c.d.Status, c.d.Destroyed = StatusDestroyed, c.e.Time
}

// Destruction returns the destruction request id names, as a step on it
// finds it (a random id may be typed in lower case), or the error such a
// step gives when there is none.
func (a *Archive) Destruction(id string) (*Destruction, error) {
	r, _, err := a.destruction(id)
	return r, err
}

func (a *Archive) destruction(id string) (*Destruction, *DossierState, error) {
	id = resolveID(destroyPrefix, id, func(x string) bool { return a.State.Destructions[x] != nil })
	r := a.State.Destructions[id]
	if r == nil {
		return nil, nil, unknownStep(id, l10n.Errorf("no destruction request %q in this archive (ids like %s)", id, a.exampleStepID(destroyPrefix)), NextDestructions)
	}
	return r, a.State.Dossiers[r.Dossier], nil
}

// destroyStep runs step on destruction request reqID for the working
// member, holding the lock: the shape every step on a request shares.
func (a *Archive) destroyStep(reqID string, step func(me *Member, r *Destruction, d *DossierState) error) (*Destruction, error) {
	if err := checkStepID(reqID); err != nil {
		return nil, err
	}
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	var r *Destruction
	err = a.locked(func() error {
		var d *DossierState
		var err error
		if r, d, err = a.destruction(reqID); err != nil {
			return err
		}
		return step(me, r, d)
	})
	return r, err
}

// DestroyRequest asks for dossier id to be destroyed (R6.10).
func (a *Archive) DestroyRequest(id, reason string) (*Destruction, error) {
	if err := a.checkID(id); err != nil {
		return nil, err
	}
	if _, err := a.requireKind(KindDestroyRequest); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, missingErr("reason", l10n.Errorf("say why the material has no value left (it goes on the destruction list)"))
	}
	var r *Destruction
	err := a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		if err := a.complaintsKept(d); err != nil {
			return err
		}
		x := &DestroyRequest{Request: a.newStepID(destroyPrefix, a.State.MaxDestruction, func(id string) bool { return a.State.Destructions[id] != nil }), Reason: reason}
		if _, err := a.commit(KindDestroyRequest, id, x); err != nil {
			return err
		}
		r = a.State.Destructions[x.Request]
		return nil
	})
	return r, err
}

// complaintsKept refuses the destruction of dossier d while it holds a
// complaint record (投诉记录) still within its retention (kept two years by
// default, contacts.complaint_retention): destroying the dossier would
// destroy the record before its time. The records are in the encrypted
// dossier, so only a member whose key opens it can check: the requester
// when they can, else the manager who executes it. The journal does not
// know them, so replay cannot check this again.
func (a *Archive) complaintsKept(d *DossierState) error {
	if a.me == nil || !a.CanRead(d) {
		return nil
	}
	o, err := a.Read(d.ID)
	if err != nil {
		return nil // what cannot be read here is checked by whoever can
	}
	dd, err := ParseDossier(o.Text)
	if err != nil {
		return nil
	}
	today := a.civilToday()
	var kept []string
	for _, c := range dd.Contacts {
		if c.Kind != ContactComplaint {
			continue
		}
		if keep := a.Policy.ComplaintKeepUntil(c); !keep.IsZero() && !keep.Before(today) {
			kept = append(kept, keep.Format(time.DateOnly))
		}
	}
	if len(kept) == 0 {
		return nil
	}
	slices.Sort(kept)
	return failErr(l10n.Errorf("dossier %s holds %d complaint record(s) kept until %s (contacts.complaint_retention): it may be destroyed only after %s", d.ID, len(kept), l10n.List(kept), kept[len(kept)-1]), NoNext, "")
}

// DestroyApprove gives the next approval of request reqID, in the
// policy's chain order.
func (a *Archive) DestroyApprove(reqID string) (*Destruction, error) {
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		step, _, err := approveStep(a.State, me, r, d)
		if err != nil {
			return err
		}
		_, err = a.commit(KindDestroyApprove, d.ID, &DestroyApprove{Request: r.ID, Step: step})
		return err
	})
}

// DestroyReject rejects request reqID; a rejection ends it.
func (a *Archive) DestroyReject(reqID, reason string) (*Destruction, error) {
	if err := checkStepID(reqID); err != nil {
		return nil, err
	}
	if _, err := a.requireKind(KindDestroyReject); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, missingErr("reason", l10n.Errorf("say why the destruction is rejected"))
	}
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		_, err := a.commit(KindDestroyReject, d.ID, &DestroyReject{Request: r.ID, Step: len(r.Approvals) + 1, Reason: reason})
		return err
	})
}

// DestroyExecute destroys the dossier of a fully approved request in the
// presence of witnesses: the ciphertext is removed, the journal kept, and
// destroy.execute carries the destruction list entry (销毁清册).
func (a *Archive) DestroyExecute(reqID string, witnesses []string, method string) (*Destruction, error) {
	if err := checkStepID(reqID); err != nil {
		return nil, err
	}
	if _, err := a.requireKind(KindDestroyExecute); err != nil {
		return nil, err
	}
	if method == "" {
		method = DefaultDestroyMethod
	}
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		if d.Status != StatusActive {
			return failErr(l10n.Errorf("dossier %s was destroyed already", d.ID), NoNext, "")
		}
		if err := a.complaintsKept(d); err != nil {
			return err
		}
		x := &DestroyExecute{Request: r.ID, Reason: r.Reason, Witnesses: witnesses, Method: method, Level: d.Level, Date: a.Date(a.now), Approvals: r.Approvals}
		if err := a.precheck(KindDestroyExecute, d.ID, x); err != nil {
			return err
		}
		// Set the file aside first (.tmp-destroy-ID), so that a failed
		// event puts it back; once the event is journaled it is removed.
		// A crash in between is settled by the next locked step: the
		// aside file is put back unless the journal records the
		// destruction (repairDestroyAside).
		path := a.dossierFile(d.ID)
		aside := filepath.Join(filepath.Dir(path), tmpPrefix+"destroy-"+d.ID)
		if err := moveFile(path, aside); err != nil && !os.IsNotExist(err) {
			return l10n.Errorf("removing %s: %v", DossierPath(d.ID), err)
		}
		_, err := a.commit(KindDestroyExecute, d.ID, x)
		if err == nil {
			err = a.settle() // the event on disk (Bulk) before the file goes
		}
		if err != nil {
			moveFile(aside, path)
			return err
		}
		if err := removeFile(aside); err != nil {
			return unfinishedErr(l10n.Errorf("the journal records the destruction of dossier %s, but %s could not be removed (%v)", d.ID, a.rel(aside), err))
		}
		a.touch(DossierPath(d.ID))
		return nil
	})
}

// Destructions lists the destruction requests by id.
func (a *Archive) Destructions() []*Destruction { return a.State.SortedDestructions() }
