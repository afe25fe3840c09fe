package archive

import (
	"path/filepath"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// A bad event is quarantined, never a lockout (DESIGN.md, "Many writers"):
// it has no effect and verify names it until a manager's signed decision
// settles it. journal.decision names the problem event by hash and
// follows it:
//
//   - reject: the event stays in the journal without effect, and is no
//     longer a problem (verify prints it as a note);
//   - accept: the event takes effect at the decision's place, as if its
//     actor had written it there: its signature must verify with the key
//     its actor holds there (a member then, even one removed since), and
//     its kind's rule must pass against the state there (roles, workflow,
//     file). Otherwise the decision is refused. A dossier.create whose id
//     was taken (a collision by chance, or a forgery) is accepted under a
//     new id (`id`): the ciphertext it pinned becomes that dossier's file.

// Decisions.
const (
	DecisionAccept = "accept"
	DecisionReject = "reject"
)

// Decision is the data of journal.decision.
type Decision struct {
	Event    string `yaml:"event" json:"event"`
	Decision string `yaml:"decision" json:"decision"`
	Reason   string `yaml:"reason" json:"reason"`
	ID       string `yaml:"id,omitempty" json:"id,omitempty"`
}

// Decided is a problem event settled by a decision.
type Decided struct {
	Event    *journal.Event
	Decision string
	By       string
	Reason   string
	At       *journal.Event // the decision
}

func (x *Decision) check(c *step) error {
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the event is accepted or rejected (it is journaled)"))
	}
	if x.Decision != DecisionAccept && x.Decision != DecisionReject {
		return problemf("decision %q is neither accept nor reject", x.Decision)
	}
	s := c.s
	var target *journal.Event
	if s.Journal != nil {
		target = s.Journal.ByHash[x.Event]
	}
	if target == nil {
		return problemf("the decision names event %s, which is not in the journal", journal.ShortHash(x.Event))
	}
	if need := c.p.DecideRoles(); !c.actor.HasRole(need...) && (x.Decision != DecisionReject || target.Actor != c.e.Actor) {
		return rolesErr(c.p, l10n.Word(c.spec.What), c.actor, need)
	}
	if !c.follows(target.Hash) {
		return problemf("the decision on event %s does not follow it", journal.ShortHash(x.Event))
	}
	if !s.isProblem(target.Path) {
		return failErr(l10n.Errorf("event %s is not a problem at this point of the journal (it took effect, or was decided already)", journal.ShortHash(x.Event)), NoNext, "")
	}
	if x.ID != "" && (x.Decision != DecisionAccept || target.Kind != KindDossierCreate || CheckID(x.ID) != nil) {
		return problemf("a new id goes only with accepting a %s", kindWord(KindDossierCreate))
	}
	if x.Decision == DecisionReject {
		return nil
	}
	st, err := s.prepareAccepted(target, c.e, x.ID)
	if err != nil {
		return failErr(l10n.Errorf("event %s cannot be accepted here: %v", journal.ShortHash(x.Event), err), NoNext, "")
	}
	c.accepted = st
	return nil
}

func (x *Decision) apply(c *step) {
	s := c.s
	target := s.Journal.ByHash[x.Event]
	s.Problems = slices.DeleteFunc(s.Problems, func(p journal.Problem) bool { return p.Path == target.Path })
	if c.accepted != nil {
		c.accepted.commit()
	}
	s.Decided = append(s.Decided, Decided{Event: target, Decision: x.Decision, By: c.e.Actor, Reason: x.Reason, At: c.e})
}

// isProblem reports whether the event at path is a problem so far.
func (s *State) isProblem(path string) bool {
	return slices.ContainsFunc(s.Problems, func(p journal.Problem) bool { return p.Path == path })
}

// prepareAccepted checks problem event e as if its actor had written it at
// the place of decision dec: the actor is a member (or was, before a
// removal), e's signature verifies with their key, and e's rule passes
// here. Time bounds and the removal rule are what the decision settles.
// With newID, a dossier.create takes effect under that id.
func (s *State) prepareAccepted(e, dec *journal.Event, newID string) (*step, error) {
	spec := SpecOf(e.Kind)
	if spec == nil || e.Kind == KindInit {
		return nil, problemf("unknown event kind %q", e.Kind)
	}
	m := s.Members[e.Actor]
	if m == nil {
		return nil, problemf("actor %q is not a member at this point of the journal", e.Actor)
	}
	if !s.signatureOK(e, m) {
		return nil, problemf("signature does not verify with %s's signing key (forged or edited)", e.Actor)
	}
	if e.Time.After(dec.Time.Add(ClockSkew)) {
		return nil, problemf("dated %s, after the decision (%s)", fmtUTC(e.Time), fmtUTC(dec.Time))
	}
	data := spec.New()
	if err := e.Decode(data); err != nil {
		return nil, problemf("unreadable data: %v", err)
	}
	at := *e
	at.Prev = dec.Prev // it takes effect here: it follows what the decision follows
	if newID != "" {
		at.Dossier = newID
	}
	if spec.Dossier != (at.Dossier != "") {
		return nil, problemf("%s names no dossier", kindWord(e.Kind))
	}
	actor := *m
	actor.Removed = false
	st := &step{s: s, p: s.Policy, e: &at, spec: spec, data: data, actor: &actor, revived: m.Removed}
	if err := st.checkRules(); err != nil {
		return nil, err
	}
	return st, nil
}

// DecideOptions are what a manager decides about a problem event.
type DecideOptions struct {
	Event    string // the event: its hash, a prefix of it (at least 8), or its path
	Decision string // DecisionAccept or DecisionReject
	Reason   string
	// Find returns the ciphertext whose SHA-256 is sha (from git history):
	// accepting a dossier.create whose id was taken needs the file it pinned.
	Find func(sha string) ([]byte, error)
}

// Renumber settles the working member's own dossier.create that is a
// problem because its id was taken (two clones numbering sequentially,
// or a chance collision): the member rejects it (an author may withdraw
// their own event) and creates the same dossier again under a new id,
// and the id's own file is put back to the version the journal pins for
// it. The member's later steps on the dossier, taken before they heard
// of the other creation, are about this dossier too (problems: see
// step.findDossier): they are withdrawn with it, and the new dossier
// starts from the latest file they pinned that is encrypted as the
// creation's was (else the creation's own), found by find in git
// history. withdrawn names the kinds of those later steps, in journal
// order, for the member to take again on newID where they still apply
// (a 核定, a classification).
func (a *Archive) Renumber(e *journal.Event, find func(sum string) ([]byte, error)) (newID string, withdrawn []journal.Kind, err error) {
	me, err := a.Me()
	if err != nil {
		return "", nil, err
	}
	err = a.locked(func() error {
		var x DossierCreate
		if e.Kind != KindDossierCreate || e.Actor != me.ID || !a.State.isProblem(e.Path) || a.State.Dossiers[e.Dossier] == nil || e.Decode(&x) != nil {
			return failErr(l10n.Errorf("event %s is not a creation of yours whose id was taken", journal.ShortHash(e.Hash)), NoNext, "")
		}
		later := a.State.collidedSteps(e, me.ID)
		sum, carried := x.SHA256, -1
		for i := len(later) - 1; i >= 0; i-- {
			if f := pinnedFile(later[i]); f != nil && f.SHA256 != "" && slices.Equal(f.Recipients, x.Recipients) {
				sum, carried = f.SHA256, i
				break
			}
		}
		ct, err := find(sum)
		if err != nil {
			return err
		}
		newID = a.newDossierID()
		reason := l10n.Sprintf("the id was taken: created again as %s", newID)
		if _, err := a.commitAfter(KindDecision, "", &Decision{Event: e.Hash, Decision: DecisionReject, Reason: reason}, []string{e.Hash}); err != nil {
			return err
		}
		for i, l := range later {
			if _, err := a.commitAfter(KindDecision, "", &Decision{Event: l.Hash, Decision: DecisionReject, Reason: reason}, []string{l.Hash}); err != nil {
				return err
			}
			// Edits up to the file carried are in it; anything else
			// (a 核定, a level, a loan, a later edit encrypted otherwise)
			// is for the member to take again.
			if i > carried || !contentKinds[l.Kind] {
				withdrawn = append(withdrawn, l.Kind)
			}
		}
		if _, err := a.writeCiphertext(newID, ct, x.Recipients, KindDossierCreate, &DossierCreate{Level: x.Level, SetOn: x.SetOn, Period: x.Period, Expires: x.Expires}); err != nil {
			return err
		}
		d := a.State.Dossiers[e.Dossier]
		if cur, err := sharedfile.ReadFile(a.dossierFile(d.ID)); err != nil || sha256Hex(cur) != d.SHA256 {
			if ct, err := find(d.SHA256); err == nil && sha256Hex(ct) == d.SHA256 {
				a.touch(DossierPath(d.ID))
				return writeFileAtomic(a.dossierFile(d.ID), ct, 0o644)
			}
		}
		return nil
	})
	return newID, withdrawn, err
}

// collidedSteps returns member's problem events about the dossier of
// dossier.create c, a creation whose id another took first, that follow
// c: steps taken on the dossier c made, before its author heard of the
// other (step.findDossier), in journal order.
func (s *State) collidedSteps(c *journal.Event, member string) []*journal.Event {
	var out []*journal.Event
	for _, p := range s.Problems {
		h, ok := journal.HashOfPath(p.Path)
		e := s.Journal.ByHash[h]
		if ok && e != nil && e != c && e.Actor == member && e.Dossier == c.Dossier && e.Kind != KindDossierCreate && s.Journal.Follows(e, c.Hash) {
			out = append(out, e)
		}
	}
	return out
}

// contentKinds are the kinds whose pinned file carries every content
// change of the dossier before it.
var contentKinds = map[journal.Kind]bool{KindDossierUpdate: true, KindDossierMerge: true, KindDossierRekey: true}

// pinnedFile returns the dossier file event e pins, if its kind writes
// one and its data says which.
func pinnedFile(e *journal.Event) *File {
	spec := SpecOf(e.Kind)
	if spec == nil || !spec.WritesFile {
		return nil
	}
	data := spec.New()
	f, ok := data.(filer)
	if !ok || e.Decode(data) != nil {
		return nil
	}
	return f.fileData()
}

// OwnCollisions returns the working member's dossier.create events that
// are problems because their id was taken: Renumber settles them.
func (a *Archive) OwnCollisions() []*journal.Event {
	var out []*journal.Event
	// A collision is a problem of the state: a snapshot's state without
	// any has none, and the journal need not be read to say so.
	if a.me == nil || len(a.State.Problems) == 0 || a.fullState() != nil {
		return nil
	}
	for _, p := range a.State.Problems {
		h, ok := journal.HashOfPath(p.Path)
		e := a.State.Journal.ByHash[h]
		if !ok || e == nil || e.Kind != KindDossierCreate || e.Actor != a.me.ID {
			continue
		}
		if d := a.State.Dossiers[e.Dossier]; d != nil && len(d.Events) > 0 && d.Events[0] != e {
			out = append(out, e)
		}
	}
	return out
}

// OwnLostRight returns the paths of the working member's own events that
// are problems because a change of their roles, written where they had
// not heard of it, took away a right the event uses (step.lostRight):
// each passes its rule against its own causal past, so it was good where
// it was written, and it is refused wherever the two meet, the same
// problem in every clone that holds both. crm sync pushes them for a
// manager to decide, as it would have had it pushed them first. With
// them, the file of a dossier such a dossier.create made, as it pinned
// it (no other event creates that dossier): a decision that accepts the
// creation takes it. Nil without a member or such a problem.
func (a *Archive) OwnLostRight() map[string]bool {
	if a.me == nil || len(a.State.Problems) == 0 || a.fullState() != nil {
		return nil
	}
	s := a.State
	var out map[string]bool
	for _, p := range s.Problems {
		h, ok := journal.HashOfPath(p.Path)
		e := s.Journal.ByHash[h]
		if !ok || e == nil || e.Actor != a.me.ID {
			continue
		}
		if _, _, cut := s.rightCut(e, SpecOf(e.Kind), pinnedFile(e), s.RoleHistory[e.Actor], nil); !cut || !s.validInPast(e) {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[p.Path] = true
		if f := pinnedFile(e); e.Kind == KindDossierCreate && f != nil && s.Dossiers[e.Dossier] == nil {
			if ct, err := sharedfile.ReadFile(a.dossierFile(e.Dossier)); err == nil && sha256Hex(ct) == f.SHA256 {
				out[DossierPath(e.Dossier)] = true
			}
		}
	}
	return out
}

// FindEvent returns the journal's event named by ref: its path, its hash,
// or a unique prefix of its hash (at least 8 hex digits).
func (a *Archive) FindEvent(ref string) (*journal.Event, error) {
	if err := a.fullState(); err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(filepath.ToSlash(ref))
	var found []*journal.Event
	for _, e := range a.State.Journal.Events {
		if e.Path == ref || e.Hash == ref || len(ref) >= 8 && strings.HasPrefix(e.Hash, ref) || strings.HasSuffix(ref, "/"+filepath.Base(e.Path)) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		err := l10n.Errorf("no event %q in the journal: name it by its path or the start of its hash (at least 8 hex digits)", ref)
		if !eventRef(ref) {
			return nil, usageErr("event", err)
		}
		// Of an event's form, naming none: an error (exit 1), as an
		// unknown id is; the input is still named.
		e := failErr(err, NoNext, "")
		e.Field = "event"
		return nil, e
	case 1:
		return found[0], nil
	}
	return nil, usageErr("event", l10n.Errorf("%q names %d events: give more of the hash", ref, len(found)))
}

// eventRef reports whether ref has the form of a reference to an event:
// the start of a hash (8 to 64 lower-case hex digits) or an event file's
// path.
func eventRef(ref string) bool {
	if _, ok := journal.HashOfPath(ref); ok {
		return true
	}
	if len(ref) < 8 || len(ref) > 64 {
		return false
	}
	return journal.IsHash(ref + strings.Repeat("0", 64-len(ref)))
}

// Decide journals a manager's decision on a problem event (journal.decision),
// and returns the id a dossier.create was accepted under, if any.
func (a *Archive) Decide(o DecideOptions) (newID string, err error) {
	if _, err := a.requireKind(KindDecision); err != nil {
		return "", err
	}
	if strings.TrimSpace(o.Reason) == "" {
		return "", missingErr("reason", l10n.Errorf("say why the event is accepted or rejected (it is journaled)"))
	}
	err = a.locked(func() error {
		e, err := a.FindEvent(o.Event)
		if err != nil {
			return err
		}
		x := &Decision{Event: e.Hash, Decision: o.Decision, Reason: o.Reason}
		if e.Time.After(a.now.Add(ClockSkew)) {
			// The decision would be dated before the event it follows:
			// a misdated event, whatever it says (FORMAT.md, "Dated ahead").
			return failErr(l10n.Errorf("event %s by %s is dated %s, after this computer's clock (%s) by more than %s: no decision can settle it before then; if this clock is behind, set it right, else ask %s to set theirs", journal.ShortHash(e.Hash), e.Actor, fmtUTC(e.Time), fmtUTC(a.now), ClockSkew, e.Actor), NoNext, "")
		}
		if o.Decision == DecisionAccept && e.Kind == KindDossierCreate && a.State.Dossiers[e.Dossier] != nil {
			return a.acceptCreate(e, x, o.Find, &newID)
		}
		_, err = a.commitAfter(KindDecision, "", x, []string{e.Hash})
		return err
	})
	return newID, err
}

// acceptCreate accepts a dossier.create whose id was taken, under a new
// id: the ciphertext it pinned (found in the dossier folder or by find)
// is written as the new dossier's file once the decision is journaled.
func (a *Archive) acceptCreate(e *journal.Event, x *Decision, find func(string) ([]byte, error), newID *string) error {
	var f DossierCreate
	if err := e.Decode(&f); err != nil || f.SHA256 == "" {
		return problemf("unreadable data: %v", err)
	}
	ct, err := sharedfile.ReadFile(a.dossierFile(e.Dossier))
	if err != nil || sha256Hex(ct) != f.SHA256 {
		if find == nil {
			return failErr(l10n.Errorf("the file event %s pinned (sha256 %s) is not in the dossier folder", journal.ShortHash(e.Hash), journal.ShortHash(f.SHA256)), NoNext, "")
		}
		if ct, err = find(f.SHA256); err != nil {
			return err
		}
	}
	x.ID = a.newDossierID()
	tmp, err := writeTemp(filepath.Join(a.Dir, DossiersDir), ".tmp-"+x.ID+"-*", ct, 0o644)
	if err != nil {
		return err
	}
	_, err = a.commitAfter(KindDecision, "", x, []string{e.Hash})
	if err == nil {
		err = a.settle() // the event on disk (Bulk) before the file
	}
	if err != nil {
		removeTemp(tmp)
		return err
	}
	a.touch(DossierPath(x.ID))
	*newID = x.ID
	// The journal pins tmp's content now: a failed rename (a virus
	// scanner holding tmp open on Windows) keeps it for the next locked
	// step or repair (repairDossierTemps), as writeCiphertext does.
	var unfinished error
	if err := moveFile(tmp, a.dossierFile(x.ID)); err != nil {
		unfinished = unfinishedErr(l10n.Errorf("the journal records the new %s, but it could not be put in place (%v)", DossierPath(x.ID), err))
	}
	// The id's own file may be the one the accepted create pinned (the
	// merge kept it): put back the first creation's, if history has it;
	// also when the new file waits (only this step has find).
	if d := a.State.Dossiers[e.Dossier]; d != nil && find != nil {
		if cur, err := sharedfile.ReadFile(a.dossierFile(d.ID)); err != nil || sha256Hex(cur) != d.SHA256 {
			if ct, err := find(d.SHA256); err == nil && sha256Hex(ct) == d.SHA256 {
				a.touch(DossierPath(d.ID))
				if err := writeFileAtomic(a.dossierFile(d.ID), ct, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return unfinished
}
