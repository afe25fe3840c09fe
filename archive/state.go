package archive

import (
	"slices"
	"sort"
	"time"

	"crm/classify"
	"crm/l10n"
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
func (m *Member) HasRole(roles ...string) bool { return !m.Removed && hasAny(m.Roles, roles) }

// Recovery is the pseudo-member name under which the recovery (escrow)
// recipient appears in an event's recipient list.
const Recovery = "@recovery"

// DossierState is what the journal says of one dossier.
type DossierState struct {
	ID         string
	Level      string // the level the journal last recorded (see Archive.EffectiveLevel)
	Status     string // "active" or "destroyed"
	Created    time.Time
	CreatedBy  string
	Updated    time.Time // time of the last event about it
	SHA256     string    // ciphertext hash pinned by the last writing event
	Recipients []string  // member ids (and Recovery) it was last encrypted to
	WrittenBy  *Event    // the last event that wrote the file
	Events     []*Event

	// LevelSetOn is the day Level was set, Period its secrecy period and
	// Expires the day that period runs out (zero for 长期), from
	// dossier.create, dossier.classify and dossier.declassify (R7.2.4).
	LevelSetOn time.Time
	Period     classify.Period
	Expires    time.Time
	// Credit and Tier are overrides journaled by dossier.credit and
	// dossier.tier (empty: none), with their reasons.
	Credit       string
	CreditReason string
	Tier         string
	TierReason   string
	Hold         *Hold    // the legal hold (冻结) in force, or nil
	Reviews      []Review // the 核定 recorded, in journal order
	Loans        []*Loan  // every loan of the dossier, in journal order
}

// Dossier statuses.
const (
	StatusActive    = "active"
	StatusDestroyed = "destroyed"
)

// State is the archive as the journal tells it, replayed in link order.
type State struct {
	Genesis        string // hash of the archive.init event
	ArchiveID      string
	PolicySHA256   string
	Members        map[string]*Member
	Dossiers       map[string]*DossierState
	MaxID          int // highest dossier number ever used (ids are never reused)
	Loans          map[string]*Loan
	MaxLoan        int // highest loan number ever used
	Destructions   map[string]*Destruction
	MaxDestruction int // highest destruction request number ever used
	Journal        *Journal
	// Problems are rule violations found while replaying: events by actors
	// without the role, unknown actors, bad signatures (when checked).
	Problems []Problem

	sigOK map[string]sigVerdict // signatures checked ahead of replay (Replay only)
}

// Payloads of the events of this package.
type (
	initData struct {
		ArchiveID    string `yaml:"archive_id"`
		PolicySHA256 string `yaml:"policy_sha256"`
		Member       Member `yaml:"member"`
	}
	memberAddData struct {
		Member Member `yaml:"member"`
	}
	memberRolesData struct {
		Member string   `yaml:"member"`
		Roles  []string `yaml:"roles"`
	}
	memberRemoveData struct {
		Member string `yaml:"member"`
	}
	policyData struct {
		PolicySHA256 string `yaml:"policy_sha256"`
	}
	// fileData is carried by every event that writes a dossier file.
	fileData struct {
		Level      string   `yaml:"level,omitempty"`
		SHA256     string   `yaml:"sha256,omitempty"`
		Recipients []string `yaml:"recipients,omitempty"`
	}
)

// Replay builds the state from a journal. With checkSigs, every event's
// signature is checked against its actor's key as of that point.
func Replay(j *Journal, p *Policy, checkSigs bool) *State {
	s := &State{Members: map[string]*Member{}, Dossiers: map[string]*DossierState{}, Journal: j,
		Loans: map[string]*Loan{}, Destructions: map[string]*Destruction{}}
	if checkSigs {
		s.sigOK = preverify(j)
	}
	for _, e := range j.Events {
		s.apply(e, p, checkSigs)
	}
	s.sigOK = nil
	return s
}

// preverify checks every event's signature on every core, against the key
// its actor's id was first given in the journal (genesis or member.add).
// It only speeds replay up: apply still decides, and uses a verdict only if
// the actor's key at the event's place in the chain is that same key.
func preverify(j *Journal) map[string]sigVerdict {
	keys := map[string]string{}
	for _, e := range j.Events {
		var d struct {
			Member Member `yaml:"member"`
		}
		if (e.Kind == KindInit || e.Kind == KindMemberAdd) && e.Decode(&d) == nil && d.Member.ID != "" {
			if _, ok := keys[d.Member.ID]; !ok {
				keys[d.Member.ID] = d.Member.SigningKey
			}
		}
	}
	out := make([]sigVerdict, len(j.Events))
	parallel(len(j.Events), func(i int) {
		e := j.Events[i]
		k := keys[e.Actor]
		if pub, err := ParseSigningKey(k); err == nil {
			out[i] = sigVerdict{key: k, ok: e.VerifySignature(pub)}
		}
	})
	m := make(map[string]sigVerdict, len(out))
	for i, e := range j.Events {
		m[e.Hash] = out[i]
	}
	return m
}

// sigVerdict is a signature checked against key.
type sigVerdict struct {
	key string
	ok  bool
}

// apply replays one event.
func (s *State) apply(e *Event, p *Policy, checkSigs bool) {
	bad := func(e *Event, format string, a ...any) {
		s.Problems = append(s.Problems, Problem{e.Path, l10n.Sprintf(format, a...)})
	}
	if e.Kind == KindInit {
		if s.Genesis != "" {
			bad(e, "a second %s event: an archive has one genesis", KindInit)
			return
		}
		if len(e.Prev) != 0 {
			bad(e, "the genesis event must not follow other events")
		}
		var d initData
		if err := e.Decode(&d); err != nil {
			bad(e, "unreadable data: %v", err)
			return
		}
		s.Genesis, s.ArchiveID, s.PolicySHA256 = e.Hash, d.ArchiveID, d.PolicySHA256
		m := d.Member
		s.Members[m.ID] = &m
		if !slices.Contains(m.Roles, "manager") {
			bad(e, "the founding member %s is not a manager", m.ID)
		}
	}
	if s.Genesis == "" {
		bad(e, "event comes before the archive's genesis event")
		return
	}
	actor := s.Members[e.Actor]
	if actor == nil || actor.Removed {
		bad(e, "actor %q is not a member at this point of the journal", e.Actor)
		return
	}
	if checkSigs {
		ok := false
		if v, found := s.sigOK[e.Hash]; found && v.key == actor.SigningKey && v.key != "" {
			ok = v.ok
		} else if pub, err := ParseSigningKey(actor.SigningKey); err == nil {
			ok = e.VerifySignature(pub)
		}
		if !ok {
			bad(e, "signature does not verify with %s's signing key (forged or edited)", e.Actor)
			return
		}
	}
	if e.Kind == KindInit {
		return
	}
	switch e.Kind {
	case KindMemberAdd, KindMemberRoles, KindMemberRemove, KindPolicyUpdate:
		if p != nil && !actor.HasRole(p.Permissions.Members...) {
			bad(e, "%s by %s, who does not hold a role allowed to change members or policy (%v)", e.Kind, e.Actor, p.Permissions.Members)
			return // a step that fails its check does not count
		}
	}
	switch e.Kind {
	case KindMemberAdd:
		var d memberAddData
		if err := e.Decode(&d); err != nil || d.Member.ID == "" {
			bad(e, "unreadable member data")
			return
		}
		if s.Members[d.Member.ID] != nil {
			bad(e, "member %s is added a second time", d.Member.ID)
			return
		}
		m := d.Member
		s.Members[m.ID] = &m
	case KindMemberRoles:
		var d memberRolesData
		if err := e.Decode(&d); err != nil || s.Members[d.Member] == nil {
			bad(e, "role change for an unknown member")
			return
		}
		c := *s.Members[d.Member]
		c.Roles = d.Roles
		s.Members[d.Member] = &c
	case KindMemberRemove:
		var d memberRemoveData
		if err := e.Decode(&d); err != nil || s.Members[d.Member] == nil {
			bad(e, "removal of an unknown member")
			return
		}
		c := *s.Members[d.Member]
		c.Removed = true
		s.Members[d.Member] = &c
	case KindPolicyUpdate:
		var d policyData
		if err := e.Decode(&d); err != nil {
			bad(e, "unreadable policy data")
			return
		}
		s.PolicySHA256 = d.PolicySHA256
	}
	if e.Dossier != "" {
		s.applyDossier(e, p, bad)
	}
}

func (s *State) applyDossier(e *Event, p *Policy, bad func(*Event, string, ...any)) {
	d := s.Dossiers[e.Dossier]
	if e.Kind == KindDossierCreate {
		if d != nil {
			bad(e, "dossier %s is created a second time", e.Dossier)
			return
		}
		// The id is used up even if the event fails its checks below;
		// the dossier exists only if it passes them.
		if p != nil {
			if n, ok := p.idNumber(e.Dossier); ok && n > s.MaxID {
				s.MaxID = n
			}
		}
		d = &DossierState{ID: e.Dossier, Status: StatusActive, Created: e.Time, CreatedBy: e.Actor}
		defer func() {
			if d.WrittenBy != nil {
				s.Dossiers[e.Dossier] = d
			}
		}()
	}
	if d == nil {
		bad(e, "%s for dossier %s, which was never created", e.Kind, e.Dossier)
		return
	}
	if d.Status == StatusDestroyed {
		bad(e, "%s for dossier %s after it was destroyed", e.Kind, e.Dossier)
		return
	}
	if !knownDossierKinds[e.Kind] {
		bad(e, "unknown event kind %q", e.Kind)
		return
	}
	// A step that fails any check is reported and does not count: it
	// changes neither the dossier's level nor its pinned file.
	n0 := len(s.Problems)
	if p != nil && (e.Kind == KindDossierCreate || e.Kind == KindDossierUpdate) {
		if !s.Members[e.Actor].HasRole(p.Permissions.Write...) {
			bad(e, "%s by %s, who does not hold a role allowed to write dossiers (%v)", e.Kind, e.Actor, p.Permissions.Write)
		}
	}
	var f fileData
	if err := e.Decode(&f); err != nil {
		bad(e, "unreadable data: %v", err)
	}
	if f.SHA256 != "" && e.Kind != KindDossierCreate && !slices.Contains(d.Recipients, e.Actor) {
		// Re-encrypting needs the plaintext: only a recipient can have
		// written this file.
		bad(e, "%s by %s, who was not a recipient of dossier %s and so cannot have re-encrypted it", e.Kind, e.Actor, d.ID)
	}
	if len(s.Problems) > n0 {
		d.Events = append(d.Events, e)
		return
	}
	s.applyClassify(e, p, d, bad)
	if p != nil {
		s.applyLifecycle(e, d, p, bad)
	}
	if len(s.Problems) > n0 {
		d.Events = append(d.Events, e)
		return
	}
	if f.Level != "" && levelKinds[e.Kind] {
		d.Level = f.Level
	}
	if f.SHA256 != "" && fileKinds[e.Kind] {
		if p != nil {
			if extra := s.notAllowed(p, d, f.Recipients); len(extra) > 0 {
				bad(e, "%s encrypts dossier %s to %v, who may not read it at level %s", e.Kind, d.ID, extra, d.Level)
				d.Events = append(d.Events, e)
				return
			}
		}
		d.SHA256, d.Recipients, d.WrittenBy = f.SHA256, f.Recipients, e
	}
	d.Updated = e.Time
	d.Events = append(d.Events, e)
}

// The dossier event kinds replay knows; any other kind is a problem.
var knownDossierKinds = map[string]bool{
	KindDossierCreate: true, KindDossierUpdate: true, KindDossierRekey: true,
	KindDossierClassify: true, KindDossierDeclassify: true, KindDossierCredit: true, KindDossierTier: true,
	KindReview: true, KindHold: true, KindRelease: true,
	KindLoanRequest: true, KindLoanEndorse: true, KindLoanApprove: true, KindLoanRenew: true, KindLoanReturn: true, KindLoanExpire: true,
	KindDestroyRequest: true, KindDestroyApprove: true, KindDestroyReject: true, KindDestroyExecute: true,
}

// levelKinds may set a dossier's level; fileKinds may pin a new file.
var (
	levelKinds = map[string]bool{KindDossierCreate: true, KindDossierClassify: true, KindDossierDeclassify: true}
	fileKinds  = map[string]bool{
		KindDossierCreate: true, KindDossierUpdate: true, KindDossierRekey: true,
		KindDossierClassify: true, KindDossierDeclassify: true,
		KindLoanApprove: true, KindLoanReturn: true, KindLoanExpire: true,
	}
)

// notAllowed returns the recipients (other than the recovery key) who may
// not read d: neither readers of its level nor borrowers with access.
func (s *State) notAllowed(p *Policy, d *DossierState, recipients []string) []string {
	ok := map[string]bool{Recovery: p.Recovery != ""}
	for _, id := range s.Readers(p, d.Level) {
		ok[id] = true
	}
	for _, l := range d.Loans {
		if l.HasAccess() {
			ok[l.Borrower] = true
		}
	}
	var out []string
	for _, r := range recipients {
		if !ok[r] {
			out = append(out, r)
		}
	}
	return out
}

// Member returns the active member whose age recipient is r, or nil.
func (s *State) MemberByRecipient(r string) *Member {
	for _, m := range s.Members {
		if m.Recipient == r && !m.Removed {
			return m
		}
	}
	return nil
}

// SortedMembers returns the members by id.
func (s *State) SortedMembers() []*Member {
	var ms []*Member
	for _, m := range s.Members {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms
}

// SortedDossiers returns the dossiers by id.
func (s *State) SortedDossiers() []*DossierState {
	var ds []*DossierState
	for _, d := range s.Dossiers {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
	return ds
}

// Readers returns the sorted ids of the members who may read a dossier of
// the given level (DESIGN.md principle 3), plus Recovery if the policy has a
// recovery key.
func (s *State) Readers(p *Policy, level string) []string {
	var ids []string
	lp := p.Level(level)
	for _, m := range s.Members {
		if lp != nil && m.HasRole(lp.Readers...) {
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	if p.Recovery != "" {
		ids = append(ids, Recovery)
	}
	return ids
}
