package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"

	"crm/archive/journal"
	"crm/archive/sharedfile"
)

// The customers index is what spares crm new reading every dossier's
// customer (R5: one dossier per customer; SameCustomer) while nothing that
// could change the answer happened: a file in the plaintext cache's folder
// ("customers"), sealed with its key, holding a 64-bit hash of each
// organisation's CustomerKey among the active dossiers the working key
// opened, how many it did not (Customers.Unread), and the state it holds
// for (stateKey: the journal's heads).
//
// It is made where the customers are read anyway (Customers, maintain) and
// follows this process's own events (followCustomers): a kind that changes
// no dossier's customer, status, level or readers carries it to the state
// after the event, a dossier created or edited adjusts it, and any other
// event (or another clone's, through git) leaves it behind, until a
// command reads the customers again. A name whose hash it lacks has no
// dossier; one whose hash it has is looked up the slow way, which names
// the dossier (and rules out two names of one hash).
//
// At 100,000 dossiers the slow way is ~0.9 s (every row, every digest);
// the index is 800 KB.
const customersMagic = "crm-customers-v1\n"

func (c *plainCache) customersPath() string { return filepath.Join(c.dir, "customers") }

// customerIndex is the customers index's content.
type customerIndex struct {
	at     [32]byte // the stateKey it holds for
	unread int
	hashes []uint64 // ascending; a hash twice for two dossiers of it
}

// customerHash is the index's hash of an organisation's name: FNV-1a of
// its CustomerKey. The index is sealed, so the hash needs no key; two
// names of one hash are told apart by the slow way.
//
// It is written out over the string: hash/fnv takes bytes, and the copy
// was an allocation for each of maintain's 100,000 names.
func customerHash(name string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, b := range []byte(CustomerKey(name)) { // not copied: range over a conversion
		h ^= uint64(b)
		h *= prime
	}
	return h
}

// stateKey names the state as far as the customers index goes: the
// journal's heads (every event is one of them or followed by one, and an
// event's hash covers what it follows) and the good heads (which of them
// count), for the working member of the archive.
func (a *Archive) stateKey() [32]byte {
	h := sha256.New()
	h.Write([]byte("crm customers state\x00" + a.State.Genesis + "\x00"))
	if a.me != nil {
		h.Write([]byte(a.me.ID))
	}
	for _, hs := range [][]string{a.State.Journal.Heads, a.State.goodHeads()} {
		h.Write([]byte{0})
		for _, x := range hs {
			h.Write([]byte(x + "\n"))
		}
	}
	return [32]byte(h.Sum(nil))
}

// readCustomers is the customers index, or nil when there is none or it
// does not open (another key, damage, another format).
func (c *plainCache) readCustomers() *customerIndex {
	if c == nil {
		return nil
	}
	raw, err := sharedfile.ReadFile(c.customersPath())
	n := c.aead.NonceSize()
	if err != nil || !bytes.HasPrefix(raw, []byte(customersMagic)) || len(raw) < len(customersMagic)+n {
		return nil
	}
	raw = raw[len(customersMagic):]
	plain, err := c.aead.Open(raw[n:n], raw[:n], raw[n:], []byte(customersMagic))
	if err != nil {
		return nil
	}
	x, ok := decodeCustomers(plain)
	if !ok {
		return nil
	}
	return x
}

// decodeCustomers reads what encodeCustomers wrote; false, never a panic,
// if it does not parse or its hashes are not ascending.
func decodeCustomers(b []byte) (*customerIndex, bool) {
	x := &customerIndex{}
	if len(b) < 32 {
		return nil, false
	}
	copy(x.at[:], b)
	b = b[32:]
	unread, k := binary.Uvarint(b)
	if k <= 0 || unread > 1<<40 {
		return nil, false
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(len(b)-k)/8 || uint64(len(b)-k)%8 != 0 {
		return nil, false
	}
	b = b[k:]
	x.unread = int(unread)
	x.hashes = make([]uint64, n)
	for i := range x.hashes {
		x.hashes[i] = binary.LittleEndian.Uint64(b[8*i:])
		if i > 0 && x.hashes[i] < x.hashes[i-1] {
			return nil, false
		}
	}
	return x, true
}

// encodeCustomers is x as the index holds it.
func encodeCustomers(x *customerIndex) []byte {
	b := make([]byte, 0, 32+20+8*len(x.hashes))
	b = append(b, x.at[:]...)
	b = binary.AppendUvarint(b, uint64(x.unread))
	b = binary.AppendUvarint(b, uint64(len(x.hashes)))
	for _, h := range x.hashes {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b
}

// saveCustomers replaces the customers index with x, sealed.
func (c *plainCache) saveCustomers(x *customerIndex) error {
	if c == nil {
		return nil
	}
	n := c.aead.NonceSize()
	out := make([]byte, len(customersMagic)+n, len(customersMagic)+n+64+8*len(x.hashes)+c.aead.Overhead())
	copy(out, customersMagic)
	nonce := out[len(customersMagic):]
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	hdr := len(out)
	out = append(out, encodeCustomers(x)...)
	out = c.aead.Seal(out[:hdr], nonce, out[hdr:], []byte(customersMagic))
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	// Not synced: every write of the archive carries it forward
	// (followCustomers), and a file a crash tore does not open (the
	// seal), which only means the slow way once.
	return writeFileSync(c.customersPath(), out, 0o600, false)
}

// has reports whether x holds hash h.
func (x *customerIndex) has(h uint64) bool {
	_, ok := slices.BinarySearch(x.hashes, h)
	return ok
}

// indexedMiss reports whether the customers index holds for the state as
// it is and has no dossier of the organisation named name: then there is
// none among the active dossiers the key opens, and unread is how many it
// does not. false: the slow way must tell (Customers).
func (a *Archive) indexedMiss(name string) (unread int, ok bool) {
	if a.cache == nil || a.State == nil || a.State.Journal == nil {
		return 0, false
	}
	x := a.cache.readCustomers()
	if x == nil || x.at != a.stateKey() || x.has(customerHash(name)) {
		return 0, false
	}
	return x.unread, true
}

// KeepCustomersIndex makes the customers index again for the state as
// it is, when the user has one (a crm new made it): crm sync calls it
// after merging others' work, which leaves the index behind, so that the
// next crm new answers from it. The rows are the ones sync's own check
// read already; the names come from the list cache's digests (others'
// new dossiers are decrypted for theirs). Nothing is said when it cannot:
// the next crm new reads the names itself.
func (a *Archive) KeepCustomersIndex(ctx context.Context) {
	if a.cache == nil || a.me == nil || a.State == nil || a.State.Journal == nil {
		return
	}
	if _, err := os.Stat(a.cache.customersPath()); err != nil {
		return
	}
	if x := a.cache.readCustomers(); x != nil && x.at == a.stateKey() {
		return // it stands: nothing merged that it does not know
	}
	a.Customers(ctx)
}

// keepCustomers saves the customers index for the state the rows (the
// active dossiers, in id order) and their digests (nil: not opened) were
// read in. clean is false when a dossier's file could not be read: that
// is not for the index to remember. Nor is a dossier opened only through
// a loan, which lapses with the clock and not with an event (rowOpens):
// then no index is saved. A write that fails leaves the slow way.
func (a *Archive) keepCustomers(rows []*dossierRow, digests []*Digest, clean bool) {
	if a.cache == nil || a.me == nil || !clean {
		return
	}
	reads := a.readsLevel()
	x := &customerIndex{at: a.stateKey(), hashes: make([]uint64, 0, len(rows))}
	for i, r := range rows {
		g := digests[i]
		switch {
		case g == nil:
			x.unread++
			continue
		case len(r.Borrowers) > 0 && slices.Contains(r.Borrowers, a.me.ID) && !reads(r.Level):
			return
		case g.Name == "" || g.Individual:
			continue
		}
		x.hashes = append(x.hashes, customerHash(g.Name))
	}
	slices.Sort(x.hashes)
	a.customersFile = 1 // this process's next events are followed
	if old := a.cache.readCustomers(); old != nil && old.at == x.at && old.unread == x.unread && slices.Equal(old.hashes, x.hashes) {
		return
	}
	a.cache.saveCustomers(x)
}

// customerStep is one event this process wrote, as the customers index
// follows it: the state's key before and after it, and whether the index
// may follow (keeps: a kind that changes nothing it holds, or a dossier
// created or edited whose names are known: drop and add, 0 for none).
type customerStep struct {
	pre, post [32]byte
	keeps     bool
	drop, add uint64
}

// customersKept are the kinds of event that change no dossier's customer,
// status, level, recipients or borrowers, nor who reads a level: the
// customers index holds after them as before. Any kind not here leaves it
// behind, but for dossier.create and dossier.update, which say the names
// (nameStep).
var customersKept = map[journal.Kind]bool{
	KindDossierCredit: true, KindDossierTier: true,
	KindReview: true, KindReviewSignoff: true,
	KindHold: true, KindRelease: true,
	KindLoanRequest: true, KindLoanEndorse: true, KindLoanReject: true,
	KindDestroyRequest: true, KindDestroyApprove: true, KindDestroyReject: true,
	KindSubmissionAdd: true, KindSubmissionReject: true,
	KindRequestStats: true, KindRequestEndorse: true, KindRequestApprove: true, KindRequestReject: true,
	KindTemplatesUpdate: true,
}

// stepCustomers notes an event of kind about to be committed (before) and
// committed (the returned func, after), for followCustomers. Nothing is
// noted without a cache or an index to follow.
func (a *Archive) stepCustomers(kind journal.Kind) func() {
	if a.cache == nil || a.me == nil || !a.followsCustomers() {
		return func() {}
	}
	pre := a.stateKey()
	return func() {
		a.customerSteps = append(a.customerSteps, customerStep{pre: pre, post: a.stateKey(), keeps: customersKept[kind]})
	}
}

// followsCustomers reports whether there is a customers index to follow,
// looked at once a process.
func (a *Archive) followsCustomers() bool {
	if a.customersFile == 0 {
		a.customersFile = 2
		if _, err := os.Stat(a.cache.customersPath()); err == nil {
			a.customersFile = 1
		}
	}
	return a.customersFile == 1
}

// nameStepTexts is nameStep for a dossier's texts (old nil: created),
// parsed only when the customers index is followed. A text that does not
// parse (written by an older crm) leaves the index behind.
func (a *Archive) nameStepTexts(old, new []byte) {
	if len(a.customerSteps) == 0 {
		return
	}
	var od *Dossier
	if old != nil {
		var err error
		if od, err = ParseDossier(old); err != nil {
			return
		}
	}
	nd, err := ParseDossier(new)
	if err != nil {
		return
	}
	a.nameStep(od, nd)
}

// nameStep says what the event just committed (dossier.create,
// dossier.update) did to the customers index: the dossier's customer was
// old and is now new (each nil for none: a dossier created; a dossier of a
// person, whose name is not compared).
func (a *Archive) nameStep(old, new *Dossier) {
	if len(a.customerSteps) == 0 {
		return
	}
	s := &a.customerSteps[len(a.customerSteps)-1]
	hash := func(d *Dossier) uint64 {
		if d == nil || d.IsIndividual() || d.Customer.Name == "" {
			return 0
		}
		return customerHash(d.Customer.Name)
	}
	s.keeps, s.drop, s.add = true, hash(old), hash(new)
}

// followCustomers carries the customers index through the events this
// process wrote (customerSteps), from the first whose state before it is
// the index's, while each keeps it; saved when it moved. Called when the
// command ends (SaveCache).
func (a *Archive) followCustomers() {
	steps := a.customerSteps
	a.customerSteps = nil
	if a.cache == nil || len(steps) == 0 {
		return
	}
	x := a.cache.readCustomers()
	if x == nil {
		return
	}
	i := slices.IndexFunc(steps, func(s customerStep) bool { return s.pre == x.at })
	if i < 0 {
		return
	}
	// The changes are counted first and made once: an import of
	// thousands of dossiers would otherwise move the hashes each time.
	delta := map[uint64]int{}
	moved := false
	for _, s := range steps[i:] {
		if !s.keeps || s.pre != x.at || s.drop != 0 && x.count(s.drop)+delta[s.drop] <= 0 {
			break
		}
		if s.drop != 0 {
			delta[s.drop]--
		}
		if s.add != 0 {
			delta[s.add]++
		}
		x.at, moved = s.post, true
	}
	if moved {
		x.apply(delta)
		a.cache.saveCustomers(x)
	}
}

// count is how many dossiers of hash h x holds.
func (x *customerIndex) count(h uint64) int {
	i, _ := slices.BinarySearch(x.hashes, h)
	j := i
	for j < len(x.hashes) && x.hashes[j] == h {
		j++
	}
	return j - i
}

// apply adds to x each hash of delta as many times as it says, or drops
// it (never below none), in one pass.
func (x *customerIndex) apply(delta map[uint64]int) {
	var add []uint64
	drop := map[uint64]int{}
	for h, n := range delta {
		for ; n > 0; n-- {
			add = append(add, h)
		}
		if n < 0 {
			drop[h] = -n
		}
	}
	slices.Sort(add)
	out := make([]uint64, 0, len(x.hashes)+len(add))
	for _, h := range x.hashes {
		if drop[h] > 0 {
			drop[h]--
			continue
		}
		for len(add) > 0 && add[0] < h {
			out, add = append(out, add[0]), add[1:]
		}
		out = append(out, h)
	}
	x.hashes = append(out, add...)
}
