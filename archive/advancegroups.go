package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync/atomic"

	"crm/archive/journal"
	"crm/archive/work"
	"crm/classify"
)

// A quarter's 核定 recorded at once (review done --all-readable: 78,000
// events at 100,000 dossiers), or a pull of a month's edits, names most of
// a snapshot's parts. Advancing the whole state held every dossier, the
// new events and the registers at once: 17.9-19.9 s and 1.37-1.50 GB,
// paid once by every member (in runs: 252-254 MB, 11.0-11.8 s); a state
// of 2,000 parts, 1.25 GB. When every new event reads and changes only
// the dossier it names, or is a step on a loan, whose rule also reads
// every loan's id (runScoped), and they name more than groupedParts parts
// (saveGrouped), saveInGroups advances the snapshot a run of parts
// at a time (partRun) instead, writing each run's parts as they are done,
// and the command then reads the snapshot it saved as it would any other.
// So too a quarter's sign-off, which signs the 核定 of most dossiers: every
// run replays it on its own (signoffRuns). After the sign-off of a quarter
// of 100,000 dossiers, every member's next command held 1.08 GB.

// saveInGroups saves the snapshot that l's advanced by the new events j
// stands for, one run of parts at a time: the parts of a run that new
// events name are read, advanced by those events (advance, every other
// event linked and not replayed) and encoded; the others are copied. It
// reports whether it saved: false when anything does not add up, and then
// l's parts and header state are no longer the snapshot's (l.advanced).
//
// A run's state holds its register entries only. The places of the new
// entries in the whole registers follow the journal's order, which a run
// cannot see: every event of a kind appends a known number of entries
// (registerEntries), so the events before each one say where its entries
// go (movesOf; a merge may move old entries too, and the parts that hold
// them are advanced in their runs). Each run checks that its events
// appended exactly those (placeEntries), or nothing is saved.
func (a *Archive) saveInGroups(l *snapLoad, j *journal.Journal) bool {
	snap := l.snap
	if j == nil || l.advanced || len(l.parts) > 0 || !snap.encodedHere() {
		return false
	}
	// j's events but those every run replays: its sign-offs and its steps
	// on members.
	others, ok := signoffRuns(j)
	if !ok {
		return false
	}
	if others = withoutMemberSteps(others); !runScoped(others) { // groupScoped
		return false
	}
	if !a.rowsAtClock(snap, j) {
		return false
	}
	months, ok := a.advancedMonths(snap, l.f, l.base, l.dirs, l.listed)
	if !ok {
		return false
	}
	rows, ok := l.rowsPart()
	if !ok || len(rows) != snap.Count {
		return false
	}
	// Where the register entries go (each run's advance places its own),
	// the part of each event's dossier, and the parts whose old entries a
	// merge moves: their runs read them and write them again.
	mv, ok := l.moves(j)
	if !ok {
		return false
	}
	part, creates := make([]int, len(j.Events)), 0
	for i, e := range j.Events {
		part[i] = snapBucket(e.Dossier)
		if isSignoff(e) || memberStep(e) {
			part[i] = -1 // in every run (a sign-off reads all its parts)
		}
		if e.Kind == KindDossierCreate {
			creates++
		}
	}
	signoffs := slices.ContainsFunc(j.Events, isSignoff)
	members := slices.ContainsFunc(j.Events, memberStep)
	// New keys make stale the files of every part encrypted to the old
	// ones: every run reads its parts and marks them (memberStep).
	every := signoffs || slices.ContainsFunc(j.Events, keyChange)
	moves := map[int]bool{}
	for _, id := range mv.movedDossiers() {
		moves[snapBucket(id)] = true
	}
	movedHeld := 0
	// Steps on loans read every loan's id (runScoped): each run holds the
	// old loans of the dossiers it does not, and the loans of the
	// dossiers they are about go to the registers part, written again.
	var regs *snapRegisters
	var loans map[string]*Loan
	maxLoan := snap.state.MaxLoan
	if !scoped(others) {
		if regs, ok = l.registers(); !ok {
			return false
		}
		loans = make(map[string]*Loan, len(regs.Loans))
		for _, ln := range regs.Loans {
			loans[ln.ID] = ln
		}
	}
	// The histories records of the dossiers of the runs advanced (made
	// before l is changed: a cache that cannot be written costs nothing).
	spill, err := newRecSpill(a.jc.dir)
	if err != nil {
		return false
	}
	defer spill.remove()
	l.advanced = true
	orig := *snap.state
	fresh := func() {
		s := orig
		if members {
			s.ownMembers()
		}
		snap.state, l.parts = &s, map[int]*snapBucketPart{}
	}
	// The header's state: no part's, and what the new events change
	// outside dossiers (the highest id used; the good heads; the members).
	fresh()
	head := l.state(a, true)
	if head == nil || members && !head.memberSteps(j) {
		return false
	}
	for _, e := range j.Events {
		head.idUsed(e)
		head.markGood(e)
	}
	if loans != nil {
		ids, _ := loanRequests(j)
		for id := range ids {
			n, _ := seqNumber(loanPrefix, id)
			head.MaxLoan = max(head.MaxLoan, n)
		}
	}
	out, ok := a.snapshotHead(head, j, l.dirs, snap)
	if !ok {
		return false
	}
	out.Count, out.Changes, out.Reviews, out.Destructions = snap.Count+creates, mv.total[regChanges], mv.total[regReviews], snap.Destructions
	from := &snapSource{snap, l.f, l.base}
	out.order = nextTail(j, from)
	parts := func(pw *partWriter) error {
		for lo := 0; lo < snapBuckets; lo += partRun {
			hi := min(lo+partRun, snapBuckets)
			named := map[int]bool{}
			in := make([]bool, len(j.Events)) // the events about the run's dossiers
			for i, k := range part {
				if k >= lo && k < hi {
					named[k], in[i] = true, true
				}
				in[i] = in[i] || k < 0
			}
			for k := lo; k < hi && every; k++ {
				named[k] = true
			}
			for k := range moves {
				if k >= lo && k < hi {
					named[k] = true
				}
			}
			keep := func(k int) bool { return !named[k] }
			if len(named) == 0 {
				if err := a.writeRun(pw, nil, nil, out.Prelude, keep, from, lo, hi); err != nil {
					return err
				}
				continue
			}
			fresh()
			if !l.readParts(slices.Collect(maps.Keys(named))) {
				return errBadSnapshotPart
			}
			s := l.state(a, true)
			if s == nil || l.bad {
				return errBadSnapshotPart
			}
			if loans != nil {
				s.otherLoans(regs.Loans)
			}
			if signoffs {
				s.inRun = func(id string) bool { k := snapBucket(id); return k >= lo && k < hi }
			}
			if !a.advance(s, snap, j, mv, func(i int) bool { return in[i] }) || s.MaxID != head.MaxID || members && !sameMembers(s, head) {
				return errBadSnapshotPart
			}
			if loans != nil {
				for i, e := range j.Events {
					if d := s.Dossiers[e.Dossier]; in[i] && !scopedKind(e.Kind) && d != nil {
						for _, ln := range d.Loans {
							loans[ln.ID] = ln
						}
					}
				}
				maxLoan = max(maxLoan, s.MaxLoan)
			}
			changes, refs, _, ok := registerPlaces(s, false)
			if !ok {
				return errBadSnapshotPart
			}
			movedHeld += s.partSeqs.movedHeld
			rows = mergeRows(rows, s)
			rs, ok := historyRecords(s, changes, refs)
			if !ok {
				return errBadSnapshotPart
			}
			if err := spill.add(rs); err != nil {
				return err
			}
			if err := a.writeRun(pw, s, indexParts(s, changes, refs), out.Prelude, keep, from, lo, hi); err != nil {
				return err
			}
		}
		if movedHeld != len(mv.to[regChanges])+len(mv.to[regReviews]) {
			return errBadSnapshotPart // an old entry moved was not in its run's parts
		}
		if maxLoan != head.MaxLoan {
			return errBadSnapshotPart // a loan request did not take effect in its run
		}
		l.parts = nil
		return nil
	}
	// The rows made again; the registers as they were, or with the loans
	// the runs changed (no destruction request changes); the histories
	// merged with the records made again as they are written, not held.
	tail := func(pw *partWriter) error {
		if len(rows) != out.Count {
			return errBadSnapshotPart
		}
		pw.stream(func(w io.Writer) error { return writeRows(w, rows) })
		if loans == nil {
			pw.copy(from, snap.parts.count()-tailRegisters)
		} else {
			b, ok := encodeRegisters(&State{Loans: loans}, regs.Destructions)
			if !ok {
				return errBadSnapshotPart
			}
			pw.add(b)
		}
		recs, err := spill.records()
		if err != nil {
			return err
		}
		pw.stream(func(w io.Writer) error { return mergeHistoriesTo(w, from, recs, out.Count) })
		return nil
	}
	defer paceGC()() // each run's parts are garbage once written
	if !a.writeSnapshotFile(out, months, from, parts, tail) {
		return false
	}
	groupedSaves.Add(1)
	a.grouped = &groupedSave{parts: out.partTable, from: snap.GoodHeads}
	return true
}

// groupedSave is a snapshot saveInGroups saved: its part table (every
// part's place and sum), and the good heads of the snapshot it was
// advanced from.
type groupedSave struct {
	parts []byte
	from  []string
}

// memberSteps replays j's steps on members (memberStep) on s, a state of
// no parts, in journal order: what a snapshot's header holds after j.
// false if one fails its checks.
func (s *State) memberSteps(j *journal.Journal) bool {
	removals, ok := removalsAfter(s.removals, s.passesAgree, j)
	if !ok {
		return false
	}
	losses, ok := cutsIn(j)
	if !ok {
		return false
	}
	held := s.Journal
	s.Journal, s.removals, s.losses = j, removals, losses
	defer func() { s.Journal, s.losses = held, nil }()
	for _, e := range j.Events {
		if !memberStep(e) {
			continue
		}
		st, err := s.prepare(e, true)
		if err != nil {
			return false
		}
		st.commit()
	}
	return true
}

// registerEntries is how many entries an event of kind k that takes effect
// appends to the classification register and to the 核定 register (the
// apply of its payload): saveInGroups checks it of every event it
// replays.
func registerEntries(k journal.Kind) (changes, reviews int) {
	switch k {
	case KindDossierCreate, KindDossierClassify, KindDossierDeclassify, KindDossierCredit, KindDossierTier:
		return 1, 0
	case KindReview:
		return 0, 1
	}
	return 0, 0
}

// readPartsAtOnce is how many parts readParts decodes with one decoder:
// ~1.7 MB of parts held at 100,000 dossiers.
const readPartsAtOnce = 32

// readParts reads dossiers' parts ks, on every core.
func (l *snapLoad) readParts(ks []int) bool {
	ps := make([]*snapBucketPart, len(ks))
	for i := range ps {
		ps[i] = &snapBucketPart{}
	}
	var bad atomic.Bool
	runs := min(runtime.GOMAXPROCS(0), len(ks))
	work.Each(context.Background(), "", runs, func(r int) {
		// A run's parts are decoded readPartsAtOnce at a time (decodeAt).
		var at []int
		var into []*snapBucketPart
		for i := r; i < len(ks); i += runs {
			at, into = append(at, ks[i]), append(into, ps[i])
			if len(at) == readPartsAtOnce || i+runs >= len(ks) {
				if !l.decodeAt(at, into) {
					bad.Store(true)
					return
				}
				at, into = at[:0], into[:0]
			}
		}
	})
	for i, k := range ks {
		l.parts[k] = ps[i]
	}
	return !bad.Load()
}

// mergeHistoriesTo writes to w the histories part of the snapshot from
// with the records fresh gives (by id) in place of its records of the
// same dossiers and added where they belong, as mergeHistories makes it,
// but reading the old part as it goes and holding neither: count is how
// many records it must have. The old part must be the one the header of
// from has (its sum).
func mergeHistoriesTo(w io.Writer, from *snapSource, fresh func() (histRecord, bool), count int) error {
	p := from.snap.parts.at(from.snap.parts.count() - tailHistories)
	if p.Off < 0 || p.Len < 0 {
		return errBadSnapshotPart
	}
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(io.NewSectionReader(from.f, from.base+p.Off, p.Len), h), 1<<16)
	n, err := binary.ReadUvarint(br)
	if err != nil || n > uint64(p.Len) {
		return errBadSnapshotPart
	}
	var buf []byte // the record read last
	next := func() (rec []byte, id string, ok bool) {
		buf, id, ok = readRecord(br, buf, p.Len)
		return buf, id, ok
	}
	if _, err := w.Write(binary.AppendUvarint(nil, uint64(count))); err != nil {
		return err
	}
	var werr error
	got, _, ok := mergeRecords(n, next, fresh, func(rec []byte) {
		if werr == nil {
			_, werr = w.Write(rec)
		}
	})
	if werr != nil {
		return werr
	}
	if _, err := br.Peek(1); !ok || got != count || err != io.EOF || [sha256.Size]byte(h.Sum(nil)) != p.Sum {
		return errBadSnapshotPart
	}
	return nil
}

// readRecord reads a histories record (with its length, at most max
// bytes) from br into buf, and returns it and its dossier's id.
func readRecord(br *bufio.Reader, buf []byte, max int64) ([]byte, string, bool) {
	size, err := binary.ReadUvarint(br)
	if err != nil || size > uint64(max) {
		return buf, "", false
	}
	buf = binary.AppendUvarint(buf[:0], size)
	at := len(buf)
	buf = slices.Grow(buf, int(size))[:at+int(size)]
	if _, err := io.ReadFull(br, buf[at:]); err != nil {
		return buf, "", false
	}
	r := rowReader{b: buf}
	_, id, ok := r.record()
	return buf, id, ok
}

// recSpill holds the histories records made again by saveInGroups' runs,
// each run's by id, in a temporary file beside the snapshot, not in
// memory (a department's quarter of 核定 remakes ~45 MB of them).
type recSpill struct {
	f    *os.File
	w    *bufio.Writer
	ends []int64 // where each run's records end
	size int64
}

func newRecSpill(dir string) (*recSpill, error) {
	f, err := os.CreateTemp(dir, tempPattern(""))
	if err != nil {
		return nil, err
	}
	return &recSpill{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// add writes a run's records, by id.
func (s *recSpill) add(recs []histRecord) error {
	for _, r := range recs {
		n, err := s.w.Write(r.b)
		if err != nil {
			return err
		}
		s.size += int64(n)
	}
	s.ends = append(s.ends, s.size)
	return nil
}

// remove removes the file.
func (s *recSpill) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// records gives every run's records in the order of their ids, merged
// from the runs' as it reads them (each run's are by id, and no dossier is
// in two runs).
func (s *recSpill) records() (func() (histRecord, bool), error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	type head struct {
		br   *bufio.Reader
		rec  []byte
		id   string
		left bool // rec is a record not yet given
	}
	heads := make([]*head, len(s.ends))
	var start int64
	for i, end := range s.ends {
		h := &head{br: bufio.NewReaderSize(io.NewSectionReader(s.f, start, end-start), 1<<14)}
		h.rec, h.id, h.left = readRecord(h.br, nil, s.size)
		heads[i], start = h, end
	}
	return func() (histRecord, bool) {
		var min *head
		for _, h := range heads {
			if h.left && (min == nil || h.id < min.id) {
				min = h
			}
		}
		if min == nil {
			return histRecord{}, false
		}
		r := histRecord{min.id, slices.Clone(min.rec)}
		min.rec, min.id, min.left = readRecord(min.br, min.rec, s.size)
		return r, true
	}, nil
}

// signableInRuns is what a sign-off of quarter q by me written now would
// sign (ReviewSignoff): the dossiers whose 核定 of q by others are not
// signed yet, sorted, each once, found a run of parts at a time in the
// snapshot the state was taken from under the lock, with no event added
// since. A state of rows holds none of the 核定; the whole state held
// every dossier's: 862 MB at 100,000 dossiers. false when the snapshot
// cannot say (the command then takes the whole state).
func (a *Archive) signableInRuns(q classify.Quarter, me *Member) ([]string, bool) {
	if !a.fromSnapshot || a.sinceNew != 0 {
		return nil, false
	}
	f, snap, base := a.readSnapshot()
	if snap == nil {
		return nil, false
	}
	defer f.Close()
	if !bytes.Equal(snap.mac, a.sinceMAC) || !a.standsFor(snap) || !snap.encodedHere() ||
		!slices.Equal(slices.Sorted(slices.Values(snap.GoodHeads)), a.State.goodHeads()) {
		return nil, false
	}
	dirs := a.sinceDirs
	// The event as commit will write it: the heads it follows decide
	// which 核定 come before it (signable).
	prev := slices.Sorted(slices.Values(a.State.goodHeads()))
	e := &journal.Event{Header: journal.Header{Kind: KindReviewSignoff, Time: a.now, Actor: me.ID, Prev: prev}}
	l := &snapLoad{snap: snap, f: f, base: base, dirs: dirs}
	orig := *snap.state
	var ids []string
	defer paceGC()() // each run's parts are garbage once read
	for lo := 0; lo < snapBuckets; lo += partRun {
		s := orig
		snap.state, l.parts = &s, map[int]*snapBucketPart{}
		ks := make([]int, 0, partRun)
		for k := lo; k < min(lo+partRun, snapBuckets); k++ {
			ks = append(ks, k)
		}
		if !l.readParts(ks) {
			return nil, false
		}
		rs := l.state(a, true)
		if rs == nil || l.bad {
			return nil, false
		}
		c := &step{s: rs, p: rs.Policy, e: e, actor: me}
		ids = append(ids, rs.signedDossiers(c.signable(q.String()))...)
	}
	slices.Sort(ids)
	return slices.Compact(ids), true
}

// wholeForSteps makes the state the steps under the lock work on hold
// every dossier: the snapshot's whole state advanced by the events added
// since, else the journal replayed.
func (a *Archive) wholeForSteps() error {
	a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = "", "", "", false, 0, nil
	if s, partial := a.stampedLoad(); s != nil && !partial {
		a.State, a.fromSnapshot, a.partial = s, true, false
		if a.id != nil {
			a.me = s.MemberByRecipient(a.id.Recipient)
		}
		return nil
	}
	a.partial = false
	return a.reload()
}
