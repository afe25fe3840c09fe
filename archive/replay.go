package archive

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/l10n"
)

// payload is the data of one kind of event. The same two methods guard a
// step when it is written and when it is replayed: check says whether the
// step obeys its rule at this point of the journal, and changes nothing;
// apply changes the state, and runs only after check passed.
type payload interface {
	check(c *step) error
	apply(c *step)
}

// File is carried by every event that writes a dossier file: the SHA-256
// of the ciphertext written and the recipients it was encrypted to (sorted
// member ids, then Recovery). The last such event pins the file.
type File struct {
	SHA256     string   `yaml:"sha256,omitempty" json:"sha256,omitempty"`
	Recipients []string `yaml:"recipients,omitempty" json:"recipients,omitempty"`
}

func (f *File) fileData() *File { return f }

type filer interface{ fileData() *File }

// step is one event being checked or applied, with what the rules need.
type step struct {
	s     *State
	p     *Policy
	e     *journal.Event
	spec  *KindSpec
	data  payload
	actor *Member
	d     *DossierState // the dossier the event names (new for a create)
	// For file-writing events, set by check: the level the file must be
	// readable at after the event, a borrower who gains access with it,
	// and a loan whose borrower loses access.
	level, plus, except string
	// lapsed: a member the file may be encrypted to although they may
	// not read it after the event: the borrower of a request their
	// removal closed, approved where the removal was not heard of
	// (LoanApprove.check).
	lapsed string
	// fileRequired: the event must pin a file (content and level changes).
	fileRequired bool
	// accepted: the problem event a journal.decision accepts, checked at
	// the decision's place (decision.go).
	accepted *step
	// revived: this step is accepted by a decision although its actor was
	// removed since; they are judged as the member they were (their roles)
	// where the removal changed the state, e.g. the files' recipients.
	revived bool
}

// ClockSkew is how far clocks may disagree: an event may be dated at most
// this much after the clock of whoever checks it, and at most this much
// before an event it follows (FORMAT.md, "Time").
const ClockSkew = 10 * time.Minute

// Replay builds the state from a journal under policy p, as a checker whose
// clock reads now. With checkSigs, every event's signature is checked
// against its actor's key as of that point (signatures are checked on
// every core first).
func Replay(ctx context.Context, j *journal.Journal, p *Policy, now time.Time, checkSigs bool) *State {
	if checkSigs {
		preverify(ctx, j)
	}
	return replayJournal(j, p, now, checkSigs, nil)
}

// replayLettingGo is Replay, signatures checked, for a journal whose
// signatures were checked on every core already (preverify) and whose
// events are not needed again once applied (reload: the journal cache was
// written before, and is where they are read from again): where the first pass is the only
// one (onePass), the data of each event from a bundle is let go once
// applied (journal.Event.LetGoData). Events in files of their own, the
// months not yet closed, keep theirs: those are the ones a step after
// the replay rewrites in the cache, or a merge reads again.
//
// letGo says which events may let go (reload: those from a bundle whose
// folder the cache holds). A step refused in the pass that must be judged
// against its own causal past (validInPast) takes the data back first,
// a bundle at a time, and the pass lets go of nothing more.
func replayLettingGo(j *journal.Journal, p *Policy, now time.Time, letGo func(*journal.Event) bool) *State {
	return replayJournal(j, p, now, true, letGo)
}

// replayJournal is Replay after preverify, with letGo (nil: nothing is let go).
func replayJournal(j *journal.Journal, p *Policy, now time.Time, checkSigs bool, letGo func(*journal.Event) bool) *State {
	one := letGo != nil && onePass(j, p)
	if !one {
		letGo = nil
	}
	changes, reviews, perDossier := registerSizes(j)
	run := func(removals map[string][]string, losses map[string][]RoleSpell) *State {
		s := newState(j, p)
		s.now, s.checkSigs, s.removals, s.losses = now, checkSigs, removals, losses
		s.prefix = map[string]bool{}
		s.letGo = letGo
		s.reviewsOf = perDossier
		defer func() { s.reviewsOf = nil }()
		if changes > 0 {
			s.Changes = make([]Change, 0, changes)
		}
		if reviews > 0 {
			s.Reviews = make([]ReviewEntry, 0, reviews)
		}
		for _, e := range j.Events {
			s.replay(e)
			if s.letGo != nil && s.letGo(e) {
				e.LetGoData()
			}
		}
		// An empty register is nil, as a snapshot gives it back, also
		// when the events counted for it all failed.
		if len(s.Changes) == 0 {
			s.Changes = nil
		}
		if len(s.Reviews) == 0 {
			s.Reviews = nil
		}
		// So are no problems when decisions settled every one (from a
		// review: the snapshot gave nil where the replay gave []).
		if len(s.Problems) == 0 {
			s.Problems = nil
		}
		if len(s.Superseded) == 0 {
			s.Superseded = nil
		}
		return s
	}
	s := run(nil, nil)
	replayPasses.Add(1)
	// Events of a removed member that their removal does not follow were
	// written after it or concurrently with it: a second pass refuses them,
	// counting only removals that took effect (a forged removal counts for
	// nothing). When every event of every removed member comes before each
	// of their removals, the second pass would refuse nothing the first did
	// not, in the same words: it is not run. (A department's ten years have
	// leavers: at 100,000 dossiers the pass doubled the replay.)
	// (onePass found it so already: leaverEscapes is not run again.)
	//
	// So with a member's roles cut (member.roles): their steps that need
	// a role the cut took away, ordered before it but not before it
	// through links, were written where it was not heard of, and the
	// second pass refuses them (step.lostRight; the first pass refuses
	// those ordered after it). Only when there are such steps
	// (cutEscapes) is it run.
	removalPass := len(s.removed) > 0 && (twoPasses || j.Prior != nil || j.Merge != nil || leaverEscapes(j, s.removed))
	lossPass := len(s.lost) > 0 && (twoPasses || j.Prior != nil || j.Merge != nil || cutEscapes(j, p, s.lost, s.RoleHistory))
	if !one && (removalPass || lossPass) {
		problems, superseded, removed, lost := s.Problems, s.Superseded, s.removed, s.lost
		// The first state is let go before the second is made: two whole
		// states at once were the peak of a first command.
		s = nil
		s = run(removed, lost)
		replayPasses.Add(1)
		s.passesAgree = slices.Equal(problems, s.Problems) && slices.Equal(superseded, s.Superseded)
	} else {
		if len(s.removed) > 0 {
			s.removals = cloneLists(s.removed) // as the second pass has them: a map of its own
		}
		s.passesAgree = true
	}
	s.losses = nil // they are s.lost, as the first pass grew it
	s.dataLetGo, s.letGo = s.letGo != nil, nil
	return s
}

// onePass reports, before a replay of j, that its first pass will be its
// only one: no member.remove event, valid or not, leaves an event of its
// member that does not come before it (leaverEscapes of every removal
// the journal holds is false, and so of those the first pass lets take
// effect, which are among them).
func onePass(j *journal.Journal, p *Policy) bool {
	removals := map[string][]string{}
	cuts := map[string][]RoleSpell{}
	for _, e := range j.Events {
		switch e.Kind {
		case KindMemberRemove:
			var x MemberRemove
			if e.Decode(&x) != nil || x.Member == "" {
				return false
			}
			removals[x.Member] = append(removals[x.Member], e.Hash)
		case KindMemberRoles:
			// Every change of roles, as if it cut them: those the first
			// pass finds cutting are among them.
			var x MemberRoles
			if e.Decode(&x) != nil || x.Member == "" {
				return false
			}
			cuts[x.Member] = append(cuts[x.Member], RoleSpell{Roles: x.Roles, Event: e.Hash})
		}
	}
	if len(removals) == 0 && len(cuts) == 0 {
		return true
	}
	return !twoPasses && j.Prior == nil && j.Merge == nil && !leaverEscapes(j, removals) && !cutEscapes(j, p, cuts, nil)
}

// cutEscapes reports whether a member whose roles a change cut (cuts:
// member → those changes, with the roles each left) has a step that
// needs a role the change left them none of, that comes before the
// change in j's order but not through links: written where the change
// was not heard of, it is one the second pass of a replay refuses
// (step.lostRight). A step ordered after the change is refused in the
// first pass. Asked only of the steps that may need a role the cut took
// away, by their kind (one that writes a dossier's file may need a
// writer's role of its level): one walk back from each cut that has
// them, which stops once it met them all. history, the roles each member
// held before each cut (State.RoleHistory), narrows it to the roles a cut
// took away; nil (before a replay): any it does not leave.
func cutEscapes(j *journal.Journal, p *Policy, cuts map[string][]RoleSpell, history map[string][]RoleSpell) bool {
	pos := make(map[string]int, len(cuts))
	for i, e := range j.Events {
		if e.Kind == KindMemberRoles {
			pos[e.Hash] = i
		}
	}
	for m, ls := range cuts {
		for _, l := range ls {
			at, ok := pos[l.Event]
			if !ok {
				return true
			}
			var old []string // the roles before the cut; nil: not known
			for i, sp := range history[m] {
				if sp.Event == l.Event && i > 0 {
					old = history[m][i-1].Roles
				}
			}
			took := func(need []string) bool {
				return !hasAny(l.Roles, need) && (old == nil || hasAny(old, need))
			}
			writes := slices.ContainsFunc(p.LevelNames(), func(lv string) bool { return took(p.Writers(lv)) })
			targets := map[string]bool{}
			for _, e := range j.Events[:at] {
				if e.Actor != m {
					continue
				}
				spec := SpecOf(e.Kind)
				// A destruction approval, a change of level and a
				// loan approval use a role of their payload's or
				// loan's (State.stageRole), one of their kind's: a
				// cut that took any may have taken it.
				if spec == nil || spec.WritesFile && writes || spec.Roles != nil && took(spec.Roles(p)) || e.Kind == KindDestroyApprove || e.Kind == KindDossierClassify || e.Kind == KindLoanApprove {
					targets[e.Hash] = true
				}
			}
			if len(targets) > 0 && len(j.AncestorsAmong(j.Events[at], targets)) < len(targets) {
				return true
			}
		}
	}
	return false
}

// twoPasses makes Replay run the second pass whenever a member was
// removed, as it did before leaverEscapes (tests compare the two).
var twoPasses bool

// replayPasses counts the passes of Replay in this process (tests).
var replayPasses atomic.Int64

// leaverEscapes reports whether an event of a removed member does not
// come, through links, before each of their removals (removed: member →
// their member.remove events): the second pass of a replay refuses it
// (prepareData), so it must be run.
func leaverEscapes(j *journal.Journal, removed map[string][]string) bool {
	events := make(map[string]map[string]bool, len(removed)) // each leaver's, in one walk of the journal
	for m := range removed {
		events[m] = map[string]bool{}
	}
	for _, e := range j.Events {
		if t := events[e.Actor]; t != nil {
			t[e.Hash] = true
		}
	}
	for m, rs := range removed {
		targets := events[m]
		for _, r := range rs {
			re := j.ByHash[r]
			if re == nil {
				return true
			}
			want := len(targets)
			if targets[r] {
				want-- // their own removal, should they sign it
			}
			if len(j.AncestorsAmong(re, targets)) < want {
				return true
			}
		}
	}
	return false
}

// registerSizes is how many entries the registers of a replay of j have
// at most, one for each event of a kind that adds one, and how many 核定
// events name each dossier (State.reviewsOf). A register made
// that big at once is not grown an element at a time (at 100,000
// dossiers, 750,000 核定 of 144 bytes grown by a quarter each time
// allocated 500 MB, and held the old and the new array at the end).
func registerSizes(j *journal.Journal) (changes, reviews int, perDossier map[string]int32) {
	perDossier = map[string]int32{}
	for _, e := range j.Events {
		switch e.Kind {
		case KindReview:
			reviews++
			perDossier[e.Dossier]++
		case KindDossierCreate, KindDossierClassify, KindDossierDeclassify, KindDossierCredit, KindDossierTier:
			changes++
		}
	}
	return changes, reviews, perDossier
}

// replay applies one event read from the journal, or records why it has
// no effect: a problem (malformed, forged, or breaking a rule it was
// written against), or superseded (it was valid when written, but a step
// written concurrently elsewhere and ordered before it by the merge made it
// moot: a renewal after a concurrent return, an approval after a concurrent
// rejection, a second approval of the same step).
func (s *State) replay(e *journal.Event) {
	if s.prefix != nil {
		defer s.replayed(e)
	}
	st, err := s.prepare(e, s.checkSigs)
	if err == nil {
		st.commit()
		return
	}
	if st != nil && st.d != nil && st.d == s.Dossiers[e.Dossier] {
		st.d.Events = append(st.d.Events, e) // the dossier's log shows it
	}
	s.idUsed(e) // even by a create that fails its checks
	if st != nil {
		if x, ok := st.data.(*MemberAdd); ok && s.Members[x.Member.ID] != nil {
			if s.addedApart == nil {
				s.addedApart = map[string]bool{}
			}
			s.addedApart[x.Member.ID] = true
		}
	}
	// Each message in both languages (replayProblem): a snapshot keeps it
	// for commands run in either.
	var ref *refusal
	if errors.As(err, &ref) {
		msg := l10n.Errorf("%s by %s refused: %v", kindWord(e.Kind), e.Actor, ref.err)
		if !s.causal && s.validInPast(e) {
			s.markGood(e)
			s.Superseded = append(s.Superseded, replayProblem(e.Path, l10n.Errorf("superseded by a concurrent step: %s", msg)))
			return
		}
		s.Problems = append(s.Problems, replayProblem(e.Path, msg))
		return
	}
	s.Problems = append(s.Problems, replayProblem(e.Path, err))
}

// replayed records that e was replayed, good or not: it is a head of the
// events so far, and what it follows is not (prefix).
func (s *State) replayed(e *journal.Event) {
	for _, h := range e.Prev {
		delete(s.prefix, h)
	}
	s.prefix[e.Hash] = true
}

// idUsed counts the id a create event e names as used: ids are never
// reused (MaxID).
func (s *State) idUsed(e *journal.Event) {
	if e.Kind != KindDossierCreate {
		return
	}
	if n, ok := s.Policy.idNumber(e.Dossier); ok && n > s.MaxID {
		s.MaxID = n
	}
}

// validInPast reports whether event e passes its checks against the state
// of its own causal past (the events it follows, directly or not): then it
// was valid when written, and fails now only because of steps written
// concurrently elsewhere.
func (s *State) validInPast(e *journal.Event) bool {
	if s.prefix != nil && followsAll(e, s.prefix) && !pastAll {
		// e follows every event replayed before it: its causal past is
		// all of them, where it was just refused. (At 100,000 dossiers,
		// walking a million ancestors for each of many refused steps of
		// one linear history took hours.)
		return false
	}
	j := s.Journal
	if s.letGo != nil {
		// The past replayed below is read from the events' data: the
		// data let go so far is taken back, a bundle at a time (an event
		// at a time, a refused step read back every create of the
		// archive), and none is let go from here on.
		s.letGo = nil
		j.TakeDataBack()
	}
	anc := j.Ancestors(e)
	reads := pastReads(e)
	// Every ancestor is known by hash (links are walked through them:
	// what follows what, the time bounds), but only those that can change
	// what e's rule reads are replayed: at 100,000 dossiers a refused step
	// replayed a million events of other dossiers, for every such step.
	sub := &journal.Journal{ByHash: make(map[string]*journal.Event, len(anc))}
	for _, x := range j.Events {
		if !anc[x.Hash] {
			continue
		}
		sub.ByHash[x.Hash] = x
		if reads == nil || !otherDossier(x, reads) || pastAll {
			sub.Events = append(sub.Events, x)
		}
	}
	past := newState(sub, s.Policy)
	past.now, past.checkSigs, past.causal = s.now, s.checkSigs, true
	// The removals its past knows of: one written elsewhere is no part of
	// the state e was written against.
	for m, rs := range s.removals {
		for _, r := range rs {
			if anc[r] {
				if past.removals == nil {
					past.removals = map[string][]string{}
				}
				past.removals[m] = append(past.removals[m], r)
			}
		}
	}
	for _, x := range sub.Events {
		past.replay(x)
	}
	_, err := past.prepare(e, s.checkSigs)
	return err == nil
}

// followsAll reports whether event e follows every one of heads directly.
func followsAll(e *journal.Event, heads map[string]bool) bool {
	if len(heads) > len(e.Prev) {
		return false
	}
	for h := range heads {
		if !slices.Contains(e.Prev, h) {
			return false
		}
	}
	return true
}

// pastAll makes validInPast replay every ancestor, as it did before
// pastReads and followsAll (tests compare the two).
var pastAll bool

// pastReads is the dossiers whose state the rule of event e reads besides
// the members, the policy and the registers that are not about one
// dossier: the one it names, and the one a hand-in is about (eventParts).
// Nil when its rule may read any (KindSpec.Reach).
func pastReads(e *journal.Event) map[string]bool {
	spec := SpecOf(e.Kind)
	if spec == nil || !partScoped(e.Kind) {
		return nil
	}
	reads := map[string]bool{}
	eventParts(e, func(id string) { reads[id] = true })
	return reads
}

// otherDossier reports whether event x reads and changes only a dossier
// not in reads (ReachDossier): replaying it or not leaves what a rule
// reading only those dossiers reads as it was. Not a creation: a decision
// may accept it under another id (acceptCreate), which may be in reads.
func otherDossier(x *journal.Event, reads map[string]bool) bool {
	spec := SpecOf(x.Kind)
	return spec != nil && spec.Reach == ReachDossier && x.Kind != KindDossierCreate && x.Dossier != "" && !reads[x.Dossier]
}

// refusal is a step that breaks its rule at its place in the journal: the
// actor lacks the role, the workflow is not where the step needs it, the
// file is not what it may be. (Malformed, forged or misdated events are
// plain problems.)
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refused(err error) error {
	if err == nil {
		return nil
	}
	return &refusal{err}
}

// problemf is a replay problem's message.
func problemf(format string, a ...any) error { return l10n.Errorf(format, a...) }

// prepare checks event e against the rules at this point of the journal
// and returns the step that commit applies. It changes nothing.
func (s *State) prepare(e *journal.Event, checkSigs bool) (*step, error) {
	spec := SpecOf(e.Kind)
	if spec == nil {
		return nil, problemf("unknown event kind %q", e.Kind)
	}
	data := spec.New()
	if err := e.Decode(data); err != nil {
		return nil, problemf("unreadable data: %v", err)
	}
	return s.prepareData(e, spec, data, checkSigs)
}

// prepareData is prepare with the event's data already decoded.
func (s *State) prepareData(e *journal.Event, spec *KindSpec, data payload, checkSigs bool) (*step, error) {
	st := &step{s: s, p: s.Policy, e: e, spec: spec, data: data}
	if e.Kind == KindInit {
		if err := st.data.check(st); err != nil {
			return nil, err
		}
		founder := st.data.(*InitData).Member
		if checkSigs && !s.signatureOK(e, &founder) {
			return nil, problemf("signature does not verify with %s's signing key (forged or edited)", e.Actor)
		}
		return st, nil
	}
	if s.Genesis == "" {
		return nil, problemf("event comes before the archive's genesis event")
	}
	// A member who left signs nothing more: an event of theirs that their
	// removal does not follow was written after it, or concurrently in a
	// clone that had not heard of it.
	for _, r := range s.removals[e.Actor] {
		if s.Journal != nil && r != e.Hash && !s.Journal.Follows(s.Journal.ByHash[r], e.Hash) {
			return nil, problemf("written by %s concurrently with their removal: a member who left signs nothing more", e.Actor)
		}
	}
	st.actor = s.Members[e.Actor]
	if st.actor == nil || st.actor.Removed {
		return nil, problemf("actor %q is not a member at this point of the journal", e.Actor)
	}
	if checkSigs && !s.signatureOK(e, st.actor) {
		return nil, problemf("signature does not verify with %s's signing key (forged or edited)", e.Actor)
	}
	if err := s.checkTime(e); err != nil {
		return nil, err
	}
	if spec.Dossier != (e.Dossier != "") {
		if spec.Dossier {
			return nil, problemf("%s names no dossier", kindWord(e.Kind))
		}
		return nil, problemf("%s names a dossier, which it must not", kindWord(e.Kind))
	}
	if err := st.lostRight(); err != nil {
		return st, err
	}
	if err := st.checkRules(); err != nil {
		return st, err
	}
	return st, nil
}

// lostRight refuses a step that uses a right a change of its actor's
// roles took away, written where that change was not heard of (the step
// does not follow it, nor it the step): a loss of rights wins over a
// concurrent step that uses them, as a removal does (FORMAT.md, "A loss
// of rights wins"), whichever of the two the merge orders first. The
// right a step uses is a role its kind needs and, when it pins the file
// of an existing dossier, a writer's role of its level. A problem, not a
// superseded step: its content must not reach the dossier through a merge
// that follows it, and a manager's decision settles it.
//
// Only a member whose roles were cut (State.lost) has steps to ask about,
// and only their steps that need a role the cut left them none of: the
// links are walked for those alone.
func (st *step) lostRight() error {
	s, e := st.s, st.e
	losses := s.losses
	if losses == nil {
		losses = s.lost
	}
	if len(losses[e.Actor]) == 0 {
		return nil
	}
	// The cuts replayed so far (lost) come before e in the journal's
	// order, so e may follow them; any other (a second pass's) comes
	// after it, and may follow e: one question each, which the journal's
	// memo of what follows what answers without a walk once asked again.
	replayed := func(h string) bool {
		return slices.ContainsFunc(s.lost[e.Actor], func(l RoleSpell) bool { return l.Event == h })
	}
	if cut, right, ok := s.rightCut(e, st.spec, st.file(), losses[e.Actor], replayed); ok {
		return problemf("written by %s concurrently with a change of their roles (event %s) that left them %s, none of %s that it needs: a right taken away counts also against what was written where it was not heard of", e.Actor, journal.ShortHash(cut.Event), s.Policy.rolesText(cut.Roles), s.Policy.rolesText(right))
	}
	return nil
}

// rightCut returns the first of cuts (settings of event e's actor's
// roles) that neither e follows nor follows e and that leaves the actor
// none of the roles a right e uses needs (which right: right), if any:
// e's kind's roles, and, when e pins file f of an existing dossier, a
// writer's role of the dossier's level. The links are walked only for a
// setting that leaves the actor without such a right. before, if not
// nil, says which settings come before e in the journal's order (the
// others come after it).
func (s *State) rightCut(e *journal.Event, spec *KindSpec, f *File, cuts []RoleSpell, before func(h string) bool) (cut RoleSpell, right []string, ok bool) {
	if s.Journal == nil || spec == nil {
		return RoleSpell{}, nil, false
	}
	var need, writers []string
	if spec.Roles != nil {
		need = spec.Roles(s.Policy)
	}
	if d := s.Dossiers[e.Dossier]; f != nil && f.SHA256 != "" && e.Kind != KindDossierCreate && d != nil {
		writers = s.Policy.Writers(d.Level)
	}
	var stage []string
	staged := false
	for _, l := range cuts {
		right = nil
		switch {
		case need != nil && !hasAny(l.Roles, need):
			right = need
		case writers != nil && !hasAny(l.Roles, writers):
			right = writers
		default:
			if !staged {
				stage, staged = s.stageRole(e), true
			}
			if stage != nil && !hasAny(l.Roles, stage) {
				right = stage
			}
		}
		if right == nil || l.Event == "" || l.Event == e.Hash {
			continue
		}
		le := s.Journal.ByHash[l.Event]
		if le == nil {
			continue
		}
		first := before == nil || before(l.Event) // e may follow it
		later := before == nil || !first          // it may follow e
		if first && s.Journal.Follows(e, l.Event) || later && s.Journal.Follows(le, e.Hash) {
			continue
		}
		return l, right, true
	}
	return RoleSpell{}, nil, false
}

// stageRole is the role the payload of step e needs beyond its kind's
// roles, which are the union of those of every case: for a destruction
// approval, the role of the step of its request's chain it claims (R6.10:
// the supervisor's, the manager's, the general manager's); for a change
// of level, the roles that may change its old level to its new
// (Policy.ClassifyRoles: to or from the top level, classify_top_secret);
// for a loan approval, the approvers' roles it may have approved as.
// A manager cut to supervisor still holds a role of the chain and of
// permissions.classify, but not the manager's step or a change to 绝密.
// Nil for another kind, or a payload that does not say.
func (s *State) stageRole(e *journal.Event) []string {
	switch e.Kind {
	case KindDestroyApprove:
		var x DestroyApprove
		if e.Decode(&x) != nil {
			return nil
		}
		if r := s.Destructions[x.Request]; r != nil && x.Step >= 1 && x.Step <= len(r.Chain) {
			return []string{r.Chain[x.Step-1]}
		}
	case KindDossierClassify:
		var x DossierClassify
		if e.Decode(&x) != nil || s.Policy.Level(x.OldLevel) == nil || s.Policy.Level(x.Level) == nil {
			return nil
		}
		return s.Policy.ClassifyRoles(x.OldLevel, x.Level)
	case KindLoanApprove:
		// The role it was given as, by the rule that accepts it
		// (Policy.loanApprovalRole), on the roles its author and the
		// borrower held where it was written: the approver role the
		// loan still needed (a general manager's approval of a 绝密
		// loan, the author since made manager, is not the manager's),
		// or, for a borrower who holds that role, the role of
		// loan.approvers_when_self that gives it in their stead (R7.1:
		// the gm's approval of a manager's own loan is the gm's).
		var x LoanApprove
		l, d := (*Loan)(nil), s.Dossiers[e.Dossier]
		if e.Decode(&x) == nil {
			l = s.Loans[x.Loan]
		}
		if l == nil || d == nil {
			return nil
		}
		_, as, _ := s.Policy.loanApprovalRole(s.Policy.MissingApprovers(l, d.Level), s.rolesWhereWritten(e, e.Actor), s.rolesWhereWritten(e, l.Borrower))
		return as
	}
	return nil
}

// checkRules checks a step against its kind's rule at this point of the
// journal: its dossier, the actor's roles, the payload's own rule and the
// file it pins. A step accepted by a decision (decision.go) goes through
// the same checks at the decision's place.
func (st *step) checkRules() error {
	spec := st.spec
	if spec.Dossier {
		if err := st.findDossier(); err != nil {
			return err
		}
	}
	if spec.Roles != nil {
		if need := spec.Roles(st.p); !st.actor.HasRole(need...) {
			e := rolesErr(st.p, l10n.Word(spec.What), st.actor, need)
			if spec.Rule != "" {
				e.Rule = l10n.Word(spec.Rule)
			}
			return refused(e)
		}
	}
	if err := st.data.check(st); err != nil {
		return refused(err)
	}
	if err := st.checkFile(); err != nil {
		return refused(err)
	}
	return nil
}

func (st *step) findDossier() error {
	e, s := st.e, st.s
	d := s.Dossiers[e.Dossier]
	if e.Kind == KindDossierCreate {
		if d != nil {
			if s.Collided == nil {
				s.Collided = map[string]bool{}
			}
			s.Collided[e.Dossier] = true
			return problemf("dossier %s is created a second time", e.Dossier)
		}
		st.d = &DossierState{ID: e.Dossier, Status: StatusActive, Created: e.Time, CreatedBy: e.Actor}
		return nil
	}
	if d == nil {
		return problemf("%s for dossier %s, which was never created", kindWord(e.Kind), e.Dossier)
	}
	// Two clones numbering sequentially both created this id: a step
	// taken in the clone whose creation the journal refused is about that
	// other dossier, whatever id it names. Applied here it would write
	// over the dossier that holds the id (one customer's file replaced by
	// another's); it is a problem, settled with its creation when its
	// author's crm sync renumbers it (Archive.Renumber).
	if s.Collided[d.ID] && s.Journal != nil {
		if c := s.createOf(d); c != "" && c != e.Hash && !s.Journal.Follows(e, c) {
			return problemf("%s for dossier %s follows another creation of that id than the one that took effect (two clones numbered the same id): it is about the dossier its author's clone renumbers when it syncs", kindWord(e.Kind), e.Dossier)
		}
	}
	if d.Status == StatusDestroyed {
		st.d = d
		return refused(failErr(problemf("%s for dossier %s after it was destroyed", kindWord(e.Kind), e.Dossier), NextLog, e.Dossier))
	}
	st.d = d
	return nil
}

// createOf returns the hash of the dossier.create that made dossier d
// ("" if the state does not know it).
func (s *State) createOf(d *DossierState) string {
	if ps := s.eventPaths[d.ID]; len(ps) > 0 {
		h, _ := journal.HashOfPath(ps[0])
		return h
	}
	if len(d.Events) > 0 && d.Events[0].Kind == KindDossierCreate {
		return d.Events[0].Hash
	}
	return ""
}

// checkFile checks the file an event pins: only file-writing kinds pin,
// only a recipient of the old file can have re-encrypted it, and only to
// recipients who may read it after the event.
func (st *step) checkFile() error {
	f := st.file()
	if f == nil || f.SHA256 == "" {
		if st.fileRequired {
			return problemf("%s pins no dossier file (sha256, recipients)", kindWord(st.e.Kind))
		}
		return nil
	}
	if !st.spec.WritesFile {
		return problemf("%s may not write a dossier file", kindWord(st.e.Kind))
	}
	if !journal.IsHash(f.SHA256) {
		return problemf("sha256 %q is not a SHA-256 hash", f.SHA256)
	}
	d := st.d
	if st.e.Kind != KindDossierCreate {
		// Any file may hold other content than the one before it (no
		// checker without a key can tell a re-encryption from an edit):
		// only a writer of the level pins one, never a role that only
		// reads (a gm, a borrower).
		if w := st.p.Writers(d.Level); !st.actor.HasRole(w...) {
			return &Error{Code: Denied, Actor: st.actor.ID, Need: w, Held: st.actor.Roles,
				Err: l10n.Errorf("%s by %s writes the file of dossier %s, which only a writer of level %s may do (roles %v); %s holds %v", kindWord(st.e.Kind), st.e.Actor, d.ID, d.Level, st.p.rolesText(w), st.e.Actor, st.p.rolesText(st.actor.Roles))}
		}
		if !slices.Contains(d.Recipients, st.e.Actor) {
			// Re-encrypting needs the plaintext: only a recipient can
			// have written this file.
			return problemf("%s by %s, who was not a recipient of dossier %s and so cannot have re-encrypted it", kindWord(st.e.Kind), st.e.Actor, d.ID)
		}
	}
	level := st.level
	if level == "" {
		level = d.Level
	}
	allowed := st.s.RecipientsAt(d, level, st.except, st.plus)
	var extra []string
	for _, r := range f.Recipients {
		if !slices.Contains(allowed, r) {
			extra = append(extra, r)
		}
	}
	// A member removed, or whose reader's role was taken away, by a step
	// this one does not follow was still a reader where it was written (a
	// clone that had not heard of the change): the file stands, as one
	// written concurrently with a change of keys does, and a writer's
	// next step re-encrypts it (verify notes it). Refused, a new dossier
	// of a member who stays was lost, and its file was a problem no step
	// could settle.
	extra = st.s.readersWhereWritten(st.e, level, extra)
	if st.lapsed != "" {
		extra = slices.DeleteFunc(extra, func(r string) bool { return r == st.lapsed })
	}
	if len(extra) > 0 {
		return problemf("%s encrypts dossier %s to %v, who may not read it at level %s", kindWord(st.e.Kind), d.ID, idsText(extra), level)
	}
	return nil
}

// checkTime bounds an event's date: not after the checker's clock, nor
// before an event it follows, each by more than ClockSkew. Clocks only
// bound: order comes from links.
func (s *State) checkTime(e *journal.Event) error {
	if !s.now.IsZero() && e.Time.After(s.now.Add(ClockSkew)) {
		if e.Time.After(s.ahead) {
			s.ahead = e.Time
		}
		s.tooNew = append(s.tooNew, e)
		return &Error{Code: Failed, Err: l10n.Errorf("dated %s, after the clock of this check (%s) by more than %s: if its writer's clock was ahead, it counts from then on, over steps taken meanwhile that do not follow it", fmtUTC(e.Time), fmtUTC(s.now), ClockSkew)}
	}
	if s.Journal == nil {
		return nil
	}
	for _, h := range e.Prev {
		if t, ok := s.Journal.TimeOf(h); ok && e.Time.Before(t.Add(-ClockSkew)) {
			return &Error{Code: Failed, Err: l10n.Errorf("dated %s, before event %s (%s) it follows by more than %s: the clock that wrote it was wrong", fmtUTC(e.Time), journal.ShortHash(h), fmtUTC(t), ClockSkew)}
		}
	}
	return nil
}

// file returns the file data of the event, or nil.
func (st *step) file() *File {
	if f, ok := st.data.(filer); ok {
		return f.fileData()
	}
	return nil
}

// commit applies a checked step to the state.
func (st *step) commit() {
	st.s.rowsMemo = nil
	st.s.markGood(st.e)
	st.data.apply(st)
	d := st.d
	if d == nil {
		return
	}
	if f := st.file(); f != nil && f.SHA256 != "" {
		d.SHA256, d.Recipients, d.WrittenBy = f.SHA256, slices.Clone(f.Recipients), st.e
	}
	if st.e.Kind == KindDossierCreate {
		st.s.Dossiers[d.ID] = d
		if n, ok := st.p.idNumber(d.ID); ok && n > st.s.MaxID {
			st.s.MaxID = n
		}
	}
	d.Updated = st.e.Time
	d.Events = append(d.Events, st.e)
}

// date is t's calendar date in the policy's zone (YYYY-MM-DD), as written
// on borrow cards and the destruction list.
func (s *State) date(t time.Time) string { return t.In(s.Policy.Location()).Format(time.DateOnly) }

// formatTime writes t as a date and time in the policy's zone.
func (s *State) formatTime(t time.Time) string {
	return t.In(s.Policy.Location()).Format("2006-01-02 15:04")
}

// follows reports whether the event with hash ancestor is reachable from
// the step's event through links.
func (st *step) follows(ancestor string) bool {
	if st.s.Journal == nil {
		return true
	}
	return st.s.Journal.Follows(st.e, ancestor)
}

// preverify checks on every core the signature of every event not
// checked with the key it will most likely be judged by (by this process,
// or by the one that wrote the user's verified-journal cache): its
// actor's key as the journal last gave it before the event, in journal
// order (genesis, member.add, member.rotate). It records the verdict in
// the event. It only speeds replay up: replay still decides, and uses a
// verdict only if the actor's key at the event's place in the chain is
// the key it was checked with.
func preverify(ctx context.Context, j *journal.Journal) {
	keys := map[string]string{}
	pubs := map[string]ed25519.PublicKey{}
	type job struct {
		e   *journal.Event
		key string
	}
	var todo []job
	for _, e := range j.Events {
		if k := keys[e.Actor]; pubs[k] != nil && e.SigKey() != k {
			todo = append(todo, job{e, k})
		}
		if id, k := keyGiven(e); id != "" {
			if _, ok := keys[id]; !ok || e.Kind == KindMemberRotate {
				keys[id] = k
				if pub, err := ParseSigningKey(k); err == nil {
					pubs[k] = pub
				}
			}
		}
	}
	work.Each(ctx, "", len(todo), func(i int) {
		t := todo[i]
		t.e.SetVerdict(t.key, t.e.Verify(pubs[t.key]))
		// The signed bytes are let go once checked: the file holds them,
		// should replay judge the event by another key (journal.Compact).
		// Kept through the replay they were a third of a full verify's
		// peak.
		t.e.Compact()
	})
}

// memberKeyHints is a journal.KeyHint from the member files
// (members/*.yaml): each member's signing key as crm last wrote it. The
// files are written by crm but may be edited by anyone; a wrong key only
// costs a second reading of that member's events (journal.ReadHinted).
// Nil when no file gives a key.
func memberKeyHints(dir string) journal.KeyHint {
	files, _ := filepath.Glob(filepath.Join(dir, MembersDir, "*.yaml"))
	type hint struct {
		key string
		pub ed25519.PublicKey
	}
	hints := map[string]hint{}
	for _, f := range files {
		b, err := sharedfile.ReadFile(f)
		if err != nil {
			continue
		}
		var m Member // as memberFileBytes writes it
		if yaml.Unmarshal(b, &m) != nil || m.ID == "" {
			continue
		}
		if pub, err := ParseSigningKey(m.SigningKey); err == nil {
			hints[m.ID] = hint{m.SigningKey, pub}
		}
	}
	if len(hints) == 0 {
		return nil
	}
	return func(actor string) (string, ed25519.PublicKey) {
		h := hints[actor]
		return h.key, h.pub
	}
}

// keyGiven is the member id and signing key event e gives (genesis,
// member.add, member.rotate), or "".
func keyGiven(e *journal.Event) (id, key string) {
	switch e.Kind {
	case KindInit, KindMemberAdd:
		var d struct {
			Member Member `yaml:"member" json:"member"`
		}
		if e.DecodeLoose(&d) == nil {
			return d.Member.ID, d.Member.SigningKey
		}
	case KindMemberRotate:
		var d MemberRotate
		if e.DecodeLoose(&d) == nil {
			return d.Member, d.SigningKey
		}
	}
	return "", ""
}

// signatureOK reports whether e's signature verifies with actor's key,
// from the verdict preverify recorded when it was checked with that key,
// else checking it now (and recording it).
func (s *State) signatureOK(e *journal.Event, actor *Member) bool {
	key := s.signingKeyOf(e, actor)
	if ok, known := e.Verdict(key); known {
		return ok
	}
	pub, err := ParseSigningKey(key)
	ok := err == nil && e.Verify(pub)
	if err == nil {
		e.SetVerdict(key, ok)
	}
	return ok
}

// signingKeyOf is the signing key event e is checked against (FORMAT.md,
// member.rotate): the key actor m holds at e's place in the replay, but
// for work whose effect e's causal past bounds (ownWork), the key m held
// there: the key set by the last rotation of m's keys, in replay order,
// that e follows through links, else the key m had before their first
// rotation. A dossier created, edited or verified in a clone that had not
// heard of a rotation is signed with the key before it, and is judged by
// that key whether the merge orders it before or after the rotation.
// Anything else signed with a key a rotation ordered before it took away
// is refused: links are the writer's word, and a stolen key, linking to
// the events before its rotation, would otherwise act on what was written
// after it, or undo the rotation.
func (s *State) signingKeyOf(e *journal.Event, m *Member) string {
	ch := s.keyChanges[m.ID]
	if len(ch) == 0 || !s.ownWork(e) {
		return m.SigningKey
	}
	for i := len(ch) - 1; i >= 0; i-- {
		if s.Journal == nil || s.Journal.Follows(e, ch[i].Event) {
			return ch[i].New
		}
	}
	return ch[0].Old
}

// ownWork reports whether event e is work whose effect its causal past
// bounds: a dossier it creates, or the content or a 核定 of a dossier
// whose creation it follows (the dossier's first event).
func (s *State) ownWork(e *journal.Event) bool {
	switch e.Kind {
	case KindDossierCreate:
		return true
	case KindDossierUpdate, KindReview:
		d := s.Dossiers[e.Dossier]
		return d != nil && len(d.Events) > 0 && s.Journal != nil && s.Journal.Follows(e, d.Events[0].Hash)
	}
	return false
}
