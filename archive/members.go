package archive

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"crm/archive/journal"
	"crm/l10n"
)

// Payloads of the archive and member events.
type (
	// InitData is the genesis event's data: the archive's id, the hash of
	// its first policy, and the founding manager.
	InitData struct {
		ArchiveID    string `yaml:"archive_id" json:"archive_id"`
		PolicySHA256 string `yaml:"policy_sha256" json:"policy_sha256"`
		Member       Member `yaml:"member" json:"member"`
	}
	// PolicyUpdate records a new crm.yaml by its hash.
	PolicyUpdate struct {
		PolicySHA256 string `yaml:"policy_sha256" json:"policy_sha256"`
	}
	// MemberAdd records a new member (full public record).
	MemberAdd struct {
		Member Member `yaml:"member" json:"member"`
	}
	// MemberRoles replaces a member's roles, and lists the loans of theirs
	// whose access the change ends: those out when the new roles may not
	// borrow (R7.1).
	MemberRoles struct {
		Member string   `yaml:"member" json:"member"`
		Roles  []string `yaml:"roles" json:"roles"`
		Loans  []string `yaml:"loans,omitempty" json:"loans,omitempty"`
	}
	// MemberRemove records a leaver, why, and the loans (open or still
	// waiting) of theirs that the removal closes.
	MemberRemove struct {
		Member string   `yaml:"member" json:"member"`
		Reason string   `yaml:"reason,omitempty" json:"reason,omitempty"`
		Loans  []string `yaml:"loans,omitempty" json:"loans,omitempty"`
	}
	// MemberRotate gives a member new keys (a lost laptop): the files they
	// may read are re-encrypted to the new recipient.
	MemberRotate struct {
		Member     string `yaml:"member" json:"member"`
		Recipient  string `yaml:"recipient" json:"recipient"`
		SigningKey string `yaml:"signing_key" json:"signing_key"`
	}
)

func (x *InitData) check(c *step) error {
	s, e := c.s, c.e
	switch {
	case s.Genesis != "":
		return problemf("a second %s event: an archive has one genesis", kindWord(KindInit))
	case len(e.Prev) != 0:
		return problemf("the genesis event must not follow other events")
	case x.Member.ID == "" || x.Member.ID != e.Actor:
		return problemf("the genesis event must be signed by its founding member")
	case !slices.Contains(x.Member.Roles, "manager"):
		return problemf("the founding member %s is not a manager", x.Member.ID)
	}
	return nil
}

func (x *InitData) apply(c *step) {
	s := c.s
	s.Genesis, s.ArchiveID, s.PolicySHA256 = c.e.Hash, x.ArchiveID, x.PolicySHA256
	m := x.Member
	s.Members[m.ID] = &m
	s.setRoles(m.ID, c.e, m.Roles)
}

func (x *PolicyUpdate) check(c *step) error {
	if !journal.IsHash(x.PolicySHA256) {
		return problemf("unreadable policy data")
	}
	return nil
}

func (x *PolicyUpdate) apply(c *step) { c.s.PolicySHA256 = x.PolicySHA256 }

func (x *MemberAdd) check(c *step) error {
	m := x.Member
	if CheckMemberID(m.ID) != nil {
		return problemf("unreadable member data")
	}
	if c.s.Members[m.ID] != nil {
		// A repeated step (exit 1), as a repeated removal is, not a
		// usage error.
		return failErr(problemf("member %s already exists", m.ID), NextMemberRoles, m.ID)
	}
	if o := c.s.MemberByRecipient(m.Recipient); o != nil {
		return usageErr("recipient", l10n.Errorf("that public key already belongs to member %s", o.ID))
	}
	// A member who held another's signing key could sign steps in the
	// other's name (helper-94): refused, as MemberRotate.check refuses it,
	// when written and on replay.
	for _, o := range c.s.Members {
		if o.SigningKey == m.SigningKey && !o.Removed {
			return usageErr("signing-key", l10n.Errorf("that signing key already belongs to member %s", o.ID))
		}
	}
	return c.p.checkPosts(m.ID, m.Department, m.Roles)
}

// homePosts are the posts of the department that holds the archive
// (客服部): the archive is a commercial secret held only by it (R6.6,
// R7.2.5), so only its members hold them. Others come to the dossiers
// through a request and a loan (R6.7, R7.1).
var homePosts = []string{"clerk", "supervisor", "manager"}

// otherPosts are the roles a member of another department is given.
var otherPosts = []string{"dept_manager", "sales"}

// postsText is roles as a message offers them to type with --role:
// dept_manager, sales; in Chinese each with its title,
// dept_manager（其他部门经理）、sales（市场部业务人员）.
func (p *Policy) postsText(roles []string) l10n.Phrase {
	return l10n.Said(func(chinese bool) string {
		if !chinese {
			return strings.Join(roles, ", ")
		}
		out := make([]string, len(roles))
		for i, r := range roles {
			out[i] = r + "（" + p.RoleTitle(r) + "）"
		}
		return strings.Join(out, "、")
	})
}

// checkPosts refuses roles that are the home department's posts to a
// member of another department (dept; "" is the home department).
func (p *Policy) checkPosts(member, dept string, roles []string) error {
	if dept == "" || dept == p.HomeDepartment {
		return nil
	}
	for _, r := range roles {
		if slices.Contains(homePosts, r) {
			return usageErr("role", l10n.Errorf("%s (%s) is a post of %s, which alone holds the archive (R6.6, R7.2.5), and %s is of %s: give them a role of their department (%s), or add them as of %s if they work in it", r, p.RoleTitle(r), p.HomeDepartment, member, dept, p.postsText(otherPosts), p.HomeDepartment))
		}
	}
	return nil
}

func (x *MemberAdd) apply(c *step) {
	m := x.Member
	c.s.Members[m.ID] = &m
	c.s.setRoles(m.ID, c.e, m.Roles)
}

func (x *MemberRoles) check(c *step) error {
	m := c.s.Members[x.Member]
	if m == nil || m.Removed {
		return failErr(problemf("role change for an unknown member %s", x.Member), NextMemberList, "")
	}
	// A listed loan must be the member's, but need not still be out: a
	// return or expiry written concurrently in another clone and ordered
	// before the change leaves it nothing to end (apply skips it), as a
	// removal's closed loans do. Refused, the whole change of roles was
	// superseded and the member kept the role that may borrow.
	for _, id := range x.Loans {
		if l := c.s.Loans[id]; l == nil || l.Borrower != x.Member || hasAny(x.Roles, c.p.Loan.Borrowers) {
			return problemf("the role change of %s ends loan %q, which is not a loan of theirs, or they may still borrow", x.Member, id)
		}
	}
	return c.p.checkPosts(m.ID, m.Department, x.Roles)
}

func (x *MemberRoles) apply(c *step) {
	m := *c.s.Members[x.Member]
	if slices.ContainsFunc(m.Roles, func(r string) bool { return !slices.Contains(x.Roles, r) }) {
		// A loss of rights: the member's steps written where it was not
		// heard of are judged against it (State.lostRight).
		if c.s.lost == nil {
			c.s.lost = map[string][]RoleSpell{}
		}
		c.s.lost[x.Member] = append(c.s.lost[x.Member], RoleSpell{From: c.e.Time, Roles: slices.Clone(x.Roles), Event: c.e.Hash})
	}
	m.Roles = slices.Clone(x.Roles)
	c.s.Members[x.Member] = &m
	c.s.setRoles(x.Member, c.e, m.Roles)
	// Only managers and above borrow (R7.1): the loans it lists lose their
	// access, as a lapsed loan does (loan.expire); they are still to be
	// returned. (An older role change lists none and ends none, so that
	// old journals replay as they did.)
	for _, id := range x.Loans {
		l := c.s.Loans[id]
		if l == nil || !l.HasAccess() {
			continue
		}
		l.Expired = c.e.Time
		// A summary's row lists the borrowers its file is encrypted to
		// besides the level's readers: without them now (rowStale).
		if r := c.s.rowByID(l.Dossier); r != nil && slices.Contains(r.Borrowers, x.Member) {
			k := *r.rowKind
			k.Borrowers = slices.DeleteFunc(slices.Clone(k.Borrowers), func(b string) bool { return b == x.Member })
			r.rowKind = &k
		}
	}
}

// loansLosingAccess are the loans of member id that give access now and
// that a change to roles ends: all of them when roles may not borrow (R7.1).
func (s *State) loansLosingAccess(id string, roles []string) []string {
	if hasAny(roles, s.Policy.Loan.Borrowers) {
		return nil
	}
	var out []string
	for _, l := range s.SortedLoans() {
		if l.Borrower == id && l.HasAccess() {
			out = append(out, l.ID)
		}
	}
	return out
}

func (x *MemberRemove) check(c *step) error {
	if m := c.s.Members[x.Member]; m == nil || m.Removed {
		return failErr(problemf("removal of an unknown member %s", x.Member), NextMemberList, "")
	}
	for _, id := range x.Loans {
		if l := c.s.Loans[id]; l == nil || l.Borrower != x.Member {
			return problemf("the removal of %s closes loan %q, which is not theirs", x.Member, id)
		}
	}
	return nil
}

func (x *MemberRemove) apply(c *step) {
	m := *c.s.Members[x.Member]
	m.Removed = true
	c.s.Members[x.Member] = &m
	c.s.setRoles(x.Member, c.e, nil)
	// The loans it lists close with it: a leaver borrows nothing. (An
	// older removal lists none and closes none, so that old journals
	// replay as they did.)
	for _, id := range x.Loans {
		if l := c.s.Loans[id]; l != nil && l.Borrower == x.Member && l.Returned.IsZero() {
			l.Returned, l.ReturnedBy, l.Intact = c.e.Time, c.e.Actor, true
			l.ClosedByRemoval = cmpOr(x.Reason, "-")
		}
	}
	if c.s.removed == nil {
		c.s.removed = map[string][]string{}
	}
	c.s.removed[x.Member] = append(c.s.removed[x.Member], c.e.Hash)
}

func (x *MemberRotate) check(c *step) error {
	m := c.s.Members[x.Member]
	if m == nil || m.Removed {
		return failErr(problemf("new keys for an unknown member %s", x.Member), NextMemberList, "")
	}
	if _, err := ParseRecipient(x.Recipient); err != nil {
		return usageErr("public", err)
	}
	if _, err := ParseSigningKey(x.SigningKey); err != nil {
		return usageErr("public", err)
	}
	if (c.p.KeyKind == "pq") != isPQ(x.Recipient) {
		return usageErr("public", l10n.Errorf("this archive uses %s keys; age cannot mix post-quantum and X25519 recipients in one file", c.p.KeyKind))
	}
	for _, o := range c.s.Members {
		if o.Recipient == x.Recipient || o.SigningKey == x.SigningKey {
			return usageErr("public", l10n.Errorf("that public key already belongs to member %s", o.ID))
		}
	}
	return nil
}

func (x *MemberRotate) apply(c *step) {
	m := *c.s.Members[x.Member]
	if c.s.keyChanges == nil {
		c.s.keyChanges = map[string][]KeyChange{}
	}
	c.s.keyChanges[x.Member] = append(c.s.keyChanges[x.Member], KeyChange{Event: c.e.Hash, Old: m.SigningKey, New: x.SigningKey})
	m.Recipient, m.SigningKey = x.Recipient, x.SigningKey
	c.s.Members[x.Member] = &m
	if c.s.rotated == nil {
		c.s.rotated = map[string]string{}
	}
	c.s.rotated[x.Member] = c.e.Hash
	// A dossier a state took from a snapshot has no writing event to ask
	// (StaleKeys), nor has a summary's row: what was stale when it was
	// saved. Its file was written before this event (else the event
	// would be in the snapshot), so it now opens with the member's old
	// key too.
	for _, d := range c.s.Dossiers {
		if d.WrittenBy == nil {
			d.Stale = withStale(d.Recipients, d.Stale, x.Member)
		}
	}
	for i := range c.s.rows {
		r := &c.s.rows[i]
		r.Stale = withStale(r.Recipients, r.Stale, x.Member)
	}
}

// withStale is the stale keys stale of a file encrypted to recipients,
// with member's among them if they are a recipient, in the recipients'
// order (as StaleKeys gives them); stale itself (not changed) if not.
func withStale(recipients, stale []string, member string) []string {
	if !slices.Contains(recipients, member) || slices.Contains(stale, member) {
		return stale
	}
	var out []string
	for _, r := range recipients {
		if r == member || slices.Contains(stale, r) {
			out = append(out, r)
		}
	}
	return out
}

// StaleKeys lists the recipients of dossier d whose keys were changed
// (member.rotate) by an event the file's last writing does not follow,
// or who were added (member.add) by an event it does not follow
// (AddedElsewhere): the file opens with another key than theirs, and
// must be re-encrypted.
func (s *State) StaleKeys(d *DossierState) []string {
	if d.WrittenBy == nil { // a snapshot's state: what it was when saved
		return d.Stale
	}
	var out []string
	for _, r := range d.Recipients {
		h, ok := s.rotated[r]
		if ok && d.WrittenBy.Hash != h && !s.Journal.Follows(d.WrittenBy, h) || s.addedElsewhere(d, r) {
			out = append(out, r)
		}
	}
	return out
}

// AddedElsewhere lists the recipients of dossier d whose file's last
// writing does not follow the member.add that made them members. Two
// managers who add the same id apart, each with a key of its own, make
// two clones in which the id names two keys: the add the merge orders
// second is superseded (the id is taken), yet the clone that made it
// encrypted its files to its key under that id. Such a file opens with
// the key of someone who is not that member (nor, perhaps, any member),
// and not with the member's, though the journal pins the id among its
// recipients and the stanzas count right: a writer's next step
// re-encrypts it (R6.6: the archive is held by 客服部 only).
func (s *State) AddedElsewhere(d *DossierState) []string {
	var out []string
	if d.WrittenBy == nil {
		// A snapshot's state: of what StaleKeys gave when it was saved
		// (d.Stale), a key nobody rotated was added elsewhere.
		for _, r := range d.Stale {
			if _, ok := s.rotated[r]; !ok {
				out = append(out, r)
			}
		}
		return out
	}
	for _, r := range d.Recipients {
		if s.addedElsewhere(d, r) {
			out = append(out, r)
		}
	}
	return out
}

// addedElsewhere reports whether dossier d's last writing does not
// follow the event that made recipient r a member (the first of their
// role history: member.add, or the genesis for the founder).
func (s *State) addedElsewhere(d *DossierState, r string) bool {
	if !s.addedApart[r] {
		// Only an id added twice can name another key in some clone;
		// asked of every recipient of every dossier, Follows walked
		// each file's past: a replay of 100,000 dossiers took minutes.
		return false
	}
	h := s.RoleHistory[r]
	if s.Journal == nil || d.WrittenBy == nil || len(h) == 0 || h[0].Event == "" || h[0].Event == d.WrittenBy.Hash {
		return false
	}
	return !s.Journal.Follows(d.WrittenBy, h[0].Event)
}

// readersWhereWritten is ids but the members who held a reader's role
// of level where e was written: by the roles the last role step of
// theirs that e follows gave them (member.add, member.roles; a removal
// gives none), when a later one that e does not follow (concurrent with
// it, or ordered before it by a merge) took that role away or removed
// them. A clone that had not heard of the change encrypted to them as
// to a reader.
func (s *State) readersWhereWritten(e *journal.Event, level string, ids []string) []string {
	lp := s.Policy.Level(level)
	if s.Journal == nil || e == nil || lp == nil {
		return ids
	}
	var out []string
	for _, id := range ids {
		var seen []string // the roles where e was written
		unheard := false  // a step on their roles e does not follow
		for _, sp := range s.RoleHistory[id] {
			// A spell without its event (a snapshot saved before
			// spells named it) counts as followed: refused as before.
			if sp.Event == "" || s.Journal.Follows(e, sp.Event) {
				seen, unheard = sp.Roles, false
			} else {
				unheard = true
			}
		}
		if !unheard || !hasAny(seen, lp.Readers) {
			out = append(out, id)
		}
	}
	return out
}

// rolesWhereWritten is the roles member id held where event e was
// written: those the last member event on their roles (add, roles,
// remove) that e follows gave them. Nil e (a step about to be written,
// which follows every event of the state) or a state without a journal:
// the roles they hold now (none once removed).
func (s *State) rolesWhereWritten(e *journal.Event, id string) []string {
	if s.Journal == nil || e == nil {
		if m := s.Members[id]; m != nil && !m.Removed {
			return m.Roles
		}
		return nil
	}
	var roles []string
	for _, sp := range s.RoleHistory[id] {
		// A spell without its event (a snapshot saved before spells
		// named it) counts as followed, as in readersWhereWritten.
		if sp.Event == "" || s.Journal.Follows(e, sp.Event) {
			roles = sp.Roles
		}
	}
	return roles
}

// rotatedFrom is the member whose signing key was key before a rotation
// of their keys, or "".
func (s *State) rotatedFrom(key string) string {
	for id, ch := range s.keyChanges {
		for _, c := range ch {
			if c.Old == key {
				return id
			}
		}
	}
	return ""
}

// staleKeysByOrder splits the stale keys old of dossier d (StaleKeys) by
// how the rotation stands to the file's last writing: after it (the
// rotation re-encrypts what its author can read, the rest waits for a
// rekey: verify's problem), or concurrent with it (the file was written in
// a clone that had not heard of the rotation, with what that clone, and
// the old key, held already: a writer's next step re-encrypts it, a note).
func (s *State) staleKeysByOrder(d *DossierState, old []string) (after, concurrent []string) {
	elsewhere := s.AddedElsewhere(d) // said on their own
	for _, m := range old {
		if slices.Contains(elsewhere, m) {
			continue
		}
		r := s.Journal.ByHash[s.rotated[m]]
		if d.WrittenBy == nil || r == nil || s.Journal.Follows(r, d.WrittenBy.Hash) {
			after = append(after, m)
		} else {
			concurrent = append(concurrent, m)
		}
	}
	return after, concurrent
}

// RotateMember gives member id new keys (recipient and signing key, as
// `keygen -y` prints them) and re-encrypts every dossier they may read to
// the new recipient: the old key, on a lost laptop, opens no new version.
// Dossiers the working key cannot read are named in the error, for a
// member who can to re-encrypt (rekey).
//
// A member does not rotate their own keys here: the re-encryption that
// follows would be signed with the key the rotation replaces, and refused
// as forged (every file then pinned by a step that does not count). They
// use RotateOwnKeys, with the new identity.
func (a *Archive) RotateMember(ctx context.Context, id, recipient, signingKey string) (int, error) {
	me, err := a.requireKind(KindMemberRotate)
	if err != nil {
		return 0, err
	}
	if err := CheckMemberID(id); err != nil {
		return 0, err
	}
	if me.ID == id {
		return 0, usageErr("public", l10n.Errorf("to give yourself (%s) new keys, give the new identity file instead of its public keys: the re-encryption after the change must be signed with the new key", id))
	}
	var fileErr error
	again := false
	err = a.locked(func() error {
		if a.HasKeys(id, recipient, signingKey) {
			again = true
			return nil
		}
		if _, err := a.commit(KindMemberRotate, "", &MemberRotate{Member: id, Recipient: recipient, SigningKey: signingKey}); err != nil {
			return err
		}
		fileErr = a.memberFile(id)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if again {
		// The journal gives these keys already: a change interrupted
		// during its re-encryption is finished by asking for it again.
		if len(a.rekeyTodo()) == 0 {
			// A repeated step, not a usage error (exit 1, as a
			// repeated removal or approval is).
			return 0, failErr(l10n.Errorf("member %s has these keys already, and no dossier is left to re-encrypt to them: nothing is left to do", id), NoNext, "")
		}
	}
	return a.memberFollowUp(ctx, fileErr, l10n.Sprintf("member %s has new keys", id))
}

// HasKeys reports whether member id, an active member, holds the keys
// recipient and signingKey already (a change of their keys to these was
// journaled).
func (a *Archive) HasKeys(id, recipient, signingKey string) bool {
	m := a.State.Members[id]
	return m != nil && !m.Removed && m.Recipient == recipient && m.SigningKey == signingKey
}

// RotateOwnKeys gives the working member the keys of identity next
// (a planned change of keys, or a sole manager's): the rotation is
// signed with the key it replaces, as any step of theirs before it, and
// the re-encryption after it with next's key, which counts from the
// rotation on (FORMAT.md, member.rotate). Files are opened with either key
// meanwhile: those not yet re-encrypted still open only with the old one.
// The caches of this command stay sealed with the old key; once it is
// done, the journal's cache and the state snapshot are carried over to
// the new key's (carryTo), so the next command does not read the whole
// journal again.
func (a *Archive) RotateOwnKeys(ctx context.Context, next *Identity) (int, error) {
	me, err := a.requireKind(KindMemberRotate)
	if err != nil {
		return 0, err
	}
	if next == nil || next.Signer() == nil {
		return 0, missingErr("new-identity", l10n.Errorf("the identity file of the new keys"))
	}
	if next.Recipient == a.id.Recipient {
		return 0, usageErr("new-identity", l10n.Errorf("the new identity file holds the key you work with now (%s)", next.Recipient)).then(NextNewKeys, "")
	}
	// Any member's, a removed one's too: the journal's rule refuses a
	// key any member ever had (MemberRotate), in words about another flag.
	for _, m := range a.State.Members {
		if m.Recipient == next.Recipient || m.SigningKey == next.SigningKey() {
			return 0, usageErr("new-identity", l10n.Errorf("the new key %s is already member %s's", next.Recipient, m.ID))
		}
	}
	var fileErr error
	err = a.locked(func() error {
		if _, err := a.commit(KindMemberRotate, "", &MemberRotate{Member: me.ID, Recipient: next.Recipient, SigningKey: next.SigningKey()}); err != nil {
			return err
		}
		fileErr = a.memberFile(me.ID)
		return nil
	})
	if err != nil {
		return 0, err
	}
	old := a.id
	a.id = next.opening(old, old.cacheKey)
	a.me = a.State.MemberByRecipient(next.Recipient)
	if a.me == nil {
		// The rotation was journaled but the state does not give the
		// new key to anyone: nothing more is signed with either key.
		a.id = old
		return 0, unfinishedErr(l10n.Errorf("your new keys (journaled) are not found in the archive's state")).then(NextVerify, "")
	}
	n, err := a.ownFollowUp(ctx, fileErr)
	if err == nil {
		a.jc.carryTo(next)
	}
	return n, err
}

// FinishOwnKeys carries through a change of the working member's own
// keys that was journaled but not finished (RotateOwnKeys interrupted:
// Ctrl-C, a full disk): the archive is open with the new keys, and old is
// the identity the change replaced. Files still encrypted to old are
// opened with it and re-encrypted to the new keys, signed with the new.
// Only the member's own old key is taken: one that was never theirs is
// refused.
func (a *Archive) FinishOwnKeys(ctx context.Context, old *Identity) (int, error) {
	me, err := a.requireKind(KindMemberRotate)
	if err != nil {
		return 0, err
	}
	if old == nil || old.Signer() == nil || a.State.rotatedFrom(old.SigningKey()) != me.ID {
		return 0, deniedErr(l10n.Errorf("that key was never one of yours (%s) that a change of keys replaced", me.ID))
	}
	id := a.id
	a.id = id.opening(old, id.cacheKey)
	defer func() { a.id = id }()
	return a.ownFollowUp(ctx, nil) // opened with the new keys: their caches
}

// ownFollowUp is memberFollowUp after a change of the working member's
// own keys: what it leaves undone, running the change again finishes
// (FinishOwnKeys); no other member can, for files only they read.
func (a *Archive) ownFollowUp(ctx context.Context, fileErr error) (int, error) {
	n, err := a.memberFollowUp(ctx, fileErr, l10n.Sprintf("member %s has new keys", a.me.ID))
	var ae *Error
	if errors.As(err, &ae) && ae.Code == Unfinished {
		ae.Err = l10n.Errorf("your new keys are journaled, but not every dossier was re-encrypted to them (%w): run the change again with the same two identity files to finish it; until then, files only you read open only with the old key", ae.Err)
		ae.Next = NoNext
	}
	return n, err
}

// opening is id, signing with id's key, that also opens what old opens
// (the files a change of one's own keys has not re-encrypted yet), with
// cacheKey sealing the caches.
func (id *Identity) opening(old *Identity, cacheKey [32]byte) *Identity {
	return &Identity{Age: eitherIdentity{id.Age, old.Age}, Recipient: id.Recipient, Path: id.Path, signer: id.signer, cacheKey: cacheKey}
}

// eitherIdentity opens what any of its identities opens, trying them in
// turn (age.Identity).
type eitherIdentity []age.Identity

// Unwrap returns the file key the first identity that opens a stanza
// finds; an error other than age.ErrIncorrectIdentity ends the search.
func (ids eitherIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, id := range ids {
		key, err := id.Unwrap(stanzas)
		if err == nil || !errors.Is(err, age.ErrIncorrectIdentity) {
			return key, err
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// AddMember adds a member (manager only, by default policy) and re-encrypts
// the dossiers the new member may read.
func (a *Archive) AddMember(ctx context.Context, m Member) error {
	if _, err := a.requireKind(KindMemberAdd); err != nil {
		return err
	}
	if err := CheckMemberID(m.ID); err != nil {
		return err
	}
	if strings.TrimSpace(m.Name) == "" {
		return missingErr("name", l10n.Errorf("the member's full name"))
	}
	if err := a.Policy.CheckRoles(m.Roles); err != nil {
		return err
	}
	if _, err := ParseRecipient(m.Recipient); err != nil {
		return usageErr("recipient", err)
	}
	if (a.Policy.KeyKind == "pq") != isPQ(m.Recipient) {
		return usageErr("recipient", l10n.Errorf("this archive uses %s keys; age cannot mix post-quantum and X25519 recipients in one file", a.Policy.KeyKind))
	}
	if _, err := ParseSigningKey(m.SigningKey); err != nil {
		return usageErr("signing-key", err)
	}
	if m.Department == "" {
		m.Department = a.Policy.HomeDepartment
	}
	slices.Sort(m.Roles)
	m.Roles = slices.Compact(m.Roles)
	var fileErr error
	err := a.locked(func() error {
		if _, err := a.commit(KindMemberAdd, "", &MemberAdd{Member: m}); err != nil {
			return err
		}
		fileErr = a.memberFile(m.ID)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = a.memberFollowUp(ctx, fileErr, l10n.Sprintf("member %s was added", m.ID))
	return err
}

// memberFile writes member id's file after their event is journaled,
// under the lock.
func (a *Archive) memberFile(id string) error {
	if err := a.writeMemberFile(a.State.Members[id]); err != nil {
		return l10n.Errorf("writing %s/%s.yaml: %v", MembersDir, id, err)
	}
	return nil
}

// memberFollowUp re-encrypts what a member event changed, once the event
// is journaled and the lock let go: as a batch of its own (rekeyBatch),
// which takes the lock again, listed from the rows and re-encrypted a
// chunk at a time on the snapshot's state, not on a replay of the
// journal: in runs of its parts, each run replaying the member's step
// (memberStep); after a removal that closes loans, on the snapshot's
// whole state. fileErr is how
// writing the member's file failed, if it did. A failure is Unfinished:
// the step is recorded, and the next locked step (the file), a rekey,
// maintain or the repair (the re-encryption) finishes it. n is how many
// files were re-encrypted.
func (a *Archive) memberFollowUp(ctx context.Context, fileErr error, done string) (n int, err error) {
	rekeyed, err := a.rekeyBatch(ctx, a.rekeyTodo())
	if err = errors.Join(fileErr, err); err != nil {
		return len(rekeyed), unfinishedErr(l10n.Errorf("%s (journaled), but not everything that follows from it was done: %w", done, err))
	}
	return len(rekeyed), nil
}

// SetRoles replaces a member's roles and re-encrypts what they may now read
// (or no longer read).
func (a *Archive) SetRoles(ctx context.Context, id string, roles []string) error {
	if _, err := a.requireKind(KindMemberRoles); err != nil {
		return err
	}
	if err := CheckMemberID(id); err != nil {
		return err
	}
	if err := a.Policy.CheckRoles(roles); err != nil {
		return err
	}
	roles = slices.Clone(roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	changed := false
	var fileErr error
	err := a.locked(func() error {
		if m := a.State.Members[id]; m != nil && !m.Removed && slices.Equal(m.Roles, roles) {
			return nil
		}
		x := &MemberRoles{Member: id, Roles: roles, Loans: a.State.loansLosingAccess(id, roles)}
		if _, err := a.commit(KindMemberRoles, "", x); err != nil {
			return err
		}
		changed, fileErr = true, a.memberFile(id)
		return nil
	})
	if err != nil {
		return err
	}
	if !changed {
		// The journal gives these roles already: a change interrupted
		// during its re-encryption is finished by asking for it again.
		_, err = a.rekeyBatch(ctx, a.rekeyTodo())
		return err
	}
	_, err = a.memberFollowUp(ctx, fileErr, l10n.Sprintf("the roles of member %s were changed", id))
	return err
}

// RemoveMember removes a member (a leaver): they sign nothing more, and
// every dossier they could read is re-encrypted without them. The last
// member who may change members cannot be removed.
func (a *Archive) RemoveMember(ctx context.Context, id string) error {
	return a.RemoveMemberBecause(ctx, id, "")
}

// RemoveMemberBecause is RemoveMember with the reason journaled; the
// member's loans, open or waiting, close with the removal.
func (a *Archive) RemoveMemberBecause(ctx context.Context, id, reason string) error {
	if _, err := a.requireKind(KindMemberRemove); err != nil {
		return err
	}
	if err := CheckMemberID(id); err != nil {
		return err
	}
	var fileErr error
	err := a.locked(func() error {
		admins := 0
		for _, o := range a.State.Members {
			if o.ID != id && o.HasRole(a.Policy.Permissions.Members...) {
				admins++
			}
		}
		if m := a.State.Members[id]; m != nil && !m.Removed && admins == 0 {
			roles := a.Policy.RolesList(a.Policy.Permissions.Members)
			return failErr(l10n.Errorf("%s is the last member who may manage members: first give another member a role that may (%s)", id, roles), NextMemberRoles, l10n.Pick("OTHER-ID ROLE…", "其他成员ID 角色…"))
		}
		x := &MemberRemove{Member: id, Reason: reason}
		for _, l := range a.State.SortedLoans() {
			if l.Borrower == id && l.Returned.IsZero() {
				x.Loans = append(x.Loans, l.ID)
			}
		}
		if _, err := a.commit(KindMemberRemove, "", x); err != nil {
			return err
		}
		fileErr = a.memberFile(id)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = a.memberFollowUp(ctx, fileErr, l10n.Sprintf("member %s was removed", id))
	return err
}

// RoleSpell is the roles a member held from a time on (none: removed).
type RoleSpell struct {
	From  time.Time
	Roles []string
	Event string // the hash of the member event that set them
}

// setRoles records that member id holds roles from event e on (nil:
// removed).
func (s *State) setRoles(id string, e *journal.Event, roles []string) {
	if s.RoleHistory == nil {
		s.RoleHistory = map[string][]RoleSpell{}
	}
	s.RoleHistory[id] = append(s.RoleHistory[id], RoleSpell{From: e.Time, Roles: slices.Clone(roles), Event: e.Hash})
}

// rolesAt is the roles member id held just before t (nil: none, or not yet
// a member, or removed), by the role history: the latest setting before
// t. The history is in journal order, which two clones' concurrent
// changes or a clock set wrong may leave out of time order.
func (s *State) rolesAt(id string, t time.Time) []string {
	var roles []string
	var at time.Time
	for _, sp := range s.RoleHistory[id] {
		if sp.From.Before(t) && !sp.From.Before(at) {
			roles, at = sp.Roles, sp.From
		}
	}
	return roles
}
