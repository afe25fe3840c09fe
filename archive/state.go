package archive

import (
	"slices"
	"sort"
	"time"

	"crm/archive/journal"
	"crm/classify"
)

// Member is a person of the archive (members/<id>.yaml, and the member
// events of the journal that it must agree with).
type Member struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	Department string   `yaml:"department" json:"department"`
	Roles      []string `yaml:"roles" json:"roles"`
	Recipient  string   `yaml:"recipient" json:"recipient"`
	SigningKey string   `yaml:"signing_key" json:"signing_key"`
	Removed    bool     `yaml:"removed,omitempty" json:"removed,omitempty"`
}

// HasRole reports whether the member holds one of roles.
func (m *Member) HasRole(roles ...string) bool {
	return m != nil && !m.Removed && hasAny(m.Roles, roles)
}

// Recovery is the pseudo-member name under which the recovery (escrow)
// recipient appears in an event's recipient list.
const Recovery = "@recovery"

// Dossier statuses.
const (
	StatusActive    = "active"
	StatusDestroyed = "destroyed"
)

// DossierState is what the journal says of one dossier: its current
// state, and the histories the reports read.
type DossierState struct {
	ID         string
	Level      string // the level the journal last recorded (see State.EffectiveLevel)
	Status     string // StatusActive or StatusDestroyed
	Created    time.Time
	CreatedBy  string
	Updated    time.Time // time of the last event about it
	Destroyed  time.Time // when it was destroyed, zero while it exists
	SHA256     string    // ciphertext hash pinned by the last writing event
	Recipients []string  // member ids (and Recovery) it was last encrypted to
	WrittenBy  *journal.Event
	Events     []*journal.Event // every event naming it, in journal order
	// Stale is what StaleKeys gave when a snapshot was saved, for a state
	// taken from it: a snapshot keeps no events, and StaleKeys needs
	// WrittenBy and the journal.
	Stale []string

	// LevelSetOn is the day Level was set, Period its secrecy period and
	// Expires the day that period runs out (zero for 长期), from
	// dossier.create, dossier.classify and dossier.declassify (R7.2.4).
	LevelSetOn time.Time
	Period     classify.Period
	Expires    time.Time
	// Declassified reports that the level was last set by a
	// declassification (R7.2.4), not by a person.
	Declassified bool
	// Credit and Tier are overrides journaled by dossier.credit and
	// dossier.tier (empty: none), with their reasons.
	Credit       string
	CreditReason string
	Tier         string
	TierReason   string
	Hold         *Hold    // the legal hold (冻结) in force, or nil
	Reviews      []Review // the 核定 recorded, in journal order
	Loans        []*Loan  // every loan of the dossier, in journal order

	// Histories, in journal order: every level set, credit class and tier
	// override, and content update.
	Levels  []LevelMark
	Credits []Mark
	Tiers   []Mark
	Updates []Stamp
}

// LevelMark is a level set on a dossier, with its secrecy period.
type LevelMark struct {
	At           time.Time
	Level        string
	SetOn        time.Time // the calendar day the level was set
	Period       classify.Period
	Expires      time.Time // zero for a period without end
	Declassified bool      // set by declassification (R7.2.4)
}

// Mark is a value journaled for a dossier at a time (a credit class, a tier).
type Mark struct {
	At     time.Time
	Value  string
	Old    string // what applied before, as the actor saw it
	Reason string
	By     string
	// Reviewed is, for a credit class kept after a supervisor reviewed
	// a visit's change in credit (dossier.credit reviews:, R8), that
	// visit; nil for every other mark.
	Reviewed *CreditReview
}

// Stamp is a step by a member at a time (a content update).
type Stamp struct {
	At     time.Time
	By     string
	Fields []string // changed field paths (never values)
}

// changedFields is a copy of an update's changed fields for a Stamp: nil
// when none changed (comments or layout only), as a snapshot keeps it.
func changedFields(fs []string) []string {
	if len(fs) == 0 {
		return nil
	}
	return slices.Clone(fs)
}

// ChangeKind says what a Change of classification did.
type ChangeKind string

// Kinds of classification change (R7.2, R8), in the classification register.
const (
	ChangeMark       ChangeKind = "mark"       // first marking, at creation (定密)
	ChangeRaise      ChangeKind = "raise"      // to a more secret level (升密)
	ChangeLower      ChangeKind = "lower"      // to a less secret level (降密)
	ChangeConfirm    ChangeKind = "confirm"    // same level, new period (密级确认)
	ChangeDeclassify ChangeKind = "declassify" // the period ran out (自行解密)
	ChangeCredit     ChangeKind = "credit"     // credit class override
	ChangeTier       ChangeKind = "tier"       // tier override
)

// Change is one entry of the classification register.
type Change struct {
	At       time.Time
	Dossier  string
	Kind     ChangeKind
	From, To string
	Period   string // the secrecy period (levels only)
	Expires  string // YYYY-MM-DD (levels only)
	Expired  string // YYYY-MM-DD the period ran out (declassify only)
	Reason   string
	By       string
	// ApprovedBy is who decided the change (批准人, R7.2): its signer, when
	// the policy let a role they held at that point of the journal decide
	// it (permissions.classify, classify_top_secret for the top level);
	// "" for a marking at creation by a writer without such a role, and
	// for a declassification, which the secrecy period decides (R7.2.4).
	ApprovedBy string
}

// State is the archive as the journal tells it, replayed in link order.
type State struct {
	Genesis        string // hash of the archive.init event
	ArchiveID      string
	PolicySHA256   string
	Policy         *Policy // the policy replay applied
	Members        map[string]*Member
	Dossiers       map[string]*DossierState
	MaxID          int // highest dossier number ever used (ids are never reused)
	Loans          map[string]*Loan
	MaxLoan        int // highest loan number ever used
	Destructions   map[string]*Destruction
	MaxDestruction int                      // highest destruction request number ever used
	Changes        []Change                 // the classification register, in journal order
	Reviews        []ReviewEntry            // every 核定, in journal order
	Submissions    map[string]*Submission   // hand-ins (R6.1), by id
	Requests       map[string]*StatsRequest // statistics requests (R6.7), by id
	// RoleHistory is, for each member, the roles they held from each
	// time they were set (member.add, member.roles; none from their
	// removal), oldest first: duties that come with a role, such as a
	// month's hand-in (R6.1), are those held when the period began.
	RoleHistory map[string][]RoleSpell
	// Templates are the overrides under templates/ the last
	// templates.update pinned: relative path → SHA-256.
	Templates map[string]string
	Journal   *journal.Journal
	// Problems are events that have no effect because they are malformed,
	// forged, misdated or break their rule: verify reports them (exit 4)
	// until a manager's decision settles them.
	Problems []journal.Problem
	// Superseded are events that were valid when written but were made
	// moot by a step written concurrently in another clone (FORMAT.md,
	// "Concurrent steps"). They have no effect and are not problems.
	Superseded []journal.Problem
	// Decided are problem events a manager's journal.decision settled
	// (accepted or rejected), in journal order.
	Decided []Decided
	// Collided are the dossier ids another dossier.create named again
	// after the one that took effect (clones numbering sequentially): an
	// event about such an id counts only if it follows the creation that
	// took effect (step.findDossier).
	Collided map[string]bool

	now time.Time // the checker's clock
	// ahead is the latest time of the events this check refused for
	// being dated after its clock (zero: none): a sign its clock may be
	// behind (Archive.ClockAhead).
	ahead     time.Time
	tooNew    []*journal.Event // the events refused for that, in replay order (AheadEvents)
	checkSigs bool
	rows      []dossierRow // a summary state's rows of every dossier (OpenOptions.Summary)
	summary   bool         // the state is a summary's: rows is what it has of every dossier
	hist      *Histories   // a summary state's histories (SummaryHistories)
	// rowsMemo are the rows of a whole state made at rowsMemoAt, until a
	// step changes the state (step.commit): a command that asks for them
	// several times (maintain) makes them once.
	rowsMemo   []dossierRow
	rowsMemoAt time.Time
	removals   map[string][]string // member → their member.remove events (second pass)
	// passesAgree: replay's second pass refused no event its first pass
	// took (or there was none), so the removals are the ones the first
	// pass found, of the same state: an advance may then take a new
	// removal as the first pass would (removalsAfter).
	passesAgree bool
	// reviewsOf is how many 核定 events name each dossier, during a
	// whole replay (registerSizes): each dossier's list is made that
	// long once.
	reviewsOf map[string]int32
	// dataLetGo: the replay let go of its events' data (replayLettingGo);
	// letGo, while it replays, which events may (nil: none).
	dataLetGo bool
	letGo     func(*journal.Event) bool
	removed   map[string][]string // member → the member.remove events that took effect
	// lost is, per member, the member.roles events that took effect and
	// took a role away from them, with the roles they left, in replay
	// order; losses, those the lost-right rule (State.lostRight) judges
	// the member's events by: the first pass's whole lost in a second
	// pass, an advance's new role changes; nil: lost as it grows.
	lost    map[string][]RoleSpell
	losses  map[string][]RoleSpell
	rotated map[string]string // member → the member.rotate event that set their keys
	// addedApart are the member ids a member.add was refused for, the id
	// being taken: added apart in two clones, each with a key of its own
	// (addedElsewhere looks only at these).
	addedApart map[string]bool
	keyChanges map[string][]KeyChange // member → every member.rotate of theirs, in replay order
	causal     bool                   // a replay of one event's causal past (no superseded analysis)
	// prefix are the heads of the events replayed so far, good or not
	// (Replay): an event that follows all of them has them all as its
	// causal past (validInPast). Nil: not known (a snapshot advanced).
	prefix map[string]bool
	good   map[string]bool // heads of the good events (goodHeads)
	// eventPaths are, for a state taken from a snapshot, the paths of
	// each dossier's events that Dossiers[id].Events does not hold.
	eventPaths map[string][]string
	// partSeqs are, for a state of some parts of a snapshot, the places
	// in the whole registers of the entries Changes and Reviews hold
	// (placeRegisters): saveAdvancedParts writes them back there.
	partSeqs *registerSeqs
	// skipped: new events about other parts were linked, not replayed
	// (onePart): good is not the journal's good heads.
	skipped bool
	// inRun, for the state of a run of saveInGroups' parts, reports
	// whether a dossier's part is in the run: a sign-off replayed there
	// checks and signs the reviews of those dossiers only, and every run
	// replays it (signoffRuns).
	inRun func(id string) bool
}

// registerSeqs are the places (seqChange.Seq, reviewRef.Seq) in the whole
// registers of the entries of a state's Changes and Reviews as loaded (a
// step appends more), how many entries each whole register has then, and
// how many of the old entries a merge moves (placeEntries) the state
// holds, of how many.
type registerSeqs struct {
	changes, reviews     []int
	n                    [nRegs]int
	movedHeld, movedWant int
}

func newState(j *journal.Journal, p *Policy) *State {
	return &State{Policy: p, Journal: j, Members: map[string]*Member{}, Dossiers: map[string]*DossierState{},
		Loans: map[string]*Loan{}, Destructions: map[string]*Destruction{},
		Submissions: map[string]*Submission{}, Requests: map[string]*StatsRequest{}, RoleHistory: map[string][]RoleSpell{}}
}

// MemberByRecipient returns the active member whose age recipient is r, or nil.
func (s *State) MemberByRecipient(r string) *Member {
	for _, m := range s.Members {
		if m.Recipient == r && !m.Removed {
			return m
		}
	}
	return nil
}

// rejectedCreate is the decision that rejected a dossier.create of dossier
// id, when the state has no dossier id (nothing else created it), or nil.
func (s *State) rejectedCreate(id string) *Decided {
	if s.Dossiers[id] != nil {
		return nil
	}
	for i := range s.Decided {
		x := &s.Decided[i]
		if x.Decision == DecisionReject && x.Event != nil && x.Event.Kind == KindDossierCreate && x.Event.Dossier == id {
			return x
		}
	}
	return nil
}

// removedWith is the id of the removed member whose key is recipient r,
// "" if none (a member removed, then added again, is not).
func (s *State) removedWith(r string) string {
	for _, m := range s.SortedMembers() {
		if m.Recipient == r && m.Removed {
			return m.ID
		}
	}
	return ""
}

// SortedMembers returns the members by id.
func (s *State) SortedMembers() []*Member {
	ms := make([]*Member, 0, len(s.Members))
	for _, m := range s.Members {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms
}

// SortedDossiers returns the dossiers by id.
func (s *State) SortedDossiers() []*DossierState {
	ds := make([]*DossierState, 0, len(s.Dossiers))
	for _, d := range s.Dossiers {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
	return ds
}

// SortedLoans returns every loan by id.
func (s *State) SortedLoans() []*Loan {
	ls := make([]*Loan, 0, len(s.Loans))
	for _, l := range s.Loans {
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	return ls
}

// SortedDestructions returns every destruction request by id.
func (s *State) SortedDestructions() []*Destruction {
	rs := make([]*Destruction, 0, len(s.Destructions))
	for _, r := range s.Destructions {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	return rs
}

// MemberName is a member's name, or the id if the journal gives none.
func (s *State) MemberName(id string) string {
	if m := s.Members[id]; m != nil && m.Name != "" {
		return m.Name
	}
	return id
}

// Readers returns the sorted ids of the members who may read a dossier of
// the given level (DESIGN.md principle 3), plus Recovery if the policy has a
// recovery key.
func (s *State) Readers(level string) []string {
	var ids []string
	lp := s.Policy.Level(level)
	for _, m := range s.Members {
		if lp != nil && m.HasRole(lp.Readers...) {
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	if s.Policy.Recovery != "" {
		ids = append(ids, Recovery)
	}
	return ids
}

// RecipientsAt is whom d must be encrypted to at level: the level's
// readers, plus the borrowers of its open, unexpired loans other than the
// loan except, plus member plus (a borrower about to be given access).
func (s *State) RecipientsAt(d *DossierState, level, except, plus string) []string {
	extra := d.borrowers(except)
	if plus != "" {
		extra = append(extra, plus)
	}
	return s.recipientsWith(level, extra)
}

// borrowers are the borrowers of d's loans that give access to its file
// (Loan.HasAccess), but loan except.
func (d *DossierState) borrowers(except string) []string {
	var out []string
	for _, l := range d.Loans {
		if l.HasAccess() && l.ID != except {
			out = append(out, l.Borrower)
		}
	}
	return out
}

// recipientsWith is the readers of level plus the members extra who are
// still members (RecipientsAt).
func (s *State) recipientsWith(level string, extra []string) []string {
	readers := s.Readers(level)
	if len(extra) == 0 {
		return readers
	}
	var ids []string
	for _, id := range readers {
		if id != Recovery {
			ids = append(ids, id)
		}
	}
	for _, id := range extra {
		if m := s.Members[id]; m != nil && !m.Removed {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if s.Policy.Recovery != "" {
		ids = append(ids, Recovery)
	}
	return ids
}

// ExpectedRecipients is whom dossier d must be encrypted to now: the
// readers of the level the journal recorded (d.Level), not of its effective
// level, plus its open loans' borrowers. A dossier whose secrecy period has
// run out is treated as 内部 by list, show and reports from that day on
// (EffectiveLevel), but its file stays encrypted to the marked level's
// readers until a declassification re-encrypts it and journals
// dossier.declassify; so verify and rekey never depend on the clock.
func (s *State) ExpectedRecipients(d *DossierState) []string {
	return s.RecipientsAt(d, d.Level, "", "")
}

// levelAt is the level mark in force just before t: the last mark before
// t, or the current level when no mark is at or after t.
func (d *DossierState) levelAt(t time.Time) (LevelMark, bool) {
	if len(d.Levels) == 0 {
		return LevelMark{}, false
	}
	var cur *LevelMark
	later := false
	for i := range d.Levels {
		if d.Levels[i].At.Before(t) {
			if cur == nil || !d.Levels[i].At.Before(cur.At) {
				cur = &d.Levels[i]
			}
		} else {
			later = true
		}
	}
	if !later {
		return LevelMark{At: d.Updated, Level: d.Level, SetOn: d.LevelSetOn, Period: d.Period, Expires: d.Expires, Declassified: d.Declassified}, true
	}
	if cur == nil {
		return LevelMark{}, false
	}
	return *cur, true
}

// EffectiveLevelAt is the level dossier d had just before t by R7.2.4: the
// level recorded then, or 内部 (the policy's declassified level) from the
// day, in the policy's zone, its secrecy period ran out. It is "" before
// the dossier was created.
func (s *State) EffectiveLevelAt(d *DossierState, t time.Time) string {
	m, ok := d.levelAt(t)
	if !ok {
		return ""
	}
	return s.markLevelAt(m, t)
}

// markLevelAt is the level of mark m in force at t: the declassified level
// once its secrecy period has run out (R7.2.4).
//
// m.Expires is the day classify.Expiry gives for m.SetOn and m.Period
// (levelDates computes it; an event's own expires is only checked against
// it), so the day is compared, not computed again (the same moment as
// Policy.RunsOut: t is after it exactly when t-1ns's date there is
// m.Expires or later): listings ask this of
// every row (review due, maintain: 100,000 at ten years), and the
// calendar arithmetic was a tenth of review due's time.
func (s *State) markLevelAt(m LevelMark, t time.Time) string {
	low := s.Policy.DeclassifiedLevel()
	if m.Level != low && !m.Expires.IsZero() && !civil(t.Add(-time.Nanosecond).In(s.Policy.Location())).Before(m.Expires) {
		return low
	}
	return m.Level
}

// DeclassifiedAt is when dossier d was declassified by R7.2.4 (自行解密)
// before now, in time order: each instant a secrecy period ran out while
// its level was in force and the dossier existed, from which
// EffectiveLevelAt gives the declassified level. The journal's
// declassification (crm maintain) follows that instant, perhaps days or a
// year later; the instant is when it happened.
func (s *State) DeclassifiedAt(d *DossierState, now time.Time) []time.Time {
	low := s.Policy.DeclassifiedLevel()
	var out []time.Time
	for i, m := range d.Levels {
		exp, ok := classify.Expiry(m.SetOn, m.Period)
		if m.Level == low || !ok {
			continue
		}
		at := s.Policy.RunsOut(exp) // the day it runs out, there
		after := at.Add(time.Nanosecond)
		if !at.Before(now) || !d.ActiveAt(after) || !m.At.Before(after) {
			continue
		}
		// Still its mark when it ran out: none set since (levelAt's pick).
		// The dossier.declassify that recorded this very run-out does not
		// count as one: replay accepts it dated before at only when it was
		// written under an earlier policy, whose zone may have been
		// another (DossierDeclassify.check), and it ran out at all the same.
		cur := -1
		for j := range d.Levels {
			if l := &d.Levels[j]; l.Declassified && l.SetOn.Equal(exp) && j > i {
				continue
			}
			if d.Levels[j].At.Before(after) && (cur < 0 || !d.Levels[j].At.Before(d.Levels[cur].At)) {
				cur = j
			}
		}
		if cur == i {
			out = append(out, at)
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// markAt is the last mark of ms (in time) before t, or the zero Mark.
func markAt(ms []Mark, t time.Time) Mark {
	var cur Mark
	for _, m := range ms {
		if m.At.Before(t) && !m.At.Before(cur.At) {
			cur = m
		}
	}
	return cur
}

// CreditOverrideAt is the credit class journaled for d in force just
// before t ("" if none).
func (d *DossierState) CreditOverrideAt(t time.Time) string { return markAt(d.Credits, t).Value }

// CreditMarkAt is the dossier.credit step in force just before t: the
// class, when and by whom it was set, and why (the zero Mark if none).
func (d *DossierState) CreditMarkAt(t time.Time) Mark { return markAt(d.Credits, t) }

// TierOverrideAt is the tier journaled for d in force just before t ("" if none).
func (d *DossierState) TierOverrideAt(t time.Time) string { return markAt(d.Tiers, t).Value }

// Credit sources, in the order CreditOf tries them.
const (
	CreditFromJournal = "journal" // a dossier.credit override
	CreditFromDossier = "dossier" // the class written in the credit survey
	CreditFromScore   = "score"   // the class of the survey's score (R8 thresholds)
)

// TierOf is a dossier's tier given the journaled override (override, ""
// for none), its content (nil when unreadable) and its ABC grade among the
// dossiers graded together: the override, else the dossier's tier, else the
// rule's suggestion from the grade.
func TierOf(override string, dd *Dossier, grade classify.Grade) string {
	if override != "" || dd == nil {
		return override
	}
	return string(classify.SuggestedTier(grade, dd.YearlySales, dd.Tier))
}

// TierOfDigest is TierOf of the dossier whose digest g is.
func TierOfDigest(override string, g *Digest, grade classify.Grade) string {
	if override != "" {
		return override
	}
	return string(classify.SuggestedTier(grade, g.Sales, g.Tier))
}

// ActiveAt reports whether dossier d existed just before t.
func (d *DossierState) ActiveAt(t time.Time) bool {
	return d.Created.Before(t) && (d.Destroyed.IsZero() || !d.Destroyed.Before(t))
}

// LastReviewBefore returns d's last 核定 (in time) before t, or nil.
func (d *DossierState) LastReviewBefore(t time.Time) *Review {
	var r *Review
	for i := range d.Reviews {
		if d.Reviews[i].Time.Before(t) && (r == nil || !d.Reviews[i].Time.Before(r.Time)) {
			r = &d.Reviews[i]
		}
	}
	return r
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

// KeyChange is a member.rotate that took effect: the event, and the
// signing keys before and after it.
type KeyChange struct {
	Event    string
	Old, New string
}
