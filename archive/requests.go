package archive

import (
	"slices"
	"strings"
	"time"

	"crm/archive/journal"
	"crm/l10n"
)

// Statistics requests (R6.7): anyone outside 客服部 (policy home_department)
// who wants customer statistics needs their own department manager's
// signature, then applies to 客服部, whose manager approves. An approved
// request lets its requester make the department's reports for
// requests.valid_days days; the reports say for whom and under which
// request they were made. The journal is plain text, so this is the
// department's procedure made visible and checked, not secrecy: the figures
// that need dossier content still need a key that opens the dossiers.

// Statistics request statuses.
const (
	RequestPending  = "pending"  // waits for the department manager's sign-off or 客服部's approval
	RequestApproved = "approved" // may be used until Expires
	RequestRejected = "rejected"
	RequestExpired  = "expired" // approved, and its validity ran out
)

// RequestStatusText is statistics request status s as the user reads it,
// in lists and in messages.
func RequestStatusText(s string) string { return requestStatus(s).String() }

// requestStatus is RequestStatusText in either language (l10n.Phrase): the
// message of a problem is kept in both.
func requestStatus(s string) l10n.Words {
	switch s {
	case RequestPending:
		return l10n.Words{En: "pending", Zh: "待批"}
	case RequestApproved:
		return l10n.Words{En: "approved", Zh: "已批准"}
	case RequestRejected:
		return l10n.Words{En: "rejected", Zh: "已驳回"}
	case RequestExpired:
		return l10n.Words{En: "expired", Zh: "已过期"}
	}
	return l10n.Words{En: s, Zh: s}
}

// StatsRequest is a request for customer statistics (R6.7), as the journal
// tells it.
type StatsRequest struct {
	ID         string    `json:"request"`
	By         string    `json:"by"`
	Department string    `json:"department"`
	Purpose    string    `json:"purpose"`
	Reports    []string  `json:"reports,omitempty"` // the reports asked for; none: every report
	Requested  time.Time `json:"requested"`
	EndorsedBy string    `json:"endorsed_by,omitempty"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	Approved   time.Time `json:"approved,omitzero"`
	Expires    string    `json:"expires,omitempty"` // YYYY-MM-DD, the last day it may be used (policy zone)
	RejectedBy string    `json:"rejected_by,omitempty"`
	Rejected   time.Time `json:"rejected,omitzero"`
	Reason     string    `json:"reason,omitempty"`
	Event      string    `json:"-"` // hash of the request.stats event
	endorsedAt string    // hash of the request.endorse event, if any
	approvedAt string    // hash of the request.approve event, if any (not in a snapshot)
}

// StatusAt is the request's status at t.
func (r *StatsRequest) StatusAt(t time.Time, loc *time.Location) string {
	switch {
	case !r.Rejected.IsZero():
		return RequestRejected
	case r.ApprovedBy != "" && !r.ValidAt(t, loc):
		return RequestExpired
	case r.ApprovedBy != "":
		return RequestApproved
	}
	return RequestPending
}

// ValidAt reports whether the request was approved and t is not after its
// last valid day (in loc).
func (r *StatsRequest) ValidAt(t time.Time, loc *time.Location) bool {
	if r.ApprovedBy == "" || !r.Rejected.IsZero() {
		return false
	}
	last, err := time.ParseInLocation(time.DateOnly, r.Expires, loc)
	return err == nil && t.Before(last.AddDate(0, 0, 1))
}

// Covers reports whether the request covers report name.
func (r *StatsRequest) Covers(name string) bool {
	return len(r.Reports) == 0 || slices.Contains(r.Reports, name)
}

// Payloads of the statistics request events.
type (
	// RequestStats asks for customer statistics (R6.7). EndorsedBy is the
	// requester when they are their own department's manager.
	RequestStats struct {
		Request    string   `yaml:"request" json:"request"`
		Purpose    string   `yaml:"purpose" json:"purpose"`
		Department string   `yaml:"department" json:"department"`
		Reports    []string `yaml:"reports,omitempty" json:"reports,omitempty"`
		EndorsedBy string   `yaml:"endorsed_by,omitempty" json:"endorsed_by,omitempty"`
	}
	// RequestEndorse is the requester's department manager's signature.
	RequestEndorse struct {
		Request string `yaml:"request" json:"request"`
	}
	// RequestApprove is 客服部's approval; Expires is the last day it may
	// be used: the approval's day plus requests.valid_days - 1.
	RequestApprove struct {
		Request string `yaml:"request" json:"request"`
		Expires string `yaml:"expires" json:"expires"`
	}
	// RequestReject ends a request that waits.
	RequestReject struct {
		Request string `yaml:"request" json:"request"`
		Reason  string `yaml:"reason" json:"reason"`
	}
)

var reportNameRE = lazyRE(`^[a-z][a-z_]{0,31}$`)

// requestOfStats returns the request an event names, which must wait.
func (c *step) requestOfStats(id string) (*StatsRequest, error) {
	r := c.s.Requests[id]
	if r == nil {
		return nil, problemf("%s of request %q, which was never made", kindWord(c.e.Kind), id)
	}
	if st := r.StatusAt(c.e.Time, c.p.Location()); st != RequestPending {
		return nil, failErr(l10n.Errorf("request %s is %s: only a request that waits can be signed, approved or rejected", r.ID, requestStatus(st)), NoNext, "")
	}
	if !c.follows(r.Event) || r.endorsedAt != "" && !c.follows(r.endorsedAt) {
		return nil, problemf("%s of request %s does not follow the steps before it in the journal's links", kindWord(c.e.Kind), r.ID)
	}
	return r, nil
}

// rejectableRequest is requestOfStats for a rejection, which also ends a
// request approved in a step it does not follow: an approval and a
// rejection written in two clones that had not met (R6.7: statistics go
// out only with the signatures; the rejecting department manager or
// approver had not seen the approval) end rejected, whichever the merged
// order puts first, as a destruction's approval and rejection do (R6.10).
// An approval the rejection follows cannot be taken back by it. A state
// read from a snapshot does not know the approval's event: the request is
// then taken as seen, as every step written on top of a snapshot follows
// it (steps on requests in both clones of a merge replay the journal).
func (c *step) rejectableRequest(id string) (*StatsRequest, error) {
	r := c.s.Requests[id]
	if r != nil && r.ApprovedBy != "" && r.Rejected.IsZero() && r.approvedAt != "" && !c.follows(r.approvedAt) {
		if !c.follows(r.Event) || r.endorsedAt != "" && !c.follows(r.endorsedAt) {
			return nil, problemf("%s of request %s does not follow the steps before it in the journal's links", kindWord(c.e.Kind), r.ID)
		}
		return r, nil
	}
	return c.requestOfStats(id)
}

// isEndorser reports whether m may sign requests from department dept:
// a dept_manager of it (R6.7).
func isEndorser(m *Member, dept string) bool {
	return m.HasRole("dept_manager") && m.Department == dept
}

// Endorsers are the ids of the members who may sign for department dept
// (its dept_managers, R6.7), but not except; never nil.
func (s *State) Endorsers(dept, except string) []string {
	out := []string{}
	for _, m := range s.SortedMembers() {
		if m.ID != except && isEndorser(m, dept) {
			out = append(out, m.ID)
		}
	}
	return out
}

func (x *RequestStats) check(c *step) error {
	if err := checkNewID(requestPrefix, x.Request, c.s.Requests[x.Request] != nil); err != nil {
		return err
	}
	actor := c.actor
	if !c.p.NeedsEndorsement(actor.Department) {
		return failErr(l10n.Errorf("%s is of %s, which makes the statistics: no request is needed (R6.7)", actor.ID, c.p.HomeDepartment), NoNext, "")
	}
	if strings.TrimSpace(x.Purpose) == "" {
		return missingErr("purpose", l10n.Errorf("say what the statistics are for (R6.7: the request is signed and approved for a purpose)"))
	}
	for _, n := range x.Reports {
		if !reportNameRE().MatchString(n) {
			return usageErr("report", l10n.Errorf("%q is not a report name", n))
		}
	}
	if x.Department != actor.Department || x.EndorsedBy != "" && (x.EndorsedBy != actor.ID || !isEndorser(actor, actor.Department)) {
		return problemf("request %s: department or sign-off do not match the requester %s", x.Request, actor.ID)
	}
	return nil
}

func (x *RequestStats) apply(c *step) {
	c.s.Requests[x.Request] = &StatsRequest{ID: x.Request, By: c.e.Actor, Department: x.Department, Purpose: x.Purpose,
		Reports: slices.Clone(x.Reports), Requested: c.e.Time, EndorsedBy: x.EndorsedBy, Event: c.e.Hash}
}

func (x *RequestEndorse) check(c *step) error {
	r, err := c.requestOfStats(x.Request)
	if err != nil {
		return err
	}
	if r.EndorsedBy != "" {
		return failErr(l10n.Errorf("request %s is signed by %s already", r.ID, r.EndorsedBy), NoNext, "")
	}
	if !isEndorser(c.actor, r.Department) {
		return &Error{Code: Denied, Actor: c.actor.ID, Need: []string{"dept_manager"}, Held: c.actor.Roles,
			Err: l10n.Errorf("request %s must be signed by a dept_manager of %s (R6.7); %s is %v of %s", r.ID, r.Department, c.actor.ID, c.p.rolesText(c.actor.Roles), c.actor.Department)}
	}
	return nil
}

func (x *RequestEndorse) apply(c *step) {
	r := c.s.Requests[x.Request]
	r.EndorsedBy, r.endorsedAt = c.e.Actor, c.e.Hash
}

// validUntil is the last day a request approved at t may be used.
func (s *State) validUntil(t time.Time) string {
	return t.In(s.Policy.Location()).AddDate(0, 0, s.Policy.StatsValidDays()-1).Format(time.DateOnly)
}

func (x *RequestApprove) check(c *step) error {
	r, err := c.requestOfStats(x.Request)
	if err != nil {
		return err
	}
	if r.EndorsedBy == "" {
		return failErr(l10n.Errorf("request %s first needs the signature of a dept_manager of %s (R6.7)", r.ID, r.Department), NextEndorseRequest, r.ID)
	}
	if c.actor.ID == r.By {
		return deniedErr(l10n.Errorf("%s may not approve their own request %s", c.actor.ID, r.ID))
	}
	if want := c.s.validUntil(c.e.Time); x.Expires != want {
		return problemf("request %s: expires %q, but %d days from the approval end on %s", r.ID, x.Expires, c.p.StatsValidDays(), want)
	}
	return nil
}

func (x *RequestApprove) apply(c *step) {
	r := c.s.Requests[x.Request]
	r.ApprovedBy, r.Approved, r.Expires, r.approvedAt = c.e.Actor, c.e.Time, x.Expires, c.e.Hash
}

func (x *RequestReject) check(c *step) error {
	r, err := c.rejectableRequest(x.Request)
	if err != nil {
		return err
	}
	if c.actor.ID == r.By {
		return deniedErr(l10n.Errorf("%s may not reject their own request %s", c.actor.ID, r.ID))
	}
	if !c.actor.HasRole(c.p.StatsApprovers()...) && !isEndorser(c.actor, r.Department) {
		return &Error{Code: Denied, Actor: c.actor.ID, Need: append(slices.Clone(c.p.StatsApprovers()), "dept_manager"), Held: c.actor.Roles,
			Err: l10n.Errorf("request %s can be rejected by %v of %s or by a dept_manager of %s; %s is %v of %s", r.ID, c.p.rolesText(c.p.StatsApprovers()), c.p.HomeDepartment, r.Department, c.actor.ID, c.p.rolesText(c.actor.Roles), c.actor.Department)}
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the request is rejected (the requester reads it)"))
	}
	return nil
}

func (x *RequestReject) apply(c *step) {
	r := c.s.Requests[x.Request]
	r.RejectedBy, r.Rejected, r.Reason = c.e.Actor, c.e.Time, x.Reason
}

// SortedRequests returns every statistics request by id (by time).
func (s *State) SortedRequests() []*StatsRequest {
	out := make([]*StatsRequest, 0, len(s.Requests))
	for _, r := range s.Requests {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *StatsRequest) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// PendingRequest is a statistics request waiting for its next step
// (MaintainReport.PendingRequests): its department manager's signature,
// else 客服部's approval (R6.7), with the members who may take that step.
type PendingRequest struct {
	*StatsRequest
	Needs string `json:"needs"` // "endorse" or "approve"
	// Who are the members who may take the step now, its requester
	// excepted. None: nobody can until a member is given the role (a
	// department with no dept_manager in the archive), so the request
	// waits for a manager to add one or for someone to reject it.
	Who []string `json:"who"`
}

// Steps a pending request waits for (PendingRequest.Needs).
const (
	NeedsEndorsement = "endorse"
	NeedsApproval    = "approve"
)

// PendingRequests lists, by id, the statistics requests that are neither
// approved nor rejected, with the step each waits for and who may take it.
func (a *Archive) PendingRequests() []PendingRequest {
	var out []PendingRequest
	for _, r := range a.State.SortedRequests() {
		if a.RequestStatus(r) != RequestPending {
			continue
		}
		p := PendingRequest{StatsRequest: r, Needs: NeedsApproval, Who: []string{}}
		if r.EndorsedBy == "" {
			p.Needs, p.Who = NeedsEndorsement, a.State.Endorsers(r.Department, r.By)
		} else {
			for _, m := range a.State.SortedMembers() {
				if m.ID != r.By && m.HasRole(a.Policy.StatsApprovers()...) {
					p.Who = append(p.Who, m.ID)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// RequestStatus is request r's status now.
func (a *Archive) RequestStatus(r *StatsRequest) string { return r.StatusAt(a.now, a.Location()) }

// RequestStatistics asks for customer statistics for purpose (R6.7),
// limited to the reports named (none: every report). A department
// manager's own request carries their signature.
func (a *Archive) RequestStatistics(purpose string, reports []string) (*StatsRequest, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(purpose) == "" {
		return nil, missingErr("purpose", l10n.Errorf("say what the statistics are for (R6.7: the request is signed and approved for a purpose)"))
	}
	var r *StatsRequest
	err = a.locked(func() error {
		x := &RequestStats{Request: NewID(requestPrefix, a.now), Purpose: strings.TrimSpace(purpose), Department: me.Department, Reports: reports}
		if isEndorser(me, me.Department) {
			x.EndorsedBy = me.ID
		}
		if _, err := a.commit(KindRequestStats, "", x); err != nil {
			return err
		}
		r = a.State.Requests[x.Request]
		return nil
	})
	return r, err
}

// StatsRequestByID returns request id, or an error naming it.
func (a *Archive) StatsRequestByID(id string) (*StatsRequest, error) {
	id = resolveID(requestPrefix, id, func(x string) bool { return a.State.Requests[x] != nil })
	r := a.State.Requests[id]
	if r == nil {
		return nil, unknownStep(id, l10n.Errorf("no statistics request %q in this archive (ids like %s)", id, requestPrefix+exampleRandom), NextStatsRequest)
	}
	return r, nil
}

func (a *Archive) requestStep(id string, kind journal.Kind, data func(r *StatsRequest) payload) (*StatsRequest, error) {
	if err := checkStepID(id); err != nil {
		return nil, err
	}
	if _, err := a.requireKind(kind); err != nil {
		return nil, err
	}
	var r *StatsRequest
	err := a.locked(func() error {
		var err error
		if r, err = a.StatsRequestByID(id); err != nil {
			return err
		}
		_, err = a.commit(kind, "", data(r))
		return err
	})
	return r, err
}

// EndorseRequest signs request id as the requester's department manager (R6.7).
func (a *Archive) EndorseRequest(id string) (*StatsRequest, error) {
	return a.requestStep(id, KindRequestEndorse, func(r *StatsRequest) payload { return &RequestEndorse{Request: r.ID} })
}

// ApproveRequest approves request id for 客服部 (R6.7); it may be used for
// requests.valid_days days.
func (a *Archive) ApproveRequest(id string) (*StatsRequest, error) {
	return a.requestStep(id, KindRequestApprove, func(r *StatsRequest) payload {
		return &RequestApprove{Request: r.ID, Expires: a.State.validUntil(a.now)}
	})
}

// RejectRequest rejects request id, with a reason.
func (a *Archive) RejectRequest(id, reason string) (*StatsRequest, error) {
	if err := checkStepID(id); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, missingErr("reason", l10n.Errorf("say why the request is rejected (the requester reads it)"))
	}
	return a.requestStep(id, KindRequestReject, func(r *StatsRequest) payload {
		return &RequestReject{Request: r.ID, Reason: strings.TrimSpace(reason)}
	})
}

// StatsRequestFor returns request id when the working member, of
// home_department, may make report name for its requester now (R6.7: an
// outside department applies to 客服部, which gives out statistics from
// its archive only, R6.4): the request is approved, still valid and
// covers the report. The report is then made with the member's key and
// carries the request as one its requester made would.
func (a *Archive) StatsRequestFor(id, name string) (*StatsRequest, error) {
	if !journal.IsDossierID(id) {
		// What cannot be an id is a usage error before who may use it.
		e := unknownStep(id, nil, NoNext)
		e.Field = "for"
		return nil, e
	}
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if a.Policy.NeedsEndorsement(me.Department) {
		return nil, deniedErr(l10n.Errorf("you (%s) are of %s: %s makes the statistics for a request, and its requester makes them under their own approved request (R6.7)", me.ID, me.Department, a.Policy.HomeDepartment))
	}
	id = resolveID(requestPrefix, id, func(x string) bool { return a.State.Requests[x] != nil })
	r := a.State.Requests[id]
	if r == nil {
		// As for an argument: an id that names nothing is an error
		// (exit 1), what cannot be an id a usage error.
		e := unknownStep(id, l10n.Errorf("no statistics request %q in this archive (ids like %s)", id, requestPrefix+exampleRandom), NoNext)
		e.Field = "for"
		return nil, e
	}
	if st := a.RequestStatus(r); st != RequestApproved {
		return nil, failErr(l10n.Errorf("request %s by %s is %s: statistics go out only under an approved request that is still valid (R6.7)", r.ID, r.By, requestStatus(st)), NoNext, "")
	}
	if !r.Covers(name) {
		return nil, failErr(l10n.Errorf("request %s by %s covers %s, not the %s report (R6.7)", r.ID, r.By, l10n.List(r.Reports), name), NoNext, "")
	}
	return r, nil
}

// StatsAccess says whether the working member may make report name now
// (R6.7): members of home_department may, and so may a run without an
// identity (it reads the journal only, which is plain text anyway); anyone
// else needs an approved request that covers the report and is still
// valid, which it returns (the latest approved). The refusal names the
// request of theirs that waits, if any.
func (a *Archive) StatsAccess(name string) (*StatsRequest, error) {
	me := a.me
	if me == nil || !a.Policy.NeedsEndorsement(me.Department) {
		return nil, nil
	}
	var best *StatsRequest
	waiting := ""
	for _, r := range a.State.SortedRequests() {
		if r.By != me.ID || !r.Covers(name) {
			continue
		}
		switch a.RequestStatus(r) {
		case RequestApproved:
			if best == nil || best.Approved.Before(r.Approved) {
				best = r
			}
		case RequestPending:
			waiting = r.ID
		}
	}
	if best != nil {
		return best, nil
	}
	e := &Error{Code: Denied, Actor: me.ID, Held: me.Roles, Next: NextStatsRequest, Arg: waiting,
		Err: l10n.Errorf("customer statistics go outside %s only through a request signed by the requester's department manager and approved by %s (R6.7); you (%s, %s) have no approved request for the %s report that is still valid", a.Policy.HomeDepartment, a.Policy.HomeDepartment, me.ID, me.Department, name)}
	return nil, e
}
