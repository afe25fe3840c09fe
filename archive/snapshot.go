package archive

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
)

// A state snapshot is the replayed state of an archive as one of its
// user's commands computed it, kept next to that user's verified-journal
// cache (jcache.go) so that a command that only reads (show, list,
// search, report, review due, the other list commands, completion) skips
// reading and replaying the journal while the journal has not changed. It
// is trusted exactly as far as the cache is, and no further:
//
//   - its header is sealed with HMAC-SHA-256 under the cache's key (from
//     the user's identity, or their keyless key) and names the archive's
//     folder: another user's, another identity's or an edited snapshot is
//     ignored; the header holds the SHA-256 of every part that follows it,
//     and a part that does not match is not used;
//   - it holds the modification time of every folder under journal/,
//     each more than the racy window old when the snapshot was made, and
//     is used only while every folder still has exactly that time (an
//     event added, removed or renamed changes its folder's time; a new
//     month or year changes its parent's), and only if every month folder
//     was one the cache keeps (plain event files only, no problems);
//   - it holds the SHA-256 of crm.yaml it was replayed under;
//   - replay depends on the clock only through the time bounds (an event
//     dated after the verifier's clock plus ClockSkew does not count): the
//     snapshot holds the range of clocks under which exactly the same
//     events are too new (whether or not they are problems: a rejected
//     one still takes effect once its date passes), and is used only
//     within it; none is kept while any event is too new (its problem's
//     message names the clock of the check);
//
// The file is the header, then the registers (loans, the classification
// register, the 核定 register), then the dossiers in snapBuckets parts by
// a hash of their id: a command about one dossier (show) reads the header
// and that dossier's part only, so its cost does not grow with the
// archive (OpenOptions.Only).
//
// Anything a snapshot cannot answer (the events themselves, what follows
// what, writing) makes the archive read and replay its journal first
// (fullState): writes always work on a replayed journal.
type snapshot struct {
	Archive   string
	Dirs      []dirStamp
	PolicySHA string
	// The state holds for a clock c with NotBefore <= c and, if NotAfter
	// is set, c < NotAfter.
	NotBefore, NotAfter time.Time
	// Head is what the header holds of the state (headState): state as
	// encoded.
	Head *headState
	// state is the state without Journal, Policy and event pointers, and
	// without what the parts hold: Dossiers, Loans, Destructions, Changes,
	// Reviews.
	state *State
	// Changes and Reviews are how many entries those registers have.
	Changes      int
	Reviews      int
	Destructions int
	Heads        []string
	HeadTimes    map[string]time.Time
	GoodHeads    []string
	Rotated      map[string]string
	AddedApart   map[string]bool
	KeyChanges   map[string][]KeyChange
	Removed      map[string][]string
	// Removals are the removals replay's second pass refused a removed
	// member's later events by (State.removals).
	Removals map[string][]string
	// PassesAgree is whether replay's second pass refused no event its
	// first pass took (State.passesAgree). A snapshot saved before it was
	// kept says false.
	PassesAgree bool
	// Decided are the problem events a manager's decision settled
	// (State.Decided), by path: verify names them.
	Decided []snapDecided
	// Chinese is whether the messages the state holds (Problems,
	// Superseded) were made in Chinese (l10n). Each is kept in both
	// languages too (journal.Problem.En, Zh: problemtext.go), and read
	// in the reader's; one of a snapshot saved before they were (the
	// same format: gob leaves the fields empty) only in this one, which
	// verify --fast then prints only in the same language (sayable).
	Chinese bool
	// Latest is the date of the latest event: the rows hold each
	// dossier's level as of then, for a clock at or after it.
	Latest time.Time
	// Months are the month folders of the journal, each with a part (after
	// the dossiers' parts) holding the hashes of its events.
	Months []string
	// Count is how many dossiers the parts hold together.
	Count int
	// Prelude is what a gob encoder writes before a dossiers' part (the
	// types, and a zero part): the same for every part, kept once, so
	// that a part is decoded after it and many parts by one decoder.
	Prelude []byte
	// partTable is where the parts lie after the sealed header (parts,
	// packed by packParts: a command about one dossier decodes no 4096
	// structs): the dossiers of each bucket (snapBucketPart), then the
	// hashes of the events of each month folder (packHashes), then the
	// rows of every dossier (dossierRow), the registers of loans and
	// destruction requests (encodeRows) and every dossier's histories
	// (encodeHistories). It follows the gob in the header (encodeHeader):
	// read, it is the bytes read, not copied twice by gob (202 KB at
	// 100,000 dossiers, a millisecond of every show's faults).
	partTable []byte
	parts     partTable
	// order is the tail of the order of the journal the snapshot stands
	// for (journal.Tail, packed), written as its last part.
	order []byte
	// mac is the HMAC of the header as read: the listing memo names the
	// snapshot it was made on by it (listmemo.go).
	mac []byte
}

// headState is what a snapshot's header holds of the state: the fields of
// State that neither the parts hold (Dossiers, Loans, Destructions,
// Changes, Reviews) nor a replay sets again (Policy, Journal), nor the
// header holds apart (Decided). A header that encoded the State type
// itself made every command's gob decoder compile decoders for the whole
// graph of State's types, the parts' included: 2–3 ms of a `show` that
// takes 30.
type headState struct {
	Genesis, ArchiveID, PolicySHA256 string
	Members                          map[string]*Member
	MaxID, MaxLoan, MaxDestruction   int
	Submissions                      map[string]*Submission
	Requests                         map[string]*StatsRequest
	RoleHistory                      map[string][]RoleSpell
	Templates                        map[string]string
	Problems, Superseded             []journal.Problem
	Collided                         map[string]bool
}

// headOf is what the header holds of s.
func headOf(s *State) *headState {
	return &headState{Genesis: s.Genesis, ArchiveID: s.ArchiveID, PolicySHA256: s.PolicySHA256,
		Members: s.Members, MaxID: s.MaxID, MaxLoan: s.MaxLoan, MaxDestruction: s.MaxDestruction,
		Submissions: s.Submissions, Requests: s.Requests, RoleHistory: s.RoleHistory, Templates: s.Templates,
		Problems: s.Problems, Superseded: s.Superseded, Collided: s.Collided}
}

// state is the State h holds: what the parts hold is not there yet. Its
// problems are said in this process's language where they were kept in
// both (inOwnLanguage).
func (h *headState) state() *State {
	inOwnLanguage(h.Problems)
	inOwnLanguage(h.Superseded)
	return &State{Genesis: h.Genesis, ArchiveID: h.ArchiveID, PolicySHA256: h.PolicySHA256,
		Members: h.Members, MaxID: h.MaxID, MaxLoan: h.MaxLoan, MaxDestruction: h.MaxDestruction,
		Submissions: h.Submissions, Requests: h.Requests, RoleHistory: h.RoleHistory, Templates: h.Templates,
		Problems: h.Problems, Superseded: h.Superseded, Collided: h.Collided}
}

// snapDecided is a State.Decided entry without its events: the settled
// event's path and the decision.
type snapDecided struct {
	Path, Decision, By, Reason string
}

// decidedOf keeps what verify shows of ds.
func decidedOf(ds []Decided) []snapDecided {
	var out []snapDecided
	for _, d := range ds {
		if d.Event != nil {
			out = append(out, snapDecided{Path: d.Event.Path, Decision: d.Decision, By: d.By, Reason: d.Reason})
		}
	}
	return out
}

// decided is the inverse of decidedOf: events that hold their path only.
func decided(ds []snapDecided) []Decided {
	var out []Decided
	for _, d := range ds {
		out = append(out, Decided{Event: &journal.Event{Path: d.Path}, Decision: d.Decision, By: d.By, Reason: d.Reason})
	}
	return out
}

// partSize is the size of a packed snapPart: offset, length, SHA-256.
const partSize = 8 + 8 + sha256.Size

// packParts packs ps for the header.
func packParts(ps []snapPart) []byte {
	out := make([]byte, 0, len(ps)*partSize)
	for _, p := range ps {
		out = binary.BigEndian.AppendUint64(out, uint64(p.Off))
		out = binary.BigEndian.AppendUint64(out, uint64(p.Len))
		out = append(out, p.Sum[:]...)
	}
	return out
}

// partTable is a header's PartTable as packParts packed it, read an entry
// at a time: a command about one dossier looks up two or three of its
// 4,200 entries, and unpacking them all (200 KB at 100,000 dossiers) cost
// it a page fault for every 4 KB.
type partTable []byte

// count is how many parts t places.
func (t partTable) count() int { return len(t) / partSize }

// at is entry i of t. An offset or length no file can have comes back
// negative, which every reader of a part refuses.
func (t partTable) at(i int) snapPart {
	e := t[i*partSize : (i+1)*partSize]
	off, n := binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:])
	p := snapPart{Off: -1, Len: -1}
	if off <= math.MaxInt64 && n <= math.MaxInt64 {
		p.Off, p.Len = int64(off), int64(n)
	}
	copy(p.Sum[:], e[16:partSize])
	return p
}

// snapPart is one part of a snapshot file: its place after the header,
// its length and its SHA-256.
type snapPart struct {
	Off, Len int64
	Sum      [sha256.Size]byte
}

// snapBucketPart is the part of a snapshot that holds the dossiers of one
// bucket, with their entries of the archive's registers, each with its
// place (Seq) in the register: a register is rebuilt from every part, and
// a command about a few dossiers reads theirs only. Loans are in the
// dossiers' own lists (State.Loans is rebuilt from them).
type snapBucketPart struct {
	Dossiers map[string]*DossierState
	Changes  []seqChange
	Reviews  []reviewRef
	// Events are the paths of the events of each dossier, in journal
	// order (DossierState.Events, which a snapshot does not keep): its
	// log reads those files only.
	Events map[string][]string
	// Destructions are the destruction requests of these dossiers.
	Destructions map[string]*Destruction
}

// seqChange is State.Changes[Seq].
type seqChange struct {
	Seq int
	Change
}

// snapBuckets is how many parts the dossiers are spread over: about
// twenty-five dossiers a part at a department's 100,000, so that events
// about many dossiers (a month's declassifications, a pull of a week's
// work) re-encode a small share of them (saveAdvancedParts).
const snapBuckets = 4096

// snapBucket is the part that holds dossier id.
func snapBucket(id string) int {
	h := sha256.Sum256([]byte(id))
	return int(binary.BigEndian.Uint16(h[:2])) % snapBuckets
}

// reviewRef is State.Reviews[Seq] as the Index-th review of Dossier.
type reviewRef struct {
	Seq     int
	Dossier string
	Index   int
}

// dirStamp is a folder under journal/ and its modification time in ns.
type dirStamp struct {
	Rel   string
	MTime int64
}

// snapMagic starts a snapshot file (format version 23: a sealed header
// that holds the state's own fields (headState, not State) and names the
// events decisions settled, with its part table after the gob; 4096 parts
// by dossier id with their register entries, destruction requests and
// event paths after one shared gob prelude, parts by month folder, a part
// of rows indexed by chunks, one of loans and destruction requests, one
// of histories and one with the tail of the journal's order; since
// version 25 each row also ends with whether its dossier is under a legal
// hold (crm list shows it from the rows). Version 31 keeps each 核定's
// result (Review.Result, the reviews register's 核定结果) in the
// histories part; version 30 is the same format without it. Version 30 keeps, in the
// classification register's entries of the histories part, who decided
// each change (Change.ApprovedBy, the register's 批准人); version 29 is the
// same format without it. Version 29 is the format of 28
// saved by replay rules that refuse a dossier.declassify dated before the
// secrecy period ran out in the policy's zone, where 28's accepted one
// dated up to a day before (its level, the register and the yearly count
// then disagreed). Version 28 keeps the member
// ids added apart (snapshot.AddedApart) and is saved by replay rules that
// count as stale, in the rows and the dossiers' parts (Stale), a recipient
// whose file was written under another member.add of the same id
// (State.StaleKeys); version 27 is the same format without AddedApart,
// and its Stale lists no such recipient. Version 27 writes the part of
// loans and destruction requests field by field (registers.go), not as a
// gob, and keeps the reason of the removal that closed a loan
// (Loan.ClosedByRemoval) where 26 kept a
// sentence about it, in the language of whoever replayed the journal, in
// the loan's note, and was saved by replay rules that added a member with
// a signing key another member held and that superseded a statistics
// request's rejection ordered after an approval it did not follow.
// Version 26 is version 25 saved
// by the rules of its release: development builds saved version 25 rows
// without the hold, or under the replay rules below, and a reader is not
// sure to refuse such rows. (Its release's rules also take a loan.expire
// of a loan whose borrower holds no role that may borrow before its due
// time; the same format.) Version 24 had no hold in the rows and was
// otherwise the same format, saved by replay rules that approved a loan whose
// requester had lost the role that may borrow while it waited (R7.1),
// renewed a loan whose borrower had lost it, left a loan open to a
// borrower whose role change listed it (member.roles loans), and
// that refused a dossier file written, in a clone that had not heard of a
// member's removal, to that member too; version 23 is the same format,
// saved by replay rules that registered a dossier
// marked again after its secrecy period ran out as a confirmation of the
// level it no longer had, not a raise from 内部; version 22
// had no index of the rows' chunks, 21 the part table in the gob; version
// 19 kept when each member's roles were last
// set, not the roles they held from each time (RoleHistory, R6.1's
// hand-ins of past months); version 18 is the same format, saved by replay rules
// that let a member who could not read a dossier set its credit class or
// tier, and a member of another department hold a 客服部 post (R8, R6.6);
// version 17 is the same format, saved by replay rules
// that took a 核定 by a recipient of the file whom the journal no longer
// let read it (R6.5: a snapshot stands for what the rules make of the
// journal, so a change of rules is a new version); 16 had no tail, 15 did not name
// the settled events, 14 had no histories part, 13 had 1024 parts, 12 no
// stale keys in its rows, 11 none in its dossiers' parts, 10 rows without
// what a listing with a key needs (hash, recipients, borrowers, credit,
// tier), 9 no rows or registers parts, 8 had 256 parts and destructions in
// the header, 7 a prelude in every part, 6 no event paths, 5 a part of
// registers, 4 no month parts, 3 was one sealed gob stream, 2 could hold a
// clock range that ignored events dated ahead that a decision had
// rejected, or a journal without genesis). A snapshot of another version
// is not read. Version 20 encoded the header's state as a State.
// Version 32 is the same format as 31, saved by replay rules that refuse
// (a problem) a step that uses a right a change of its actor's roles took
// away, written where that change was not heard of (step.lostRight);
// version 31 let it count when the merge ordered it first, and made it
// superseded, not a problem, when ordered after. Version 33 is the same
// format as 32, saved by rules that count among the rights a step uses
// the role of the step of the chain a destruction approval approves, the
// roles a change of level needs (to or from the top level:
// classify_top_secret) and the approver's role a loan approval used
// (State.stageRole); version 32 took any role of the chain, of
// permissions.classify and of the loan's approvers, so that a manager's
// step beside their cut to supervisor counted when ordered first and was
// superseded when ordered after. Version 34 is the same format as 33,
// saved by rules that take the role of loan.approvers_when_self a
// stand-in approval of a borrower's own loan is given as (the gm's of a
// manager's loan) as the right it uses; version 33 took none, so that
// the gm's approval beside their cut counted in one merge order; its
// histories part and dossiers' credit marks also carry the visit a kept
// class reviewed (Mark.Reviewed).
const snapMagic = "crm-state-snapshot-v34\n"

// The parts after the months', counted from the end.
const (
	tailRows      = 4 // every dossier's row (encodeRows)
	tailRegisters = 3 // every loan and destruction request (encodeRows)
	tailHistories = 2 // every dossier's histories (encodeHistories)
	tailOrder     = 1 // the tail of the journal's order (journal.Tail)
	tailParts     = 4 // how many
)

// snapSeal is what the header's HMAC covers besides the header itself.
const snapSeal = "state snapshot\n"

func (c *journalCache) snapPath() string { return filepath.Join(c.dir, "state.snap") }

// journalDirs lists every folder under dir's journal with its time: the
// journal folder, its year folders and their month folders. Month folders
// are not listed (their time says whether their files changed). Every
// time below the journal folder is taken by name from it, open (dirAt),
// not by whole path: ten years' 144 folders, on every command.
func journalDirs(dir string) ([]dirStamp, bool) {
	root := filepath.Join(dir, journal.Dir)
	fi, err := os.Lstat(root)
	if err != nil || !fi.IsDir() {
		return nil, false
	}
	d, err := openDirAt(root)
	if err != nil {
		return nil, false
	}
	defer d.close()
	// folders is what the folder at p holds, by name: every entry a
	// folder (files belong in month folders only: anything else is for
	// a full read to report).
	folders := func(p string) ([]os.DirEntry, bool) {
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, false
		}
		for _, e := range ents {
			if !e.IsDir() {
				return nil, false
			}
		}
		return ents, true
	}
	out := []dirStamp{{journal.Dir, fi.ModTime().UnixNano()}}
	years, ok := folders(root)
	if !ok {
		return nil, false
	}
	for _, y := range years {
		t, isDir, err := d.timeAt(y.Name())
		if err != nil || !isDir {
			return nil, false
		}
		rel := journal.Dir + "/" + y.Name()
		out = append(out, dirStamp{rel, t})
		months, ok := folders(filepath.Join(root, y.Name()))
		if !ok {
			return nil, false
		}
		for _, m := range months {
			// y/m from the journal folder: y was just found a folder,
			// not a link.
			t, isDir, err := d.timeAt(y.Name() + "/" + m.Name())
			if err != nil || !isDir {
				return nil, false
			}
			out = append(out, dirStamp{rel + "/" + m.Name(), t})
		}
	}
	return out, true
}

// loadStamp is what the journal's folders were (journalDirs) just
// before a state was taken from the snapshot, and when.
type loadStamp struct {
	state *State
	dirs  []dirStamp
	at    time.Time
	what  string // what the load was asked for (loadWhat)
	// listed is how ReadSince listed the month folders whose time
	// changed since the snapshot (Archive.sinceListed).
	listed []journal.Listed
}

// loadWhat is what loadSnapshot is asked for: the same, and nothing
// changed, it gives the same state.
func (a *Archive) loadWhat() string {
	return fmt.Sprint(a.only, "|", a.summary, "|", a.creates, "|", a.onlyLoan, "|", a.onlyRequest, "|", a.onlyIDs, "|", a.inRuns)
}

// stampedLoad is loadSnapshot, remembering the journal's folders as it
// listed them (Archive.loaded): the last listing, that of the state it
// gives.
func (a *Archive) stampedLoad() (*State, bool) {
	a.listedDirs = nil
	s, partial := a.loadSnapshot()
	a.loaded = nil
	if s != nil && a.listedDirs != nil && a.runs == nil && a.grouped == nil {
		a.loaded = &loadStamp{state: s, dirs: a.listedDirs, at: a.listedAt, what: a.loadWhat(), listed: a.sinceListed}
	}
	return s, partial
}

// settledFor is how long before a load a folder's time must be for an
// unchanged time to say that nothing was added since: past the racy
// window, and past the coarse ticks (a few ms) of file times.
const settledFor = 50 * time.Millisecond

// stillCurrent reports whether the state taken from the snapshot before
// the lock (at open) is still the journal's, so that the step under the
// lock need not take it again (half of a step's time at 100,000
// dossiers): the state is the one loaded, and no folder of the journal
// changed since. A folder whose time was within the racy window (or
// settledFor) of the load could have changed again within the same
// tick: then the state is taken again. Writers other than crm (a git
// pull) take no lock: they change the folders' times as much before the
// lock as after it.
func (a *Archive) stillCurrent() bool {
	l := a.loaded
	if l == nil || a.State != l.state || !a.fromSnapshot || a.runs != nil || a.inRuns || l.what != a.loadWhat() {
		return false
	}
	dirs, ok := journalDirs(a.Dir)
	if !ok || !slices.Equal(dirs, l.dirs) {
		return false
	}
	settled := l.at.Add(-max(journal.RacyWindow(), settledFor)).UnixNano()
	for _, d := range dirs {
		if d.MTime >= settled && !sameListing(a.Dir, d.Rel, l.listed) {
			return false
		}
	}
	return true
}

// sameListing reports whether the journal's folder rel, whose time is
// too new to say that nothing was added since the load, is as the load
// found it all the same: a year folder or the journal's own, whose
// folders journalDirs has just listed again (files are refused there),
// or a month folder the load listed (listed, from ReadSince) that holds
// exactly the same event files now (journal.SameFiles). In a run of
// writes, each command finds the month folder the one before it wrote in
// within the racy window; without this, each took its state again under
// the lock, reading every part with unsaved events a second time. A file
// replaced under its own name meanwhile (bytes no longer the name's:
// damage or tampering, no event) is not seen here, as one replaced just
// after the lock was not seen by taking the state again: the next read
// of the folder reads it and reports it.
func sameListing(dir, rel string, listed []journal.Listed) bool {
	if strings.Count(rel, "/") < 2 {
		return true
	}
	for _, l := range listed {
		if l.Rel == rel {
			return journal.SameFiles(dir, l)
		}
	}
	return false
}

// saveSnapshot writes the snapshot of the state just replayed from j, if
// the journal is one a snapshot can stand for. Errors are ignored: the
// snapshot only saves time.
func (a *Archive) saveSnapshot(j *journal.Journal) {
	c := a.jc
	// A journal without its genesis is an integrity error on every open
	// (reload): a snapshot of it would open it without one.
	if c == nil || a.State == nil || a.State.Genesis == "" || len(j.Temps) > 0 || len(j.Problems) > 0 {
		return
	}
	dirs, ok := journalDirs(a.Dir)
	if !ok {
		return
	}
	trusted := time.Now().Add(-journal.RacyWindow()).UnixNano()
	months := 0
	for _, d := range dirs {
		if d.MTime >= trusted {
			return
		}
		if f := j.Folders[d.Rel]; f != nil {
			// A month folder the read kept, with the time it had when
			// listed: it has not changed since.
			if f.MTime != d.MTime {
				return
			}
			months++
		}
	}
	if months != len(j.Folders) || months != countDepth(dirs, 2) {
		return
	}
	packed := map[string]monthPart{}
	for rel, f := range j.Folders {
		packed[rel] = monthPart{folder: f, old: -1}
	}
	a.carryListed = nil // a full read's snapshot: no listing to carry
	// Written at the end of a whole replay, when the heap holds every
	// event and the whole state: encoding the parts makes garbage on top
	// of that, at the replay's pace. Paced as heavy work instead, a
	// replay from the journal cache at 100,000 dossiers peaked 100-140 MB
	// lower (1.45 GB against 1.55-1.59 GB), for 1-3 s more CPU.
	defer paceGC()()
	a.writeSnapshot(a.State, j, dirs, packed, nil, nil, nil)
}

// writeSnapshot writes the snapshot of state s, replayed from journal j
// (whose events it may hold only from some point on: Prior), with the
// journal's folders as dirs and each month folder's part (the hashes of its
// events).
//
// With from, the snapshot s was advanced from: keep tells the dossiers'
// parts that have not changed since, which are copied from its file as
// they are (not decoded, not encoded again, not held in memory). With
// some, s holds only some parts' dossiers (saveAdvancedParts): every other
// part is kept, and the registers' places, the counts, the rows and the
// registers part come from some.
func (a *Archive) writeSnapshot(s *State, j *journal.Journal, dirs []dirStamp, months map[string]monthPart, from *snapSource, keep func(k int) bool, some *someParts) {
	var prior *snapshot
	if from != nil {
		prior = from.snap
	}
	snap, ok := a.snapshotHead(s, j, dirs, prior)
	if !ok {
		return
	}
	var changes []seqChange
	var refs []reviewRef
	regs := s // what the rows and registers parts are made of
	if some == nil {
		if refs, ok = reviewRefs(s); !ok {
			return
		}
		changes = make([]seqChange, len(s.Changes))
		for i, c := range s.Changes {
			changes[i] = seqChange{i, c}
		}
		snap.Count, snap.Changes, snap.Reviews, snap.Destructions = len(s.Dossiers), len(s.Changes), len(refs), len(s.Destructions)
	} else {
		changes, refs, regs = some.changes, some.refs, some.regs
		snap.Count, snap.Changes, snap.Reviews, snap.Destructions = len(regs.rows), some.nChanges, some.nReviews, len(regs.Destructions)
	}
	parts := indexParts(s, changes, refs)
	if prior != nil && !prior.encodedHere() {
		if some != nil {
			return // the parts not read cannot be encoded again
		}
		keep = nil // encoded by another build: types may differ
	}
	if some != nil {
		keep = func(k int) bool { return !some.held[k] } // never encoded: they would be empty
	}
	if keep == nil {
		keep = func(int) bool { return false }
	}
	snap.order = nextTail(j, from)
	a.writeSnapshotFile(snap, months, from, func(pw *partWriter) error {
		return a.writeBuckets(pw, s, parts, snap.Prelude, keep, from)
	}, func(pw *partWriter) error {
		// The rows and the histories are written as they are made, not
		// held: at 100,000 dossiers, 210 MB less at the peak of a replay.
		pw.stream(func(w io.Writer) error { return writeStateRows(w, regs, later(a.now, snap.Latest)) })
		loans, ok := encodeRegisters(regs, regs.SortedDestructions())
		if !ok {
			return errBadSnapshotPart
		}
		pw.add(loans)
		if some == nil {
			pw.stream(func(w io.Writer) error { return writeHistories(w, s, changes, refs) })
			return nil
		}
		recs, ok := historyRecords(s, changes, refs)
		if !ok {
			return errBadSnapshotPart
		}
		hist, _, ok := mergeHistories(some.hist, recs)
		if !ok {
			return errBadSnapshotPart
		}
		pw.add(hist)
		return nil
	})
}

// snapshotHead is the header of the snapshot of state s (its State not
// yet set, nor its counts), replayed from journal j (whose events it may
// hold only from some point on: Prior) on top of snapshot prior if any,
// with the journal's folders as dirs. False if no snapshot can stand for
// it (an event dated ahead of the clock).
func (a *Archive) snapshotHead(s *State, j *journal.Journal, dirs []dirStamp, prior *snapshot) (*snapshot, bool) {
	snap := &snapshot{Archive: a.Dir, Dirs: dirs, PolicySHA: sha256Hex(a.PolicyRaw),
		Heads: j.Heads, HeadTimes: map[string]time.Time{}, GoodHeads: s.goodHeads(),
		Rotated: s.rotated, AddedApart: s.addedApart, KeyChanges: s.keyChanges, Removed: s.removed, Removals: s.removals, PassesAgree: s.passesAgree,
		Decided: decidedOf(s.Decided), Chinese: madeChinese(s, prior)}
	// The times of the heads and good heads: what new events follow.
	for _, h := range append(slices.Clone(j.Heads), snap.GoodHeads...) {
		if t, ok := j.TimeOf(h); ok {
			snap.HeadTimes[h] = t
		}
	}
	snap.NotBefore, snap.NotAfter = clockRange(j, a.now)
	if prior != nil {
		// Events before these were judged under the clock range of the
		// snapshot they were replayed on top of.
		snap.NotBefore, snap.NotAfter = later(snap.NotBefore, prior.NotBefore), earlier(snap.NotAfter, prior.NotAfter)
	}
	if !snap.NotAfter.IsZero() {
		// An event is dated ahead of this clock: its problem's message
		// names the clock of the check, which a snapshot would freeze.
		// Such events are rare (a wrong clock) and settled by a manager;
		// until then the journal is replayed.
		return nil, false
	}
	if prior != nil {
		snap.Latest = prior.Latest
	}
	for _, e := range j.Events {
		snap.Latest = later(snap.Latest, e.Time)
	}
	st := strippedState(s)
	st.Loans, st.Destructions, st.Changes, st.Reviews = nil, nil, nil, nil
	st.partSeqs = nil
	snap.state = st
	var ok bool
	snap.Prelude, ok = thisPrelude()
	return snap, ok
}

// nextTail is the tail of the journal's order (packed) for the snapshot
// of a state replayed from j, whole or (from) on top of a snapshot: a
// merge's (journal.Merge), or the snapshot's with j's events after it. A
// tail that cannot be read gives way to one of j's events alone: shorter,
// and still the end of the order.
func nextTail(j *journal.Journal, from *snapSource) []byte {
	var t journal.Tail
	switch {
	case j.Merge != nil:
		t = j.Merge.Tail
	case from != nil:
		t, _ = from.snap.orderTail(from.f, from.base)
	}
	if j.Merge == nil {
		t = t.Append(j.Events)
	}
	b, ok := t.Pack()
	if !ok {
		b, _ = journal.Tail(nil).Pack()
	}
	return b
}

// orderTail reads the tail of the journal's order from the snapshot in f.
func (snap *snapshot) orderTail(f *os.File, base int64) (journal.Tail, bool) {
	b, ok := snap.rawPart(f, base, snap.parts.count()-tailOrder)
	if !ok {
		return nil, false
	}
	return journal.UnpackTail(b)
}

// monthPart is a month folder's part of a snapshot: the hashes of its
// events, packed (packHashes), or, with old at 0 or more, that part of the
// snapshot advanced, copied from its file as it is.
type monthPart struct {
	packed []byte
	// folder: its events' hashes are packed as the part is written
	// (packed all before, a million events' were 33 MB of a first
	// command's peak).
	folder *journal.Folder
	old    int
}

// bytes is the part of a month not copied from a snapshot.
func (m monthPart) bytes() ([]byte, bool) {
	if m.folder == nil {
		return m.packed, true
	}
	hs := make([]string, len(m.folder.Events))
	for i, e := range m.folder.Events {
		hs[i] = e.Hash
	}
	return packHashes(hs)
}

// writeSnapshotFile writes snapshot snap, whose header is complete but for
// its months and part table, with each month folder's part (some copied
// from the snapshot advanced, from): parts writes the dossiers' parts, and
// tail the rows, registers and histories parts after them. It reports
// whether the file was saved.
func (a *Archive) writeSnapshotFile(snap *snapshot, months map[string]monthPart, from *snapSource, parts, tail func(*partWriter) error) bool {
	c := a.jc
	// The listings advancedMonths just took this snapshot's months from,
	// taken once: a save that stops before here leaves none for another.
	carry := a.carryListed
	a.carryListed = nil
	snap.Months = slices.Sorted(maps.Keys(months))
	// The header lists every part's place and sum before the parts, which
	// are written as they are encoded, not held (at 100,000 dossiers 300
	// MB): its size is known first, as only the part table's bytes are
	// not, and it is written over the room left for it at the end.
	nParts := snapBuckets + len(snap.Months) + tailParts
	snap.partTable = make([]byte, nParts*partSize)
	head, ok := encodeHeader(snap)
	if !ok {
		return false
	}
	room := int64(len(snapMagic) + 8 + len(head) + sha256.Size)
	var mac []byte // the sealed header's HMAC
	if os.MkdirAll(c.dir, 0o700) != nil {
		return false
	}
	tmp, err := writeTempSync(c.dir, tempPattern(""), 0o600, func(w io.Writer) error {
		f, ok := w.(*os.File)
		if !ok {
			return errBadSnapshotPart
		}
		pw := &partWriter{f: f, at: room}
		if err := parts(pw); err != nil {
			return err
		}
		for _, rel := range snap.Months {
			if m := months[rel]; m.old < 0 {
				b, ok := m.bytes()
				if !ok {
					return errBadSnapshotPart
				}
				pw.add(b)
			} else {
				pw.copy(from, m.old)
			}
		}
		if err := tail(pw); err != nil {
			return err
		}
		pw.add(snap.order)
		pw.flush()
		if pw.err != nil || len(pw.parts) != nParts {
			return errBadSnapshotPart
		}
		snap.partTable = packParts(pw.parts)
		full, ok := encodeHeader(snap)
		if !ok || len(full) != len(head) {
			return errBadSnapshotPart
		}
		sealed := binary.BigEndian.AppendUint64([]byte(snapMagic), uint64(len(full)))
		sealed = c.sealSnapshot(append(sealed, full...))
		mac = slices.Clone(sealed[len(sealed)-sha256.Size:])
		_, err := f.WriteAt(sealed, 0)
		return err
	}, true)
	if err != nil || renameCache(tmp, c.snapPath(), true) != nil {
		return false
	}
	// The bundles of known events the listings found stay known to the
	// snapshot saved from them: the memo keeps their stamps.
	c.carryListMemo(mac, carry)
	return true
}

// encodeHeader is a snapshot's header: the snapshot as gob encodes it,
// then its part table.
func encodeHeader(snap *snapshot) ([]byte, bool) {
	// The Prelude's types first, in a process that has not made it yet
	// (a load that saved nothing did not need it): gob numbers types in
	// the order they are first encoded (thisPrelude).
	if _, ok := thisPrelude(); !ok {
		return nil, false
	}
	var b bytes.Buffer
	snap.Head = headOf(snap.state)
	defer func() { snap.Head = nil }()
	if err := gob.NewEncoder(&b).Encode(snap); err != nil {
		return nil, false
	}
	return append(b.Bytes(), snap.partTable...), true
}

// decodeHeader reads what encodeHeader wrote; the part table is cut from
// b. A gob decoder reads a bytes.Reader (an io.ByteReader) without
// buffering ahead, so what it leaves is the table.
func decodeHeader(b []byte) (*snapshot, bool) {
	r := bytes.NewReader(b)
	var snap snapshot
	if gob.NewDecoder(r).Decode(&snap) != nil || snap.Head == nil || snap.Head.Genesis == "" {
		return nil, false
	}
	snap.partTable = b[len(b)-r.Len():]
	return &snap, true
}

// partWriter writes a snapshot's parts one after the other into f from
// offset at (the room left for the header), noting each one's place
// (from the first part) and sum.
type partWriter struct {
	f     *os.File
	at    int64 // where the next part goes in f
	off   int64 // and its offset from the first
	parts []snapPart
	err   error
	encs  [][]byte // a run's parts as encoded (writeRun), their buffers kept for the next run
	// A run of kept parts that lie one after the other in the old
	// snapshot, not yet copied: copied as one range when the next part
	// does not follow on (flush). Part by part, a write at 100,000
	// dossiers read and wrote each of ~4,000 parts on its own.
	pend struct {
		src      *os.File
		off, len int64 // the range in src
		at       int64 // where it goes in f
	}
}

// flush copies the pending run of kept parts.
func (w *partWriter) flush() {
	p := &w.pend
	if p.len == 0 || w.err != nil {
		p.len = 0
		return
	}
	buf := make([]byte, min(p.len, 1<<20))
	for done := int64(0); done < p.len; {
		n := min(int64(len(buf)), p.len-done)
		if _, err := p.src.ReadAt(buf[:n], p.off+done); err != nil {
			w.err = err
			break
		}
		if _, err := w.f.WriteAt(buf[:n], p.at+done); err != nil {
			w.err = err
			break
		}
		done += n
	}
	p.len = 0
}

// add writes part b.
func (w *partWriter) add(b []byte) {
	w.kept(int64(len(b)), sha256.Sum256(b), func() error {
		_, err := w.f.WriteAt(b, w.at)
		return err
	})
}

// stream writes a part as write makes it, not held.
func (w *partWriter) stream(write func(io.Writer) error) {
	w.flush()
	if w.err != nil {
		return
	}
	h := sha256.New()
	ow := io.NewOffsetWriter(w.f, w.at)
	bw := bufio.NewWriterSize(io.MultiWriter(ow, h), 1<<16)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	n, serr := ow.Seek(0, io.SeekCurrent)
	w.kept(n, [sha256.Size]byte(h.Sum(nil)), func() error { return cmp.Or(err, serr) })
}

// kept writes a part of n bytes whose sum is given (a kept part: as the
// old header has it), written by write at w.at.
func (w *partWriter) kept(n int64, sum [sha256.Size]byte, write func() error) {
	w.flush()
	if w.err != nil {
		return
	}
	if w.err = write(); w.err != nil {
		return
	}
	w.parts = append(w.parts, snapPart{Off: w.off, Len: n, Sum: sum})
	w.at += n
	w.off += n
}

// writeBuckets encodes the dossiers' parts on every core, a run at a
// time, and writes each run (with each part's dossiers' event paths, made
// as it is encoded) before encoding the next; the parts to keep are
// copied from the old snapshot, with the length and sum its header gives
// them (a part damaged since does not match, and is not used).
func (a *Archive) writeBuckets(w *partWriter, s *State, parts *partIndex, prelude []byte, keep func(k int) bool, from *snapSource) error {
	for lo := 0; lo < snapBuckets; lo += partRun {
		if err := a.writeRun(w, s, parts, prelude, keep, from, lo, min(lo+partRun, snapBuckets)); err != nil {
			return err
		}
	}
	return nil
}

// partRun is how many dossiers' parts are encoded at a time, and how many
// a run of saveInGroups and of a batch (batchRunParts) holds. At 100,000
// dossiers a run of 256 parts (~6,200 dossiers) held ~115 MB of states,
// encodings and decoded parts beside the new events and the rows: the
// command after a quarter's 核定 peaked at 356-374 MB, the batch at
// 277-311 MB. Runs of 64 parts: 225-232 MB and 232 MB, in the same time
// or less (12.7-18.1 s against 12.3-19.9 s; the batch 13.0 s against
// 19.7 s). Runs of 32 saved no more (227 MB).
const partRun = 64

// writeRun is writeBuckets' work for parts lo to hi (excluded). With
// every part kept, s and parts are not read.
func (a *Archive) writeRun(w *partWriter, s *State, parts *partIndex, prelude []byte, keep func(k int) bool, from *snapSource, lo, hi int) error {
	buckets := make([]snapBucketPart, hi-lo)
	for k := lo; k < hi; k++ {
		if keep(k) {
			continue
		}
		b := parts.part(k)
		// Not on every core: StaleKeys asks the journal's memo.
		for id, d := range b.Dossiers {
			b.Dossiers[id] = strippedDossier(s, d)
		}
		buckets[k-lo] = b
	}
	if w.encs == nil {
		w.encs = make([][]byte, partRun)
	}
	enc := w.encs[:hi-lo]
	var failed atomic.Bool
	err := work.Each(a.ctx, "", hi-lo, func(i int) {
		k := lo + i
		if keep(k) {
			return
		}
		b := &buckets[i]
		if b.Dossiers != nil {
			b.Events = make(map[string][]string, len(b.Dossiers))
			for id := range b.Dossiers {
				b.Events[id] = s.eventPathsOf(id)
			}
		}
		pre, part, ok := appendPart(enc[i], b)
		if !ok || !bytes.Equal(pre, prelude) {
			failed.Store(true)
		}
		enc[i], *b = part, snapBucketPart{}
	})
	if err != nil {
		return err // cancelled: some parts were not encoded
	}
	if failed.Load() {
		return errBadSnapshotPart
	}
	for i := range hi - lo {
		k := lo + i
		if !keep(k) {
			w.add(enc[i]) // its buffer is the next run's
			continue
		}
		w.copy(from, k)
	}
	return w.err
}

// copy writes part i of the snapshot advanced (from) as it is, with the
// length and sum its header gives it (a part damaged since does not
// match, and is not used).
func (w *partWriter) copy(from *snapSource, i int) {
	p := snapPart{Len: -1}
	if from != nil && i >= 0 && i < from.snap.parts.count() {
		p = from.snap.parts.at(i)
	}
	if w.err != nil {
		return
	}
	if p.Off < 0 || p.Len < 0 {
		w.err = errBadSnapshotPart
		return
	}
	off := from.base + p.Off
	if q := &w.pend; q.len > 0 && (q.src != from.f || q.off+q.len != off || q.at+q.len != w.at) {
		w.flush()
	}
	if q := &w.pend; q.len == 0 {
		q.src, q.off, q.at = from.f, off, w.at
	}
	w.pend.len += p.Len
	w.parts = append(w.parts, snapPart{Off: w.off, Len: p.Len, Sum: p.Sum})
	w.at += p.Len
	w.off += p.Len
}

// eventPathsOf returns the paths of dossier id's events in journal order:
// those a snapshot's state was taken with, then those it holds.
func (s *State) eventPathsOf(id string) []string {
	out := slices.Clone(s.eventPaths[id])
	if d := s.Dossiers[id]; d != nil {
		for _, e := range d.Events {
			out = append(out, e.Path)
		}
	}
	return out
}

// partIndex says which dossiers, register entries and destruction
// requests each part holds, so that a part is gathered only when it is
// encoded (writeRun). Gathered all at once, the parts of 100,000
// dossiers held 61 MB of maps and copies of the registers beside the
// state, at the peak of a first command.
type partIndex struct {
	s       *State
	changes []seqChange
	refs    []reviewRef
	ids     []string // the dossiers' ids
	dests   []string // the destruction requests' ids
	// Each is ordered by part (byPart): part k's from at[k] to at[k+1].
	idOrder, destOrder, chOrder, rfOrder []int32
	idAt, destAt, chAt, rfAt             []int32
}

// indexParts spreads the dossiers of s over their parts, with their
// register entries and destruction requests (each part's dossiers are
// stripped, and their event paths added, as it is encoded: writeRun).
func indexParts(s *State, changes []seqChange, refs []reviewRef) *partIndex {
	x := &partIndex{s: s, changes: changes, refs: refs}
	x.ids = make([]string, 0, len(s.Dossiers))
	for id := range s.Dossiers {
		x.ids = append(x.ids, id)
	}
	x.dests = make([]string, 0, len(s.Destructions))
	for id := range s.Destructions {
		x.dests = append(x.dests, id)
	}
	x.idOrder, x.idAt = byPart(len(x.ids), func(i int) int { return snapBucket(x.ids[i]) })
	x.destOrder, x.destAt = byPart(len(x.dests), func(i int) int { return snapBucket(s.Destructions[x.dests[i]].Dossier) })
	x.chOrder, x.chAt = byPart(len(changes), func(i int) int { return snapBucket(changes[i].Dossier) })
	x.rfOrder, x.rfAt = byPart(len(refs), func(i int) int { return snapBucket(refs[i].Dossier) })
	return x
}

// byPart orders items 0 to n-1 by their part, stably: part k's are
// order[at[k]:at[k+1]].
func byPart(n int, part func(i int) int) (order, at []int32) {
	parts := make([]uint16, n)
	at = make([]int32, snapBuckets+1)
	for i := range n {
		k := part(i)
		parts[i] = uint16(k)
		at[k+1]++
	}
	for k := range snapBuckets {
		at[k+1] += at[k]
	}
	next := slices.Clone(at[:snapBuckets])
	order = make([]int32, n)
	for i, k := range parts {
		order[next[k]] = int32(i)
		next[k]++
	}
	return order, at
}

// part gathers part k.
func (x *partIndex) part(k int) snapBucketPart {
	var b snapBucketPart
	if ids := x.idOrder[x.idAt[k]:x.idAt[k+1]]; len(ids) > 0 {
		b.Dossiers = make(map[string]*DossierState, len(ids))
		for _, i := range ids {
			b.Dossiers[x.ids[i]] = x.s.Dossiers[x.ids[i]]
		}
	}
	for _, i := range x.chOrder[x.chAt[k]:x.chAt[k+1]] {
		b.Changes = append(b.Changes, x.changes[i])
	}
	for _, i := range x.rfOrder[x.rfAt[k]:x.rfAt[k+1]] {
		b.Reviews = append(b.Reviews, x.refs[i])
	}
	if ids := x.destOrder[x.destAt[k]:x.destAt[k+1]]; len(ids) > 0 {
		b.Destructions = make(map[string]*Destruction, len(ids))
		for _, i := range ids {
			b.Destructions[x.dests[i]] = x.s.Destructions[x.dests[i]]
		}
	}
	return b
}

// encodePart encodes a dossiers' part, returning apart what a fresh gob
// encoder writes first (the types and a zero part: the Prelude, not to be
// changed) and the part itself.
//
// The encoders are kept for the next part (partEncoders): one that has
// written the Prelude writes a part as one message of its own, which
// decodes after the Prelude alone, and it keeps its buffers. At 100,000
// dossiers, a fresh encoder for each of the 4,096 parts grew its buffers
// from nothing each time: 1.3 GB allocated for a 370 MB snapshot, at the
// end of a replay when the heap is largest.
func encodePart(p *snapBucketPart) (prelude, part []byte, ok bool) {
	return appendPart(nil, p)
}

// appendPart is encodePart with the part appended to dst (writeRun's
// buffers of the run before: 370 MB less garbage at 100,000 dossiers).
func appendPart(dst []byte, p *snapBucketPart) (prelude, part []byte, ok bool) {
	pe, _ := partEncoders.Get().(*partEncoder)
	if pe == nil {
		pe = &partEncoder{}
		pe.enc = gob.NewEncoder(&pe.buf)
		if pe.enc.Encode(&snapBucketPart{}) != nil {
			return nil, nil, false
		}
		pe.prelude = bytes.Clone(pe.buf.Bytes())
		pe.buf.Reset()
	}
	err := pe.enc.Encode(p)
	part = append(dst[:0], pe.buf.Bytes()...)
	pe.buf.Reset()
	if err != nil || !oneMessage(part) {
		// It failed, or wrote a type too, which a later part would then
		// lack (none of a part's types should be new): this encoder is
		// not kept, and a fresh one writes the part with its types.
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		if enc.Encode(&snapBucketPart{}) != nil {
			return nil, nil, false
		}
		n := buf.Len()
		if enc.Encode(p) != nil {
			return nil, nil, false
		}
		b := buf.Bytes()
		return b[:n:n], b[n:], true
	}
	partEncoders.Put(pe)
	return pe.prelude, part, true
}

// partEncoder is a gob encoder that has written the Prelude, and the
// buffer it writes to.
type partEncoder struct {
	buf     bytes.Buffer
	enc     *gob.Encoder
	prelude []byte
}

var partEncoders sync.Pool

// oneMessage reports whether b is exactly one gob message: its length (a
// gob unsigned integer: one byte below 0x80, else the negated count of
// the big-endian bytes that follow), then that many bytes.
func oneMessage(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	n, k := uint64(b[0]), 1
	if n >= 0x80 {
		c := int(-int8(b[0]))
		if c < 1 || c > 8 || len(b) < 1+c {
			return false
		}
		n = 0
		for _, x := range b[1 : 1+c] {
			n = n<<8 | uint64(x)
		}
		k = 1 + c
	}
	return n == uint64(len(b)-k)
}

// decodeParts decodes dossiers' parts (checked against the header), in
// order, with one gob decoder that reads the Prelude first.
func (snap *snapshot) decodeParts(parts [][]byte, into []*snapBucketPart) bool {
	rs := []io.Reader{bytes.NewReader(snap.Prelude)}
	for _, b := range parts {
		rs = append(rs, bytes.NewReader(b))
	}
	dec := gob.NewDecoder(io.MultiReader(rs...))
	var zero snapBucketPart
	if dec.Decode(&zero) != nil {
		return false
	}
	for _, p := range into {
		if dec.Decode(p) != nil {
			return false
		}
	}
	return true
}

// packHashes packs sorted event hashes (hex) as the raw bytes of each, in
// order: a month part of a snapshot.
func packHashes(hs []string) ([]byte, bool) {
	slices.Sort(hs)
	hs = slices.Compact(hs) // an event in a bundle and in a file of its own is one
	out := make([]byte, 0, len(hs)*sha256.Size)
	for _, h := range hs {
		// Decoded into out, not each into a slice of its own: a million
		// events' 32 MB of garbage at the peak of a replay's snapshot.
		var err error
		if len(h) != 2*sha256.Size {
			return nil, false
		}
		if out, err = hex.AppendDecode(out, []byte(h)); err != nil {
			return nil, false
		}
	}
	return out, true
}

// unpackHashes is the inverse of packHashes. The hex names share one
// string: a quarter's month knows ~100,000 events, and one string each
// made unpacking them most of a command's time (`show` with a memo on
// such a month: 14 of 40 ms).
func unpackHashes(b []byte) ([]string, bool) {
	if len(b)%sha256.Size != 0 {
		return nil, false
	}
	n := len(b) / sha256.Size
	if n == 0 {
		return []string{}, true
	}
	arena := make([]byte, hex.EncodedLen(len(b)))
	hex.Encode(arena, b)
	all := unsafe.String(unsafe.SliceData(arena), len(arena)) // never written again
	hs := make([]string, n)
	const w = 2 * sha256.Size
	for i := range hs {
		hs[i] = all[i*w : (i+1)*w]
	}
	return hs, true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// earlier is the earlier of a and b, where zero stands for no bound.
func earlier(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// sealSnapshot appends the HMAC of a snapshot's magic, length and header.
func (c *journalCache) sealSnapshot(b []byte) []byte { return c.seal(snapSeal, b) }

// seal appends to b its HMAC-SHA-256 under the cache's key, over what
// (which kind of record it is) and b.
func (c *journalCache) seal(what string, b []byte) []byte { return c.sealMAC(what, b).Sum(b) }

// sealedWith reports whether sum is body's seal (seal) for what. It
// copies nothing: checking a seal by appending it to a copy of the body
// faulted in a page for every 4 KB of it (a snapshot's header is 219 KB at
// 100,000 dossiers), which a command about one dossier paid every time.
func (c *journalCache) sealedWith(what string, body, sum []byte) bool {
	return hmac.Equal(c.sealMAC(what, body).Sum(nil), sum)
}

// sealMAC is the HMAC-SHA-256 under the cache's key of what and b.
func (c *journalCache) sealMAC(what string, b []byte) hash.Hash {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(what))
	m.Write(b)
	return m
}

// countDepth counts the folders at depth n under journal/ (2: months).
func countDepth(dirs []dirStamp, n int) int {
	count := 0
	for _, d := range dirs {
		if strings.Count(d.Rel, "/") == n {
			count++
		}
	}
	return count
}

// reviewRefs places every entry of s.Reviews in its dossier's list (false
// if one is not there, as it must be).
//
// A replay appends each 核定 to the register and to its dossier's list
// at once, so the k-th entry of a dossier in the register is mostly the
// k-th of its list: that is tried first, each entry checked, and a state
// where it does not hold (a merge put the register in another order) is
// placed by the events' hashes. At 100,000 dossiers the map of all
// 750,000 hashes took 0.9 s of every whole snapshot's save.
func reviewRefs(s *State) ([]reviewRef, bool) {
	out := make([]reviewRef, len(s.Reviews))
	next := make(map[string]int, len(s.Dossiers))
	for i, r := range s.Reviews {
		j := next[r.Dossier]
		d := s.Dossiers[r.Dossier]
		if d == nil || j >= len(d.Reviews) || d.Reviews[j] != *r.Review {
			return reviewRefsByHash(s)
		}
		next[r.Dossier] = j + 1
		out[i] = reviewRef{i, r.Dossier, j}
	}
	return out, true
}

// reviewRefsByHash is reviewRefs for a register in any order.
func reviewRefsByHash(s *State) ([]reviewRef, bool) {
	out := make([]reviewRef, len(s.Reviews))
	at := make(map[string]int, len(s.Reviews))
	for _, d := range s.Dossiers {
		for i, r := range d.Reviews {
			at[r.Event] = i
		}
	}
	for i, r := range s.Reviews {
		j, ok := at[r.Event]
		d := s.Dossiers[r.Dossier]
		if !ok || d == nil || j >= len(d.Reviews) || d.Reviews[j] != *r.Review {
			return nil, false
		}
		out[i] = reviewRef{i, r.Dossier, j}
	}
	return out, true
}

// clockRange is the range of clocks under which replaying j gives the
// same state as under now. Replay reads the clock only to refuse an event
// dated after it plus ClockSkew, so the state is the same for every clock
// under which the same events are too new: no event dated at or before
// now plus ClockSkew is too new, and every one dated after still is. That
// is judged on every event, not on the problems only: an event refused for
// being too new may be no problem any more (a decision rejected it), yet
// it takes effect once the clock passes its date.
func clockRange(j *journal.Journal, now time.Time) (notBefore, notAfter time.Time) {
	for _, e := range j.Events {
		t := e.Time.Add(-ClockSkew)
		switch {
		case !t.After(now):
			if t.After(notBefore) {
				notBefore = t
			}
		case notAfter.IsZero() || t.Before(notAfter):
			notAfter = t
		}
	}
	return notBefore, notAfter
}

// stripped is a copy of s without what a snapshot does not keep: the
// journal, the policy, and pointers to events.
func stripped(s *State) *State {
	c := strippedState(s)
	c.Dossiers = make(map[string]*DossierState, len(s.Dossiers))
	for id, d := range s.Dossiers {
		c.Dossiers[id] = strippedDossier(s, d)
	}
	return c
}

// strippedState is stripped without the dossiers.
func strippedState(s *State) *State {
	c := *s
	c.Journal, c.Policy, c.Dossiers, c.Decided = nil, nil, nil, nil
	return &c
}

// strippedDossier is dossier d of s as a snapshot keeps it: no events.
func strippedDossier(s *State, d *DossierState) *DossierState {
	dc := *d
	dc.Stale = s.StaleKeys(d) // before WrittenBy goes
	dc.WrittenBy, dc.Events = nil, nil
	return &dc
}

// loadSnapshot returns the state of the user's snapshot if it stands for
// the archive as it is now under its clock and policy, or can be brought
// up to it by the events added since (advance.go), else nil. With only set
// (a dossier id as the user typed it, which the snapshot or a new event
// has) and every new event about one dossier (scoped), the state holds
// the parts of that dossier and of the dossiers new events name (partial
// is true): those dossiers and the ones stored beside them, their loans
// and register entries, and everything that is not about dossiers.
func (a *Archive) loadSnapshot() (s *State, partial bool) {
	only := a.only
	// The journal's folders are listed (journalDirs, ~0.7 ms at ten
	// years) on another core while the snapshot's header is read and
	// checked (~0.9 ms): neither needs the other. A listing that is not
	// the snapshot's (a writer may have saved a newer snapshot
	// meanwhile) is made again below, after the header, as before.
	early := a.listEarly()
	f, snap, base := a.header.take()
	if a.header == nil {
		f, snap, base = a.readSnapshot()
	}
	a.header = nil
	if snap == nil {
		return nil, false
	}
	defer func() {
		if a.runs == nil || a.runs.l.f != f {
			f.Close()
		}
	}()
	if !a.standsFor(snap) {
		return nil, false
	}
	listedAt, dirs, ok := early()
	if !ok || !slices.Equal(dirs, snap.Dirs) {
		listedAt = time.Now()
		if dirs, ok = journalDirs(a.Dir); !ok {
			return nil, false
		}
	}
	a.listedDirs, a.listedAt = dirs, listedAt // for stampedLoad
	var j *journal.Journal
	var listed []journal.Listed
	if !slices.Equal(dirs, snap.Dirs) {
		if j, listed, ok = a.readSince(snap, f, base, dirs); !ok {
			return nil, false
		}
	}
	l := &snapLoad{snap: snap, f: f, base: base, parts: map[int]*snapBucketPart{}, dirs: dirs}
	grouped := j != nil && !a.inGroups && saveGrouped(j, l.named(j))
	if grouped {
		// From here, not only while saveInGroups writes: what it reads
		// first was made at the collector's default pace (the light
		// start ends at the first collection), and the next command
		// after a member's removal at 100,000 dossiers peaked there at
		// 244-246 MB, 206-210 MB so, in the same time.
		defer paceGC()()
	}
	if grouped && a.only != "" {
		checkAsRead(a.ctx, j, snap.state.keyHint())
	}
	if grouped && groupScoped(j) && snap.encodedHere() {
		listed = settleListed(a.Dir, dirs, listed)
	}
	l.listed = listed
	a.sinceListed, a.sinceMAC, a.sinceDirs, a.snapChinese = listed, snap.mac, dirs, snap.Chinese
	a.sinceNew = 0
	if j != nil {
		a.sinceNew = len(j.Events)
	}
	if j != nil {
		a.jc.saveListMemo(snap.mac, listed)
	}
	// Heads the state had on the way: a pin that names them names events
	// the snapshot stood for (CheckPin). Only this snapshot's: one loaded
	// before (at open, before the lock) may have stood for a journal
	// rolled back since, of which another command saved this one; and
	// when this is the snapshot saveInGroups just saved (the same parts),
	// the heads of the one it was advanced from, whose events it stands
	// for: else a pin of those heads (the pull of another clone's work
	// that follows them) replays the whole journal (CheckPin).
	a.seenGood = [][]string{snap.GoodHeads}
	if g := a.grouped; g != nil {
		a.grouped = nil
		if bytes.Equal(g.parts, snap.parts) {
			a.seenGood = append(a.seenGood, g.from)
		}
	}
	if grouped {
		// Many parts: advanced a run of parts at a time and saved, the
		// snapshot is then read as it is (once: inGroups).
		a.inGroups = true
		defer func() { a.inGroups = false }()
		if a.saveInGroups(l, j) {
			// What the runs left is garbage: given back before the
			// command reads the snapshot saved, not added to it.
			debug.FreeOSMemory()
			return a.loadSnapshot()
		}
		if l.advanced {
			return a.loadSnapshot() // read afresh, not in groups again
		}
	}
	// A state of some parts is advanced by events about one dossier
	// each, with every loan in it when they include steps on loans
	// (advancedParts). It reads the part of each dossier the new events
	// name (~2–5 ms each at 100,000 dossiers) and saves no snapshot: past
	// a thousand events or 32 parts, it saves the advanced snapshot
	// (saveAdvancedParts) instead of every command reading them all
	// again. Other new events advance the whole state, which is saved.
	var part *State
	// mustSave first: with nothing to save (no new events: every show),
	// whose encoding the parts are is not asked, and thisPrelude's gob
	// encoding of every type a part holds (~0.5 ms of a 9 ms show at
	// 100,000 dossiers) is not made.
	if (a.onlyLoan != "" || a.onlyRequest != "" || only != "" || a.creates || a.summary != 0 || len(a.onlyIDs) > 0) && savableParts(j, l.named(j)) &&
		(!l.mustSave(j) || snap.encodedHere()) {
		switch {
		case len(a.onlyIDs) > 0:
			part = a.idsState(l, j)
		case a.onlyLoan != "":
			part = a.loanState(l, j)
		case a.onlyRequest != "":
			part = a.requestState(l, j)
		case only != "":
			part = a.partialState(l, j, only)
		case a.creates:
			part = a.createState(l, j)
		default:
			part = a.summaryState(l, j)
		}
	} else if j != nil && !l.advanced && snap.encodedHere() && a.batchRuns(j) {
		// New keys (member.rotate) take no state of some parts that is
		// saved (partsAdvance), but a batch's runs, which save nothing,
		// replay them in every run. A rotation's re-encryption, right
		// after it, took the whole state when the grouped save above
		// could not be had (a folder changed within the racy window
		// holds a batch's bundle: settleListed): 1.03 GB at 100,000
		// dossiers.
		part = a.runsState(l, j)
	}
	if part != nil {
		a.partsRead = len(l.parts)
		return part, true
	}
	if l.advanced {
		// A state of some parts was advanced and not used (a loan step
		// about a loan that is not there, an event it could not take):
		// its parts and the header's state were changed in place, and a
		// whole state made of them would count the new events twice.
		// The whole state is read afresh from the file instead.
		only, onlyLoan, onlyRequest, creates, summary, onlyIDs := a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs
		a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = "", "", "", false, 0, nil
		defer func() {
			a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = only, onlyLoan, onlyRequest, creates, summary, onlyIDs
		}()
		return a.loadSnapshot()
	}
	defer paceGC()() // every part decoded, perhaps advanced and saved
	a.wholeReads++
	wholeStates.Add(1)
	if !l.all() {
		return nil, false
	}
	if s = l.state(a, false); s == nil {
		return nil, false
	}
	if j != nil {
		mv, ok := l.moves(j)
		if !ok || !a.advance(s, snap, j, mv, nil) {
			return nil, false
		}
		a.saveAdvanced(snap, f, base, s, j, mv, dirs, listed)
	}
	return s, false
}

// settleListed waits, when a folder of the journal changed within the
// racy window, until it has not (each folder its journal.SettleWindow),
// and lists again the month folders ReadSince listed before then
// (journal.Relisted). The grouped save (saveInGroups) needs every
// folder's time trusted; else each command reads the whole state, or a
// state of many parts, and saves nothing: at 100,000 dossiers, 8 s and
// 958 MB for a command run right after the quarterly batch, against the
// wait's two seconds. A
// folder that cannot be listed again stays as listed (not saved), and
// none is waited for when a folder listed then holds a bundle (its events
// are not listed by name).
func settleListed(dir string, dirs []dirStamp, listed []journal.Listed) []journal.Listed {
	if slices.ContainsFunc(listed, func(l journal.Listed) bool { return l.MTime == 0 && l.Bundled }) {
		return listed
	}
	// Until every folder is older than its window (SettleWindow: 100 ms
	// where times keep fractions of a second).
	var wait time.Duration
	for _, d := range dirs {
		w := journal.SettleWindow(d.MTime) + 10*time.Millisecond
		until := time.Until(time.Unix(0, d.MTime).Add(w))
		if until > w {
			return listed // a time ahead of the clock: not waited for
		}
		wait = max(wait, until)
	}
	if wait > 0 {
		racyWaits.Add(1)
		time.Sleep(wait)
	}
	for i, l := range listed {
		if l.MTime == 0 {
			if r, ok := journal.Relisted(dir, l); ok {
				listed[i] = r
			}
		}
	}
	return listed
}

// partialState is the state of the parts of dossier only (as typed) and
// of the dossiers new events j name (advancedParts); nil if only is no
// dossier there (a short form is resolved against every dossier) or the
// state cannot be had that way.
func (a *Archive) partialState(l *snapLoad, j *journal.Journal, only string) *State {
	created := map[string]bool{}
	if j != nil {
		for _, e := range j.Events {
			created[e.Dossier] = created[e.Dossier] || e.Kind == KindDossierCreate
		}
	}
	has := func(id string) bool { return created[id] || l.has(id) }
	id := resolveID(a.Policy.IDScheme.Prefix, only, has)
	if !l.bad && has(id) && a.onePart(l, j, id) {
		return a.advancedParts(l, j)
	}
	if j != nil {
		var ks []int
		for _, e := range j.Events {
			eventParts(e, func(id string) { ks = append(ks, snapBucket(id)) })
		}
		l.bucketsAt(ks)
	}
	if l.bad {
		return nil
	}
	if !has(id) {
		return a.unknownState(l, j, only, created)
	}
	return a.advancedParts(l, j)
}

// onePart reports whether a command that only reads dossier id (as
// partialState's caller) may advance the snapshot's part of id by the new
// events j about that part alone (snapLoad.part), and sets it so. The
// events about other dossiers cannot change that part when each changes
// nothing but the dossier it names (ownParts), and those of id's part
// read nothing but their own dossier (scopedKind), so the rest is not
// needed to replay them: their parts are not read (~2 ms each at 100,000
// dossiers, paid by every such command until 32 parts are saved) and
// their events are neither read nor checked, as the command does not
// look at those dossiers. Not for steps (their state is written from)
// nor when the advanced snapshot is due to be saved (mustSave). Nor
// after a merge of events that read beyond their dossier (a loan
// request reads which ids are in use): there an event of another part
// can decide what an old one of this part did (one loan id taken on
// both sides: commutes), which only a state with every loan finds.
func (a *Archive) onePart(l *snapLoad, j *journal.Journal, id string) bool {
	if j == nil || a.snapSteps || l.mustSave(j) || !ownParts(j) || j.Merge != nil && !scoped(j) {
		return false
	}
	k := snapBucket(id)
	for _, e := range j.Events {
		if snapBucket(e.Dossier) == k && !scopedKind(e.Kind) {
			return false
		}
	}
	l.one, l.part = true, k
	for p := range l.parts {
		if p != k {
			delete(l.parts, p) // probed by resolveID: its new events are not replayed
		}
	}
	return true
}

// unknownState is partialState's answer for an argument only (as typed)
// that names no dossier by its id: resolved as ResolveID does against
// every dossier's id (the rows part, and the dossiers new events j
// create), a short form of one id gives the parts of that dossier; one
// that names none, or several, gives a summary state with every row, on
// which the command's ResolveID or Lookup says so, as it would on the
// whole state, without reading every dossier's state (100,000 at 4 s).
func (a *Archive) unknownState(l *snapLoad, j *journal.Journal, only string, created map[string]bool) *State {
	if CheckID(only) != nil {
		// Not an id at all (a typo, a line of a table pasted): Lookup
		// and ResolveID say so before they look at a dossier, so the
		// state of none does (the whole state took 3 s and 730 MB at
		// 100,000 dossiers to say it).
		return a.advancedParts(l, j)
	}
	if a.now.Before(l.snap.Latest) {
		return nil
	}
	rows, ok := l.rowsPart()
	if !ok {
		return nil
	}
	ids := func(yield func(string) bool) {
		for i := range rows {
			if !yield(rows[i].ID) {
				return
			}
		}
		for id := range created {
			if _, ok := findRow(rows, id); !ok && !yield(id) {
				return
			}
		}
	}
	has := func(id string) bool {
		_, ok := findRow(rows, id)
		return ok || created[id]
	}
	if id, err := resolveShort(a.Policy.IDScheme.Prefix, only, resolveID(a.Policy.IDScheme.Prefix, only, has), has, ids); err == nil {
		l.bucket(id)
		if l.bad {
			return nil
		}
		return a.advancedParts(l, j)
	}
	s := a.advancedParts(l, j)
	if s == nil {
		return nil
	}
	s.summary, s.rows = true, mergeRows(rows, s)
	return s
}

// createState is the state for a step that creates a dossier: the parts
// of the dossiers the new events j name and of the id the new dossier
// gets (nextID: chosen before the parts are read, so that its part is
// among them), advanced by j (advancedParts). The id is kept for the step
// (snapshotNewID). Nil if it cannot be had that way.
func (a *Archive) createState(l *snapLoad, j *journal.Journal) *State {
	id := a.nextID(l.snap.state.MaxID, j)
	l.bucket(id)
	s := a.advancedParts(l, j)
	if s != nil {
		a.newID = id
	}
	return s
}

// idsState is the state for steps about the dossiers a.onlyIDs (a batch,
// maintainTodo): a batch's first run when they lie in more parts than a
// run holds and the new events j are scoped (runsState), else their parts
// and those of the dossiers j names, with every loan, advanced by j
// (advancedParts). Nil if it cannot be had that way, or they lie in more
// than maxSavedParts parts (the whole state is read faster then).
func (a *Archive) idsState(l *snapLoad, j *journal.Journal) *State {
	if a.batchRuns(j) {
		return a.runsState(l, j)
	}
	if len(idsParts(a.onlyIDs)) > maxSavedParts {
		return nil
	}
	for _, id := range a.onlyIDs {
		l.bucket(id)
	}
	s := a.advancedParts(l, j)
	if s == nil {
		return nil
	}
	for _, id := range a.onlyIDs {
		if s.Dossiers[id] == nil {
			return nil
		}
	}
	return s
}

// batchRuns reports whether a batch's steps on a.onlyIDs are taken in runs
// of parts (runsState): the dossiers lie in more parts than a run holds,
// and every new event of j (nil: none) can be replayed in a run
// (runScoped).
func (a *Archive) batchRuns(j *journal.Journal) bool {
	return a.inRuns && (j == nil || runScoped(j)) && len(idsParts(a.onlyIDs)) > batchRunParts
}

// idsParts is the set of the parts dossiers ids lie in.
func idsParts(ids []string) map[int]bool {
	parts := map[int]bool{}
	for _, id := range ids {
		parts[snapBucket(id)] = true
	}
	return parts
}

// loanState is the state for a step on the loan OpenOptions.OnlyLoan names
// (as typed): every loan, and the parts of its dossier and of the
// dossiers the new events j name, advanced by j (advancedParts). A loan
// that is not there is not among every loan: the step refuses it on that
// state as on a replay's (a typo does not decode every dossier's state).
// Nil if the loan's dossier is not there.
func (a *Archive) loanState(l *snapLoad, j *journal.Journal) *State {
	regs, ok := l.registers()
	if !ok {
		return nil
	}
	byID := make(map[string]*Loan, len(regs.Loans))
	for _, ln := range regs.Loans {
		byID[ln.ID] = ln
	}
	// A loan requested since is read with its request's dossier.
	if ln := byID[resolveID(loanPrefix, a.onlyLoan, func(x string) bool { return byID[x] != nil })]; ln != nil {
		l.bucket(ln.Dossier)
	}
	s := a.advancedParts(l, j)
	if s == nil {
		return nil
	}
	ln := s.Loans[resolveID(loanPrefix, a.onlyLoan, func(x string) bool { return s.Loans[x] != nil })]
	if ln != nil && s.Dossiers[ln.Dossier] == nil {
		return nil
	}
	return s
}

// requestState is the state for a step on the destruction request
// OpenOptions.OnlyDestruction names (as typed): every request and every
// loan, and the parts of its dossier and of the dossiers the new events j
// name, advanced by j (advancedParts). A request that is not there is
// refused on that state as on a replay's (loanState). Nil if the
// request's dossier is not there.
func (a *Archive) requestState(l *snapLoad, j *journal.Journal) *State {
	regs, ok := l.registers()
	if !ok {
		return nil
	}
	byID := make(map[string]*Destruction, len(regs.Destructions))
	for _, r := range regs.Destructions {
		byID[r.ID] = r
	}
	// A request made since is read with its dossier.
	if r := byID[resolveID(destroyPrefix, a.onlyRequest, func(x string) bool { return byID[x] != nil })]; r != nil {
		l.bucket(r.Dossier)
	}
	s := a.advancedParts(l, j)
	if s == nil {
		return nil
	}
	r := s.Destructions[resolveID(destroyPrefix, a.onlyRequest, func(x string) bool { return s.Destructions[x] != nil })]
	if r != nil && s.Dossiers[r.Dossier] == nil {
		return nil
	}
	return s
}

// advancedParts is the state of the parts read so far and of the dossiers
// the new events j (nil: none; each about one dossier or what the header
// holds: partsAdvance) name or hand in about (eventParts), advanced by j,
// with every loan when the command reads loans (OpenOptions.Summary,
// OnlyLoan) or a step on a loan is among j (its rule reads every loan's
// id), and every destruction request when the command
// reads them (SummaryDestructions, OnlyDestruction). Nil if it cannot be
// had that way.
func (a *Archive) advancedParts(l *snapLoad, j *journal.Journal) *State {
	if j != nil && !l.one {
		for _, e := range j.Events {
			eventParts(e, func(id string) { l.bucket(id) })
		}
	}
	var mv *regMoves
	if j != nil {
		var ok bool
		if mv, ok = l.moves(j); !ok {
			return nil
		}
		if !l.one {
			// And the dossiers whose register entries a merge moves:
			// saved, their parts hold the entries' new places.
			for _, id := range mv.movedDossiers() {
				l.bucket(id)
			}
		}
	}
	// Past a few parts, the advanced snapshot is saved: it needs every
	// loan and destruction request. So it is when listing the folders
	// that changed parsed new events from a bundle (a batch's own
	// bundle), or every command would parse them again. A bundle of known
	// events is only read and hashed (2 s for a department's ten years
	// just bundled), once: the listing memo keeps its folder.
	save := l.mustSave(j)
	if save {
		defer PaceGC()() // the old rows and histories parts, and the new ones made from them
	}
	regs := &snapRegisters{}
	if a.summary&(SummaryLoans|SummaryDestructions) != 0 || a.onlyLoan != "" || a.onlyRequest != "" || len(a.onlyIDs) > 0 || j != nil && !l.one && !readsOneDossier(j) || save {
		var ok bool
		if regs, ok = l.registers(); !ok {
			return nil
		}
	}
	s := l.state(a, true)
	if s == nil || l.bad {
		return nil
	}
	// The loans and requests of the dossiers read are theirs (one value
	// in both).
	s.otherLoans(regs.Loans)
	if a.summary&SummaryDestructions != 0 || a.onlyRequest != "" || j != nil && destructionSteps(j) {
		for _, r := range regs.Destructions {
			if s.Dossiers[r.Dossier] == nil {
				s.Destructions[r.ID] = r
			}
		}
	}
	l.advanced = j != nil
	if j != nil && !a.advance(s, l.snap, j, mv, l.replayedPart(j)) {
		return nil
	}
	if save {
		a.saveAdvancedParts(l, s, j, regs)
	}
	return s
}

// otherLoans adds to s, a state of some parts, the loans (of every
// dossier) that are not its dossiers': those are theirs, one value in
// both.
func (s *State) otherLoans(loans []*Loan) {
	for _, ln := range loans {
		if s.Dossiers[ln.Dossier] == nil {
			s.Loans[ln.ID] = ln
		}
	}
}

// mustSave reports whether a state of some parts advanced by the new
// events j (nil: none) is saved: past a few parts, or when listing the
// folders that changed parsed events from a bundle (advancedParts). A
// bundle whose events the snapshot knows (the months maintain bundles, a
// batch's own bundle once saved) is read and hashed by the listing, and
// the listing memo keeps the folder for the next commands.
func (l *snapLoad) mustSave(j *journal.Journal) bool {
	return !fewParts(j, l.named(j)) || slices.ContainsFunc(l.listed, func(x journal.Listed) bool { return x.BundledNew })
}

// moves is movesOf for the new events j (the same for every call on l),
// made once.
func (l *snapLoad) moves(j *journal.Journal) (*regMoves, bool) {
	if !l.mvDone {
		l.mv, l.mvOK = movesOf(l.snap, j)
		l.mvDone = true
	}
	return l.mv, l.mvOK
}

// named is how many dossiers' parts the new events j (nil: none) name,
// with those of the dossiers whose register entries a merge moves: a
// state of some parts advanced by j holds them all (advancedParts).
func (l *snapLoad) named(j *journal.Journal) int {
	if j == nil {
		return 0
	}
	parts := map[int]bool{}
	for _, e := range j.Events {
		eventParts(e, func(id string) { parts[snapBucket(id)] = true })
	}
	if mv, ok := l.moves(j); ok {
		for _, id := range mv.movedDossiers() {
			parts[snapBucket(id)] = true
		}
	}
	return len(parts)
}

// encodedHere reports whether snap's dossiers' parts were encoded by this
// build of crm: the same Prelude. A part this build encodes cannot lie
// beside parts another build encoded (an upgrade that changed their
// types), so a state of some parts of such a snapshot cannot be saved
// (writeSnapshot). loadSnapshot reads the whole state instead when it
// must save: else every command would advance the same parts again, the
// longer the more events came, until 2048 parts (~4 s each at 100,000
// dossiers).
func (snap *snapshot) encodedHere() bool {
	p, ok := thisPrelude()
	return ok && bytes.Equal(p, snap.Prelude)
}

// thisPrelude is the Prelude this build writes (encodePart). gob numbers
// types in the order a process first encodes them, so it is made before
// any other gob value (the header) in every process: by the first load
// that asks whose encoding a snapshot's parts are, or by the first header
// encoded (encodeHeader). A load with nothing to save does not make it.
var thisPrelude = sync.OnceValues(func() ([]byte, bool) {
	p, _, ok := encodePart(&snapBucketPart{})
	return p, ok
})

// fewParts reports whether a state of some parts can be advanced by the
// new events j (nil: none), which name n parts (snapLoad.named): each
// about one dossier or what the header holds (partsAdvance), at most
// maxPartialAdvance of them, naming at most maxPartialParts parts.
func fewParts(j *journal.Journal, n int) bool {
	if j == nil {
		return true
	}
	return len(j.Events) <= maxPartialAdvance && partsAdvance(j) && n <= maxPartialParts
}

// savableParts reports whether a state of some parts can be advanced by
// the new events j (nil: none), which name n parts, and saved
// (saveAdvancedParts): each about one dossier or what the header holds
// (partsAdvance), naming at most maxSavedParts parts. Past that, the
// whole state is read faster (snapLoad.all).
func savableParts(j *journal.Journal, n int) bool {
	return j == nil || partsAdvance(j) && n <= maxSavedParts
}

// saveGrouped reports whether the snapshot advanced by the new events j
// (not nil), which name n parts, is saved a run of parts at a time
// (saveInGroups) before anything else is tried: past groupedParts parts
// when each event can be replayed in the run of its dossier (runScoped), else
// past what a state of some parts may take (savableParts). A state of
// 2,000 parts of 100,000 dossiers advanced and saved took 8.9 s and 1.25
// GB; in groups, at most ~260 MB.
func saveGrouped(j *journal.Journal, n int) bool {
	if j == nil {
		return false
	}
	if !partsAdvance(j) {
		return true // not savableParts
	}
	return n > maxSavedParts || runScoped(j) && n > groupedParts
}

// groupedParts is how many parts scoped new events name at most for a
// state of some parts to be advanced and saved (a variable for tests):
// 256, four runs, as measured when runs were of 256 parts.
var groupedParts = 256

// maxPartialAdvance is how many new events a state of some parts is
// advanced by at most, and maxPartialParts how many parts they may name,
// without saving the advanced snapshot; maxSavedParts how many parts they
// may name when it is saved (see loadSnapshot).
//
// Every command pays ~2 ms a part until a save (at 100,000 dossiers: 13
// parts cost show ~25–30 ms), a save ~2.5 s and ~210 MB once. For a
// department's ~100 events and ~200 commands a user a day, the day's
// total of the two is least near 32 parts (it was 128: commands then paid
// up to ~0.3 s each before a save).
const maxPartialAdvance = 1000

var maxPartialParts = 32 // a variable for tests

var maxSavedParts = snapBuckets / 2 // a variable for tests: past it, saveInGroups or the whole state

var errBadSnapshotPart = errors.New("snapshot part out of bounds")

// snapSource is a snapshot being advanced: its header, and its file f
// whose parts start at base.
type snapSource struct {
	snap *snapshot
	f    *os.File
	base int64
}

// snapLoad is the parts of a snapshot read so far.
type snapLoad struct {
	snap  *snapshot
	f     *os.File
	base  int64
	parts map[int]*snapBucketPart
	bad   bool // a part did not match the header
	// advanced: a state of some parts was advanced (advancedParts) in
	// place: the parts read and the header's state are no longer the
	// snapshot's.
	advanced bool
	// one: the new events are replayed only for the dossiers of part
	// (onePart).
	one  bool
	part int

	// mv is where the register entries go (moves), once made.
	mv               *regMoves
	mvOK, mvDone     bool
	regs             *snapRegisters // the registers part, once read (registers)
	regsRead, regsOK bool
	rows             []dossierRow // the rows part, once read (rowsPart)
	rowsRead, rowsOK bool

	// The journal's folders now, and those listed since the snapshot
	// (readSince): what saving an advanced snapshot checks.
	dirs   []dirStamp
	listed []journal.Listed
}

// replayedPart says which of the new events j advance replays: those
// about the dossiers of one part (onePart), nil: all.
func (l *snapLoad) replayedPart(j *journal.Journal) func(i int) bool {
	if l.one {
		return func(i int) bool { return snapBucket(j.Events[i].Dossier) == l.part }
	}
	return nil
}

// rowsPart reads (once) the rows part: every dossier's row as the
// snapshot was saved.
func (l *snapLoad) rowsPart() ([]dossierRow, bool) {
	if !l.rowsRead {
		l.rowsRead = true
		l.rowsOK = l.snap.viewPart(l.f, l.base, l.snap.parts.count()-tailRows, func(raw []byte) bool {
			var ok bool
			l.rows, ok = decodeRows(raw) // copies what it keeps
			return ok && len(l.rows) == l.snap.Count
		})
	}
	return l.rows, l.rowsOK
}

// registers reads (once) the registers part: every loan and destruction
// request.
func (l *snapLoad) registers() (*snapRegisters, bool) {
	if !l.regsRead {
		l.regsRead = true
		l.regsOK = l.snap.viewPart(l.f, l.base, l.snap.parts.count()-tailRegisters, func(raw []byte) bool {
			var ok bool
			l.regs, ok = decodeRegisters(raw) // it copies what it keeps
			return ok
		})
	}
	return l.regs, l.regsOK
}

// historiesPart reads the histories part (encodeHistories) as it is.
func (l *snapLoad) historiesPart() ([]byte, bool) {
	return l.snap.rawPart(l.f, l.base, l.snap.parts.count()-tailHistories)
}

// bucket reads (once) the part that holds dossier id.
func (l *snapLoad) bucket(id string) *snapBucketPart { return l.bucketAt(snapBucket(id)) }

// bucketAt reads (once) dossiers' part k.
func (l *snapLoad) bucketAt(k int) *snapBucketPart {
	if p, ok := l.parts[k]; ok {
		return p
	}
	p := &snapBucketPart{}
	if !l.snap.part(l.f, l.base, k, p) {
		p, l.bad = nil, true
	}
	l.parts[k] = p
	return p
}

// bucketsAt reads (once) dossiers' parts ks with one gob decoder: a
// decoder compiles its decoding of every type the Prelude defines, which
// was most of the ~1.7 ms each part took on its own (bucketAt), paid by
// every command for each part new events name until they are saved.
func (l *snapLoad) bucketsAt(ks []int) {
	var todo []int
	for _, k := range ks {
		if _, ok := l.parts[k]; !ok && !slices.Contains(todo, k) {
			todo = append(todo, k)
		}
	}
	if len(todo) < 2 {
		for _, k := range todo {
			l.bucketAt(k)
		}
		return
	}
	ps := make([]*snapBucketPart, len(todo))
	for i := range ps {
		ps[i] = &snapBucketPart{}
	}
	if !l.decodeAt(todo, ps) {
		l.bad = true
		return
	}
	for i, k := range todo {
		l.parts[k] = ps[i]
	}
}

// decodeAt reads dossiers' parts ks of the snapshot and decodes them into
// ps, in order, with one gob decoder: a decoder of its own for each part
// receives the prelude's types and compiles their decoding again (most of
// the time of decoding a small part).
func (l *snapLoad) decodeAt(ks []int, ps []*snapBucketPart) bool {
	raws := make([][]byte, len(ks))
	for i, k := range ks {
		var ok bool
		if raws[i], ok = l.snap.ownPart(l.f, l.base, k); !ok {
			return false
		}
	}
	return l.snap.decodeParts(raws, ps)
}

// has reports whether the snapshot holds dossier id (reading its part).
func (l *snapLoad) has(id string) bool {
	p := l.bucket(id)
	return p != nil && p.Dossiers[id] != nil
}

// all reads every part of dossiers, on every core: one decoder per core
// for a run of parts.
func (l *snapLoad) all() bool {
	ps := make([]*snapBucketPart, snapBuckets)
	var todo []int
	for k := range ps {
		if p, ok := l.parts[k]; ok {
			ps[k] = p
			continue
		}
		ps[k] = &snapBucketPart{}
		todo = append(todo, k)
	}
	ok := l.snap.dossierParts(l.f, l.base, func(raw [][]byte) bool {
		runs := min(runtime.GOMAXPROCS(0), len(todo))
		var bad atomic.Bool
		work.Each(context.Background(), "", runs, func(r int) {
			var parts [][]byte
			var into []*snapBucketPart
			for i := r; i < len(todo); i += runs {
				parts, into = append(parts, raw[todo[i]]), append(into, ps[todo[i]])
			}
			if !l.snap.decodeParts(parts, into) {
				bad.Store(true)
			}
		})
		return !bad.Load()
	})
	if !ok {
		return false
	}
	for k, p := range ps {
		l.parts[k] = p
	}
	return !l.bad
}

// state assembles the state from the parts read: every dossier's, or
// (partial) some, with the register entries of those only. Nil if the
// parts do not agree with the header.
func (l *snapLoad) state(a *Archive, partial bool) *State {
	snap := l.snap
	s := snap.state
	if partial {
		s.Dossiers = map[string]*DossierState{}
	} else {
		s.Dossiers = make(map[string]*DossierState, snap.Count)
	}
	nc, nr := 0, 0
	for _, p := range l.parts {
		if p == nil {
			return nil
		}
		nc, nr = nc+len(p.Changes), nr+len(p.Reviews)
	}
	if !partial && (nc != snap.Changes || nr != snap.Reviews) {
		return nil
	}
	// Every entry at its place (Seq): in full, each place exactly once.
	changes := make([]seqChange, 0, nc)
	refs := make([]reviewRef, 0, nr)
	s.eventPaths = map[string][]string{}
	s.Destructions = map[string]*Destruction{}
	for _, p := range l.parts {
		maps.Copy(s.Dossiers, p.Dossiers)
		maps.Copy(s.eventPaths, p.Events)
		maps.Copy(s.Destructions, p.Destructions)
		changes = append(changes, p.Changes...)
		refs = append(refs, p.Reviews...)
	}
	if !partial && (len(s.Dossiers) != snap.Count || len(s.Destructions) != snap.Destructions) {
		return nil
	}
	if !s.placeRegisters(changes, refs, partial, [nRegs]int{snap.Changes, snap.Reviews}) {
		return nil
	}
	// One loan is one value, in the register and in its dossier.
	s.Loans = map[string]*Loan{}
	for _, d := range s.Dossiers {
		for _, l := range d.Loans {
			s.Loans[l.ID] = l
		}
	}
	s.Policy, s.now, s.checkSigs = a.Policy, a.now, true
	// What every event that took effect is followed by: the good heads
	// (a step links to them, never to a problem event at a head).
	prior := make(map[string]time.Time, len(snap.GoodHeads))
	for _, h := range snap.GoodHeads {
		if t, ok := snap.HeadTimes[h]; ok {
			prior[h] = t
		}
	}
	s.Journal = &journal.Journal{ByHash: map[string]*journal.Event{}, Heads: snap.Heads, Prior: prior}
	s.Journal.SetRoot(a.Dir) // pinnedBefore reads the dossiers' events from their files
	// A removal or new keys replayed on s append to removed, rotated and
	// keyChanges: to copies (a run's state; the header's). (From a
	// review: every run of a grouped save appended a second rotation to
	// the header's own key changes, and nothing could be saved.)
	s.rotated, s.keyChanges, s.removed, s.removals = maps.Clone(snap.Rotated), cloneLists(snap.KeyChanges), cloneLists(snap.Removed), snap.Removals
	s.addedApart = maps.Clone(snap.AddedApart)
	s.passesAgree = snap.PassesAgree
	s.good = map[string]bool{}
	for _, h := range snap.GoodHeads {
		s.good[h] = true
	}
	s.ensureMaps()
	return s
}

// readSnapshot opens the user's snapshot and reads and checks its sealed
// header: nil if there is none, or it is another version's, another
// key's, or damaged. base is where its parts start.
func (a *Archive) readSnapshot() (f *os.File, snap *snapshot, base int64) {
	c := a.jc
	if c == nil {
		return nil, nil, 0
	}
	f, err := sharedfile.Open(c.snapPath())
	if err != nil {
		return nil, nil, 0
	}
	snap, base = c.readSnapshotHeader(f)
	if snap == nil {
		f.Close()
		return nil, nil, 0
	}
	return f, snap, base
}

// listEarly starts listing the journal's folders (journalDirs) on
// another goroutine and returns what waits for the listing, with the
// time taken before it began. Without a cache there is no snapshot to
// compare it with: nothing is listed.
func (a *Archive) listEarly() func() (time.Time, []dirStamp, bool) {
	if a.jc == nil {
		return func() (time.Time, []dirStamp, bool) { return time.Time{}, nil, false }
	}
	type listing struct {
		dirs []dirStamp
		ok   bool
	}
	at, c := time.Now(), make(chan listing, 1)
	go func() {
		dirs, ok := earlyDirs(a.Dir)
		c <- listing{dirs, ok}
	}()
	return func() (time.Time, []dirStamp, bool) {
		l := <-c
		return at, l.dirs, l.ok
	}
}

// snapHeaderRead is a snapshot's header being read on another goroutine
// (readSnapshotEarly): what readSnapshot gives, when it is done.
type snapHeaderRead struct {
	done chan struct{}
	f    *os.File
	snap *snapshot
	base int64
}

// readSnapshotEarly starts reading c's snapshot's header, as
// Archive.readSnapshot does.
func readSnapshotEarly(c *journalCache) *snapHeaderRead {
	h := &snapHeaderRead{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.f, h.snap, h.base = (&Archive{jc: c}).readSnapshot()
	}()
	return h
}

// take waits for the header and gives it (nil: none was started).
func (h *snapHeaderRead) take() (*os.File, *snapshot, int64) {
	if h == nil {
		return nil, nil, 0
	}
	<-h.done
	return h.f, h.snap, h.base
}

// drop waits for the header and closes its file: it is not used.
func (h *snapHeaderRead) drop() {
	if f, _, _ := h.take(); f != nil {
		f.Close()
	}
}

// earlyDirs is listEarly's listing: journalDirs (a variable for tests).
var earlyDirs = journalDirs

// snapHeaderMax bounds the header length a snapshot may claim.
const snapHeaderMax = 1 << 30

func (c *journalCache) readSnapshotHeader(f *os.File) (*snapshot, int64) {
	pre := make([]byte, len(snapMagic)+8)
	if _, err := io.ReadFull(f, pre); err != nil || !bytes.HasPrefix(pre, []byte(snapMagic)) {
		return nil, 0
	}
	n := binary.BigEndian.Uint64(pre[len(snapMagic):])
	if n > snapHeaderMax {
		return nil, 0
	}
	b := make([]byte, len(pre)+int(n)+sha256.Size)
	copy(b, pre)
	if _, err := io.ReadFull(f, b[len(pre):]); err != nil {
		return nil, 0
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !c.sealedWith(snapSeal, body, sum) {
		return nil, 0
	}
	snap, ok := decodeHeader(body[len(pre):])
	if !ok {
		return nil, 0
	}
	snap.state, snap.Head = snap.Head.state(), nil
	ps := partTable(snap.partTable)
	if len(ps)%partSize != 0 || ps.count() != snapBuckets+len(snap.Months)+tailParts {
		return nil, 0
	}
	snap.parts, snap.partTable = ps, nil
	snap.state.Decided = decided(snap.Decided)
	snap.mac = sum
	return snap, int64(len(b))
}

// rawPart reads part i of the snapshot in f and checks it against the
// header.
func (snap *snapshot) rawPart(f *os.File, base int64, i int) ([]byte, bool) {
	p := snap.parts.at(i)
	if p.Off < 0 || p.Len < 0 || p.Len > snapHeaderMax {
		return nil, false
	}
	b := make([]byte, p.Len)
	if _, err := f.ReadAt(b, base+p.Off); err != nil {
		return nil, false
	}
	return b, sha256.Sum256(b) == p.Sum
}

// mapFrom is the size from which a part is mapped from the snapshot's
// file rather than read into fresh memory. Reading an 18.9 MB rows part
// and checking its sum took 120 ms at 100,000 dossiers, mostly the
// faults of pages the process had never used; mapped, 25 ms. Smaller
// parts are read: their faults cost little, and a mapping per part would
// cost more. (A variable for the tests, which map every part.)
var mapFrom atomic.Int64

func init() { mapFrom.Store(1 << 20) }

// viewPart gives use part i of the snapshot in f once it is checked
// against the header, and reports whether use had it and said yes. use
// must keep nothing cut from the bytes (they may be the file mapped, gone
// when use returns): the decoders copy what they keep.
func (snap *snapshot) viewPart(f *os.File, base int64, i int, use func([]byte) bool) bool {
	p, ok := snap.partAt(i)
	return ok && viewRegion(f, base+p.Off, p.Len, func(b []byte) bool {
		return sha256.Sum256(b) == p.Sum && use(b)
	})
}

// partAt is the header's entry for part i, if its place can be read.
func (snap *snapshot) partAt(i int) (snapPart, bool) {
	p := snap.parts.at(i)
	return p, p.Off >= 0 && p.Len >= 0 && p.Len <= snapHeaderMax
}

// ownPart is part i of the snapshot in f as bytes of its own, checked
// against the header: read into a new buffer, which is kept as it is, or
// copied out of a mapped region (viewRegion: mapFrom). Copied again as
// viewPart's views must be, the ~30 parts a write reads at 100,000
// dossiers were ~2 MB more of fresh memory, faulted in page by page.
func (snap *snapshot) ownPart(f *os.File, base int64, i int) ([]byte, bool) {
	p, ok := snap.partAt(i)
	if !ok {
		return nil, false
	}
	if p.Len >= mapFrom.Load() {
		var out []byte
		ok := viewRegion(f, base+p.Off, p.Len, func(b []byte) bool {
			out = bytes.Clone(b) // a mapped region is unmapped when use returns
			return sha256.Sum256(out) == p.Sum
		})
		return out, ok
	}
	b := make([]byte, p.Len)
	if _, err := f.ReadAt(b, base+p.Off); err != nil || sha256.Sum256(b) != p.Sum {
		return nil, false
	}
	return b, true
}

// viewRegion gives use n bytes of f from off: mapped when n is mapFrom or
// more and the system maps it, else read.
func viewRegion(f *os.File, off, n int64, use func([]byte) bool) bool {
	if n >= mapFrom.Load() {
		if b, unmap, ok := mapRegion(f, off, n); ok {
			defer unmap()
			return use(b)
		}
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		return false
	}
	return use(b)
}

// placeRegisters puts the register entries the parts held in their
// places: in full, each place exactly once; else in order, keeping their
// places (partSeqs) and n, the whole registers' lengths. An empty
// register is nil, as a replay leaves it.
func (s *State) placeRegisters(changes []seqChange, refs []reviewRef, partial bool, n [nRegs]int) bool {
	slices.SortFunc(changes, func(x, y seqChange) int { return x.Seq - y.Seq })
	slices.SortFunc(refs, func(x, y reviewRef) int { return x.Seq - y.Seq })
	s.Changes, s.Reviews, s.partSeqs = nil, nil, nil
	if len(changes) > 0 {
		s.Changes = make([]Change, len(changes))
	}
	for i, c := range changes {
		if !partial && c.Seq != i {
			return false
		}
		s.Changes[i] = c.Change
	}
	if partial {
		s.partSeqs = &registerSeqs{changes: make([]int, len(changes)), reviews: make([]int, len(refs)), n: n}
		for i, c := range changes {
			s.partSeqs.changes[i] = c.Seq
		}
		for i, r := range refs {
			s.partSeqs.reviews[i] = r.Seq
		}
	}
	if len(refs) > 0 {
		s.Reviews = make([]ReviewEntry, len(refs))
	}
	for i, r := range refs {
		d := s.Dossiers[r.Dossier]
		if !partial && r.Seq != i || d == nil || r.Index < 0 || r.Index >= len(d.Reviews) {
			return false
		}
		s.Reviews[i] = ReviewEntry{Dossier: r.Dossier, Review: &d.Reviews[r.Index]}
	}
	return true
}

// dossierParts gives use every dossiers' part of the snapshot in f, read
// (or mapped) at once and each checked against the header, and reports
// whether use had them and said yes. As with viewPart, use keeps nothing
// cut from them.
func (snap *snapshot) dossierParts(f *os.File, base int64, use func([][]byte) bool) bool {
	first, last := snap.parts.at(0), snap.parts.at(snapBuckets-1)
	// Bounded before they are added: no sum overflows.
	if first.Off < 0 || last.Off < first.Off || last.Off-first.Off > snapHeaderMax*4 || last.Len < 0 || last.Len > snapHeaderMax*4 {
		return false
	}
	n := last.Off + last.Len - first.Off
	return viewRegion(f, base+first.Off, n, func(all []byte) bool {
		out := make([][]byte, snapBuckets)
		for k := range snapBuckets {
			p := snap.parts.at(k)
			lo := p.Off - first.Off
			if lo < 0 || lo > n || p.Len < 0 || p.Len > n-lo {
				return false
			}
			out[k] = all[lo : lo+p.Len : lo+p.Len]
			if sha256.Sum256(out[k]) != p.Sum {
				return false
			}
		}
		return use(out)
	})
}

// part reads dossiers' part i of the snapshot in f, checks it against the
// header and decodes it into p.
func (snap *snapshot) part(f *os.File, base int64, i int, p *snapBucketPart) bool {
	return snap.viewPart(f, base, i, func(b []byte) bool {
		return snap.decodeParts([][]byte{b}, []*snapBucketPart{p}) // gob copies what it keeps
	})
}

// standsFor reports whether snap can be the state of a's archive as it is
// now, but for the journal's folders: same folder, same policy, a clock in
// its range.
func (a *Archive) standsFor(snap *snapshot) bool {
	return snap.Archive == a.Dir && snap.PolicySHA == sha256Hex(a.PolicyRaw) &&
		!a.now.Before(snap.NotBefore) && (snap.NotAfter.IsZero() || a.now.Before(snap.NotAfter))
}

// ensureMaps gives a decoded state the empty maps gob leaves nil.
func (s *State) ensureMaps() {
	if s.Members == nil {
		s.Members = map[string]*Member{}
	}
	if s.Dossiers == nil {
		s.Dossiers = map[string]*DossierState{}
	}
	if s.Loans == nil {
		s.Loans = map[string]*Loan{}
	}
	if s.Destructions == nil {
		s.Destructions = map[string]*Destruction{}
	}
	if s.Submissions == nil {
		s.Submissions = map[string]*Submission{}
	}
	if s.Requests == nil {
		s.Requests = map[string]*StatsRequest{}
	}
	if s.RoleHistory == nil {
		s.RoleHistory = map[string][]RoleSpell{}
	}
}
