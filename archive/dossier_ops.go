package archive

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"filippo.io/age"
	"golang.org/x/text/width"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/archive/work"
	"crm/classify"
	"crm/l10n"
)

// Payloads of the dossier events.
type (
	// DossierCreate records a new dossier: its level with the day it was
	// set and its secrecy period (R7.2.4), and the file.
	DossierCreate struct {
		Level   string `yaml:"level" json:"level"`
		SetOn   string `yaml:"set_on,omitempty" json:"set_on,omitempty"`
		Period  string `yaml:"period,omitempty" json:"period,omitempty"`
		Expires string `yaml:"expires,omitempty" json:"expires,omitempty"`
		File    `yaml:",inline"`
	}
	// DossierUpdate records new content: the changed field paths (never
	// their values) and the file.
	DossierUpdate struct {
		Fields []string `yaml:"fields" json:"fields"`
		File   `yaml:",inline"`
	}
	// DossierRekey records the same content encrypted to other recipients.
	DossierRekey struct {
		File `yaml:",inline"`
	}
)

func (x *DossierCreate) check(c *step) error {
	return c.checkMarking(x.Level, x.SetOn, x.Period, x.Expires)
}

func (x *DossierCreate) apply(c *step) {
	m, _ := levelDates(c.p, x.Level, x.SetOn, x.Period, c.e.Time)
	c.d.setLevel(m)
	ch := Change{At: c.e.Time, Dossier: c.d.ID, Kind: ChangeMark, To: x.Level, Period: m.Period.String(), Expires: fmtDate(m.Expires), By: c.e.Actor}
	// Creating needs a writer; the marking was decided (批准人, R7.2) only
	// by one whose roles there let them set that level.
	if c.actor.HasRole(c.p.ClassifyRoles("", x.Level)...) {
		ch.ApprovedBy = c.e.Actor
	}
	c.s.Changes = append(c.s.Changes, ch)
}

func (x *DossierUpdate) check(c *step) error {
	c.fileRequired = true
	return nil
}

func (x *DossierUpdate) apply(c *step) {
	c.d.Updates = append(c.d.Updates, Stamp{At: c.e.Time, By: c.e.Actor, Fields: changedFields(x.Fields)})
}

func (x *DossierRekey) check(c *step) error {
	c.fileRequired = true
	return nil
}

func (x *DossierRekey) apply(c *step) {}

// setLevel records a level set on d, in its state and its history.
func (d *DossierState) setLevel(m LevelMark) {
	d.Level, d.LevelSetOn, d.Period, d.Expires, d.Declassified = m.Level, m.SetOn, m.Period, m.Expires, m.Declassified
	d.Levels = append(d.Levels, m)
}

// levelDates reads the level dates an event records (FORMAT.md): set_on
// and period when given, else the event's UTC date and the policy's period
// for the level.
func levelDates(p *Policy, level, setOn, period string, t time.Time) (LevelMark, error) {
	m := LevelMark{At: t, Level: level, SetOn: civil(t.UTC())}
	if setOn != "" {
		v, err := time.Parse(time.DateOnly, setOn)
		if err != nil {
			return m, problemf("set_on %q is not a date YYYY-MM-DD", setOn)
		}
		// A level is set on the day it is journaled: a set_on in the
		// past would start the secrecy period early and declassify the
		// dossier before its time (R7.2.4).
		if !sameDay(setOn, t) {
			return m, problemf("set_on %s is not the date of the event (%s): a level is set on the day it is journaled", setOn, fmtUTC(t))
		}
		m.SetOn = v
	}
	if period != "" {
		per, err := classify.ParsePeriod(period)
		if err != nil {
			return m, problemf("period: %v", err)
		}
		m.Period = per
	} else {
		m.Period = p.LevelPeriod(level)
	}
	m.Expires, _ = classify.Expiry(m.SetOn, m.Period)
	return m, nil
}

// checkExpires checks the expiry an event records against the one its
// set_on and period give.
func checkExpires(m LevelMark, expires string) error {
	if expires != "" && expires != fmtDate(m.Expires) {
		return problemf("expires %s, but set_on %s and period %s give %s", expires, fmtDate(m.SetOn), m.Period, cmpOr(fmtDate(m.Expires), "-"))
	}
	return nil
}

// civil returns t's calendar date, as read in t's own location, at midnight UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// newLevelDates is the level data of an event that sets level today (in
// the policy's zone) with period per.
func (a *Archive) newLevelDates(per classify.Period) (setOn, period, expires string) {
	today := civil(a.now.In(a.Location()))
	if exp, ok := classify.Expiry(today, per); ok {
		expires = exp.Format(time.DateOnly)
	}
	return today.Format(time.DateOnly), per.String(), expires
}

// DossierPath is the path of a dossier's ciphertext, relative to the archive.
func DossierPath(id string) string { return DossiersDir + "/" + id + ".age" }

// DossierOfPath is the dossier id whose file DossierPath names at rel (a
// slash path relative to the archive), or false for any other path.
func DossierOfPath(rel string) (string, bool) {
	name, ok := strings.CutPrefix(rel, DossiersDir+"/")
	if !ok || strings.Contains(name, "/") {
		return "", false
	}
	return strings.CutSuffix(name, ".age")
}

// dossierFile is the path of dossier id's file.
//
// Inside Bulk it first waits for the files queued before (bulkWriter), so
// that what is read, replaced or removed there is what the steps taken so
// far wrote.
func (a *Archive) dossierFile(id string) string {
	a.settle()
	return a.dossierPath(id)
}

// dossierPath is dossierFile without waiting.
func (a *Archive) dossierPath(id string) string {
	return filepath.Join(a.Dir, DossiersDir, id+".age")
}

// LevelChoice is the level a new dossier gets, and why.
type LevelChoice struct {
	Level string
	// Given: the level was asked for; else it is Suggested, or the
	// policy's default_level when there is no suggestion.
	Given bool
	// Suggested is the level the dossier's relationship gives by R7.2.3
	// (classify.SuggestLevel), "" when it records none the policy has.
	Suggested    string
	Relationship string
}

// NewLevel is the level of a new dossier dd (R7.2.3): given when not "",
// else the level its relationship suggests, else the policy's default.
func (p *Policy) NewLevel(dd *Dossier, given string) LevelChoice {
	c := LevelChoice{Level: given, Given: given != ""}
	if dd != nil && strings.TrimSpace(dd.Relationship) != "" {
		if lv, _, err := classify.SuggestLevel(dd.Relationship); err == nil && p.Level(lv.String()) != nil {
			c.Suggested, c.Relationship = lv.String(), strings.TrimSpace(dd.Relationship)
		}
	}
	if c.Level == "" {
		c.Level = cmpOr(c.Suggested, p.DefaultLevel)
	}
	return c
}

// CheckCreate checks what Create checks, and writes nothing: the working
// member may create dossiers, text is a valid dossier, and the level it
// gets (NewLevel) is one the member can read: a dossier its author could
// never open again is refused, not written.
func (a *Archive) CheckCreate(text []byte, level string) (LevelChoice, error) {
	var c LevelChoice
	if level != "" {
		if err := a.Policy.CheckLevel(level); err != nil {
			return c, err
		}
	}
	me, err := a.requireKind(KindDossierCreate)
	if err != nil {
		if dd, perr := ParseDossier(text); perr == nil {
			c = a.Policy.NewLevel(dd, level) // still said, for a dry run
		}
		return c, err
	}
	doc := readDoc(text)
	dd, err := parseWrittenDoc(doc)
	if err != nil {
		return c, err
	}
	if err := a.checkAgainstPolicy("", nil, doc); err != nil {
		return c, err
	}
	c = a.Policy.NewLevel(dd, level)
	if !slices.Contains(a.State.Readers(c.Level), me.ID) {
		var readers []string
		if lp := a.Policy.Level(c.Level); lp != nil {
			readers = lp.Readers
		}
		why := l10n.Sprintf("you (%s) could not read a %s dossier once it is written (its readers: %s)", me.ID, c.Level, a.Policy.RolesList(readers))
		if !c.Given {
			why = l10n.Sprintf("the relationship %s makes the dossier %s (R7.2.3), and %s", c.Relationship, c.Level, why)
		}
		return c, &Error{Code: Denied, Actor: me.ID, Need: readers, Held: me.Roles,
			Err: l10n.Errorf("%s: ask one of them to create it; nothing was written", why)}
	}
	return c, nil
}

// Create validates a new dossier's text, gives it the next id, encrypts it
// to the readers of its level (NewLevel: the level given, else the one its
// relationship suggests by R7.2.3, else the default) and the recovery key,
// writes it and journals dossier.create with the ciphertext's SHA-256. It
// refuses a level the author could not read (CheckCreate). It returns the
// new id.
func (a *Archive) Create(text []byte, level string) (string, error) {
	c, err := a.CheckCreate(text, level)
	if err != nil {
		return "", err
	}
	level = c.Level
	var id string
	err = a.locked(func() error {
		if err := a.recheckCustomer(text); err != nil {
			return err
		}
		var ok bool
		if id, ok = a.snapshotNewID(); !ok {
			if err := a.fullState(); err != nil {
				return err
			}
			id = a.newDossierID()
		}
		// A new id: no write queued (Bulk) can be of its file.
		if _, err := os.Stat(a.dossierPath(id)); err == nil {
			return integrityErr(DossierPath(id), l10n.Errorf("%s exists but the journal has no dossier %s", DossierPath(id), id))
		}
		readers := a.State.Readers(level)
		ct, err := a.encrypt(text, readers)
		if err != nil {
			return err
		}
		setOn, period, expires := a.newLevelDates(a.Policy.LevelPeriod(level))
		if _, err = a.writeCiphertext(id, ct, readers, KindDossierCreate, &DossierCreate{Level: level, SetOn: setOn, Period: period, Expires: expires}); err == nil {
			a.nameStepTexts(nil, text)
		}
		return err
	})
	return id, err
}

// ErrConflict is the cause of an update refused because the dossier changed
// between reading and writing.
var ErrConflict = errors.New("dossier changed since it was opened")

// conflictError is an update refused because the dossier changed: its
// message says by whom and when, in the user's language, and it is
// ErrConflict (errors.Is) without printing ErrConflict's English words.
type conflictError struct{ error }

func (conflictError) Is(target error) bool { return target == ErrConflict }

// Update replaces dossier id's text with newText. baseSHA is the SHA-256 of
// the ciphertext the user started from (Opened.SHA256): if the file changed
// since, nothing is written. Identical text writes nothing and returns
// (nil, false, nil). The event lists the changed field paths, never values.
func (a *Archive) Update(id, baseSHA string, oldText, newText []byte) (fields []string, changed bool, err error) {
	if _, err := a.requireKind(KindDossierUpdate); err != nil {
		return nil, false, err
	}
	// The same text again writes nothing, even one an older crm let in
	// that a write now refuses (parseWritten): nothing is written.
	if bytes.Equal(oldText, newText) {
		return nil, false, nil
	}
	// Each text is read once for all the checks (readDoc).
	od, nd := readDoc(oldText), readDoc(newText)
	if err := checkUpdateDocs(od, nd); err != nil {
		return nil, false, err
	}
	if err := a.checkAgainstPolicy(id, od, nd); err != nil {
		return nil, false, err
	}
	fields, err = changedFieldsDocs(od, nd)
	if err != nil {
		return nil, false, err
	}
	if fields == nil {
		fields = []string{}
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		if d.SHA256 != baseSHA {
			if a.fromSnapshot {
				// Who changed it is in the journal's events.
				if err := a.fullState(); err != nil {
					return err
				}
				if d, err = a.Lookup(id); err != nil {
					return err
				}
			}
			last := d.Events[len(d.Events)-1]
			return failErr(conflictError{l10n.Errorf("dossier %s was changed by %s at %s (%s) after you opened it; nothing was saved", id, last.Actor, a.FormatTime(last.Time), kindWord(last.Kind))}, NextEditAgain, id)
		}
		if !a.isWriter(d) {
			w := a.Policy.Writers(d.Level)
			return &Error{Code: Denied, Actor: a.me.ID, Need: w, Held: a.me.Roles,
				Err: l10n.Errorf("editing dossier %s (level %s) needs a writer of the level (roles %v); %s holds %v", id, d.Level, a.Policy.rolesText(w), a.me.ID, a.Policy.rolesText(a.me.Roles))}
		}
		// The new content goes to whom the journal gives the dossier now:
		// a borrower whose loan ended, or a member who left, is dropped
		// even if the old file was still encrypted to them.
		readers := a.State.ExpectedRecipients(d)
		ct, err := a.encrypt(newText, readers)
		if err != nil {
			return err
		}
		if _, err = a.writeCiphertext(id, ct, readers, KindDossierUpdate, &DossierUpdate{Fields: fields}); err == nil {
			a.nameStepTexts(oldText, newText)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return fields, true, nil
}

// CanonicalID is the dossier id a person meant when typing a whole id: a
// random id may be typed in any case (c-0q7k4m8z3x is C-0Q7K4M8Z3X). See
// ResolveID for shortened ids.
func (a *Archive) CanonicalID(id string) string {
	return resolveID(a.Policy.IDScheme.Prefix, id, a.State.hasDossier)
}

// Opened is a decrypted dossier.
type Opened struct {
	State  *DossierState
	Text   []byte // the YAML plaintext
	SHA256 string // of the ciphertext it came from
	// Stale: the file is not the one the journal pinned (ReadAny), e.g.
	// a git merge kept another version: shown, never written over.
	Stale bool
}

// Lookup returns the journal's record of dossier id, or an error naming it.
func (a *Archive) Lookup(id string) (*DossierState, error) {
	if err := a.checkID(id); err != nil {
		return nil, err
	}
	id = a.CanonicalID(id)
	d := a.State.Dossiers[id]
	if r := a.State.rowByID(id); d == nil && r != nil {
		d = r.state() // a summary state: what the row says
	}
	if d == nil {
		return nil, failErr(l10n.Errorf("no dossier %s in this archive", id), NextList, "")
	}
	if d.Status == StatusDestroyed {
		return nil, failErr(l10n.Errorf("dossier %s was destroyed", id), NextLog, id)
	}
	return d, nil
}

// Read decrypts dossier id with the working identity. It fails with Denied
// when the identity is not a recipient, and with Integrity when the file is
// not the one the journal pinned.
func (a *Archive) Read(id string) (*Opened, error) {
	d, err := a.Lookup(id)
	if err != nil {
		return nil, err
	}
	id = d.ID
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(a.State.ExpectedRecipients(d), me.ID) {
		// The file may still open with the key of a borrower whose loan
		// ended (until a writer's next step re-encrypts it): the journal,
		// not the file, says who may read.
		return nil, a.readDenied(d)
	}
	if l := a.State.lapsedLoan(d, me.ID, a.now); l != nil {
		e := deniedErr(l10n.Errorf("your loan %s of dossier %s was due %s, and its access ended then (R7.1): return it", l.ID, d.ID, a.State.formatTime(l.Due)))
		e.Next, e.Arg = NextReturn, l.ID
		return nil, e
	}
	ct, err := sharedfile.ReadFile(a.dossierFile(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, integrityErr(DossierPath(id), l10n.Errorf("%s is missing, though the journal says dossier %s exists", DossierPath(id), id)).then(NextRestore, DossierPath(id))
		}
		return nil, err
	}
	sum := sha256Hex(ct)
	if sum != d.SHA256 && !a.holding {
		// Another process may have written it since this one loaded the
		// journal, or be between journaling and renaming: wait for its
		// lock, then compare with a fresh reading of the journal (kept
		// apart from a.State, which other goroutines may be reading).
		if fresh, err := a.freshDossier(id); err == nil && fresh != nil {
			if ct2, err := sharedfile.ReadFile(a.dossierFile(id)); err == nil && sha256Hex(ct2) == fresh.SHA256 {
				d, ct, sum = fresh, ct2, fresh.SHA256
			}
		}
	}
	if sum != d.SHA256 {
		return nil, integrityErr(DossierPath(id), l10n.Errorf("%s is not the file the journal recorded (sha256 %s, want %s): it is read-only until restored", DossierPath(id), journal.ShortHash(sum), journal.ShortHash(d.SHA256))).then(NextRestoreID, id)
	}
	plain, err := a.plaintext(d, ct, sum)
	if err != nil {
		return nil, err
	}
	return &Opened{State: d, Text: plain, SHA256: sum}, nil
}

// plaintext is ciphertext ct of dossier d (whose hash sum the caller has
// checked against the journal) decrypted: from the plaintext cache when it
// is there, else with the working identity (and then cached).
func (a *Archive) plaintext(d *DossierState, ct []byte, sum string) ([]byte, error) {
	if plain, ok := a.cache.get(sum); ok {
		return plain, nil
	}
	plain, err := a.decryptRemembered(ct, d.Recipients, sum)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			if slices.Contains(a.State.AddedElsewhere(d), a.me.ID) && slices.Contains(a.State.ExpectedRecipients(d), a.me.ID) {
				return nil, (&Error{Code: Denied, Actor: a.me.ID,
					Err: l10n.Errorf("you (%s) may read dossier %s, but its file was written in a clone where %s named another key (a %s of the same id, made apart and superseded): a writer of level %s re-encrypts it at their next step", a.me.ID, d.ID, a.me.ID, kindWord(KindMemberAdd), d.Level)}).then(NextRekey, d.ID)
			}
			if slices.Contains(a.State.StaleKeys(d), a.me.ID) && slices.Contains(a.State.ExpectedRecipients(d), a.me.ID) {
				return nil, (&Error{Code: Denied, Actor: a.me.ID,
					Err: l10n.Errorf("you (%s) may read dossier %s, but its file is still encrypted to your keys before they were changed (%s): a writer of level %s re-encrypts it at their next step", a.me.ID, d.ID, kindWord(KindMemberRotate), d.Level)}).then(NextRekey, d.ID)
			}
			if slices.Contains(a.State.ExpectedRecipients(d), a.me.ID) && !slices.Contains(d.Recipients, a.me.ID) {
				return nil, (&Error{Code: Denied, Actor: a.me.ID,
					Err: l10n.Errorf("you (%s) may read dossier %s, but its file is not yet encrypted to you: a writer of level %s re-encrypts it at their next step", a.me.ID, d.ID, d.Level)}).then(NextRekey, d.ID)
			}
			if slices.Contains(d.Recipients, a.me.ID) {
				// The journal pins this member, so the level and the
				// roles are not what stands in the way: the file is not
				// what the journal says it is (verify names it too).
				msg, args := notForMe(d, a.me.ID)
				return nil, integrityErr(DossierPath(d.ID), l10n.Errorf(msg, args...)).then(NextRewrite, d.ID)
			}
			return nil, a.readDenied(d)
		}
		return nil, l10n.Errorf("decrypting %s: %v", DossierPath(d.ID), err)
	}
	a.cache.put(sum, plain)
	return plain, nil
}

// Scan decrypts the dossiers ids the working identity can read, on every
// core, and calls fn with each (concurrently: fn must be safe for that).
// It goes through the plaintext cache bucket by bucket, writing each
// bucket back and letting it go when done, so memory stays flat however
// many dossiers there are. Dossiers the key does not open (not a
// recipient, destroyed) are counted in unreadable; a file that is not the
// one the journal pinned is an error: nothing is made from a tampered
// archive. Progress is reported under label.
//
// On a summary's state with rows (OpenOptions.Summary, SummaryRows) it
// reads the rows, which have what it needs of each dossier, and gives fn
// a state made from the row (id, level, recipients, file hash, dates).
func (a *Archive) Scan(ctx context.Context, label string, ids []string, fn func(d *DossierState, text []byte) error) (unreadable int, err error) {
	if a.id == nil || a.me == nil {
		return len(ids), nil
	}
	rows := a.State.rows
	if a.partial && (!a.State.summary || rows == nil) {
		if err := a.fullState(); err != nil { // no rows: every dossier's state
			return 0, err
		}
		rows = nil
	}
	// todo are the dossiers to read, by state or (a summary's) by row.
	var todo []*DossierState
	var todoRows []*dossierRow
	if rows != nil && a.State.summary {
		can := a.rowOpens()
		for _, id := range ids {
			k := sort.Search(len(rows), func(i int) bool { return rows[i].ID >= id })
			if k == len(rows) || rows[k].ID != id || !can(&rows[k]) {
				unreadable++
				continue
			}
			todoRows = append(todoRows, &rows[k])
		}
	} else {
		for _, id := range ids {
			d := a.State.Dossiers[id]
			if d == nil || d.Status != StatusActive || !a.CanRead(d) || a.State.lapsedLoan(d, a.me.ID, a.now) != nil {
				unreadable++
				continue
			}
			todo = append(todo, d)
		}
	}
	n, state, bucket := len(todo), func(i int) *DossierState { return todo[i] }, func(i int) byte {
		k, _ := bucketOf(todo[i].SHA256)
		return k
	}
	id, sum := func(i int) string { return todo[i].ID }, func(i int) (b [32]byte) {
		hex.Decode(b[:], []byte(todo[i].SHA256))
		return b
	}
	if todoRows != nil {
		n, state, bucket = len(todoRows), func(i int) *DossierState { return todoRows[i].state() }, func(i int) byte { return todoRows[i].SHA[0] }
		id, sum = func(i int) string { return todoRows[i].ID }, func(i int) [32]byte { return todoRows[i].SHA }
	}
	// A file the list cache vouches for by its stamp is not read again.
	vouched := a.stampVouched(ctx, n, id, sum)
	p := work.ProgressOf(ctx)
	if label != "" {
		p.Start(label, n)
		defer p.Done()
	}
	var mu sync.Mutex
	var errs []error
	denied := 0
	released, werr := a.eachBucket(ctx, n, bucket, a.State.pinnedSet(), func(i int) {
		err := a.scanOne(state(i), vouched != nil && vouched[i], fn)
		if label != "" {
			p.Add(1)
		}
		if err != nil {
			mu.Lock()
			if IsCode(err, Denied) {
				denied++
			} else {
				errs = append(errs, err)
			}
			mu.Unlock()
		}
	})
	if werr != nil {
		return 0, werr
	}
	return unreadable + denied, errors.Join(append(errs, released)...)
}

// scanOne calls fn with dossier d's plaintext. A file vouched for by its
// stamp (stampVouched) is not read when the cache holds the plaintext of
// the hash the journal pinned.
func (a *Archive) scanOne(d *DossierState, vouched bool, fn func(d *DossierState, text []byte) error) error {
	if vouched {
		if plain, ok := a.cache.get(d.SHA256); ok {
			return fn(d, plain)
		}
	}
	a.scanRead.Add(1)
	ct, err := sharedfile.ReadFile(a.dossierFile(d.ID))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return integrityErr(DossierPath(d.ID), l10n.Errorf("%s is missing, though the journal says dossier %s exists", DossierPath(d.ID), d.ID)).then(NextRestore, DossierPath(d.ID))
		}
		return err
	}
	sum := sha256Hex(ct)
	if sum != d.SHA256 {
		return integrityErr(DossierPath(d.ID), l10n.Errorf("%s is not the file the journal recorded (sha256 %s, want %s): it was changed outside crm", DossierPath(d.ID), journal.ShortHash(sum), journal.ShortHash(d.SHA256)))
	}
	plain, err := a.plaintext(d, ct, sum)
	if err != nil {
		return err
	}
	return fn(d, plain)
}

// readDenied says that the working member may not read d.
func (a *Archive) readDenied(d *DossierState) error {
	var readers []string
	if lp := a.Policy.Level(d.Level); lp != nil {
		readers = lp.Readers
	}
	return &Error{Code: Denied, Actor: a.me.ID, Need: readers, Held: a.me.Roles,
		Err: l10n.Errorf("you (%s) may not read dossier %s: its level %s is readable by the roles %s, and it is not on loan to you", a.me.ID, d.ID, d.Level, a.Policy.RolesList(readers))}
}

// freshDossier waits for the archive's lock and returns what a fresh
// reading of the journal says of dossier id.
func (a *Archive) freshDossier(id string) (*DossierState, error) {
	unlock, err := a.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	var known map[string]*journal.Folder
	if a.fromSnapshot || a.State.dataLetGo {
		// A snapshot has no folders, and the events of a replay that let
		// go of their data would each be read back: read what the cache
		// has.
		known = a.jc.load(a.ctx, a.Dir)
	} else {
		known = a.State.Journal.Folders
	}
	j, err := journal.ReadWith(a.ctx, a.Dir, known)
	if err != nil {
		return nil, err
	}
	return Replay(a.ctx, j, a.Policy, a.now, true).Dossiers[id], nil
}

// CustomerKey is what makes two customers' names one customer's (R5: one
// dossier per customer): the name as written, but for character width
// (（） and ()) and white space.
func CustomerKey(name string) string {
	for _, r := range name {
		// Below U+FF00 width.Fold changes only U+3000, a space.
		if r >= 0xFF00 || unicode.IsSpace(r) {
			return strings.Join(strings.Fields(width.Fold.String(name)), "")
		}
	}
	return name // nothing to fold or drop: not copied (a maintain keys every name)
}

// Customers are the customers of the active dossiers the working key
// reads, for the rule of one dossier per customer (R5, R6.2): made once
// (Archive.Customers), asked about many names (an import's rows).
type Customers struct {
	// By CustomerKey of the name: the first dossier (by id), and the
	// others of that customer, which are few.
	first map[string]customer
	more  map[string][]string
	// Unread is how many active dossiers were not checked: the key does
	// not open them, or their file could not be read.
	Unread int
}

// customer is a customer's first dossier of Customers, and its name as
// that dossier writes it.
type customer struct{ id, name string }

// newCustomers is an empty Customers with room for n.
func newCustomers(n int) *Customers {
	return &Customers{first: make(map[string]customer, n), more: map[string][]string{}}
}

// add counts dossier id, of the customer named name, among c's: an
// organisation's by its CustomerKey; a person's (individual), or one
// without a name, is not compared (Holder).
func (c *Customers) add(id, name string, individual bool) {
	if name == "" || individual {
		return
	}
	k := CustomerKey(name)
	if _, ok := c.first[k]; ok {
		c.more[k] = append(c.more[k], id)
	} else {
		c.first[k] = customer{id, name}
	}
}

// SameCustomer is one customer with more than one active dossier (R5:
// one dossier per customer): two clones that never talked may each
// create one, where neither crm new could see the other's.
type SameCustomer struct {
	Name     string   `json:"name"`     // as the first dossier writes it
	Dossiers []string `json:"dossiers"` // by id
}

// shared is every customer of c with more than one dossier, by their
// first dossier's id.
func (c *Customers) shared() []SameCustomer {
	var out []SameCustomer
	for k, ids := range c.more {
		x := c.first[k]
		out = append(out, SameCustomer{Name: x.name, Dossiers: append([]string{x.id}, ids...)})
	}
	slices.SortFunc(out, func(x, y SameCustomer) int { return strings.Compare(x.Dossiers[0], y.Dossiers[0]) })
	return out
}

// Holder is the dossier, other than except, of the customer named name
// (CustomerKey), the first by id; "" when there is none, and always for
// an individual (个人, Dossier.IsIndividual): people of one name are told
// apart by their id number, which no listing shows, so they are not
// compared.
func (c *Customers) Holder(name string, individual bool, except string) string {
	if individual {
		return ""
	}
	k := CustomerKey(name)
	x, ok := c.first[k]
	if !ok {
		return ""
	}
	if x.id != except {
		return x.id
	}
	if more := c.more[k]; len(more) > 0 {
		return more[0]
	}
	return ""
}

// Customers reads the customers of the active dossiers from the list
// cache's digests (the cache spares decrypting them again). A dossier
// whose file could not be read is counted in Unread, as one the key does
// not open, and a list cache not written back does not matter: neither
// stops the work that asked (a new dossier, an import); any other error
// does.
//
// The digests are taken by the hash the journal pins, as maintain reads
// them (listDigests, byHash): the name compared is the content the
// journal vouches for, and a file changed on disk is for verify to
// report. Listing entries and stat'ing every file were 0.5 s of crm new's
// 1 s at 100,000 dossiers.
//
// What it read is kept in the customers index (keepCustomers), for the
// next SameCustomer to answer without it.
func (a *Archive) Customers(ctx context.Context) (*Customers, error) {
	customerReads.Add(1)
	rows, digests, clean, err := a.activeDigests(ctx)
	if err != nil {
		return nil, err
	}
	c := newCustomers(len(rows))
	for i, r := range rows {
		if g := digests[i]; g != nil {
			c.add(r.ID, g.Name, g.Individual)
		} else {
			c.Unread++
		}
	}
	a.keepCustomers(rows, digests, clean)
	return c, nil
}

// activeDigests are the active dossiers' rows and their digests by hash
// (nil where the key does not open it, or its file could not be read),
// with listDigests' errors but those (a dossier not read, a cache not
// written back); clean is false when a dossier's file could not be read.
func (a *Archive) activeDigests(ctx context.Context) ([]*dossierRow, []*Digest, bool, error) {
	_, rows, digests, err := a.listDigests(ctx, false, true)
	return rows, digests, !hasDossierError(err), hardErrors(err)
}

// hasDossierError reports whether err (listDigests') has a dossier whose
// file could not be read.
func hasDossierError(err error) bool {
	return slices.ContainsFunc(unjoin(err), func(e error) bool { return e != nil && errors.As(e, new(*dossierError)) })
}

// hardErrors are listDigests' errors err but a dossier not read and a
// cache not written back, which do not stop the work that asked.
func hardErrors(err error) error {
	var hard []error
	for _, e := range unjoin(err) {
		if e != nil && !errors.As(e, new(*dossierError)) && !errors.As(e, new(*cacheWriteError)) {
			hard = append(hard, e)
		}
	}
	return errors.Join(hard...)
}

// SameCustomer is the active dossier, other than except, of dd's customer
// (R5: one dossier per customer; Customers.Holder), "" when the key reads
// none; unread is how many active dossiers were not checked. An
// individual's dossier is not compared and lists nothing.
func (a *Archive) SameCustomer(ctx context.Context, dd *Dossier, except string) (id string, unread int, err error) {
	if dd.IsIndividual() {
		return "", 0, nil
	}
	if unread, ok := a.indexedMiss(dd.Customer.Name); ok {
		a.noteChecked(dd, except)
		return "", unread, nil
	}
	c, err := a.Customers(ctx)
	if err != nil {
		return "", 0, err
	}
	if id = c.Holder(dd.Customer.Name, false, except); id == "" {
		a.noteChecked(dd, except)
	}
	return id, c.Unread, nil
}

// customerCheck is the customer SameCustomer last found no other dossier
// of (by CustomerKey), for a new dossier (except ""), and the state it
// looked in (stateKey): Create looks again if the state under its lock is
// another (recheckCustomer).
type customerCheck struct {
	key string
	at  [32]byte
}

// noteChecked records that dd's customer has no dossier in the state as
// it is, when the check was for a new dossier.
func (a *Archive) noteChecked(dd *Dossier, except string) {
	if except == "" && a.State != nil && a.State.Journal != nil {
		a.checkedCustomer = &customerCheck{key: CustomerKey(dd.Customer.Name), at: a.stateKey()}
	}
}

// CustomerTakenError is a new dossier refused under the lock because its
// customer got one since SameCustomer looked (R5: one dossier per
// customer): another process of this clone created it in between.
type CustomerTakenError struct {
	Name  string // as the new dossier writes it
	Other string // the dossier the customer has
}

func (e *CustomerTakenError) Error() string {
	return l10n.Sprintf("%s has dossier %s already: one dossier per customer", e.Name, e.Other)
}

// recheckCustomer is SameCustomer again, under Create's lock, for a new
// dossier's text whose customer SameCustomer found no dossier of in a
// state other than the one the lock gives (another process wrote in
// between): the customers index, kept by that process, answers at once
// if it can; else the customers are read again, and the command's own
// state with them (refresh). Any other create is not checked here.
func (a *Archive) recheckCustomer(text []byte) error {
	c := a.checkedCustomer
	if c == nil {
		return nil
	}
	dd, err := ParseDossier(text)
	if err != nil || dd.IsIndividual() || CustomerKey(dd.Customer.Name) != c.key || a.stateKey() == c.at {
		return nil
	}
	if _, ok := a.indexedMiss(dd.Customer.Name); ok {
		return nil
	}
	cs, err := a.Customers(a.ctx)
	if err == nil {
		_, err = a.refresh() // the parts the step works on (everyRow took others)
	}
	if err != nil {
		return err
	}
	if other := cs.Holder(dd.Customer.Name, false, ""); other != "" {
		return &CustomerTakenError{Name: dd.Customer.Name, Other: other}
	}
	return nil
}

// OtherCustomer reports whether an edit from old to dd makes the dossier
// another customer's as far as one dossier per customer goes: the name
// (CustomerKey) changed, or a person's dossier became an organisation's.
// An edit that does not is not checked, and lists nothing.
func OtherCustomer(old, dd *Dossier) bool {
	if dd.IsIndividual() {
		return false
	}
	return old == nil || old.IsIndividual() || CustomerKey(old.Customer.Name) != CustomerKey(dd.Customer.Name)
}

// ListEntry is one line of `crm list`.
type ListEntry struct {
	ID       string    `json:"id"`
	Level    string    `json:"level"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Readable bool      `json:"readable"`
	Name     string    `json:"name,omitempty"`
	Owner    string    `json:"owner,omitempty"`
	Dossier  *Dossier  `json:"-"`

	// Level above is the effective level (R7.2.4); MarkedLevel is the level
	// the journal recorded when it differs (expired, not yet declassified).
	MarkedLevel string `json:"marked_level,omitempty"`
	Expires     string `json:"expires,omitempty"` // YYYY-MM-DD the secrecy period runs out
	// Credit and Tier are the class and tier in force: for a readable
	// dossier as Assess gives them; for any other, and in a listing
	// without decryption, those set in the journal (dossier.credit,
	// dossier.tier: R8), which are in force over what the dossier writes,
	// or nothing when the journal set none.
	Credit    string `json:"credit,omitempty"`
	Dangerous bool   `json:"dangerous,omitempty"`
	Tier      string `json:"tier,omitempty"`
	// OnHold: under a legal hold (冻结), which blocks destruction.
	OnHold bool `json:"on_hold"`
}

// List returns the active dossiers by id. With decrypt, the ones the
// working identity can read are decrypted on every core for name and owner.
func (a *Archive) List(ctx context.Context, decrypt bool) ([]ListEntry, error) {
	out, _ := a.listRows()
	if !decrypt || a.id == nil {
		return out, nil
	}
	if a.partial { // a summary's rows: the scan needs every dossier's state
		if err := a.fullState(); err != nil {
			return out, err
		}
	}
	index := make(map[string]int, len(out))
	ids := make([]string, len(out))
	for i, en := range out {
		index[en.ID], ids[i] = i, en.ID
	}
	var mu sync.Mutex
	var perrs []error
	_, err := a.Scan(ctx, l10n.T("decrypting dossiers"), ids, func(d *DossierState, text []byte) error {
		dd, err := ParseDossier(text)
		if err != nil {
			mu.Lock()
			perrs = append(perrs, l10n.Errorf("dossier %s: %v", d.ID, err))
			mu.Unlock()
			return nil
		}
		en := &out[index[d.ID]]
		en.Readable, en.Name, en.Owner, en.Dossier = true, dd.Customer.Name, dd.Owner, dd
		return nil
	})
	if ctx.Err() != nil {
		return out, err
	}
	// A file that is not the pinned one is not read; the others are
	// listed and graded, and the error says which (as ListBrief).
	errs := perrs
	if err != nil && !IsCode(err, Denied) {
		errs = append(errs, err)
	}
	for i, x := range a.Assess(out) {
		if out[i].Readable {
			out[i].Credit, out[i].Dangerous, out[i].Tier = x.Credit, x.Dangerous, x.Tier
		}
	}
	return out, errors.Join(errs...)
}

// listRows is an entry for every active dossier, by id, from the journal
// alone, and the row each was made from.
func (a *Archive) listRows() ([]ListEntry, []*dossierRow) {
	v := a.ListView()
	out := make([]ListEntry, len(v.rows))
	for i := range out {
		v.Entry(i, &out[i])
	}
	return out, v.rows
}

// ListView is what List without decryption lists, made one entry at a
// time: a listing of 100,000 dossiers is written from it without holding
// their entries (21 MB).
type ListView struct {
	a       *Archive
	rows    []*dossierRow // every active dossier's, by id
	at      time.Time
	expires map[time.Time]string
}

// ListView is the active dossiers by id from the journal alone.
func (a *Archive) ListView() *ListView {
	all := a.State.sortedRows()
	v := &ListView{a: a, rows: make([]*dossierRow, 0, len(all)), at: a.now.Add(time.Nanosecond), expires: map[time.Time]string{}}
	for i := range all {
		if all[i].Status == StatusActive {
			v.rows = append(v.rows, &all[i])
		}
	}
	return v
}

// Len is how many entries the view has.
func (v *ListView) Len() int { return len(v.rows) }

// Entry sets *en to entry i (0 <= i < Len()), as List gives it.
func (v *ListView) Entry(i int, en *ListEntry) {
	d := v.rows[i]
	*en = ListEntry{ID: d.ID, Level: v.a.State.rowLevelAt(d, v.at), Status: d.Status, Created: d.Created, Updated: d.Updated, OnHold: d.Hold}
	// A class or tier the journal set is in force whatever the dossier
	// writes (R8, Policy.CreditClassOf, listedTier): the row has it, so
	// a listing without the key shows it as show and list do.
	en.Credit, en.Tier = d.Credit, d.Tier
	en.Dangerous = en.Credit != "" && classify.Dangerous(classify.CreditClass(en.Credit))
	if en.Level != d.Level {
		en.MarkedLevel = d.Level
	}
	// Secrecy periods end on a few thousand days: each written once.
	x, ok := v.expires[d.Expires]
	if !ok {
		x = fmtDate(d.Expires)
		v.expires[d.Expires] = x
	}
	en.Expires = x
}

// EffectiveLevel is the level dossier d has now by R7.2.4: 内部 from the
// day its secrecy period runs out, else the level the journal recorded. It
// is what list, show and reports use; see State.ExpectedRecipients for why
// the file's recipients follow the recorded level until a declassification.
func (a *Archive) EffectiveLevel(d *DossierState) string {
	return a.State.EffectiveLevelAt(d, a.now.Add(time.Nanosecond))
}

// expired reports whether d's secrecy period has run out by now and the
// journal has not yet recorded its declassification.
func (a *Archive) expired(d *DossierState) bool {
	return d.Level != a.Policy.DeclassifiedLevel() && a.EffectiveLevel(d) != d.Level
}

// FormatTime writes t as a date and time in the policy's zone.
func (a *Archive) FormatTime(t time.Time) string {
	return t.In(a.Location()).Format("2006-01-02 15:04")
}

// DateMemo is Date for a listing that writes many dates: each day is
// formatted once (a department's ten years are ~3,650 days, its listing
// 200,000 dates).
func (a *Archive) DateMemo() func(t time.Time) string {
	loc := a.Location()
	days := map[int]string{}
	return func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		t = t.In(loc)
		y, m, d := t.Date()
		k := y<<9 | int(m)<<5 | d
		s, ok := days[k]
		if !ok {
			s = t.Format(time.DateOnly)
			days[k] = s
		}
		return s
	}
}

// Date writes t's calendar date in the policy's zone (YYYY-MM-DD).
func (a *Archive) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(a.Location()).Format(time.DateOnly)
}
