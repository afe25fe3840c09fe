package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/classify"
	"crm/l10n"
)

// Digest is what the commands over every dossier read of a dossier's
// content (ListBrief, AssessAll, maintain's visits and complaints, the
// reports' figures): made once from the decrypted dossier and kept,
// sealed, with the plaintext cache, so that running them again parses no
// YAML while the dossier's file is unchanged.
type Digest struct {
	Name, Owner, Relationship, Tier, Class string
	// Individual: the customer is a person (Dossier.IsIndividual), whose
	// name may be another person's too (R5: one dossier per customer is
	// checked for organisations).
	Individual bool
	Sales      float64
	Score      int
	HasScore   bool
	// What maintain reads of the contacts: the last visit, and the
	// complaint records' dates (Kind, Date, KeepUntil and whether that was
	// written: Policy.ComplaintKeepUntil).
	LastVisit  Date
	Complaints []Contact
	// What the reports show of a customer: industry and region, and of a
	// dangerous one the credit survey's date, outstanding debt (when
	// recorded), payment attitude and credit problems, of a key one a
	// telephone (Dossier.ContactPhone).
	Industry, Region                       string
	SurveyDate                             Date
	Outstanding                            float64
	HasOutstanding                         bool
	PaymentAttitude, CreditProblems, Phone string
	// The visits that noted a change in the customer's credit (信用异动),
	// in the dossier's order, for the monthly report: each one's date,
	// who (经办人) and CreditChange only.
	CreditVisits []Contact
}

// digestOf is dd's digest.
func digestOf(dd *Dossier) Digest {
	g := Digest{Name: dd.Customer.Name, Individual: dd.IsIndividual(), Owner: dd.Owner, Relationship: dd.Relationship, Tier: dd.Tier,
		Class: dd.CreditSurvey.Class, Sales: dd.YearlySales,
		Industry: dd.Customer.Industry, Region: dd.Customer.Region, SurveyDate: dd.CreditSurvey.Date,
		PaymentAttitude: dd.CreditSurvey.PaymentAttitude, CreditProblems: dd.Trading.CreditProblems, Phone: dd.ContactPhone()}
	if dd.CreditSurvey.Score != nil {
		g.Score, g.HasScore = *dd.CreditSurvey.Score, true
	}
	if dd.CreditSurvey.Outstanding != nil {
		g.Outstanding, g.HasOutstanding = *dd.CreditSurvey.Outstanding, true
	}
	g.LastVisit = lastVisit(dd.Contacts)
	for _, c := range dd.Contacts {
		if c.Kind == ContactComplaint {
			g.Complaints = append(g.Complaints, Contact{Kind: c.Kind, Date: c.Date, KeepUntil: c.KeepUntil, keepDefaulted: c.keepDefaulted})
		}
		if c.CreditChange != nil {
			cc := *c.CreditChange
			g.CreditVisits = append(g.CreditVisits, Contact{Kind: c.Kind, Date: c.Date, Who: c.Who, CreditChange: &cc})
		}
	}
	return g
}

// ScorePtr is the survey score, nil when none was recorded.
func (g *Digest) ScorePtr() *int {
	if !g.HasScore {
		return nil
	}
	return &g.Score
}

// fileStamp is what stat says of a dossier file, as git's index keeps it:
// a file whose stamp is unchanged since it was hashed still has that hash.
// Writing a file in place, replacing or renaming it changes its change
// time (ctime), which no user can set. The zero stamp matches nothing.
type fileStamp struct {
	Size, Mtime, Ctime int64
	Ino, Dev           uint64
}

// trustedStamp is s, or the zero stamp when the file was changed later
// than trusted (UnixNano): a change within the same clock tick as the
// hashing could go unseen (git's "racily clean" files), so such a file is
// hashed again next time. The stamp comes from stat (statStamp, stamp_*.go);
// where the system gives no change time, no stamp is had.
func trustedStamp(s fileStamp, trusted int64) fileStamp {
	if s.Mtime >= trusted || s.Ctime >= trusted {
		return fileStamp{}
	}
	return s
}

// digestRec is a dossier's record in the digests file: the hash of the
// file its digest was made from and that file's stamp when it was hashed.
type digestRec struct {
	ID     string
	SHA    [32]byte
	Stamp  fileStamp
	Digest Digest
}

// digestMagic starts the digests file (cache folder, "digests"): then a
// nonce and the records, by id, sealed with the plaintext cache's key.
const digestMagic = "crm-list-digests-v7\n"

func (c *plainCache) digestPath() string { return filepath.Join(c.dir, "digests") }

// digests reads the digests file: none when there is none, or it cannot
// be opened (another key, damage), as a bucket is.
func (c *plainCache) digests() []digestRec {
	if c == nil {
		return nil
	}
	raw, err := sharedfile.ReadFile(c.digestPath())
	n := c.aead.NonceSize()
	if err != nil || !bytes.HasPrefix(raw, []byte(digestMagic)) || len(raw) < len(digestMagic)+n {
		return nil
	}
	raw = raw[len(digestMagic):]
	plain, err := c.aead.Open(raw[n:n], raw[:n], raw[n:], []byte(digestMagic)) // in place
	if err != nil {
		return nil
	}
	recs, _ := decodeDigestsOf(plain, unsafe.String(unsafe.SliceData(plain), len(plain)))
	return recs
}

// readDigests is the records of the digests file: those prefetchDigests
// began reading, if it did, else read now.
func (a *Archive) readDigests() []digestRec {
	if a.digestsAhead != nil {
		recs := <-a.digestsAhead
		a.digestsAhead = nil
		return recs
	}
	return a.cache.digests()
}

// prefetchDigests begins reading and decoding the digests file on another
// goroutine, for the next listDigests: maintain reads it while it takes
// the state under the lock (each ~0.1 s at 100,000 dossiers).
func (a *Archive) prefetchDigests() {
	if a.cache == nil || a.id == nil || a.digestsAhead != nil {
		return
	}
	ch := make(chan []digestRec, 1)
	c := a.cache
	go func() { ch <- c.digests() }()
	a.digestsAhead = ch
}

// paceDigests is how many dossier files a maintain run may read for their
// digests (no digests file yet, or an old one) before it keeps the heap
// under the command's budget (PaceGC). At 100,000 dossiers with no
// digests, its first run peaked at 432-457 MB at the default pace. A few
// files cost too little to pace: the collector stays off (StartLight).
var paceDigests = 1000

// digestsLack reports whether the digests file (as prefetchDigests read
// it) holds paceDigests or more records fewer than there are rows, so
// that a listing will decrypt at least that many files. The records stay
// for the listing.
func (a *Archive) digestsLack() bool {
	if a.cache == nil || a.id == nil || a.me == nil {
		return false // nothing is decrypted (listDigests)
	}
	recs := a.readDigests()
	ahead := make(chan []digestRec, 1)
	ahead <- recs
	a.digestsAhead = ahead
	return len(a.State.sortedRows())-len(recs) >= paceDigests
}

// saveDigests replaces the digests file with recs (by id). The records are
// encoded after the file's header and sealed where they are: at 100,000
// dossiers they are 20 MB.
func (c *plainCache) saveDigests(recs []*digestRec) error {
	if c == nil {
		return nil
	}
	n := c.aead.NonceSize()
	out := make([]byte, len(digestMagic)+n, len(digestMagic)+n+digestSizeHint*len(recs))
	copy(out, digestMagic)
	nonce := out[len(digestMagic):]
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	hdr := len(out)
	out = appendDigests(out, recs)
	out = c.aead.Seal(out[:hdr], nonce, out[hdr:], []byte(digestMagic))
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	return writeFileAtomic(c.digestPath(), out, 0o600)
}

// encodeDigests writes the records, with the row encoding's strings.
func encodeDigests(recs []digestRec) []byte {
	ps := make([]*digestRec, len(recs))
	for i := range recs {
		ps[i] = &recs[i]
	}
	return appendDigests(make([]byte, 0, digestSizeHint*len(recs)), ps)
}

// digestSizeHint is about what a record takes encoded (150-200 bytes), a
// little more: the room made for them at once.
const digestSizeHint = 224

// appendDigests is encodeDigests appending to b.
func appendDigests(b []byte, recs []*digestRec) []byte {
	b = binary.AppendUvarint(b, uint64(len(recs)))
	for _, r := range recs {
		b = appendString(b, r.ID)
		b = append(b, r.SHA[:]...)
		s := &r.Stamp
		for _, v := range []int64{s.Size, s.Mtime, s.Ctime} {
			b = binary.AppendVarint(b, v)
		}
		b = binary.AppendUvarint(b, s.Ino)
		b = binary.AppendUvarint(b, s.Dev)
		g := &r.Digest
		for _, v := range []string{g.Name, g.Owner, g.Relationship, g.Tier, g.Class} {
			b = appendString(b, v)
		}
		b = appendBool(b, g.Individual)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(g.Sales))
		b = binary.AppendVarint(b, int64(g.Score))
		b = appendBool(b, g.HasScore)
		b = appendTime(b, g.LastVisit.Time)
		b = binary.AppendUvarint(b, uint64(len(g.Complaints)))
		for _, c := range g.Complaints {
			b = appendTime(appendTime(b, c.Date.Time), c.KeepUntil.Time)
			b = appendBool(b, c.keepDefaulted)
		}
		for _, v := range []string{g.Industry, g.Region, g.PaymentAttitude, g.CreditProblems, g.Phone} {
			b = appendString(b, v)
		}
		b = appendTime(b, g.SurveyDate.Time)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(g.Outstanding))
		b = appendBool(b, g.HasOutstanding)
		b = binary.AppendUvarint(b, uint64(len(g.CreditVisits)))
		for _, c := range g.CreditVisits {
			b = appendTime(b, c.Date.Time)
			for _, v := range []string{c.Who, c.CreditChange.From, c.CreditChange.To, c.CreditChange.Reason} {
				b = appendString(b, v)
			}
		}
	}
	return b
}

// minDigestSize is the fewest bytes encodeDigests writes for a record.
const minDigestSize = 1 + 32 + 5 + 5 + 1 + 8 + 1 + 1 + 4 + 1 + 5 + 4 + 8 + 1 + 1

// decodeDigests reads what encodeDigests wrote; false, never a panic, if
// it does not parse or its ids are not ascending.
func decodeDigests(b []byte) ([]digestRec, bool) {
	return decodeDigestsOf(b, string(b))
}

// decodeDigestsOf is decodeDigests with all, the bytes of b as a string,
// from which the strings each record has of its own (id, name, credit
// problems, telephone) are cut and then detached (detach): a few
// allocations for a department's 100,000 records, not 400,000. The
// digests file's plaintext, which nothing else holds or changes, is its
// own string (20 MB not copied).
func decodeDigestsOf(b []byte, all string) ([]digestRec, bool) {
	r := rowReader{b: b, strs: newStrSet()}
	cut := func() string {
		n := r.uvarint()
		at := len(b) - len(r.b)
		if r.bytes(n) == nil && n > 0 {
			return ""
		}
		return all[at : at+int(n)]
	}
	n := r.uvarint()
	if r.bad || n > uint64(len(b)/minDigestSize) {
		return nil, false
	}
	out := make([]digestRec, n)
	for i := range out {
		x := &out[i]
		x.ID = cut()
		copy(x.SHA[:], r.bytes(32))
		s := &x.Stamp
		s.Size, s.Mtime, s.Ctime = r.varint(), r.varint(), r.varint()
		s.Ino, s.Dev = r.uvarint(), r.uvarint()
		g := &x.Digest
		// Names are each their own; owners, tiers and classes repeat.
		g.Name = cut()
		g.Owner, g.Relationship, g.Tier, g.Class = r.str(), r.str(), r.str(), r.str()
		g.Individual = r.bool()
		if f := r.bytes(8); len(f) == 8 {
			g.Sales = math.Float64frombits(binary.LittleEndian.Uint64(f))
		}
		g.Score, g.HasScore = r.int(), r.bool()
		g.LastVisit = Date{r.time()}
		k := r.uvarint()
		if k > uint64(len(r.b)/9) {
			return nil, false
		}
		for range k {
			c := Contact{Kind: ContactComplaint, Date: Date{r.time()}, KeepUntil: Date{r.time()}}
			c.keepDefaulted = r.bool()
			g.Complaints = append(g.Complaints, c)
		}
		g.Industry, g.Region, g.PaymentAttitude = r.str(), r.str(), r.str()
		g.CreditProblems, g.Phone = cut(), cut()
		g.SurveyDate = Date{r.time()}
		if f := r.bytes(8); len(f) == 8 {
			g.Outstanding = math.Float64frombits(binary.LittleEndian.Uint64(f))
		}
		g.HasOutstanding = r.bool()
		k = r.uvarint() // a note takes 8 bytes or more
		if k > uint64(len(r.b)/8) {
			return nil, false
		}
		for range k {
			c := Contact{Kind: ContactVisit, Date: Date{r.time()}, Who: r.str()}
			c.CreditChange = &CreditNote{From: r.str(), To: r.str(), Reason: r.str()}
			g.CreditVisits = append(g.CreditVisits, c)
		}
		if r.bad || i > 0 && out[i-1].ID >= x.ID {
			return nil, false
		}
	}
	if len(r.b) != 0 {
		return nil, false
	}
	// The strings cut from all are detached, so that the records do not
	// keep all alive: 5 MB of them instead of the file's 20.
	own := make([]*string, 0, 4*len(out))
	for i := range out {
		x := &out[i]
		own = append(own, &x.ID, &x.Digest.Name, &x.Digest.CreditProblems, &x.Digest.Phone)
	}
	detach(own)
	return out, true
}

// fill makes d a dossier holding only what the digest holds of its
// content, what assess reads; in place (a Dossier is 2 KB: AssessAll fills
// one for every digest).
func (g *Digest) fill(d *Dossier) {
	*d = Dossier{Owner: g.Owner, Relationship: g.Relationship, Tier: g.Tier, YearlySales: g.Sales}
	d.Customer.Name, d.CreditSurvey.Class, d.CreditSurvey.Score = g.Name, g.Class, g.ScorePtr()
}

// AssessAll is Assess of every active dossier, as `crm classify suggest`
// gives it, from the dossiers' rows and digests (ListBrief): no dossier
// whose file is unchanged since it was listed is decrypted or parsed.
// With only, that dossier's assessment alone (graded among all).
func (a *Archive) AssessAll(ctx context.Context, only string) ([]Assessment, error) {
	_, rows, digests, err := a.listDigests(ctx, false, false)
	sales := map[string]float64{}
	var which []int // the rows assessed
	for i, r := range rows {
		if g := digests[i]; g != nil {
			sales[r.ID] = g.Sales
		}
		if only == "" || r.ID == only {
			which = append(which, i)
		}
	}
	// One state and one dossier, filled for each assessment in turn:
	// assess keeps nothing of them (TestAssessAllIsAssess compares every
	// assessment, made so, with Assess of the dossiers decrypted).
	var st DossierState
	var dd Dossier
	return a.assessGraded(len(which), func(k int) (*DossierState, *Dossier) {
		i := which[k]
		rows[i].fill(&st)
		if g := digests[i]; g != nil {
			g.fill(&dd)
			return &st, &dd
		}
		return &st, nil
	}, sales), err
}

// DigestList is the digests of the active dossiers the working key reads,
// as ListBrief makes and keeps them: what the reports' figures read of the
// content. ids are the active dossiers', sorted, and digests[i] is the
// digest of ids[i], nil where the key does not read it: a report walks it
// beside its own lists by id (a map of every dossier's digest, and a
// lookup in it for each, were 50 ms of a warm monthly report at 100,000
// dossiers). bad says, by id, why a dossier the key should read could not
// be (a file not the pinned one, a dossier that does not parse); warn that
// the cache was not written back; err that the work stopped.
func (a *Archive) DigestList(ctx context.Context) (ids []string, digests []*Digest, bad map[string]error, warn, err error) {
	_, rows, digests, lerr := a.listDigests(ctx, false, false)
	ids = make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if lerr == nil {
		return ids, digests, nil, nil, nil
	}
	bad = map[string]error{}
	var hard, soft []error
	for _, e := range unjoin(lerr) {
		var de *dossierError
		switch {
		case errors.As(e, &de):
			bad[de.id] = de.err
		case errors.As(e, new(*cacheWriteError)):
			soft = append(soft, e)
		default:
			hard = append(hard, e)
		}
	}
	return ids, digests, bad, errors.Join(soft...), errors.Join(hard...)
}

// dossierError is why dossier id could not be read.
type dossierError struct {
	id  string
	err error
}

func (e *dossierError) Error() string { return e.err.Error() }
func (e *dossierError) Unwrap() error { return e.err }

// cacheWriteError is a cache bucket or the digests file not written back:
// the work that read them stands.
type cacheWriteError struct{ err error }

func (e *cacheWriteError) Error() string { return e.err.Error() }
func (e *cacheWriteError) Unwrap() error { return e.err }

// everyRow makes the state hold a row for every dossier, for a listing of
// them all: a state of some dossiers' parts (a command about one dossier,
// or one that creates one: OpenOptions.Only, Creates) lists only those.
// It takes the summary's rows instead (the snapshot's, advanced by the
// events added since), else the whole state, and the command's own load
// is asked for again by its steps (refresh: what was loaded differs).
func (a *Archive) everyRow() error {
	if !a.partial || a.State.summary && a.State.rows != nil {
		return nil
	}
	only, onlyLoan, onlyRequest, creates, summary, onlyIDs := a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs
	a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = "", "", "", false, SummaryRows, nil
	_, err := a.refresh()
	a.only, a.onlyLoan, a.onlyRequest, a.creates, a.summary, a.onlyIDs = only, onlyLoan, onlyRequest, creates, summary, onlyIDs
	if err == nil && a.partial && !(a.State.summary && a.State.rows != nil) {
		err = a.fullState()
	}
	return err
}

// ListBrief is List with decryption as `crm list` needs it: name and owner,
// credit class and tier, without the dossiers themselves (ListEntry.Dossier
// is nil). It reads the dossiers' rows only, never every dossier's state,
// so it works on a summary state (OpenOptions.Summary, SummaryRows).
//
// A dossier's digest (Digest) is made when it is first listed and kept
// with the plaintext cache, under the hash of the file it came from and
// that file's stamp (fileStamp). While the file's stamp is unchanged and
// its hash is the one the journal pinned, the digest is used without
// reading the file; otherwise the file is read and hashed (a file that is
// not the pinned one is an error, as Scan says), and, when its hash is
// new, decrypted (the plaintext cache spares that) and parsed.
func (a *Archive) ListBrief(ctx context.Context) ([]ListEntry, error) {
	out, _, _, err := a.listDigests(ctx, true, false)
	return out, err
}

// statDossiers stats the files of n dossiers (their ids: id(k)) on every
// core, each in the dossiers' folder opened once (statStampIn), or by its
// path if the folder does not open; a file that does not stat has the
// zero stamp.
func (a *Archive) statDossiers(ctx context.Context, n int, id func(k int) string) ([]fileStamp, error) {
	const chunk = 2048
	stamps := make([]fileStamp, n)
	a.settle()
	dir, err := os.Open(filepath.Join(a.Dir, DossiersDir))
	if err != nil {
		dir = nil
	}
	werr := work.Each(ctx, "", (n+chunk-1)/chunk, func(c int) {
		for k := c * chunk; k < min(n, (c+1)*chunk); k++ {
			name := id(k) + ".age"
			if dir == nil {
				name = a.dossierPath(id(k))
			}
			if st, ok := statStampIn(dir, name); ok {
				stamps[k] = st
			}
		}
	})
	if dir != nil {
		dir.Close()
	}
	return stamps, werr
}

// stampVouched reports which of n dossiers' files (id(k), with the file
// hash the journal pinned: sum(k)) are that file as far as their stat
// stamps tell: a list in this process found it so, or the list cache
// (listDigests) recorded the same stamp with that hash when it last read
// and hashed the file. As list does, and git's
// index, a scan then takes the plaintext the cache holds for that hash
// without reading and hashing the file again (at 100,000 dossiers, 400 MB
// read for a search that then decrypted nothing). nil or all false: no
// file is vouched for (no list yet; Windows gives no change time, and no
// stamp).
func (a *Archive) stampVouched(ctx context.Context, n int, id func(k int) string, sum func(k int) [32]byte) []bool {
	if a.cache == nil || n == 0 {
		return nil
	}
	vouched := make([]bool, n)
	var rest []int // the dossiers a list in this process did not vouch for
	for k := range n {
		i, found := slices.BinarySearchFunc(a.listVouched, id(k), func(v vouchedFile, id string) int { return strings.Compare(v.id, id) })
		if vouched[k] = found && a.listVouched[i].sha == sum(k); !vouched[k] {
			rest = append(rest, k)
		}
	}
	if len(rest) == 0 {
		return vouched
	}
	recs := a.readDigests()
	var at []int   // the dossiers with a record of the pinned hash and a stamp
	var want []int // their records
	for _, k := range rest {
		i, found := slices.BinarySearchFunc(recs, id(k), func(r digestRec, id string) int { return strings.Compare(r.ID, id) })
		if found && recs[i].SHA == sum(k) && recs[i].Stamp != (fileStamp{}) {
			at, want = append(at, k), append(want, i)
		}
	}
	if len(at) == 0 {
		return vouched
	}
	stamps, err := a.statDossiers(ctx, len(at), func(j int) string { return id(at[j]) })
	if err != nil {
		return vouched
	}
	for j, k := range at {
		vouched[k] = stamps[j] == recs[want[j]].Stamp
	}
	return vouched
}

// vouchedFile is a dossier file a list in this process found to be the
// file of hash sha (Archive.listVouched, by id).
type vouchedFile struct {
	id  string
	sha [32]byte
}

// listDigests is ListBrief, with the row and the digest (nil: not read) of
// each entry. Without entries it makes none (nil): the reports and
// AssessAll read the rows and digests only (100,000 entries and their
// grading are 35 MB).
//
// With byHash, a record is taken for the dossier whose file the journal
// pins with the hash it was made from, without looking at the file (no
// stat): what maintain checks (visits, complaints) is the content the
// journal vouches for, and a file changed on disk under it is for verify,
// list and show to report. At 100,000 dossiers the stats were a third of
// a warm maintain. Without it, a record stands only for a file whose stat
// is the one it was made from, as git's index does.
func (a *Archive) listDigests(ctx context.Context, entries, byHash bool) ([]ListEntry, []*dossierRow, []*Digest, error) {
	if err := a.everyRow(); err != nil {
		return nil, nil, nil, err
	}
	var out []ListEntry
	var rows []*dossierRow
	if entries {
		out, rows = a.listRows()
	} else {
		rows = a.ListView().rows
	}
	got := make([]*Digest, len(rows))
	if a.id == nil || a.me == nil {
		return out, rows, got, nil
	}
	can := a.rowOpens()
	var todo []int // entries whose file is read
	for i, r := range rows {
		if can(r) {
			todo = append(todo, i)
		}
	}
	// The digests file is read and decoded while every readable file is
	// stat'ed, on every core: the two took 0.3 s each at 100,000.
	var recs []digestRec
	read := make(chan struct{})
	go func() {
		defer close(read)
		recs = a.readDigests()
	}()
	stamps := make([]fileStamp, len(todo)) // the zero stamp: no stat
	var werr error
	if !byHash {
		stamps, werr = a.statDossiers(ctx, len(todo), func(k int) string { return rows[todo[k]].ID })
	}
	<-read
	if werr != nil {
		return out, rows, got, werr
	}
	// old[i] is row i's record, if the file has one for its id.
	old := make([]*digestRec, len(rows))
	for i, k := 0, 0; i < len(rows) && k < len(recs); {
		switch {
		case rows[i].ID < recs[k].ID:
			i++
		case rows[i].ID > recs[k].ID:
			k++
		default:
			old[i] = &recs[k]
			i, k = i+1, k+1
		}
	}
	// A record stands for a file with the journal's hash whose stamp is
	// the one it was made from; the others are read.
	k := 0
	for j, i := range todo {
		if x := old[i]; x != nil && x.SHA == rows[i].SHA && (byHash || x.Stamp != (fileStamp{}) && stamps[j] == x.Stamp) {
			got[i] = &x.Digest
			continue
		}
		todo[k] = i
		k++
	}
	todo = todo[:k]
	a.listRead = len(todo)
	var errs []error
	var fresh []*digestRec // by row: the records made now
	if len(todo) > 0 {
		done, err := a.digestFiles(ctx, rows, todo, old)
		if done == nil {
			return out, rows, got, err
		}
		if err != nil { // a cache bucket not written back: the list stands
			errs = append(errs, &cacheWriteError{err})
		}
		fresh = make([]*digestRec, len(rows))
		for k, i := range todo { // in id order: the errors too
			switch x := &done[k]; {
			case !x.done:
			case x.err != nil:
				errs = append(errs, &dossierError{rows[i].ID, x.err})
			case !x.denied:
				fresh[i] = &x.rec
				got[i] = &x.rec.Digest
			}
		}
	}
	if !byHash {
		// What a scan after it in this process needs not stat again
		// (stampVouched): each file was just found to be the pinned one.
		a.listVouched = a.listVouched[:0]
		for i, r := range rows {
			if got[i] != nil {
				a.listVouched = append(a.listVouched, vouchedFile{r.ID, r.SHA})
			}
		}
	}
	// The records kept are those of the dossiers listed now, with the
	// files they have now.
	kept, changed := 0, false
	for i, x := range fresh {
		changed = changed || x != nil && (old[i] == nil || !bytes.Equal(encodeDigests([]digestRec{*old[i]}), encodeDigests([]digestRec{*x})))
	}
	for i := range rows {
		if got[i] != nil {
			kept++
		}
	}
	if changed || kept != len(recs) { // made only then
		next := make([]*digestRec, 0, kept)
		for i := range rows {
			if fresh != nil && fresh[i] != nil {
				next = append(next, fresh[i])
			} else if got[i] != nil {
				next = append(next, old[i])
			}
		}
		if err := a.cache.saveDigests(next); err != nil {
			errs = append(errs, &cacheWriteError{l10n.Errorf("saving the list cache: %v", err)})
		}
	}
	if !entries {
		return nil, rows, got, errors.Join(errs...)
	}
	// The credit class and tier as assess gives them, without the rules'
	// texts.
	grades := a.digestGrades(rows, got)
	for i, g := range got {
		if g == nil {
			continue
		}
		r, en := rows[i], &out[i]
		en.Readable, en.Name, en.Owner = true, g.Name, g.Owner
		en.Credit, _ = a.Policy.CreditClassOf(r.Credit, g.Class, g.ScorePtr())
		en.Dangerous = en.Credit != "" && classify.Dangerous(classify.CreditClass(en.Credit))
		en.Tier = listedTier(r.Tier, g.Tier, grades[i], g.Sales)
	}
	return out, rows, got, errors.Join(errs...)
}

// digestGrades are the ABC grades of the dossiers of rows (by row, as
// rows are in id order), ranked by sales over every one whose digest was
// read (digests, by row; nil: not read, and no grade), as ListBrief grades
// them. Sales that cannot be graded grade none.
func (a *Archive) digestGrades(rows []*dossierRow, digests []*Digest) []classify.Grade {
	sales := make([]float64, 0, len(rows))
	for _, g := range digests {
		if g != nil {
			sales = append(sales, g.Sales)
		}
	}
	out := make([]classify.Grade, len(rows))
	as, bs := a.Policy.GradeShares()
	grades, err := classify.ABCGradesInOrder(sales, as, bs)
	if err != nil {
		return out
	}
	k := 0
	for i, g := range digests {
		if g != nil {
			out[i], k = grades[k], k+1
		}
	}
	return out
}

// digested is what reading one dossier's file gave ListBrief.
type digested struct {
	rec    digestRec
	done   bool // the file was read (not when the work was cancelled)
	denied bool // the key does not open it
	err    error
}

// digestFiles reads, hashes and where needed decrypts and parses the
// files of entries todo, on every core, bucket of the plaintext cache by
// bucket (as Scan: each bucket is written back and let go when done).
func (a *Archive) digestFiles(ctx context.Context, rows []*dossierRow, todo []int, old []*digestRec) ([]digested, error) {
	pinned := a.State.pinnedSet()
	p := work.ProgressOf(ctx)
	p.Start(l10n.T("decrypting dossiers"), len(todo))
	defer p.Done()
	trusted := time.Now().Add(-journal.RacyWindow()).UnixNano()
	out := make([]digested, len(todo)) // by place in todo: each written by one goroutine
	released, err := a.eachBucket(ctx, len(todo), func(k int) byte { return rows[todo[k]].SHA[0] }, pinned, func(k int) {
		i := todo[k]
		out[k] = a.digestFile(rows[i], old[i], trusted)
		out[k].done = true
		p.Add(1)
	})
	if err != nil {
		return nil, err
	}
	return out, released
}

// digestFile reads row r's file: its stamp first (a change after it makes
// the stamp stale, never a wrong digest trusted), then its bytes, which
// must be the file the journal pinned.
func (a *Archive) digestFile(r *dossierRow, old *digestRec, trusted int64) digested {
	path := a.dossierFile(r.ID)
	st, _ := statStamp(path) // before the bytes: a change after it makes the stamp stale
	ct, err := sharedfile.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return digested{err: integrityErr(DossierPath(r.ID), l10n.Errorf("%s is missing, though the journal says dossier %s exists", DossierPath(r.ID), r.ID)).then(NextRestore, DossierPath(r.ID))}
		}
		return digested{err: err}
	}
	sum := sha256Hex(ct)
	want := hex.EncodeToString(r.SHA[:])
	if sum != want {
		return digested{err: integrityErr(DossierPath(r.ID), l10n.Errorf("%s is not the file the journal recorded (sha256 %s, want %s): it was changed outside crm", DossierPath(r.ID), journal.ShortHash(sum), journal.ShortHash(want)))}
	}
	x := digested{rec: digestRec{ID: r.ID, SHA: r.SHA, Stamp: trustedStamp(st, trusted)}}
	if old != nil && old.SHA == r.SHA {
		x.rec.Digest = old.Digest
		return x
	}
	plain, err := a.plaintext(r.state(), ct, sum)
	if err != nil {
		if IsCode(err, Denied) {
			return digested{denied: true}
		}
		return digested{err: err}
	}
	dd, err := ParseDossier(plain)
	if err != nil {
		return digested{err: l10n.Errorf("dossier %s: %v", r.ID, err)}
	}
	x.rec.Digest = digestOf(dd)
	return x
}
