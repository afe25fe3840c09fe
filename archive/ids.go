package archive

import (
	"crypto/rand"
	"strings"
	"time"

	"crm/archive/journal"
	"crm/l10n"
)

// Ids that two clones which never talked cannot both make (DESIGN.md,
// "Many writers"): a prefix, three Crockford base-32 characters counting
// the UTC day since IDEpoch, and seven random ones (35 bits), e.g.
// C-0Q7K4M8Z3X. Twelve characters with a two-character prefix, easy to
// read aloud (no I, L, O or U), sorted by creation day, and accepted in
// any case. The older sequential ids (C-000001, L-000001, D-000001) stay
// valid for ever; an archive whose policy says id_scheme.style: sequential
// goes on making them.

// IDEpoch is day 000 of the ids' day counter; three characters last until
// 2109-09-17.
var IDEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// crockford is Crockford's base-32 alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Id styles of the policy's id_scheme.style.
const (
	IDRandom     = "random"     // NewID: cannot collide between clones (the default)
	IDSequential = "sequential" // C-000001: one writer, or clones that never work apart
)

const (
	idDayChars  = 3
	idRandChars = 7
)

// NewID returns a new id with prefix for an event dated t: the day
// counter and seven random characters.
func NewID(prefix string, t time.Time) string {
	day := int(t.UTC().Sub(IDEpoch).Hours() / 24)
	day = max(0, min(day, 32*32*32-1))
	var b strings.Builder
	b.WriteString(prefix)
	for i := idDayChars - 1; i >= 0; i-- {
		b.WriteByte(crockford[(day>>(5*i))&31])
	}
	r := make([]byte, idRandChars)
	rand.Read(r)
	for _, c := range r {
		b.WriteByte(crockford[c&31])
	}
	return b.String()
}

// isRandomID reports whether id is prefix followed by ten Crockford
// base-32 characters (upper case, as NewID writes them).
func isRandomID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != idDayChars+idRandChars {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(crockford, rest[i]) < 0 {
			return false
		}
	}
	return true
}

// IDDay is the UTC day a random id was made, or false for another id.
func IDDay(prefix, id string) (time.Time, bool) {
	if !isRandomID(prefix, id) {
		return time.Time{}, false
	}
	rest := id[len(prefix):]
	n := 0
	for i := 0; i < idDayChars; i++ {
		n = n*32 + strings.IndexByte(crockford, rest[i])
	}
	return IDEpoch.AddDate(0, 0, n), true
}

// canonicalID is how a person may have typed a random id, made canonical:
// any case, and I or L for 1, O for 0 (Crockford's reading rules). An id
// that is not of the random shape is returned unchanged.
func canonicalID(prefix, id string) string {
	if len(id) != len(prefix)+idDayChars+idRandChars || !strings.EqualFold(id[:len(prefix)], prefix) {
		return id
	}
	rest := strings.Map(func(r rune) rune {
		switch r = toUpper(r); r {
		case 'I', 'L':
			return '1'
		case 'O':
			return '0'
		}
		return r
	}, id[len(prefix):])
	return prefix + rest
}

func toUpper(r rune) rune {
	if 'a' <= r && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

// validID reports whether id is a loan or destruction request id of
// prefix: sequential (L-000001) or random (L-0Q7K4M8Z3X).
func validID(prefix, id string) bool {
	if _, ok := seqNumber(prefix, id); ok {
		return true
	}
	return isRandomID(prefix, id)
}

// newDossierID is the id of the next dossier under the policy: random
// unless id_scheme.style is sequential, never one the journal has used.
func (a *Archive) newDossierID() string {
	p := a.Policy
	if p.IDScheme.Style == IDSequential {
		return p.FormatID(a.State.MaxID + 1)
	}
	for {
		if id := NewID(p.IDScheme.Prefix, a.now); a.State.Dossiers[id] == nil {
			return id
		}
	}
}

// newStepID is the id of a new loan or destruction request (prefix L- or
// D-), in the policy's style; max is the highest sequential number used.
func (a *Archive) newStepID(prefix string, max int, used func(string) bool) string {
	if a.Policy.IDScheme.Style == IDSequential {
		return formatSeq(prefix, max+1)
	}
	for {
		if id := NewID(prefix, a.now); !used(id) {
			return id
		}
	}
}

// exampleStepID is an id of prefix as this archive makes them, for a
// message that shows what a loan's or a destruction request's id looks like.
func (a *Archive) exampleStepID(prefix string) string {
	if a.Policy.IDScheme.Style == IDSequential {
		return formatSeq(prefix, 1)
	}
	return prefix + exampleRandom
}

// exampleRandom is the ten characters after the prefix of the random id
// that messages and help show (C-0Q7K4M8Z3X).
const exampleRandom = "0Q7K4M8Z3X"

// resolveID returns the id a person meant: id itself if known, else its
// canonical random form if known (c-0q7k4m8z3x → C-0Q7K4M8Z3X), else id.
func resolveID(prefix, id string, known func(string) bool) string {
	if known(id) {
		return id
	}
	if c := canonicalID(prefix, id); known(c) {
		return c
	}
	return id
}

// unknownStep is the error for the id of a loan, destruction request,
// hand-in or statistics request that the archive does not hold: an error
// (exit 1), as an unknown dossier is, when id has an id's form, with next
// saying where the ids are listed; a usage error when it cannot be an id at
// all (../x), as CheckID says of a dossier id.
func unknownStep(id string, err error, next Next) *Error {
	if !journal.IsDossierID(id) {
		return usageErr("id", l10n.Errorf("%q is not an id (letters, digits, - and _ only)", id))
	}
	return failErr(err, next, "")
}

// checkStepID is unknownStep's usage error when id cannot be the id of a
// loan, destruction request, hand-in or statistics request at all (../x):
// a step checks it before whether its member may take the step, as a
// command checks its arguments before permissions (exit 2 before 3).
func checkStepID(id string) error {
	if !journal.IsDossierID(id) {
		return unknownStep(id, nil, NoNext)
	}
	return nil
}

// nextID is the id a new dossier gets after the events of j (nil: none)
// are replayed on a state whose highest dossier number is max: the next
// number (every create uses its number up, refused or not: replay), or a
// random id (whether it is free is for the caller to check).
func (a *Archive) nextID(max int, j *journal.Journal) string {
	p := a.Policy
	if p.IDScheme.Style != IDSequential {
		return NewID(p.IDScheme.Prefix, a.now)
	}
	if j != nil {
		for _, e := range j.Events {
			if n, ok := p.idNumber(e.Dossier); ok && e.Kind == KindDossierCreate && n > max {
				max = n
			}
		}
	}
	return p.FormatID(max + 1)
}

// snapshotNewID is the id for a dossier a create step on a snapshot's
// state gives (createState), if that state can answer that it is free:
// the state holds the part the id belongs in, and a sequential id is still
// the next number. Each is given once.
func (a *Archive) snapshotNewID() (string, bool) {
	id := a.newID
	a.newID = ""
	if !a.partial || id == "" || a.State.Dossiers[id] != nil {
		return "", false
	}
	if a.Policy.IDScheme.Style == IDSequential && id != a.Policy.FormatID(a.State.MaxID+1) {
		return "", false
	}
	return id, true
}
