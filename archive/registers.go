package archive

import "encoding/binary"

// The registers part of a snapshot holds every loan and every
// destruction request: their count, then each loan field by field
// (appendLoan), then the same for the requests (appendDestruction), in the
// rows' encoding of strings, times, numbers and flags (appendRow). Until
// version 27 it was a gob: at 100,000 dossiers its 9,000 loans took 100 ms
// of CPU to decode, most of crm borrow list's. A list is read back nil
// when empty, and a card nil when there was none, as gob gave them.
//
// A field added to Loan, Approval, BorrowCard or Destruction must be
// added here too (TestRegistersRoundTrip fills every field and fails on a
// field this codec drops), and the snapshot's version raised.

// minLoanSize and minDestructionSize are the fewest bytes a loan and a
// destruction request take, to refuse a count the part cannot hold.
const (
	minLoanSize        = 24
	minDestructionSize = 15
)

// encodeRegisters is the registers part of a snapshot: every loan of s and
// the destruction requests ds, by id.
func encodeRegisters(s *State, ds []*Destruction) ([]byte, bool) {
	ls := s.SortedLoans()
	b := binary.AppendUvarint(make([]byte, 0, 256*len(ls)+128*len(ds)), uint64(len(ls)))
	for _, l := range ls {
		b = appendLoan(b, l)
	}
	b = binary.AppendUvarint(b, uint64(len(ds)))
	for _, d := range ds {
		b = appendDestruction(b, d)
	}
	return b, true
}

// decodeRegisters reads a registers part (encodeRegisters); false, never
// a panic, for bytes it did not write. What it gives back holds no byte
// of b.
func decodeRegisters(b []byte) (*snapRegisters, bool) {
	r := rowReader{b: b, strs: newStrSet()}
	out := &snapRegisters{}
	out.Loans = readRecords(&r, minLoanSize, (*rowReader).loan)
	out.Destructions = readRecords(&r, minDestructionSize, (*rowReader).destruction)
	if r.bad || len(r.b) != 0 {
		return nil, false
	}
	return out, true
}

// readRecords reads a count, then that many records with read (each at
// least min bytes): nil for none, or when r is bad.
func readRecords[T any](r *rowReader, min int, read func(*rowReader, *T)) []*T {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)/min) {
		r.bad = true
		return nil
	}
	if n == 0 {
		return nil
	}
	out, all := make([]*T, n), make([]T, n)
	for i := range all {
		read(r, &all[i])
		out[i] = &all[i]
	}
	return out
}

func appendLoan(b []byte, l *Loan) []byte {
	for _, s := range []string{l.ID, l.Dossier, l.Borrower, l.Department, l.Purpose} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(l.Days))
	b = appendTime(b, l.Requested)
	b = appendString(b, l.EndorsedBy)
	b = appendBool(b, l.NeedsSign)
	b = appendApprovals(b, l.Approvals)
	b = appendTime(b, l.Out)
	b = appendTime(b, l.Due)
	b = binary.AppendVarint(b, int64(l.Renewals))
	b = appendTime(b, l.Expired)
	b = appendTime(b, l.Returned)
	b = appendString(b, l.ReturnedBy)
	b = appendBool(b, l.Intact)
	b = appendString(b, l.Note)
	b = appendString(b, l.ClosedByRemoval)
	b = appendBool(b, l.Card != nil)
	if c := l.Card; c != nil {
		for _, s := range []string{c.Card, c.Dossier, c.Level, c.Borrower, c.BorrowerName, c.Title, c.Department, c.Purpose, c.EndorsedBy} {
			b = appendString(b, s)
		}
		b = appendStrings(b, c.Approvers)
		b = appendString(b, c.Out)
		b = appendString(b, c.Due)
		b = binary.AppendVarint(b, int64(c.Renewals))
		for _, s := range []string{c.Returned, c.Intact, c.Remarks} {
			b = appendString(b, s)
		}
	}
	b = appendTime(b, l.Cancelled)
	b = appendTime(b, l.Rejected)
	b = appendString(b, l.RejectedBy)
	return appendString(b, l.Reason)
}

func (r *rowReader) loan(l *Loan) {
	l.ID, l.Dossier, l.Borrower, l.Department, l.Purpose = r.own(), r.str(), r.str(), r.str(), r.str()
	l.Days = r.int()
	l.Requested = r.time()
	l.EndorsedBy = r.str()
	l.NeedsSign = r.bool()
	l.Approvals = r.approvals()
	l.Out, l.Due = r.time(), r.time()
	l.Renewals = r.int()
	l.Expired, l.Returned = r.time(), r.time()
	l.ReturnedBy = r.str()
	l.Intact = r.bool()
	l.Note, l.ClosedByRemoval = r.str(), r.str()
	if r.bool() {
		c := &BorrowCard{}
		c.Card, c.Dossier, c.Level, c.Borrower, c.BorrowerName = r.own(), r.str(), r.str(), r.str(), r.str()
		c.Title, c.Department, c.Purpose, c.EndorsedBy = r.str(), r.str(), r.str(), r.str()
		c.Approvers = r.strings()
		c.Out, c.Due = r.str(), r.str()
		c.Renewals = r.int()
		c.Returned, c.Intact, c.Remarks = r.str(), r.str(), r.str()
		l.Card = c
	}
	l.Cancelled, l.Rejected = r.time(), r.time()
	l.RejectedBy, l.Reason = r.str(), r.str()
}

func appendDestruction(b []byte, d *Destruction) []byte {
	for _, s := range []string{d.ID, d.Dossier, d.Reason, d.RequestedBy} {
		b = appendString(b, s)
	}
	b = appendTime(b, d.Requested)
	b = appendApprovals(b, d.Approvals)
	b = appendStrings(b, d.Chain)
	b = appendString(b, d.RejectedBy)
	b = appendTime(b, d.Rejected)
	b = appendString(b, d.RejectNote)
	b = appendTime(b, d.Executed)
	b = appendString(b, d.ExecutedBy)
	b = appendStrings(b, d.Witnesses)
	b = appendString(b, d.Method)
	return appendString(b, d.Level)
}

func (r *rowReader) destruction(d *Destruction) {
	d.ID, d.Dossier, d.Reason, d.RequestedBy = r.own(), r.str(), r.str(), r.str()
	d.Requested = r.time()
	d.Approvals = r.approvals()
	d.Chain = r.strings()
	d.RejectedBy = r.str()
	d.Rejected = r.time()
	d.RejectNote = r.str()
	d.Executed = r.time()
	d.ExecutedBy = r.str()
	d.Witnesses = r.strings()
	d.Method, d.Level = r.str(), r.str()
}

func appendApprovals(b []byte, as []Approval) []byte {
	b = binary.AppendUvarint(b, uint64(len(as)))
	for _, a := range as {
		b = binary.AppendVarint(b, int64(a.Step))
		b = appendString(b, a.Role)
		b = appendString(b, a.Member)
		b = appendString(b, a.Date)
		b = appendTime(b, a.Time)
		b = appendString(b, a.Event)
	}
	return b
}

// approvals reads what appendApprovals wrote: nil for none.
func (r *rowReader) approvals() []Approval {
	n := r.uvarint()
	if n == 0 || r.bad || n > uint64(len(r.b)/8) {
		r.bad = r.bad || n > uint64(len(r.b)/8)
		return nil
	}
	as := make([]Approval, n)
	for i := range as {
		a := &as[i]
		a.Step = r.int()
		a.Role, a.Member, a.Date = r.str(), r.str(), r.str()
		a.Time = r.time()
		a.Event = r.own()
	}
	return as
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// strings reads what appendStrings wrote: nil for none.
func (r *rowReader) strings() []string {
	n := r.uvarint()
	if n == 0 || r.bad || n > uint64(len(r.b)) {
		r.bad = r.bad || n > uint64(len(r.b))
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

// own reads a string that is its own (an id, a hash): not looked up
// among the strings read before, nor kept with them.
func (r *rowReader) own() string {
	return string(r.bytes(r.uvarint()))
}
