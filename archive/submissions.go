package archive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// Hand-ins (R6.1, R6.3): sales collect customer facts and hand in a
// customer information report (客户信息报告) in the first week of every
// month; a clerk folds it into the dossiers. A hand-in is a dossier-shaped
// YAML text (or a part of one), encrypted to the readers of the level it
// would be kept at, never to the sales member who wrote it: sales need not
// and must not read the archive. It is stored as submissions/<id>.age and
// pinned by a submission.add event like a dossier file; when it is merged
// (submission.merge) or rejected (submission.reject) its file is removed
// and the journal keeps the record.

// SubmissionsDir is the folder of the hand-ins' ciphertexts.
const SubmissionsDir = "submissions"

// Submission statuses.
const (
	SubmissionPending  = "pending"
	SubmissionMerged   = "merged"
	SubmissionRejected = "rejected"
)

// SubmissionStatusText is hand-in status s as the user reads it, in lists
// and in messages.
func SubmissionStatusText(s string) string { return submissionStatus(s).String() }

// submissionStatus is SubmissionStatusText in either language (l10n.Phrase): the
// message of a problem is kept in both.
func submissionStatus(s string) l10n.Words {
	switch s {
	case SubmissionPending:
		return l10n.Words{En: "pending", Zh: "待并入"}
	case SubmissionMerged:
		return l10n.Words{En: "merged", Zh: "已并入"}
	case SubmissionRejected:
		return l10n.Words{En: "rejected", Zh: "已退回"}
	}
	return l10n.Words{En: s, Zh: s}
}

// Submission is a hand-in as the journal tells it.
type Submission struct {
	ID         string    `json:"submission"`
	By         string    `json:"by"`
	Month      string    `json:"month"` // YYYY-MM it was handed in for (R6.1)
	About      string    `json:"about,omitempty"`
	At         time.Time `json:"at"`
	SHA256     string    `json:"sha256"`
	Recipients []string  `json:"recipients"`
	Status     string    `json:"status"`
	MergedInto string    `json:"merged_into,omitempty"`
	DoneBy     string    `json:"done_by,omitempty"` // who merged or rejected it
	Done       time.Time `json:"done,omitzero"`
	Reason     string    `json:"reason,omitempty"` // why it was rejected
	Event      string    `json:"-"`                // hash of the submission.add event
}

// Payloads of the hand-in events.
type (
	// SubmissionAdd is a hand-in: its id, the dossier it is about (if
	// any), the month it counts for, and its file's hash and recipients
	// (not a dossier file: the keys are its own).
	SubmissionAdd struct {
		Submission string   `yaml:"submission" json:"submission"`
		About      string   `yaml:"about,omitempty" json:"about,omitempty"`
		Month      string   `yaml:"month" json:"month"`
		SHA256     string   `yaml:"sha256" json:"sha256"`
		Recipients []string `yaml:"recipients" json:"recipients"`
	}
	// SubmissionMerge records that a hand-in was folded into the event's
	// dossier.
	SubmissionMerge struct {
		Submission string `yaml:"submission" json:"submission"`
	}
	// SubmissionReject records that a hand-in was not taken in, and why.
	SubmissionReject struct {
		Submission string `yaml:"submission" json:"submission"`
		Reason     string `yaml:"reason" json:"reason"`
	}
)

// The prefixes of the ids made without a counter (NewID).
const (
	submissionPrefix = "S-"
	requestPrefix    = "R-"
)

// checkNewID checks an id made by NewID with prefix that is not yet used.
func checkNewID(prefix, id string, used bool) error {
	if !validID(prefix, id) || used {
		return problemf("id %q is not new or not an id crm makes with %s", id, prefix)
	}
	return nil
}

// SubmissionPath is the path of a hand-in's ciphertext, relative to the archive.
func SubmissionPath(id string) string { return SubmissionsDir + "/" + id + ".age" }

func (a *Archive) submissionFile(id string) string {
	return filepath.Join(a.Dir, SubmissionsDir, id+".age")
}

// monthOf is t's month in the policy's zone, YYYY-MM.
func (s *State) monthOf(t time.Time) string { return t.In(s.Policy.Location()).Format("2006-01") }

// HandInLevel is the level a hand-in about dossier about ("" for none) is
// kept at: the policy's default level (the clerks'), or the dossier's
// recorded level when that is more secret.
func (s *State) HandInLevel(about string) string {
	level := s.Policy.DefaultLevel
	var of string // the dossier's level, from its row in a summary state
	if d := s.Dossiers[about]; d != nil {
		of = d.Level
	} else if r := s.rowByID(about); r != nil {
		of = r.Level
	}
	if of != "" && s.Policy.LevelRank(of) > s.Policy.LevelRank(level) {
		level = of
	}
	return level
}

// submissionOf returns the hand-in an event names, which must wait.
func (c *step) submissionOf(id string) (*Submission, error) {
	sub := c.s.Submissions[id]
	if sub == nil {
		return nil, problemf("%s of hand-in %q, which was never handed in", kindWord(c.e.Kind), id)
	}
	if sub.Status != SubmissionPending {
		return nil, failErr(l10n.Errorf("hand-in %s was %s by %s on %s", sub.ID, submissionStatus(sub.Status), sub.DoneBy, c.s.date(sub.Done)), NoNext, "")
	}
	if !c.follows(sub.Event) {
		return nil, problemf("%s of hand-in %s does not follow its submission.add in the journal's links", kindWord(c.e.Kind), sub.ID)
	}
	// Merging or rejecting means reading it: only a recipient can.
	if !slices.Contains(sub.Recipients, c.e.Actor) {
		return nil, &Error{Code: Denied, Actor: c.actor.ID, Held: c.actor.Roles,
			Err: l10n.Errorf("%s cannot read hand-in %s (it is encrypted to %s)", c.actor.ID, sub.ID, l10n.List(sub.Recipients))}
	}
	return sub, nil
}

func (x *SubmissionAdd) check(c *step) error {
	if err := checkNewID(submissionPrefix, x.Submission, c.s.Submissions[x.Submission] != nil); err != nil {
		return err
	}
	if x.About != "" {
		if d := c.s.Dossiers[x.About]; d == nil || d.Status != StatusActive {
			return usageErr("dossier", l10n.Errorf("no dossier %s in this archive to hand in about", x.About)).then(NextList, "")
		}
	}
	if want := c.s.monthOf(c.e.Time); x.Month != want {
		return problemf("hand-in %s counts for %q, but it was handed in in %s", x.Submission, x.Month, want)
	}
	if !journal.IsHash(x.SHA256) {
		return problemf("sha256 %q is not a SHA-256 hash", x.SHA256)
	}
	level := c.s.HandInLevel(x.About)
	allowed := c.s.Readers(level)
	if len(x.Recipients) == 0 {
		return problemf("hand-in %s is encrypted to nobody", x.Submission)
	}
	for _, r := range x.Recipients {
		if !slices.Contains(allowed, r) {
			return problemf("hand-in %s is encrypted to %s, who may not read level %s (R6.1: a hand-in goes to the readers of the level it is kept at)", x.Submission, r, level)
		}
	}
	return nil
}

func (x *SubmissionAdd) apply(c *step) {
	c.s.Submissions[x.Submission] = &Submission{ID: x.Submission, By: c.e.Actor, Month: x.Month, About: x.About, At: c.e.Time,
		SHA256: x.SHA256, Recipients: slices.Clone(x.Recipients), Status: SubmissionPending, Event: c.e.Hash}
}

func (x *SubmissionMerge) check(c *step) error {
	if _, err := c.submissionOf(x.Submission); err != nil {
		return err
	}
	if !slices.Contains(c.d.Recipients, c.e.Actor) {
		return &Error{Code: Denied, Actor: c.actor.ID, Held: c.actor.Roles,
			Err: l10n.Errorf("%s cannot read dossier %s (level %s), so cannot fold a hand-in into it", c.actor.ID, c.d.ID, c.d.Level)}
	}
	return nil
}

func (x *SubmissionMerge) apply(c *step) {
	sub := c.s.Submissions[x.Submission]
	sub.Status, sub.MergedInto, sub.DoneBy, sub.Done = SubmissionMerged, c.d.ID, c.e.Actor, c.e.Time
}

func (x *SubmissionReject) check(c *step) error {
	if _, err := c.submissionOf(x.Submission); err != nil {
		return err
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the hand-in is not taken in (its author reads it)"))
	}
	return nil
}

func (x *SubmissionReject) apply(c *step) {
	sub := c.s.Submissions[x.Submission]
	sub.Status, sub.DoneBy, sub.Done, sub.Reason = SubmissionRejected, c.e.Actor, c.e.Time, x.Reason
}

// SortedSubmissions returns every hand-in by id (that is, by time).
func (s *State) SortedSubmissions() []*Submission {
	out := make([]*Submission, 0, len(s.Submissions))
	for _, sub := range s.Submissions {
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b *Submission) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ParseSubmission checks a hand-in's text: a dossier, or a part of one
// (R6.3: sales report what they learnt). Every field it has must be valid;
// owner: is never required (the clerk keeps the dossier), and
// customer.name only when it names no dossier. A hand-in is new text, so
// the checks only a write makes (parseWritten) apply too.
func ParseSubmission(text []byte, about string) error {
	_, err := parseDossier(text, true)
	var ve *ValidationError
	if errors.Is(err, ErrEmptyDossier) {
		return l10n.Errorf("the hand-in is empty: nothing to hand in")
	}
	if !errors.As(err, &ve) {
		return err
	}
	var ps []*FieldError
	for _, p := range ve.Problems {
		if p.missing && (p.Path == "owner" || p.Path == "customer.name" && about != "") {
			continue
		}
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		return &ValidationError{ps}
	}
	return nil
}

// Submit hands in text (R6.1) as the working member, about dossier about
// ("" for a customer without one yet). It is encrypted to the readers of
// the level it is kept at (handInLevel), written to submissions/, and
// submission.add pins its hash and recipients.
func (a *Archive) Submit(text []byte, about string) (*Submission, error) {
	if _, err := a.requireKind(KindSubmissionAdd); err != nil {
		return nil, err
	}
	if about != "" {
		if err := a.checkID(about); err != nil {
			return nil, err
		}
	}
	if err := ParseSubmission(text, about); err != nil {
		return nil, err
	}
	// What sales report took place: no contact dated ahead, which the
	// clerk could not fold in (checkContactDates).
	if nf, err := factsOf(text); err == nil {
		if err := a.checkContactDates(nil, nf, text); err != nil {
			return nil, err
		}
	}
	var sub *Submission
	err := a.locked(func() error {
		if about != "" {
			if _, err := a.Lookup(about); err != nil {
				return err
			}
		}
		id := NewID(submissionPrefix, a.now)
		readers := a.State.Readers(a.State.HandInLevel(about))
		ct, err := a.encrypt(text, readers)
		if err != nil {
			return err
		}
		x := &SubmissionAdd{Submission: id, About: about, Month: a.State.monthOf(a.now), SHA256: sha256Hex(ct), Recipients: readers}
		if err := a.precheck(KindSubmissionAdd, "", x); err != nil {
			return err
		}
		// The file is put in place first: a crash before the event leaves
		// a file no event names, which verify reports.
		tmp, err := writeTemp(filepath.Join(a.Dir, SubmissionsDir), ".tmp-"+id+"-*", ct, 0o644)
		if err != nil {
			return l10n.Errorf("writing %s: %v", SubmissionPath(id), err)
		}
		if err := renameSynced(tmp, a.submissionFile(id)); err != nil {
			return l10n.Errorf("writing %s: %v", SubmissionPath(id), err)
		}
		a.touch(SubmissionPath(id)) // the step's own commit carries it to the other clones
		_, err = a.commit(KindSubmissionAdd, "", x)
		if err == nil {
			err = a.settle() // its event written (Bulk), or the file goes
		}
		if err != nil {
			os.Remove(a.submissionFile(id))
			return err
		}
		sub = a.State.Submissions[id]
		return nil
	})
	return sub, err
}

// SubmissionByID returns hand-in id, or an error naming it.
func (a *Archive) SubmissionByID(id string) (*Submission, error) {
	id = a.submissionID(id)
	sub := a.State.Submissions[id]
	if sub == nil {
		return nil, unknownStep(id, l10n.Errorf("no hand-in %q in this archive (ids like %s)", id, submissionPrefix+exampleRandom), NextSubmissions)
	}
	return sub, nil
}

// submissionID is the hand-in id a person meant: as typed, or in its
// canonical form (s-0q7k4m8z3x → S-0Q7K4M8Z3X) when the archive has that.
func (a *Archive) submissionID(id string) string {
	return resolveID(submissionPrefix, id, func(x string) bool { return a.State.Submissions[x] != nil })
}

// ReadSubmission decrypts hand-in id with the working identity.
func (a *Archive) ReadSubmission(id string) ([]byte, *Submission, error) {
	id = a.submissionID(id)
	sub, err := a.SubmissionByID(id)
	if err != nil {
		return nil, nil, err
	}
	me, err := a.Me()
	if err != nil {
		return nil, nil, err
	}
	if sub.Status != SubmissionPending {
		return nil, sub, failErr(l10n.Errorf("hand-in %s was %s by %s on %s: its file is gone", sub.ID, submissionStatus(sub.Status), sub.DoneBy, a.Date(sub.Done)), NoNext, "")
	}
	ct, err := sharedfile.ReadFile(a.submissionFile(id))
	if err != nil {
		return nil, sub, integrityErr(SubmissionPath(id), l10n.Errorf("%s is missing, though the journal says hand-in %s waits", SubmissionPath(id), id)).then(NextRestore, SubmissionPath(id))
	}
	if sha256Hex(ct) != sub.SHA256 {
		return nil, sub, integrityErr(SubmissionPath(id), l10n.Errorf("%s is not the file the journal recorded: it was changed outside crm", SubmissionPath(id)))
	}
	if !slices.Contains(sub.Recipients, me.ID) {
		return nil, sub, &Error{Code: Denied, Actor: me.ID, Held: me.Roles,
			Err: l10n.Errorf("you (%s) may not read hand-in %s: it is encrypted to %s", me.ID, id, l10n.List(sub.Recipients))}
	}
	// Its recipients were the readers when it was handed in: a dossier
	// raised since (a clerk's 秘密 to 绝密), or a reader's roles changed,
	// and the hand-in is kept at the level its readers now read (R7.2).
	if level := a.State.HandInLevel(sub.About); !slices.Contains(a.State.Readers(level), me.ID) {
		var err error
		if sub.About != "" {
			err = l10n.Errorf("you (%s) may not read hand-in %s: it is about %s, which is %s now, a level your roles do not read", me.ID, id, sub.About, level)
		} else {
			err = l10n.Errorf("you (%s) may not read hand-in %s: it is kept at level %s, which your roles do not read", me.ID, id, level)
		}
		return nil, sub, &Error{Code: Denied, Actor: me.ID, Held: me.Roles, Err: err}
	}
	plain, err := a.decryptAs(ct, sub.Recipients)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, sub, deniedErr(l10n.Errorf("you (%s) may not read hand-in %s", me.ID, id))
		}
		return nil, sub, l10n.Errorf("decrypting %s: %v", SubmissionPath(id), err)
	}
	return plain, sub, nil
}

// MergeSubmission records that hand-in subID was folded into dossier id,
// after the caller wrote the dossier (Update or Create), and removes the
// hand-in's file.
func (a *Archive) MergeSubmission(subID, id string) (*Submission, error) {
	subID = a.submissionID(subID)
	return a.endSubmission(subID, KindSubmissionMerge, id, &SubmissionMerge{Submission: subID})
}

// CheckMerge says whether the working member may fold hand-in subID into
// dossier id ("" for a new one), before any work.
func (a *Archive) CheckMerge(subID, id string) error {
	subID = a.submissionID(subID)
	if err := checkStepID(subID); err != nil {
		return err
	}
	if id != "" {
		if err := a.checkID(id); err != nil {
			return err
		}
	}
	if _, err := a.requireKind(KindSubmissionMerge); err != nil {
		return err
	}
	if id == "" {
		if _, err := a.requireKind(KindDossierCreate); err != nil {
			return err
		}
		// The new dossier's own checks come with its text (CheckCreate).
		sub, err := a.SubmissionByID(subID)
		if err != nil {
			return err
		}
		if sub.Status != SubmissionPending {
			return failErr(l10n.Errorf("hand-in %s was %s by %s on %s", sub.ID, submissionStatus(sub.Status), sub.DoneBy, a.Date(sub.Done)), NoNext, "")
		}
		return nil
	}
	// A hand-in the archive never had is a wrong id, said as show and
	// reject say it, not a step the journal would refuse.
	if _, err := a.SubmissionByID(subID); err != nil {
		return err
	}
	if _, err := a.Lookup(id); err != nil {
		return err
	}
	return a.precheck(KindSubmissionMerge, id, &SubmissionMerge{Submission: subID})
}

// RejectSubmission records that hand-in subID is not taken in, with a
// reason, and removes its file.
func (a *Archive) RejectSubmission(subID, reason string) (*Submission, error) {
	subID = a.submissionID(subID)
	if strings.TrimSpace(reason) == "" {
		return nil, missingErr("reason", l10n.Errorf("say why the hand-in is not taken in (its author reads it)"))
	}
	return a.endSubmission(subID, KindSubmissionReject, "", &SubmissionReject{Submission: subID, Reason: strings.TrimSpace(reason)})
}

func (a *Archive) endSubmission(subID string, kind journal.Kind, dossier string, data payload) (*Submission, error) {
	if err := checkStepID(subID); err != nil {
		return nil, err
	}
	if _, err := a.requireKind(kind); err != nil {
		return nil, err
	}
	var sub *Submission
	err := a.locked(func() error {
		var err error
		if sub, err = a.SubmissionByID(subID); err != nil {
			return err
		}
		if dossier != "" {
			if _, err := a.Lookup(dossier); err != nil {
				return err
			}
		}
		if _, err := a.commit(kind, dossier, data); err != nil {
			return err
		}
		if err := a.settle(); err != nil {
			return err // the event is not on disk (Bulk): the file stays
		}
		// Its content is in the dossier now, or not wanted: no copy stays
		// beside it (the journal keeps the record; git history the file).
		os.Remove(a.submissionFile(subID))
		a.touch(SubmissionPath(subID))
		return nil
	})
	return sub, err
}

// Submissions lists the hand-ins by id; with pendingOnly, those that wait.
func (a *Archive) Submissions(pendingOnly bool) []*Submission {
	var out []*Submission
	for _, sub := range a.State.SortedSubmissions() {
		if !pendingOnly || sub.Status == SubmissionPending {
			out = append(out, sub)
		}
	}
	return out
}

// MissingHandIn is a member who owes this month's customer information
// report (R6.1) and has not handed it in by the due day.
type MissingHandIn struct {
	Member string `json:"member"`
	Name   string `json:"name,omitempty"`
	Month  string `json:"month"`
	Due    string `json:"due"` // YYYY-MM-DD, the last day of the first week by default
}

// HandInDue is the first instant after the due day (intake.due_day) of
// the month that begins at start, in the policy's zone: a customer
// information report handed in before it is on time (R6.1).
func (p *Policy) HandInDue(start time.Time) time.Time {
	return start.AddDate(0, 0, p.HandInDueDay())
}

// OwesHandIn reports whether member m owes the customer information
// report (R6.1) of the month that begins at start, due before due
// (Policy.HandInDue): m held a role of intake.submitters all through the
// first week, from before the month began until the due day ended
// (RoleHistory). Duties that come with a role start after it: a member
// added mid-month owes the next month's first. One who leaves or loses
// the role before the due day ends owes nothing that month (and can no
// longer hand it in); one whose roles change after it still owed it,
// whatever they hold now.
func (s *State) OwesHandIn(m *Member, start, due time.Time) bool {
	submits := func(roles []string) bool {
		return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(s.Policy.Submitters(), r) })
	}
	if !submits(s.rolesAt(m.ID, start)) {
		return false
	}
	for _, sp := range s.RoleHistory[m.ID] {
		if !sp.From.Before(start) && sp.From.Before(due) && !submits(sp.Roles) {
			return false
		}
	}
	return true
}

// Counts reports whether hand-in sub counts as its author's customer
// information report for its month (R6.1): a rejected one does not.
func (sub *Submission) Counts() bool { return sub.Status != SubmissionRejected }

// MissingHandIns lists, from the journal alone, the members who owe this
// month's report (OwesHandIn) and have no hand-in for it that counts,
// once the month's due day (intake.due_day) has ended, in the policy's zone.
func (a *Archive) MissingHandIns() []MissingHandIn {
	loc := a.Location()
	now := a.now.In(loc)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	due := a.Policy.HandInDue(start)
	if now.Before(due) {
		return nil
	}
	month := a.State.monthOf(a.now)
	handed := map[string]bool{}
	for _, sub := range a.State.Submissions {
		if sub.Month == month && sub.Counts() {
			handed[sub.By] = true
		}
	}
	var out []MissingHandIn
	for _, m := range a.State.SortedMembers() {
		// Asked of those who can still hand it in: one who left or lost
		// the role since owes it in the month's report, not here.
		if handed[m.ID] || m.Removed || !m.HasRole(a.Policy.Submitters()...) || !a.State.OwesHandIn(m, start, due) {
			continue
		}
		out = append(out, MissingHandIn{Member: m.ID, Name: m.Name, Month: month, Due: due.AddDate(0, 0, -1).Format(time.DateOnly)})
	}
	return out
}

// ageStanzas counts the recipient stanzas in the header of a binary age
// file (age does not say who they are for, only how many there are).
func ageStanzas(b []byte) int {
	end := bytes.Index(b, []byte("\n---"))
	if !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) || end < 0 {
		return -1
	}
	return bytes.Count(b[:end], []byte("\n-> "))
}

// VoidHandIns are the hand-ins whose submission.add took no effect for
// good: superseded by a step written concurrently in another clone
// (State.Superseded: a dossier raised above the level the hand-in was
// encrypted for, or destroyed, where the merged order puts that first), or
// a problem a decision rejected (an author may withdraw their own). Such a
// hand-in never waits, so nobody folds it, and its file is nobody's to
// keep: crm sync removes it (RemoveVoidHandIns) and its author hands in
// again. Neither is undone: a superseded step is no problem for a decision
// to settle, and a rejection is final. By id, with the hash each pinned.
func (a *Archive) VoidHandIns() map[string]string { return a.voidHandIns(a.State) }

// voidHandIns is VoidHandIns of state s (the archive's, or one verify
// replayed).
func (a *Archive) voidHandIns(s *State) map[string]string {
	var out map[string]string
	for _, p := range s.Superseded {
		a.handInAt(s, p.Path, &out)
	}
	for _, d := range s.Decided {
		if d.Decision == DecisionReject && d.Event != nil {
			a.handInAt(s, d.Event.Path, &out)
		}
	}
	return out
}

// undecidedHandIns are the hand-ins whose submission.add is a problem no
// decision has settled yet (State.Problems), by id, with the hash each
// pinned: accepted, the hand-in waits; rejected, it is void.
func (a *Archive) undecidedHandIns(s *State) map[string]string {
	var out map[string]string
	for _, p := range s.Problems {
		a.handInAt(s, p.Path, &out)
	}
	return out
}

// handInAt adds to *out the hand-in of the event at path rel, with the
// hash it pinned, if that event is a submission.add that took no effect
// in state s (no hand-in of its id).
func (a *Archive) handInAt(s *State, rel string, out *map[string]string) {
	e := a.eventAt(s, rel)
	if e == nil || e.Kind != KindSubmissionAdd {
		return
	}
	var x SubmissionAdd
	if e.Decode(&x) != nil || s.Submissions[x.Submission] != nil {
		return
	}
	if *out == nil {
		*out = map[string]string{}
	}
	(*out)[x.Submission] = x.SHA256
}

// eventAt is the event of the journal at path rel: state s's, else read
// from its file; nil if neither has it.
func (a *Archive) eventAt(s *State, rel string) *journal.Event {
	if h, ok := journal.HashOfPath(rel); ok && s.Journal != nil {
		if e := s.Journal.ByHash[h]; e != nil && e.Path == rel {
			return e
		}
	}
	b, err := sharedfile.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	e, err := journal.Parse(b)
	if err != nil || journal.PathOf(e.Time, e.Hash) != rel {
		return nil
	}
	return e
}

// RemoveVoidHandIns removes the files of the hand-ins that took no effect
// for good (VoidHandIns) that are the files their events pinned, as crm's
// own change (Touched), and returns their ids. A file another clone
// changed stays, for verify to name.
func (a *Archive) RemoveVoidHandIns() ([]string, error) {
	if len(a.VoidHandIns()) == 0 {
		return nil, nil // the lock not taken: nothing replayed
	}
	var out []string
	err := a.locked(func() error {
		for id, sha := range a.VoidHandIns() {
			p := a.submissionFile(id)
			b, err := sharedfile.ReadFile(p)
			if err != nil || sha256Hex(b) != sha {
				continue
			}
			if err := os.Remove(p); err != nil {
				return l10n.Errorf("removing %s: %v", SubmissionPath(id), err)
			}
			a.touch(SubmissionPath(id))
			out = append(out, id)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// submissionFiles checks every file of submissions/ against the journal:
// a pending hand-in's file is the ciphertext its event pinned; a merged or
// rejected one has no file; no file lacks an event.
func (c *checker) submissionFiles() {
	seen := map[string]bool{}
	var void, undecided map[string]string // made once, when a file lacks its hand-in
	entries, _ := os.ReadDir(filepath.Join(c.a.Dir, SubmissionsDir))
	for _, e := range entries {
		rel := SubmissionsDir + "/" + e.Name()
		if strings.HasPrefix(e.Name(), ".tmp-") {
			c.add(rel, l10n.N("left by an interrupted hand-in"))
			continue
		}
		id, ok := strings.CutSuffix(e.Name(), ".age")
		sub := c.s.Submissions[id]
		if ok && sub == nil {
			if void == nil {
				void, undecided = c.a.voidHandIns(c.s), c.a.undecidedHandIns(c.s)
			}
			pinned := func(sha string) bool {
				b, err := sharedfile.ReadFile(filepath.Join(c.a.Dir, SubmissionsDir, e.Name()))
				return err == nil && sha256Hex(b) == sha
			}
			if sha, was := void[id]; was && pinned(sha) {
				c.noteNext(rel, NextSyncRemoves, "", l10n.N("left by hand-in %s, which took no effect for good (superseded by a concurrent step, or rejected by a decision)"), id)
				continue
			}
			// Its event is the problem reported: the file is not a
			// second one, and a decision settles both.
			if sha, is := undecided[id]; is && pinned(sha) {
				c.noteNext(rel, NextSyncRemoves, "", l10n.N("the file of hand-in %s, whose submission.add is a problem until a manager's decision: accepted, the hand-in waits; rejected, the file is left over"), id)
				continue
			}
		}
		if !ok || sub == nil {
			c.add(rel, l10n.N("no submission.add in the journal hands in this file"))
			continue
		}
		seen[id] = true
		if sub.Status != SubmissionPending {
			c.add(rel, l10n.N("hand-in %s was %s, but its file is still here"), id, sub.Status)
			continue
		}
		b, err := sharedfile.ReadFile(filepath.Join(c.a.Dir, SubmissionsDir, e.Name()))
		if err != nil {
			c.add(rel, l10n.N("unreadable: %v"), err)
			continue
		}
		if got := sha256Hex(b); got != sub.SHA256 {
			c.add(rel, l10n.N("sha256 %s is not %s, pinned by submission.add (changed, replaced or rolled back outside crm: restore it from git)"), journal.ShortHash(got), journal.ShortHash(sub.SHA256))
		} else if n := ageStanzas(b); n != len(sub.Recipients) {
			c.add(rel, l10n.N("has %d recipient stanzas, but submission.add pinned %d recipients"), n, len(sub.Recipients))
		}
	}
	for _, sub := range c.s.SortedSubmissions() {
		if sub.Status == SubmissionPending && !seen[sub.ID] {
			c.add(SubmissionPath(sub.ID), l10n.N("missing: the journal says hand-in %s waits"), sub.ID)
		}
	}
}
