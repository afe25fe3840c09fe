package archive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/l10n"
)

// A state snapshot (snapshot.go) stands for the journal as it was. When
// events have been added since (a write, a git pull), a command that only
// reads does not replay the whole journal again: advance reads the new
// events only and replays them on top of the snapshot's state, as long as
// that is sure to give what a full replay gives:
//
//   - no event known to the snapshot is gone or changed: every month
//     folder it knew is still there, those whose time is unchanged hold
//     the same files, and the others still hold every event it knew
//     (the hashes of each month's events are in the snapshot);
//   - every new event reads without a problem, links only to new events
//     and to the snapshot's heads, and follows every one of those heads
//     (journal.ReadSince): in the journal's order it comes after every
//     event the snapshot replayed, so replay meets the old events exactly
//     as before and then the new ones; or, for events written
//     concurrently with some of the snapshot's (a pull of another clone's
//     work), their places among the old events are known from the tail
//     of the order the snapshot keeps (journal.Merge) and replaying them
//     on top gives what replaying them at those places gives (commutes);
//   - every new event passes its checks and takes effect (a refused or
//     superseded one needs its causal past: validInPast);
//   - no new event is of a kind whose rule reads what a snapshot does not
//     keep: the journal's events (journal.decision's target), replay's
//     second pass (member.remove, but for one that closes no loans:
//     memberStep), nor the genesis or a policy change (crm.yaml changes
//     with it: no snapshot stands then): the registry says so of each
//     kind (KindSpec.Reach);
//   - no member's own work ordered after new keys of theirs stands beside
//     them (rotatedSigners): a full replay judges it by the key before.
//
// Anything else replays the whole journal, as before.

// advanceable reports whether an event of kind k may be replayed on top of
// a snapshot (see above).
func advanceable(k journal.Kind) bool {
	spec := SpecOf(k)
	return spec != nil && spec.Reach != ReachJournal
}

// scoped reports whether every event of j is about one dossier and
// changes nothing but that dossier, its register entries and what is not
// about dossiers: then the state of that dossier's part of a snapshot is
// all a replay of it on top needs (OpenOptions.Only).
func scoped(j *journal.Journal) bool {
	return !slices.ContainsFunc(j.Events, func(e *journal.Event) bool { return !scopedKind(e.Kind) })
}

// runScoped reports whether each event of j can be replayed in a run of
// parts that holds its dossier's part and every old loan (saveInGroups,
// runsState), as a full replay replays it: it reads and changes only its
// own dossier (scoped), or a step on a loan, which also reads every
// loan's id (ownParts), when no two loan requests of j name the same
// loan. The rules of loan steps read nothing of other dossiers but
// whether a loan id is in use (a request's) and whether the loan named is
// this dossier's (every other step's: loanOf). With the requests' ids all
// different, a request's id is in use only if an old loan has it, which
// every run holds; a loan requested in another run is another dossier's,
// which a step refuses in either state, in the same words. Not a step on
// a destruction request: a run holds the old loans, not the requests.
//
// Steps on members (memberStep) are left out: every run replays them at
// their places, on maps of members of its own (State.ownMembers).
func runScoped(j *journal.Journal) bool {
	j = withoutMemberSteps(j)
	if scoped(j) {
		return true
	}
	if !ownParts(j) || destructionSteps(j) {
		return false // a run holds the old loans, not the requests
	}
	_, ok := loanRequests(j)
	return ok
}

// groupScoped reports whether saveInGroups can advance a snapshot by j's
// events a run of parts at a time: they are runScoped, but for sign-offs
// of a quarter's 核定 (signoffRuns), which every run replays.
func groupScoped(j *journal.Journal) bool {
	rest, ok := signoffRuns(j)
	return ok && runScoped(rest)
}

// signoffRuns splits off j's sign-offs (KindReviewSignoff): it returns a
// journal of j's other events, for the predicates on them, and whether
// every sign-off can be replayed in each run of saveInGroups' parts. A
// sign-off changes the reviews of the quarter not yet signed, of every
// dossier: each run replays it on its own dossiers' reviews and checks
// that the dossiers it lists there are the ones it signs there (State.
// inRun). Those checks together are the check of the whole state when
// the list is sorted, each dossier once, and not empty, as checked here;
// anything else is replayed on the whole state, which says what is wrong.
func signoffRuns(j *journal.Journal) (*journal.Journal, bool) {
	if !slices.ContainsFunc(j.Events, isSignoff) {
		return j, true
	}
	rest := &journal.Journal{}
	for _, e := range j.Events {
		if !isSignoff(e) {
			rest.Events = append(rest.Events, e)
			continue
		}
		var x ReviewSignoff
		if e.Decode(&x) != nil || len(x.Dossiers) == 0 || !slices.IsSorted(x.Dossiers) || len(slices.Compact(slices.Clone(x.Dossiers))) != len(x.Dossiers) {
			return nil, false
		}
	}
	return rest, true
}

func isSignoff(e *journal.Event) bool { return e.Kind == KindReviewSignoff }

// memberStep reports whether e adds a member, changes one's roles or
// removes one without closing loans: its rule reads and changes the
// members, the roles they held and the removals, which every state holds,
// and nothing of the dossiers. A run of parts replays it at its place, as
// a full replay does, and so does the header's state (saveInGroups): the
// rules of the steps after it, in every run, see the members it leaves. A
// member added to a department of 100,000 dossiers has 63,000 files
// re-encrypted to them, a leaver as many without them: their batch and
// every member's next command took the snapshot's whole state (1.2 GB),
// or for a removal replayed the journal (1.9 GB), while those steps were
// not replayed in runs.
//
// A removal that closes loans (the leaver's), or a role change that ends
// them (R7.1), changes those loans, of other dossiers: it is replayed on a
// whole state (endsLoans). One that closes none
// is a step on the members only: replay's second pass, which refuses a
// leaver's steps that their removal does not follow, is then the check
// an advance makes of every new event with the removal known from the
// start (removalsAfter), as the second pass makes it.
//
// New keys for a member (member.rotate) change the members and the key
// history, which every state holds, and make stale every file encrypted
// to the member's old key: the rotation marks it so in the dossiers and
// rows a state took from a snapshot (MemberRotate.apply). It is a step on
// the members for a run that holds every part (saveInGroups names them
// all when one is new: keyChange), or for a batch's runs, whose dossiers
// are marked as they are read; not for a state of some parts that is
// saved (partsAdvance), whose other parts' rows would stay as they were.
func memberStep(e *journal.Event) bool {
	switch e.Kind {
	case KindMemberAdd, KindMemberRotate:
		return true
	case KindMemberRoles, KindMemberRemove:
		return !endsLoans(e)
	}
	return false
}

// endsLoans reports whether e is a step on a member that ends loans of
// theirs, of other dossiers: a removal that closes them, or a role change
// that takes away the role that may borrow (R7.1). (Or one that cannot be
// decoded.) It is replayed on a whole state, never advanced over.
func endsLoans(e *journal.Event) bool {
	switch e.Kind {
	case KindMemberRoles:
		var x MemberRoles
		return e.Decode(&x) != nil || len(x.Loans) > 0
	case KindMemberRemove:
		var x MemberRemove
		return e.Decode(&x) != nil || len(x.Loans) > 0
	}
	return false
}

// removalsAfter is the removals replay's second pass would refuse a
// leaver's steps by after j (State.removals): the snapshot's, those
// before j, and j's own (memberStep). An advance that replays j with them
// refuses what the second pass refuses; if one of j's removals does not
// take effect, the advance fails, as it does on any step refused. false
// if a removal of j cannot be read, or the passes of the replay before
// (agree: State.passesAgree) may have disagreed: the removals are those
// the first pass took, which may then have refused one of j's that the
// state before (the second pass's) takes. (From a review: a removal of
// a member whose removal the second pass refused was saved among them.)
func removalsAfter(before map[string][]string, agree bool, j *journal.Journal) (map[string][]string, bool) {
	removals, own := before, false
	for _, e := range j.Events {
		if e.Kind != KindMemberRemove {
			continue
		}
		var x MemberRemove
		if !agree || e.Decode(&x) != nil {
			return nil, false
		}
		if !own {
			removals, own = cloneLists(before), true
			if removals == nil {
				removals = map[string][]string{}
			}
		}
		removals[x.Member] = append(removals[x.Member], e.Hash)
	}
	return removals, true
}

// cutsIn is every change of roles among j's events, as if each cut
// them (member → the changes, with the roles each gives): an advance
// judges j's steps by them from the start (State.losses), as a replay's
// second pass judges steps ordered before a cut. A step of j written
// where a change of j was not heard of, which it refuses, then fails
// the advance, whichever the merge orders first, and the journal is
// replayed. (The snapshot's own changes come before every new event.)
// false if one cannot be read.
func cutsIn(j *journal.Journal) (map[string][]RoleSpell, bool) {
	var cuts map[string][]RoleSpell
	for _, e := range j.Events {
		if e.Kind != KindMemberRoles {
			continue
		}
		var x MemberRoles
		if e.Decode(&x) != nil {
			return nil, false
		}
		if cuts == nil {
			cuts = map[string][]RoleSpell{}
		}
		cuts[x.Member] = append(cuts[x.Member], RoleSpell{From: e.Time, Roles: x.Roles, Event: e.Hash})
	}
	return cuts, true
}

// cloneLists is a copy of m (nil if m is) whose lists a step may append
// to, leaving m's as they were.
func cloneLists[V any](m map[string][]V) map[string][]V {
	if m == nil {
		return nil
	}
	out := make(map[string][]V, len(m))
	for k, v := range m {
		out[k] = slices.Clip(v)
	}
	return out
}

// withoutMemberSteps is j without its steps on members (memberStep), or j
// itself if it has none.
func withoutMemberSteps(j *journal.Journal) *journal.Journal {
	if !slices.ContainsFunc(j.Events, memberStep) {
		return j
	}
	rest := &journal.Journal{}
	for _, e := range j.Events {
		if !memberStep(e) {
			rest.Events = append(rest.Events, e)
		}
	}
	return rest
}

// ownMembers gives s maps of the members and of the roles they held of
// its own, so that steps on members replayed on s (a run's state) leave
// the maps of the state it was copied from as they were. (The removals
// that took effect and the key changes a snapshot's state takes as copies
// of its own: snapLoad.state.)
func (s *State) ownMembers() {
	s.Members = maps.Clone(s.Members)
	rh := make(map[string][]RoleSpell, len(s.RoleHistory))
	for id, sp := range s.RoleHistory {
		rh[id] = slices.Clip(sp) // a step appends to a copy
	}
	s.RoleHistory = rh
}

// sameMembers reports whether the members of a and b, the roles they held,
// their key changes and the removals are the same: every run's state and
// the header's after the steps on members they replayed.
func sameMembers(a, b *State) bool {
	return maps.EqualFunc(a.Members, b.Members, func(x, y *Member) bool { return reflect.DeepEqual(x, y) }) &&
		maps.EqualFunc(a.RoleHistory, b.RoleHistory, func(x, y []RoleSpell) bool { return reflect.DeepEqual(x, y) }) &&
		maps.Equal(a.rotated, b.rotated) && maps.EqualFunc(a.keyChanges, b.keyChanges, slices.Equal) &&
		maps.EqualFunc(a.removed, b.removed, slices.Equal) && maps.EqualFunc(a.removals, b.removals, slices.Equal)
}

// destructionSteps reports whether a step on a destruction request is
// among j's events: its rule reads every request's id, which a state of
// some parts then holds (advancedParts).
func destructionSteps(j *journal.Journal) bool {
	return slices.ContainsFunc(j.Events, func(e *journal.Event) bool {
		spec := SpecOf(e.Kind)
		return spec != nil && spec.Workflow == WorkflowDestroy
	})
}

// loanRequests is the loan ids of j's loan requests, false when one cannot
// be read or two are the same.
func loanRequests(j *journal.Journal) (map[string]bool, bool) {
	ids := map[string]bool{}
	for _, e := range j.Events {
		if e.Kind != KindLoanRequest {
			continue
		}
		var x LoanRequest
		if e.Decode(&x) != nil || ids[x.Loan] {
			return nil, false
		}
		ids[x.Loan] = true
	}
	return ids, true
}

// scopedKind reports whether the rule of an event of kind k reads and
// changes nothing about dossiers but the one it names.
func scopedKind(k journal.Kind) bool {
	spec := SpecOf(k)
	return spec != nil && spec.Reach == ReachDossier
}

// ownParts reports whether every event of j changes nothing about dossiers
// but the one it names (ownPart): a state that holds every loan and
// destruction request can be advanced by them.
func ownParts(j *journal.Journal) bool {
	return !slices.ContainsFunc(j.Events, func(e *journal.Event) bool { return !ownPart(e.Kind) })
}

// ownPart reports whether an event of kind k changes nothing about
// dossiers but the one it names, so that the snapshot's parts of the
// others stay as they were.
func ownPart(k journal.Kind) bool {
	spec := SpecOf(k)
	return spec != nil && (spec.Reach == ReachDossier || spec.Reach == ReachOwnPart)
}

// partsAdvance reports whether a state of some parts of a snapshot can be
// advanced by every event of j (partScoped, or a step on the members
// only: a removal that closes no loans, memberStep): fewParts,
// savableParts. (A removal's re-encryption right after it, when no
// snapshot could be saved in groups, took the whole state.)
func partsAdvance(j *journal.Journal) bool {
	return !slices.ContainsFunc(j.Events, func(e *journal.Event) bool {
		return !partScoped(e.Kind) && (!memberStep(e) || keyChange(e))
	})
}

// keyChange reports whether e gives a member new keys (member.rotate): a
// step on the members that changes what every part's dossiers and rows
// hold as stale (memberStep).
func keyChange(e *journal.Event) bool { return e.Kind == KindMemberRotate }

// rotatedSigners reports whether every event of j that a member signed
// after new keys of theirs in j follows them: then the key that signed
// it is the new one in a full replay too. A full replay judges a
// member's own work that does not follow their new keys (written in a
// clone that had not heard of them) by their old key (signingKeyOf),
// which a state taken from a snapshot cannot tell for dossiers it holds
// no events of: such an event is replayed on the whole journal.
func rotatedSigners(j *journal.Journal) bool {
	var rotations map[string][]*journal.Event
	for _, e := range j.Events {
		for _, r := range rotations[e.Actor] {
			if !j.Follows(e, r.Hash) {
				return false
			}
		}
		if keyChange(e) {
			var x MemberRotate
			if e.Decode(&x) != nil {
				return false
			}
			if rotations == nil {
				rotations = map[string][]*journal.Event{}
			}
			rotations[x.Member] = append(rotations[x.Member], e)
		}
	}
	return true
}

// partScoped reports whether an event of kind k changes nothing about
// dossiers but the one it names (ownPart) or only what a snapshot's header
// holds (ReachHeader: a state of some parts holds every hand-in and
// statistics request, and the parts of eventParts). Not for onePart, which
// replays only the events of its part (a hand-in's fold needs its
// submission.add), nor for a run of parts (runScoped), whose header's
// hand-ins no run holds alone.
func partScoped(k journal.Kind) bool {
	spec := SpecOf(k)
	return spec != nil && (spec.Reach == ReachDossier || spec.Reach == ReachOwnPart || spec.Reach == ReachHeader)
}

// readsOneDossier reports whether every event of j reads of the dossiers
// and registers only the dossier whose part eventParts gives, if any
// (scoped, and ReachHeader): a state of some parts advanced by them needs
// no loan of other dossiers (advancedParts).
func readsOneDossier(j *journal.Journal) bool {
	return !slices.ContainsFunc(j.Events, func(e *journal.Event) bool {
		spec := SpecOf(e.Kind)
		return spec == nil || spec.Reach != ReachDossier && spec.Reach != ReachHeader
	})
}

// eventParts calls f with the dossiers whose parts a replay of e on a
// state of some parts needs: the one it names, and the one a hand-in is
// about (its level and status decide the hand-in's rule). A hand-in that
// cannot be decoded names none: replay refuses it, and advance then
// gives up. An event about no dossier (a hand-in, a statistics request)
// needs none.
func eventParts(e *journal.Event, f func(id string)) {
	if e.Dossier != "" || !partScoped(e.Kind) {
		f(e.Dossier)
	}
	if e.Kind == KindSubmissionAdd {
		var x SubmissionAdd
		if e.Decode(&x) == nil && x.About != "" {
			f(x.About)
		}
	}
}

// readSince reads the events added to the journal since snap was made
// (read from f), whose folders are now dirs: false if it cannot tell them
// from the old ones (see above).
func (a *Archive) readSince(snap *snapshot, f *os.File, base int64, dirs []dirStamp) (*journal.Journal, []journal.Listed, bool) {
	heads := make(map[string]time.Time, len(snap.Heads))
	for _, h := range snap.Heads {
		t, ok := snap.HeadTimes[h]
		if !ok {
			return nil, nil, false
		}
		heads[h] = t
	}
	old := make(map[string]int64, len(snap.Dirs))
	for _, d := range snap.Dirs {
		old[d.Rel] = d.MTime
	}
	seen := 0
	var changed []string
	for _, d := range dirs {
		t, was := old[d.Rel]
		if was {
			seen++
		}
		if (!was || t != d.MTime) && strings.Count(d.Rel, "/") == 2 {
			changed = append(changed, d.Rel)
		}
	}
	if seen != len(old) || len(changed) == 0 {
		return nil, nil, false // a folder is gone, or no month changed
	}
	part := make(map[string]int, len(snap.Months))
	for i, rel := range snap.Months {
		part[rel] = snapBuckets + i
	}
	for _, rel := range changed {
		if _, was := old[rel]; was {
			if _, ok := part[rel]; !ok {
				return nil, nil, false
			}
		}
	}
	// The events known in a changed folder are read from the snapshot
	// when the folder is listed, not when its listing memo stands for
	// it (a quarter's month knows ~100,000).
	known := map[string][]string{}
	unread := false // a month part that cannot be read: not advanced
	knownIn := func(rel string) []string {
		hs, done := known[rel]
		_, was := old[rel]
		if done || !was {
			return hs
		}
		monthPartReads.Add(1)
		b, ok := snap.rawPart(f, base, part[rel])
		if ok {
			hs, ok = unpackHashes(b)
		}
		unread = unread || !ok
		known[rel] = hs
		return hs
	}
	// Checked as read, on every core, when every new event is replayed:
	// not for a command about one dossier, which may replay only the
	// events of its part (onePart; 900 others checked made show 3.5×
	// slower at 400 dossiers), but past the most it does that for
	// (fewParts), as those are all replayed.
	hint := snap.state.keyHint()
	if a.only != "" {
		hint = pastFirst(maxPartialAdvance, hint)
	}
	memo := a.jc.readListMemo(snap.mac)
	j, listed, ok, err := journal.ReadSince(a.ctx, a.Dir, changed, journal.Since{
		Heads: heads,
		Known: knownIn,
		MTime: func(rel string) int64 { return old[rel] },
		Hint:  hint,
		Tail:  func() (journal.Tail, bool) { return snap.orderTail(f, base) },
		Memo: func(rel string) (journal.MemoFolder, bool) {
			m, ok := memo[rel]
			return m, ok
		},
	})
	if err != nil || !ok || unread || j.Merge != nil && !commutes(j, snap) {
		return nil, nil, false
	}
	return j, listed, true
}

// commutes reports whether j's events, read since snap was made and
// written concurrently with some of its events (j.Merge.Side), give on
// top of the snapshot what a full replay gives, where they take their
// places among those (journal.Merge):
//
//   - every one of them, new and concurrent old, is about one dossier
//     and its rule reads and changes nothing about other dossiers but
//     whether an id it takes is in use (ownPart): a dossier's steps, a
//     loan's, a destruction's;
//   - no dossier has events on both sides: the rules of each (roles,
//     concurrent steps, pins, its loans and destruction requests) see
//     the same events in the same order as a full replay, and the events
//     of the others do not reach it;
//   - no concurrent old step of a kind that takes an id was refused (a
//     problem, or superseded).
//
// An id in use (a loan's, a destruction request's) is the one thing a
// rule reads across the sides. A new request whose id an old one took is
// refused on top of a snapshot's state with every loan and request, so
// that advance fails and the journal is replayed, whichever of the two a
// full replay puts first (a state of one part is not taken after such a
// merge: onePart). An old
// request is judged again by neither: taken, it stays taken (a new
// request cannot free an id); refused, a new request of its id could
// change the words of its refusal, hence the last condition. A new step
// on an old loan or request is its dossier's, on both sides if the
// request is of the other side, or refused (loanOf, requestOf) in either
// order.
//
// Hand-ins (R6.1, R6.3) commute too, each about at most one dossier:
//
//   - a hand-in (submission.add) reads the level and status of the
//     dossier it is about, if any, and takes its hand-in's id; it changes
//     nothing but the hand-ins. One of this side took effect (it is in
//     snap's hand-ins under its event: one refused replays) and makes its
//     dossier this side's. One of the new events needs its dossier, if
//     any, not to be this side's; an id both sides took refuses the new
//     one on top of the snapshot, and the journal is replayed;
//   - folding a hand-in into a dossier (submission.merge) and turning one
//     down (submission.reject) read and change the hand-in, which the
//     step follows. The hand-in is then no longer waiting, so a step of
//     the other side on it (folding or turning down the same hand-in in
//     both clones) is refused on top of the snapshot, and the journal is
//     replayed, whichever side the first is on. One of this side that was
//     refused replays, as a refused loan request does. A fold is its
//     dossier's step like any other.
//
// Steps on statistics requests (R6.7) read and change the requests only
// (and read the members, whose changes replay): with such steps on one
// side only, the other side's events neither read nor change what they
// read. With steps on both sides (one request signed here and rejected
// there), the journal is replayed.
//
// A step of this side that was refused (a problem, or superseded) and that
// a full replay keeps before every new event (not in j.Merge.After) is
// judged there on the same events in the same order as in snap, so in the
// same words, and a refused step changes nothing the new events read: it
// is passed over, whatever its kind (not one whose rule reads the
// journal). A problem stays a head of the journal until a manager's
// decision settles it, as every later step follows the good heads only
// (a superseded step counts as good: later steps follow it): every later
// pull and every later step of this clone meets it on this side; once any
// event comes after it in the journal's order, it is never in After
// again.
//
// The register entries of the old events a full replay puts after a new
// one (j.Merge.After) and of the new events are then put in the merged
// order (movesOf, placeEntries; loans, destructions and hand-ins make
// none). Anything else (an edit of one dossier in both clones, a
// sign-off, a member change) replays the whole journal, as before.
func commutes(j *journal.Journal, snap *snapshot) bool {
	mine := map[string]bool{}
	var refused map[string]bool
	wasRefused := func(h string) bool {
		if refused == nil {
			refused = refusedOf(snap)
		}
		return refused[h]
	}
	moved := make(map[string]bool, len(j.Merge.After))
	for _, e := range j.Merge.After {
		moved[e.Hash] = true
	}
	var handIns map[string]*Submission // snap's, by their submission.add
	requests := false                  // a step on a statistics request on this side
	for _, e := range j.Merge.Side {
		if !moved[e.Hash] && advanceable(e.Kind) && wasRefused(e.Hash) {
			continue
		}
		switch e.Kind {
		case KindSubmissionAdd:
			if handIns == nil {
				handIns = snap.state.handInsByEvent()
			}
			sub := handIns[e.Hash]
			if sub == nil {
				return false // refused: in what words may depend on the order
			}
			if sub.About != "" {
				mine[sub.About] = true
			}
			continue
		case KindSubmissionMerge, KindSubmissionReject:
			if wasRefused(e.Hash) || e.Kind == KindSubmissionMerge && e.Dossier == "" {
				return false
			}
			if e.Dossier != "" {
				mine[e.Dossier] = true
			}
			continue
		case KindRequestStats, KindRequestEndorse, KindRequestApprove, KindRequestReject:
			requests = true
			continue
		}
		if !ownPart(e.Kind) || e.Dossier == "" {
			return false
		}
		if !scopedKind(e.Kind) && wasRefused(e.Hash) {
			return false
		}
		mine[e.Dossier] = true
	}
	for _, e := range j.Events {
		switch e.Kind {
		case KindSubmissionAdd:
			var x SubmissionAdd
			if e.Decode(&x) != nil || x.About != "" && mine[x.About] {
				return false
			}
			continue
		case KindSubmissionReject:
			continue
		case KindSubmissionMerge:
			if e.Dossier == "" || mine[e.Dossier] {
				return false
			}
			continue
		case KindRequestStats, KindRequestEndorse, KindRequestApprove, KindRequestReject:
			if requests {
				return false
			}
			continue
		}
		if !ownPart(e.Kind) || e.Dossier == "" || mine[e.Dossier] {
			return false
		}
	}
	return true
}

// handInsByEvent is s's hand-ins by the hash of their submission.add.
func (s *State) handInsByEvent() map[string]*Submission {
	out := make(map[string]*Submission, len(s.Submissions))
	for _, sub := range s.Submissions {
		out[sub.Event] = sub
	}
	return out
}

// refusedOf is the hashes of the events that took no effect in snap's
// state: its problems and those superseded.
func refusedOf(snap *snapshot) map[string]bool {
	refused := map[string]bool{}
	for _, ps := range [][]journal.Problem{snap.state.Problems, snap.state.Superseded} {
		for _, p := range ps {
			if h, ok := journal.HashOfPath(p.Path); ok {
				refused[h] = true
			}
		}
	}
	return refused
}

// advance replays on s, the state of snap, the events of j added since,
// and puts the register entries where mv says (placeEntries): false if
// that cannot stand for a full replay (see above), and then s is not to
// be used. With in (onePart, saveInGroups) only the events it says (by
// their index in j.Events) are replayed: the others stay in s.Journal,
// for their links, unread and unchecked.
func (a *Archive) advance(s *State, snap *snapshot, j *journal.Journal, mv *regMoves, in func(i int) bool) bool {
	for _, e := range j.Events {
		if !advanceable(e.Kind) && !memberStep(e) || endsLoans(e) {
			return false
		}
	}
	if !rotatedSigners(j) {
		return false
	}
	removals, ok := removalsAfter(snap.Removals, s.passesAgree, j)
	if !ok {
		return false
	}
	losses, ok := cutsIn(j)
	if !ok {
		return false
	}
	s.Journal, s.removals, s.losses = j, removals, losses
	defer func() { s.losses = nil }()
	for i, e := range j.Events {
		if in != nil && !in(i) {
			s.idUsed(e) // as a replay counts even a refused create's
			s.skipped = true
			continue
		}
		st, err := s.prepare(e, true)
		if err != nil {
			return false
		}
		st.commit()
	}
	if !s.placeEntries(mv, j, in) {
		return false
	}
	// What a snapshot's state holds: no events, their paths.
	for _, e := range j.Events {
		if d := s.Dossiers[e.Dossier]; d != nil && d.Events != nil {
			s.eventPaths[d.ID] = s.eventPathsOf(d.ID)
			d.Stale = s.StaleKeys(d) // a file written since follows every key change
			d.Events, d.WrittenBy = nil, nil
		}
	}
	return true
}

// pastFirst is hint for the events read after the first n, and no key for
// those (each is asked about once, as it is read).
func pastFirst(n int64, hint journal.KeyHint) journal.KeyHint {
	var seen atomic.Int64
	return func(actor string) (string, ed25519.PublicKey) {
		if seen.Add(1) <= n {
			return "", nil
		}
		return hint(actor)
	}
}

// checkAsRead checks on every core, with the members' keys hint gives,
// the signatures of j's events that were read without it, and lets go of
// their bytes, as readSince does when every new event is replayed: a
// command about one dossier reads the first ones unchecked (pastFirst),
// and then saves the snapshot in groups, which replays them all. At
// 100,000 dossiers, show after a pulled quarterly batch checked 78,073
// signatures on one core, holding their files: 15.1 s and 337 MB; with
// this, 11.9 s and 296 MB, and with pastFirst too, 11.4-11.9 s and 243
// MB (list: 11.7 s, 242 MB).
func checkAsRead(ctx context.Context, j *journal.Journal, hint journal.KeyHint) {
	procs := runtime.GOMAXPROCS(0)
	work.Each(ctx, "", procs, func(r int) {
		for i := r; i < len(j.Events); i += procs {
			e := j.Events[i]
			if e.Checked() {
				continue
			}
			if key, pub := hint(e.Actor); pub != nil {
				e.SetVerdict(key, e.Verify(pub))
				e.Compact()
			}
		}
	})
}

// keyHint gives each member's signing key in s: the key their events
// after s are most likely judged by (journal.ReadSince checks them as it
// reads them, on every core, and lets go of their bytes).
func (s *State) keyHint() journal.KeyHint {
	type key struct {
		key string
		pub ed25519.PublicKey
	}
	keys := make(map[string]key, len(s.Members))
	for id, m := range s.Members {
		if pub, err := ParseSigningKey(m.SigningKey); err == nil {
			keys[id] = key{m.SigningKey, pub}
		}
	}
	return func(actor string) (string, ed25519.PublicKey) {
		k := keys[actor]
		return k.key, k.pub
	}
}

// someParts is what writeSnapshot needs, besides a state of some parts of
// a snapshot advanced by new events (saveAdvancedParts), to write the
// snapshot of the whole.
type someParts struct {
	held     map[int]bool // the parts the state holds (encoded again)
	changes  []seqChange  // the classification register entries it holds, at their places
	refs     []reviewRef  // and the 核定 register's
	nChanges int          // how many entries each register has in all
	nReviews int
	// regs has every dossier's row, loan and destruction request: the
	// rows and registers parts.
	regs *State
	// hist is the old snapshot's histories part, whose records of the
	// dossiers the state holds are made again (mergeHistories).
	hist []byte
}

// saveAdvancedParts saves the snapshot of the whole archive from s, the
// state of the parts l read advanced by the new events j, which change
// nothing but the dossiers they name (ownParts): the parts s holds are
// encoded again, the others copied from the old snapshot, the rows of the
// dossiers s holds made again and the others kept, and every loan and
// destruction request is in regs (the registers part merged with s's).
// Many new events (a pull of a week's work, maintain's declassifications)
// then cost what they name, not the whole state (~3 s and a gigabyte at
// 100,000 dossiers), once. Nothing is saved when anything does not add up.
func (a *Archive) saveAdvancedParts(l *snapLoad, s *State, j *journal.Journal, regs *snapRegisters) {
	snap := l.snap
	if !a.rowsAtClock(snap, j) {
		return
	}
	// Commands run back to back (a script's loop of review done) find
	// the folder they write in changed within the racy window at every
	// open, and a snapshot cannot stand for it: the save due here never
	// happened, and each command read every part the unsaved events
	// named, more each time (at 100,000 dossiers 0.05 s for the first
	// write, 0.25 s after forty, growing). It waits the window out once
	// and lists that folder again, as the grouped save does.
	l.listed = settleListed(a.Dir, l.dirs, l.listed)
	months, ok := a.advancedMonths(snap, l.f, l.base, l.dirs, l.listed)
	if !ok {
		return
	}
	rows, ok := l.rowsPart()
	if !ok {
		return
	}
	hist, ok := l.historiesPart()
	if !ok {
		return
	}
	some := &someParts{held: map[int]bool{}, hist: hist}
	for k, p := range l.parts {
		if p == nil {
			return
		}
		some.held[k] = true
	}
	var n [nRegs]int
	if some.changes, some.refs, n, ok = registerPlaces(s, true); !ok {
		return
	}
	some.nChanges, some.nReviews = n[regChanges], n[regReviews]
	// Every loan is in s (advancedParts); the destruction requests of the
	// dossiers it does not hold are the registers part's.
	all := &State{summary: true, rows: mergeRows(rows, s), Loans: s.Loans, Destructions: maps.Clone(s.Destructions)}
	for _, r := range regs.Destructions {
		if s.Dossiers[r.Dossier] == nil {
			all.Destructions[r.ID] = r
		}
	}
	some.regs = all
	a.writeSnapshot(s, j, l.dirs, months, &snapSource{snap, l.f, l.base}, nil, some)
}

// rowsAtClock reports whether rows remade at the clock (mergeRows) may
// stand beside snap's advanced by j: the clock is at or after every
// event, as a whole state's rows are (writeSnapshot).
func (a *Archive) rowsAtClock(snap *snapshot, j *journal.Journal) bool {
	return !a.now.Before(snap.Latest) && !slices.ContainsFunc(j.Events, func(e *journal.Event) bool { return a.now.Before(e.Time) })
}

// registerPlaces are the classification and 核定 register entries of s, a
// state of some parts of a snapshot as loaded (advanced by new events:
// placeEntries; no step taken on it since), at their places in the whole
// registers, and how many entries each register has in all. With all,
// false unless s holds every old entry a merge moved (else another part
// keeps it at its old place).
func registerPlaces(s *State, all bool) (changes []seqChange, refs []reviewRef, n [nRegs]int, ok bool) {
	seqs := s.partSeqs
	if seqs == nil || len(s.Changes) != len(seqs.changes) || len(s.Reviews) != len(seqs.reviews) ||
		all && seqs.movedHeld != seqs.movedWant {
		return nil, nil, n, false
	}
	for i, c := range s.Changes {
		changes = append(changes, seqChange{seqs.changes[i], c})
	}
	if refs, ok = reviewRefs(s); !ok {
		return nil, nil, n, false
	}
	for i := range refs {
		refs[i].Seq = seqs.reviews[i]
	}
	return changes, refs, seqs.n, true
}

// advancedMonths checks that the journal's folders are still dirs, each
// older than its window (journal.SettleWindow), as the folders listed
// since snap were, and returns each month folder's part: the new
// listing's hashes for the folders that changed, snap's part (copied from
// its file) for the others.
func (a *Archive) advancedMonths(snap *snapshot, f *os.File, base int64, dirs []dirStamp, listed []journal.Listed) (map[string]monthPart, bool) {
	now := time.Now()
	mtime := make(map[string]int64, len(dirs))
	for _, d := range dirs {
		if d.MTime >= now.Add(-journal.SettleWindow(d.MTime)).UnixNano() {
			return nil, false
		}
		mtime[d.Rel] = d.MTime
	}
	months := make(map[string]monthPart, len(snap.Months)+len(listed))
	for i, l := range listed {
		if l.MTime == 0 || l.MTime != mtime[l.Rel] {
			return nil, false
		}
		if l.Memo {
			// A folder taken from the listing memo had its known files'
			// times checked when it was listed, not now: a file
			// rewritten in place since (its folder's time unchanged)
			// would be stood for by the snapshot saved. It is listed
			// again first, as a listing then would have.
			now, ok := a.recheck(snap, f, base, l)
			if !ok {
				return nil, false
			}
			listed[i], l = now, now
		}
		b, ok := packHashes(l.Hashes)
		if !ok {
			return nil, false
		}
		months[l.Rel] = monthPart{packed: b, old: -1}
	}
	for i, rel := range snap.Months {
		if _, ok := months[rel]; !ok {
			months[rel] = monthPart{old: snapBuckets + i}
		}
	}
	if now, ok := journalDirs(a.Dir); !ok || !slices.Equal(now, dirs) || len(months) != countDepth(dirs, 2) {
		return nil, false
	}
	a.carryListed = listed // for the memo of the snapshot saved (writeSnapshotFile)
	return months, true
}

// recheck is journal.Recheck of the folder listed as l, against the
// events snap knew in it (none for a folder it did not have) and the time
// it had then.
func (a *Archive) recheck(snap *snapshot, f *os.File, base int64, l journal.Listed) (journal.Listed, bool) {
	var known []string
	var old int64
	for _, d := range snap.Dirs {
		if d.Rel == l.Rel {
			old = d.MTime
		}
	}
	if i := slices.Index(snap.Months, l.Rel); i >= 0 {
		b, ok := snap.rawPart(f, base, snapBuckets+i)
		if !ok {
			return l, false
		}
		if known, ok = unpackHashes(b); !ok {
			return l, false
		}
	}
	return journal.Recheck(a.Dir, l, known, old)
}

// saveAdvanced saves the snapshot of state s, advanced from snap by the
// events of j read from the month folders listed (the register entries
// placed by mv), if every folder of the journal is as it was listed and
// older than the racy window.
func (a *Archive) saveAdvanced(snap *snapshot, f *os.File, base int64, s *State, j *journal.Journal, mv *regMoves, dirs []dirStamp, listed []journal.Listed) {
	months, ok := a.advancedMonths(snap, f, base, dirs, listed)
	if !ok {
		return
	}
	dirty, all := map[int]bool{}, false
	for _, e := range j.Events {
		dirty[snapBucket(e.Dossier)] = true
		all = all || !partScoped(e.Kind) // a hand-in or a request changes no part but its dossier's
	}
	for _, id := range mv.movedDossiers() {
		dirty[snapBucket(id)] = true // their entries' places changed
	}
	a.writeSnapshot(s, j, dirs, months, &snapSource{snap, f, base}, func(k int) bool { return !all && !dirty[k] }, nil)
}

// crashLeftovers reports whether a crashed step left what the repairs
// under the lock (repairCrash) settle from the journal's events: a
// temporary file in dossiers/ or members/, or a member file that is not
// what the state says. A step on a snapshot's state reads the journal
// first then.
func (a *Archive) crashLeftovers() bool {
	for i, dir := range cleanDirs {
		if a.cleanSince(i) {
			continue // as the last holder left it, with no temporary file
		}
		// Names only (no file types): dossiers/ holds a file per dossier.
		dirListings.Add(1)
		names, err := readNames(filepath.Join(a.Dir, dir))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return true
		}
		for _, name := range names {
			if _, ok := parseTemp(name); ok {
				return true
			}
		}
	}
	for _, m := range a.State.Members {
		want, err := memberFileBytes(m)
		have, rerr := sharedfile.ReadFile(filepath.Join(a.Dir, MembersDir, m.ID+".yaml"))
		if err != nil || rerr != nil || !bytes.Equal(have, want) {
			return true
		}
	}
	return false
}

// DossierLog returns the events that name dossier id, in journal order:
// from the replayed journal, or, for a state taken from a snapshot, read
// from their files by the paths the snapshot keeps (each checked against
// its name, which holds its hash). If one cannot be read, the journal is
// read and replayed instead.
func (a *Archive) DossierLog(id string) ([]*journal.Event, error) {
	d := a.State.Dossiers[a.CanonicalID(id)]
	if d == nil {
		return nil, failErr(l10n.Errorf("no dossier %s in this archive", id), NextList, "")
	}
	if !a.fromSnapshot {
		return d.Events, nil
	}
	if err := a.settle(); err != nil {
		return nil, err
	}
	paths := a.State.eventPathsOf(d.ID)
	out := make([]*journal.Event, 0, len(paths))
	for _, p := range paths {
		e, err := journal.ReadFile(a.Dir, p)
		if err != nil {
			if err := a.fullState(); err != nil {
				return nil, err
			}
			// The journal may not have the dossier (its creation edited):
			// what it says of id, from the replayed journal.
			return a.DossierLog(id)
		}
		out = append(out, e)
	}
	return out, nil
}

// readNames lists the names in a folder, unsorted.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// Uncounted is an event about a dossier that has no effect: a problem
// (verify reports it until a manager's decision settles it), a step made
// moot by a concurrent one (superseded), or one a decision rejected.
type Uncounted struct {
	// Event is the event; of one in the dossier's history read from a
	// snapshot (no events), its path and hash only.
	Event    *journal.Event
	Problem  string   // why it does not count; "" when rejected
	Rejected *Decided // the decision that rejected it, else nil
}

// UncountedOf lists the events about dossier id that do not count: `crm
// log ID` marks them in its history, or shows them where their times
// fall, so that whoever took a step that was refused (a role it lacked,
// a clock that was wrong), superseded (a concurrent step) or rejected
// sees that it is not in the dossier, and why. An event in the dossier's
// history is known as its own by its hash; another is read, from the
// journal held or its file, to see which dossier it names.
func (a *Archive) UncountedOf(id string) []Uncounted {
	id = a.CanonicalID(id)
	own := map[string]*journal.Event{}
	if d := a.State.Dossiers[id]; d != nil {
		for _, e := range d.Events {
			own[e.Hash] = e
		}
		if a.fromSnapshot {
			for _, p := range a.State.eventPathsOf(id) {
				if h, ok := journal.HashOfPath(p); ok && own[h] == nil {
					own[h] = &journal.Event{Path: p, Hash: h}
				}
			}
		}
	}
	find := func(path string) *journal.Event {
		h, ok := journal.HashOfPath(path)
		if !ok {
			return nil // not an event's file: verify names it
		}
		if e := own[h]; e != nil {
			return e
		}
		var e *journal.Event
		if j := a.State.Journal; j != nil {
			e = j.ByHash[h]
		}
		if e == nil {
			e, _ = journal.ReadFile(a.Dir, path)
		}
		if e == nil || e.Dossier != id {
			return nil
		}
		return e
	}
	var out []Uncounted
	for _, ps := range [][]journal.Problem{a.State.Problems, a.State.Superseded} {
		for _, p := range ps {
			if e := find(p.Path); e != nil {
				out = append(out, Uncounted{Event: e, Problem: p.Msg})
			}
		}
	}
	for i := range a.State.Decided {
		d := &a.State.Decided[i]
		if d.Decision != DecisionReject || d.Event == nil {
			continue
		}
		if e := find(d.Event.Path); e != nil {
			out = append(out, Uncounted{Event: e, Rejected: d})
		}
	}
	// By their paths: a path begins with its event's time.
	slices.SortStableFunc(out, func(x, y Uncounted) int { return strings.Compare(x.Event.Path, y.Event.Path) })
	return out
}
