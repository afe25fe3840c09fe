// Package archive is crm's store: an archive folder, its members and
// their keys, the registry of event kinds and the rules each obeys when
// written and replayed (kinds.go, replay.go), the dossiers and their
// encryption to the readers the policy gives (recipients.go), and the
// department's procedures: classification, 核定, loans, destruction.
//
// The journal's format lives in package journal, the worker pool in
// package work. This package never prints and never reads flags: it takes
// values and returns *Error values that say what went wrong, which input or
// file is at fault, and what to do next; the command presents them.
package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// Folders of an archive.
const (
	MembersDir  = "members"
	DossiersDir = "dossiers"
	lockFile    = ".crm.lock"
)

// Archive is an open archive directory.
type Archive struct {
	Dir       string
	Policy    *Policy
	PolicyRaw []byte
	State     *State

	now time.Time       // the command's one reading of the clock
	ctx context.Context // cancels long work
	// header is the snapshot's header OpenWith started reading, for the
	// first loadSnapshot to take (nil once taken, or none started).
	header *snapHeaderRead
	id     *Identity
	me     *Member
	// checkKey is a key verify may try on the files the journal pins its
	// member as a recipient of, in a command opened without a key
	// (CheckWithKey).
	checkKey *Identity
	// rewrite is the dossiers the last verify found encrypted to other
	// keys than the journal pins (Rewrite).
	rewrite []string
	holding bool // the lock is held
	// loaded says what the journal's folders were when the state was
	// last taken from the snapshot (stampedLoad), for the step under the
	// lock to know the state still current (stillCurrent).
	loaded *loadStamp
	// listedDirs are the journal's folders as loadSnapshot last listed
	// them, at listedAt (just before).
	listedDirs []dirStamp
	listedAt   time.Time
	// cleanAt is the clean mark the lock file held when this process
	// took the lock (lock.go), or nil.
	cleanAt []string
	queue   *bulkWriter // inside Bulk: the files being written, synced at the end (bulkwrite.go)
	cache   *plainCache // per-user plaintext cache, if enabled
	// digestsAhead gives the digests file's records prefetchDigests
	// began reading (nil: none begun).
	digestsAhead chan []digestRec
	// listRead is how many dossier files the last ListBrief read (the
	// others' digests were taken on their files' stamps).
	listRead int
	// listVouched are the dossier files the last ListBrief found to be
	// the pinned ones, by id: a scan after it does not stat them again.
	listVouched []vouchedFile
	// scanRead is how many dossier files Scan read (the others' plaintext
	// was taken on their stamps: stampVouched).
	scanRead atomic.Int64
	wrote    bool // this process appended events (checked as written, not re-read)

	// LockTimeout is how long a step waits for another process's lock
	// (0: DefaultLockTimeout).
	LockTimeout  time.Duration
	jc           *journalCache // the user's verified-journal cache, if any
	fromCache    bool          // the state was built with events from jc
	snapshots    bool          // take and save state snapshots (OpenOptions.Snapshot)
	fromSnapshot bool          // the state is a snapshot's: no journal events
	partial      bool          // the snapshot's state of one dossier's part only (OpenOptions.Only)
	seenGood     [][]string    // the good heads of the snapshot the state was last taken from (snapshotHas)
	only         string        // OpenOptions.Only
	snapSteps    bool          // OpenOptions.SnapshotSteps
	summary      Summary       // OpenOptions.Summary
	creates      bool          // OpenOptions.Creates
	onlyLoan     string        // OpenOptions.OnlyLoan
	onlyRequest  string        // OpenOptions.OnlyDestruction
	onlyIDs      []string      // the dossiers maintain writes about (maintainTodo), with every loan
	wholeReads   int           // how many times this process decoded a whole snapshot (loadSnapshot)
	partsRead    int           // how many dossiers' parts the last state of some parts read (loadSnapshot)
	inGroups     bool          // loadSnapshot is advancing a snapshot a run of parts at a time (saveInGroups)
	grouped      *groupedSave  // the snapshot saveInGroups saved, until loadSnapshot reads it
	inRuns       bool          // a batch's steps on onlyIDs may be taken a run of parts at a time (batch)
	runs         *runLoad      // and are: the runs, the first run's state taken (runsState)
	newID        string        // the id a create step on a snapshot's state gives (createState)
	repaired     []Fix         // what repairs in this process did
	notes        []Problem     // what the last Verify noted that is not a problem
	verified     VerifyCounts  // what the last Verify went through
	quick        bool          // the last VerifyFast or VerifyPush read no event (quickVerify)
	quickRead    int           // how many files it read, not taken from quickStamps
	// What the last snapshot loaded says of the journal: the month
	// folders listed since it was made (readSince), and the language of
	// its messages.
	sinceListed []journal.Listed
	// sinceMAC and sinceDirs are that snapshot's header HMAC and the
	// journal's folders as listed then (monthsKnown), and sinceNew how
	// many events were added since it was made (signableInRuns).
	sinceMAC    []byte
	sinceDirs   []dirStamp
	sinceNew    int
	snapChinese bool
	// journalDiffers: quickVerify found event files the snapshot and the
	// verified-journal cache do not stand for (a folder's time put back).
	journalDiffers bool
	touched        []string        // files this process wrote or removed, relative (Touched)
	touchedSet     map[string]bool // the same, to look up (a generator writes millions)
	// carryListed are the listings a snapshot about to be saved is made
	// from (advancedMonths): their bundles of known events go into the
	// new snapshot's listing memo.
	carryListed []journal.Listed
	// written are the events this process appended, in order: what a
	// commit's message names of them (Written). A batch taken in runs
	// (batchruns.go) keeps in its state only the last run's.
	written []*journal.Event
	// bundledAway are event files of touched that a batch's bundle
	// replaced (bundleWritten): their month's folder is committed instead.
	bundledAway map[string]bool
	// customerSteps are the events this process wrote as the customers
	// index follows them (followCustomers), and customersFile whether
	// there is an index to follow (0: not looked yet, 1: yes, 2: no).
	customerSteps []customerStep
	customersFile int8
	// checkedCustomer is the customer SameCustomer last found free, for
	// Create to look again under its lock (recheckCustomer).
	checkedCustomer *customerCheck
}

// Open reads the archive at dir: its policy and its journal, replayed with
// every signature and rule checked. The clock is read once: every event a
// command writes and every due date it computes uses that reading (tests
// and cron replays pass a fixed clock).
func Open(ctx context.Context, dir string, clock func() time.Time) (*Archive, error) {
	return OpenWith(ctx, dir, OpenOptions{Clock: clock})
}

// Summary is what a command reads of every dossier (OpenOptions.Summary).
type Summary uint8

const (
	SummaryRows         Summary = 1 << iota // each dossier's row: id, level, status, dates, 核定 quarters
	SummaryLoans                            // every loan
	SummaryDestructions                     // every destruction request
	// SummaryHistories: every dossier's histories and the classification
	// and 核定 registers, as the reports read them (Archive.Histories).
	SummaryHistories
	// SummaryNone: nothing of the dossiers; the members, the policy and
	// the registers not about dossiers (statistics requests, hand-ins).
	SummaryNone
	// SummaryHistoriesOnce, with SummaryHistories, says the histories are
	// read for one report only, which may let them go (Histories.Release)
	// once done with its passes over them.
	SummaryHistoriesOnce
)

// OpenOptions are the choices of OpenWith.
type OpenOptions struct {
	Clock func() time.Time // nil: time.Now
	// CacheDir, if not empty, holds the user's verified-journal cache
	// (jcache.go), sealed with a key from Identity, or with the user's
	// keyless key when Identity is nil.
	CacheDir string
	Identity *Identity
	// Snapshot lets a command that only reads take the replayed state
	// from the user's state snapshot (snapshot.go) while the journal has
	// not changed, and save one after replaying it. Needs CacheDir.
	Snapshot bool
	// Only, with Snapshot, is the one dossier (as the user typed its id)
	// a command is about: a snapshot then gives the state of that
	// dossier and what is not about dossiers, not the other dossiers
	// (Partial).
	Only string
	// SnapshotSteps, with Snapshot, lets the steps of a command about one
	// dossier (Update, ReviewDone) work under the lock on the snapshot's
	// state, advanced by the events added since (advance.go), instead of
	// a replay of the whole journal: their rules read nothing but that
	// dossier, the members and the policy. A step that needs more, or
	// finds what a crash left (crashLeftovers), reads the journal.
	SnapshotSteps bool
	// Summary, with Snapshot, names what the command reads of the
	// dossiers, if that is all it reads of them: their rows (List
	// without decryption, ReviewsDue, ReviewsMissed), every loan (Loans),
	// every destruction request (Destructions), their histories
	// (Histories), or nothing (SummaryNone).
	// A snapshot then gives those from parts of their own, not every
	// dossier's state (Partial); a state without SummaryRows has no rows.
	// SummaryHistories reads the histories (Archive.Histories).
	Summary Summary
	// Creates, with SnapshotSteps, says the command's step creates a
	// dossier (Create): the snapshot then gives the parts of the dossiers
	// new events name and of the id the new dossier will get, chosen
	// before they are read (see createState).
	Creates bool
	// OnlyLoan, with Snapshot, is the loan (as the user typed its id) a
	// command is about: a snapshot then gives every loan, the state of
	// that loan's dossier and what is not about dossiers (Partial), and
	// with SnapshotSteps its steps work on that.
	OnlyLoan string
	// OnlyDestruction, with Snapshot, is the destruction request (as
	// typed) a command is about: a snapshot then gives every request and
	// every loan, the state of that request's dossier and what is not
	// about dossiers (Partial), and with SnapshotSteps its steps work on
	// that.
	OnlyDestruction string
}

// OpenWith is Open with options: a command that has a cache folder reads
// and checks only the journal events it has not seen before.
func OpenWith(ctx context.Context, dir string, o OpenOptions) (*Archive, error) {
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	if ctx == nil {
		ctx = context.Background()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	raw, err := sharedfile.ReadFile(filepath.Join(abs, PolicyFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Code: Failed, Path: abs, Err: l10n.Errorf("no crm archive at %s (no %s)", abs, PolicyFile), Next: NextInit, Arg: dir}
		}
		return nil, err
	}
	jc := newJournalCache(o.CacheDir, abs, o.Identity)
	// The snapshot's header is read and checked (~0.9 ms at 100,000
	// dossiers) on another core while crm.yaml is parsed (~0.7 ms):
	// neither needs the other. loadSnapshot takes it (snapHeaderRead).
	var header *snapHeaderRead
	if o.Snapshot && jc != nil {
		header = readSnapshotEarly(jc)
	}
	p, err := ParsePolicy(raw)
	if err != nil {
		header.drop()
		// crm.yaml is written by init and changed only through signed
		// policy events: a file that no longer parses was damaged, and
		// no command (verify neither) reads the archive without it.
		return nil, &Error{Code: Integrity, Path: PolicyFile, Err: err, Next: NextRestore, Arg: PolicyFile}
	}
	a := &Archive{Dir: abs, Policy: p, PolicyRaw: raw, now: clock().UTC().Truncate(time.Second), ctx: ctx}
	a.jc, a.header = jc, header
	a.only, a.snapSteps, a.summary = o.Only, o.Snapshot && o.SnapshotSteps, o.Summary
	a.creates = a.snapSteps && o.Creates
	a.onlyLoan, a.onlyRequest = o.OnlyLoan, o.OnlyDestruction
	if a.snapshots = o.Snapshot; a.snapshots {
		if s, partial := a.stampedLoad(); s != nil {
			a.State, a.fromSnapshot, a.partial = s, true, partial
			return a, nil
		}
	}
	if err := a.reload(); err != nil {
		return nil, err
	}
	return a, nil
}

// FromSnapshot reports whether the state was taken from the user's state
// snapshot: the journal's events were not read (State.Journal holds only
// its heads). Archive methods that need them read the journal first.
func (a *Archive) FromSnapshot() bool { return a.fromSnapshot }

// Partial reports whether the state holds only the dossier OpenOptions.Only
// named (and those stored beside it), or the rows of a summary
// (OpenOptions.Summary), not every dossier.
func (a *Archive) Partial() bool { return a.partial }

// fullState makes sure the state was replayed from the journal, not taken
// from a snapshot.
func (a *Archive) fullState() error {
	if a.fromSnapshot {
		return a.reload()
	}
	return nil
}

// WholeState makes sure the state holds every dossier, replayed from the
// journal (from the verified-journal cache), not a snapshot's: for a
// command that opened from the snapshot and finds it must read what one
// does not keep (crm sync committing files whose owner only the journal
// can tell, or journaling a merge git's driver made). The replay saves a
// snapshot of the journal as it is, for the next open.
func (a *Archive) WholeState() error { return a.fullState() }

// StepsOn makes the state hold dossiers ids for steps about them only (crm
// sync journaling the merges git's driver made): for an archive opened
// from the snapshot, their parts advanced by the events added since, and
// the steps then work under the lock on those parts advanced again
// (OpenOptions.SnapshotSteps), as maintain's do; else, or when those
// cannot be had, the whole state replayed from the journal (WholeState).
func (a *Archive) StepsOn(ids []string) error {
	if !a.snapshots || len(ids) == 0 {
		return a.fullState()
	}
	a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = "", "", "", false, 0, slices.Clone(ids)
	if s, partial := a.stampedLoad(); s != nil {
		a.State, a.fromSnapshot, a.partial, a.snapSteps = s, true, partial, true
		if a.id != nil {
			a.me = s.MemberByRecipient(a.id.Recipient)
		}
		return nil
	}
	a.onlyIDs = nil
	if a.fromSnapshot {
		return a.reload()
	}
	return nil
}

// SetClock moves the archive's clock to t, for tools that run many steps
// in one process (test fixtures, the synthetic generator); a command reads
// the clock once, at Open.
func (a *Archive) SetClock(t time.Time) {
	a.now = t.UTC().Truncate(time.Second)
	a.State.now = a.now
}

// Now is the command's reading of the clock, to the second.
func (a *Archive) Now() time.Time { return a.now }

// Location is the policy's time zone, in which dates are shown.
func (a *Archive) Location() *time.Location { return a.Policy.Location() }

// Context is the context long operations of this archive run under.
func (a *Archive) Context() context.Context { return a.ctx }

// reload reads the journal again and replays it if it changed. Folders
// and events read before (by this process, else from the user's
// verified-journal cache) are not read or checked again.
func (a *Archive) reload() error {
	if err := a.settle(); err != nil {
		return err // the journal on disk lacks steps the state has
	}
	if a.fromSnapshot {
		// A snapshot has no journal: read it (from the cache).
		a.State, a.fromSnapshot, a.partial, a.seenGood = nil, false, false, nil
	}
	fromCache := a.fromCache
	var j *journal.Journal
	var err error
	if a.State != nil && a.State.Journal != nil {
		journalReads.Add(1)
		prev := a.State.Journal
		if j, err = journal.Reread(a.ctx, a.Dir, prev); err != nil {
			return err
		}
		if j == prev {
			return nil // the same events
		}
		if a.State.dataLetGo {
			// Changed, and its events let go of their data: read again
			// (from the cache), not replayed from these, which would
			// read each event's data back from its file.
			j = nil
		}
	}
	if j == nil {
		// A replay from the cache keeps most of what it makes; every
		// event read, parsed and checked makes much more (pace.go).
		defer paceAt(replayPace)()
		known := a.jc.load(a.ctx, a.Dir)
		if len(known) > 0 {
			fromCache = true
		} else {
			defer paceGC()()
		}
		journalReads.Add(1)
		if j, err = journal.ReadHinted(a.ctx, a.Dir, known, memberKeyHints(a.Dir)); err != nil {
			return err
		}
	}
	// Signatures and roles are checked on every load, not only by verify:
	// an event that fails them is reported and does not count.
	replays.Add(1)
	// Signatures first, then the journal cache (with their verdicts), then
	// the replay, which lets go of each event's data once applied: the
	// cache no longer needs it, and what asks for it later reads it back
	// (journal.Event.data, Journal.TakeDataBack). Held through the replay
	// it was 230 MB of a first command's peak, at a million events.
	preverify(a.ctx, j)
	for _, e := range j.Events {
		e.Compact()
	}
	a.jc.save(a.Dir, j)
	if a.jc != nil {
		// Only events from a bundle whose folder the cache now holds: a
		// folder it could not save (a full disk) would read them back
		// at the next save.
		a.State = replayLettingGo(j, a.Policy, a.now, func(e *journal.Event) bool {
			if e.Bundle() == "" {
				return false
			}
			f := j.Folders[path.Dir(e.Path)]
			return f != nil && !f.Dirty
		})
	} else {
		// No cache to read them from again (--no-cache): the events
		// keep their data, to be reused as they are.
		a.State = replayJournal(j, a.Policy, a.now, true, nil)
	}
	a.fromCache = fromCache
	if a.snapshots {
		a.saveSnapshot(j)
	}
	a.wrote = false
	if a.State.Genesis == "" {
		return integrityErr(journal.Dir, l10n.Errorf("the journal has no genesis event (%s): this is not a complete archive", kindWord(KindInit)))
	}
	if a.id != nil {
		a.me = a.State.MemberByRecipient(a.id.Recipient)
	}
	return nil
}

// SetIdentity sets who is working. It fails (Denied) if the identity's key
// is not an active member's.
func (a *Archive) SetIdentity(id *Identity) error {
	m := a.State.MemberByRecipient(id.Recipient)
	if m == nil {
		if who := a.State.rotatedFrom(id.SigningKey()); who != "" {
			return deniedErr(l10n.Errorf("your key %s was member %s's until their keys were changed (%s): use the identity file of the new keys", id.Recipient, who, kindWord(KindMemberRotate))).then(NextIdentity, "")
		}
		if who := a.State.removedWith(id.Recipient); who != "" {
			return deniedErr(l10n.Errorf("your key %s is member %s's, who was removed from this archive (%s): nothing you write counts", id.Recipient, who, kindWord(KindMemberRemove))).then(NextRemoved, who)
		}
		return a.clockBehind(deniedErr(l10n.Errorf("your key %s is not a member of this archive", id.Recipient)).then(NextMemberAdd, id.Recipient), func(e *journal.Event) bool {
			return strings.HasPrefix(string(e.Kind), "member.")
		})
	}
	a.id, a.me = id, m
	return nil
}

// ClockAhead returns the latest time of the events this archive's state
// does not count because they are dated after the clock it was checked
// by (now) by more than ClockSkew: either their writer's clock was ahead
// or this computer's is behind. Zero if there are none.
func (a *Archive) ClockAhead() time.Time {
	if a.State == nil {
		return time.Time{}
	}
	return a.State.ahead
}

// AheadEvent is an event that does not count yet because it is dated
// after this computer's clock by more than ClockSkew (Archive.AheadEvents).
type AheadEvent struct {
	Event   string    `json:"event"` // its hash
	Path    string    `json:"path"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"`
	Dossier string    `json:"dossier,omitempty"`
	Time    time.Time `json:"time"`
}

// AheadEvents lists the events that are problems only until their date:
// dated after this computer's clock by more than ClockSkew, and not
// settled by a decision. Once their date comes they count, at their place
// in the journal, possibly over steps taken meanwhile by others (which do
// not follow them). No decision can reject them before then: it would be
// dated before an event it follows (FORMAT.md, "Dated ahead").
func (a *Archive) AheadEvents() []AheadEvent {
	if a.State == nil {
		return nil
	}
	var out []AheadEvent
	for _, e := range a.State.tooNew {
		if a.State.isProblem(e.Path) {
			out = append(out, AheadEvent{Event: e.Hash, Path: e.Path, Kind: string(e.Kind), Actor: e.Actor, Dossier: e.Dossier, Time: e.Time})
		}
	}
	return out
}

// AheadOn reports whether an event on dossier id is dated ahead of this
// computer's clock (AheadEvents): the state may not say yet what the
// journal will say of it once that date comes.
func (a *Archive) AheadOn(id string) bool {
	return a.State != nil && slices.ContainsFunc(a.State.tooNew, func(e *journal.Event) bool { return e.Dossier == id })
}

// datedAhead reports whether the event at path is one the state does not
// count only because it is dated ahead of this computer's clock.
func (s *State) datedAhead(path string) bool {
	return slices.ContainsFunc(s.tooNew, func(e *journal.Event) bool { return e.Path == path })
}

// clockBehind turns err, about something the journal does not have (a
// member, a dossier), into one that says this computer's clock may be
// behind, when the state does not count events dated after it: the
// journal may have it, at a time this clock has not reached.
//
// relevant, if not nil, says which events dated ahead could hold what is
// missing: when none of them could (a fast clock elsewhere dated a step
// on another dossier), err is returned as it is, not blamed on this clock.
func (a *Archive) clockBehind(err error, relevant func(*journal.Event) bool) error {
	ahead := a.ClockAhead()
	if err == nil || ahead.IsZero() {
		return err
	}
	if relevant != nil && len(a.State.tooNew) > 0 && !slices.ContainsFunc(a.State.tooNew, relevant) {
		return err
	}
	code := Failed
	var e *Error
	if errors.As(err, &e) {
		code = e.Code
	}
	return &Error{Code: code, Err: l10n.Errorf("%v as of this computer's clock (%s): the journal has events dated up to %s, later by more than %s, which do not count before then; if this clock is behind, set it right (e.g. timedatectl set-ntp true) and try again", err, fmtUTC(a.now), fmtUTC(ahead), ClockSkew)}
}

// Me returns the working member, or a "no identity" error (Denied).
func (a *Archive) Me() (*Member, error) {
	if a.me == nil {
		return nil, (&Error{Code: Denied, Err: l10n.Errorf("no identity: this step needs your key")}).then(NextIdentity, "")
	}
	return a.me, nil
}

// Wrote reports whether this process appended events to the journal.
func (a *Archive) Wrote() bool { return a.wrote }

// Identity returns the working identity, or nil.
func (a *Archive) Identity() *Identity { return a.id }

// require checks that the working member holds one of roles for a step.
func (a *Archive) require(kind l10n.Phrase, roles []string) (*Member, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if !me.HasRole(roles...) {
		return nil, rolesErr(a.Policy, kind, me, roles)
	}
	return me, nil
}

// requireKind checks that the working member may write an event of kind
// (the registry's roles for it).
func (a *Archive) requireKind(k journal.Kind) (*Member, error) {
	spec := SpecOf(k)
	if spec.Roles == nil {
		return a.Me()
	}
	me, err := a.require(l10n.Word(spec.What), spec.Roles(a.Policy))
	if e, ok := err.(*Error); ok && spec.Rule != "" {
		e.Rule = l10n.Word(spec.Rule)
	}
	return me, err
}

// memberFileHeader starts every members/<id>.yaml.
const memberFileHeader = "# 成员公开信息（由 crm 根据签名日志生成，勿手工修改；`crm verify` 会核对）。\n# Public member record, written by crm from the signed journal: do not edit.\n"

func memberFileBytes(m *Member) ([]byte, error) {
	b, err := journal.MarshalYAML(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(memberFileHeader), b...), nil
}

func (a *Archive) writeMemberFile(m *Member) error {
	if err := a.settle(); err != nil {
		return err // the member's event is not on disk: no file without it
	}
	b, err := memberFileBytes(m)
	if err != nil {
		return err
	}
	a.touch(MembersDir + "/" + m.ID + ".yaml")
	return writeFileSync(filepath.Join(a.Dir, MembersDir, m.ID+".yaml"), b, 0o644, a.syncEach())
}

var memberIDRE = lazyRE(`^[a-z][a-z0-9._-]{0,31}$`)

// CheckMemberID returns a usage error unless id is a member id: lower-case
// letters, digits, '.', '_' and '-', starting with a letter, at most 32.
func CheckMemberID(id string) error {
	if !memberIDRE().MatchString(id) {
		return usageErr("member", l10n.Errorf("%q is not a member id: use lower-case letters, digits, . _ - (e.g. zhangsan)", id))
	}
	return nil
}

const gitattributes = `# crm: 档案密文按二进制处理；git diff 经 crm 解密显示，合并时由 crm 按字段合并（crm git setup 配置这两个驱动）。
*.age -text diff=crm merge=crm
*.yaml text eol=lf
`

// oldGitattributes is what crm wrote before its merge driver: the git
// setup command replaces it.
const oldGitattributes = `# crm: 档案密文按二进制处理；git diff 经 crm 解密显示（git config diff.crm.textconv "crm textconv"，见 README）。
# 合并时不做文本合并：密文冲突须用 crm 重新编辑解决。
*.age binary diff=crm merge=binary
*.yaml text eol=lf
`

const gitignore = `# crm 本地文件
.crm.lock
.tmp-*
# 报表含客户数据 (R6.9)：不要写进档案库，更不要提交；见 report/CRON.md。
/reports/
`

// InitOptions are the choices of a new archive.
type InitOptions struct {
	Name     string // archive name
	Recovery string // optional recovery (escrow) recipient
	Founder  Member // id, name, department; keys and roles are filled in
	// IDStyle is the policy's id_scheme.style: IDRandom (the default) or
	// IDSequential.
	IDStyle string
}

// check validates the choices of a new archive in dir.
func (o *InitOptions) check(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, PolicyFile)); err == nil {
		return failErr(l10n.Errorf("%s already holds a crm archive (%s exists)", dir, PolicyFile), NoNext, "")
	}
	if err := CheckMemberID(o.Founder.ID); err != nil {
		return err
	}
	if strings.TrimSpace(o.Founder.Name) == "" {
		return missingErr("name", l10n.Errorf("the founding member's full name"))
	}
	if o.Recovery != "" {
		if _, err := ParseRecipient(o.Recovery); err != nil {
			return usageErr("recovery", err)
		}
	}
	if o.IDStyle != "" && o.IDStyle != IDRandom && o.IDStyle != IDSequential {
		return usageErr("id-scheme", l10n.Errorf("%q is not an id scheme: use random or sequential", o.IDStyle))
	}
	return nil
}

// initPolicy renders the policy of a new archive for the founder's key
// kind (age cannot mix post-quantum and X25519 recipients).
func initPolicy(o InitOptions, id *Identity) ([]byte, *Policy, error) {
	name := cmpOr(o.Name, "客服部客户信息档案")
	raw, err := DefaultPolicyText(name, o.Recovery)
	if err != nil {
		return nil, nil, err
	}
	p, err := ParsePolicy(raw)
	if err != nil {
		return nil, nil, err
	}
	if pq := isPQ(id.Recipient); (p.KeyKind == "pq") != pq {
		p.KeyKind = map[bool]string{true: "pq", false: "x25519"}[pq]
		raw = bytes.Replace(raw, []byte("key_kind: x25519"), []byte("key_kind: "+p.KeyKind), 1)
	}
	if o.IDStyle == IDSequential {
		p.IDScheme.Style = IDSequential
		raw = bytes.Replace(raw, []byte("\n  style: random\n"), []byte("\n  style: "+IDSequential+"\n"), 1)
	}
	return raw, p, nil
}

// writeGenesis signs and writes the genesis event naming founder m.
func writeGenesis(dir string, p *Policy, raw []byte, m Member, id *Identity, t time.Time) error {
	b, err := journal.Sign(journal.Header{Kind: KindInit, Time: t, Actor: m.ID}, &InitData{ArchiveID: p.ArchiveID, PolicySHA256: sha256Hex(raw), Member: m}, id.Signer())
	if err != nil {
		return err
	}
	e, err := journal.Parse(b)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, filepath.FromSlash(journal.PathOf(e.Time, e.Hash))), b, 0o644)
}

// Init creates a new archive in dir, with the identity's owner as its first
// member and manager, and writes the genesis event.
func Init(ctx context.Context, dir string, id *Identity, o InitOptions, clock func() time.Time) (*Archive, error) {
	if clock == nil {
		clock = time.Now
	}
	if err := o.check(dir); err != nil {
		return nil, err
	}
	raw, p, err := initPolicy(o, id)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{MembersDir, DossiersDir, journal.Dir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{PolicyFile: raw, ".gitattributes": []byte(gitattributes), ".gitignore": []byte(gitignore)}
	for name, b := range files {
		if err := writeFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	m := o.Founder
	m.Roles = []string{"manager"}
	m.Recipient, m.SigningKey = id.Recipient, id.SigningKey()
	m.Department = cmpOr(m.Department, p.HomeDepartment)
	t := clock().UTC().Truncate(time.Second)
	if err := writeGenesis(dir, p, raw, m, id, t); err != nil {
		return nil, err
	}
	a, err := Open(ctx, dir, func() time.Time { return t })
	if err != nil {
		return nil, err
	}
	if err := a.writeMemberFile(&m); err != nil {
		return nil, err
	}
	if err := a.SetIdentity(id); err != nil {
		return nil, err
	}
	return a, nil
}

func isPQ(recipient string) bool { return len(recipient) > 7 && recipient[:7] == "age1pq1" }
