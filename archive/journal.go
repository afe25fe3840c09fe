package archive

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// JournalDir is the folder of the journal, one signed event per file.
const JournalDir = "journal"

// Event kinds written by this package.
const (
	KindInit          = "archive.init"
	KindMemberAdd     = "member.add"
	KindMemberRoles   = "member.roles"
	KindMemberRemove  = "member.remove"
	KindPolicyUpdate  = "policy.update"
	KindDossierCreate = "dossier.create"
	KindDossierUpdate = "dossier.update"
	KindDossierRekey  = "dossier.rekey"
)

// Event is one signed journal event.
//
// On disk it is a YAML body followed by a last line "signature: <base64>",
// an Ed25519 signature by the actor's signing key over every byte of the
// body, exactly as stored. The file is named after the SHA-256 of all its
// bytes, so an event cannot be changed without its name, and every later
// link to it, going stale.
type Event struct {
	Kind    string
	Time    time.Time
	Actor   string
	Dossier string
	Prev    []string // hashes of the events this one follows
	Data    yaml.Node

	Hash string // SHA-256 of the file's bytes, hex
	Path string // slash path relative to the archive
	Body []byte // the signed bytes
	Sig  []byte
}

type eventBody struct {
	Kind    string   `yaml:"kind"`
	Time    string   `yaml:"time"`
	Actor   string   `yaml:"actor"`
	Dossier string   `yaml:"dossier,omitempty"`
	Prev    []string `yaml:"prev,omitempty"`
	Data    any      `yaml:"data,omitempty"`
}

type eventRead struct {
	Kind    string    `yaml:"kind"`
	Time    string    `yaml:"time"`
	Actor   string    `yaml:"actor"`
	Dossier string    `yaml:"dossier"`
	Prev    []string  `yaml:"prev"`
	Data    yaml.Node `yaml:"data"`
}

const sigPrefix = "signature: "

// timeLayout is the events' time format: UTC, to the second.
const timeLayout = "2006-01-02T15:04:05Z"

// SignEvent builds the bytes of a new event, signed by signer.
func SignEvent(kind string, t time.Time, actor, dossier string, prev []string, data any, signer ed25519.PrivateKey) ([]byte, error) {
	body, err := marshalYAML(eventBody{
		Kind: kind, Time: t.UTC().Format(timeLayout), Actor: actor,
		Dossier: dossier, Prev: prev, Data: data,
	})
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(signer, body)
	return append(body, []byte(sigPrefix+base64.StdEncoding.EncodeToString(sig)+"\n")...), nil
}

var hexHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseEvent parses an event file's bytes. It checks the shape, not the
// signature (that needs the actor's key: see Event.VerifySignature).
func ParseEvent(b []byte) (*Event, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, l10n.Errorf("event does not end with a newline")
	}
	i := bytes.LastIndex(b[:len(b)-1], []byte("\n"+sigPrefix))
	if i < 0 {
		return nil, l10n.Errorf("event has no final %q line", strings.TrimSpace(sigPrefix))
	}
	body := b[:i+1]
	sigLine := strings.TrimSuffix(string(b[i+1+len(sigPrefix):]), "\n")
	sig, err := base64.StdEncoding.DecodeString(sigLine)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, l10n.Errorf("event signature is not base64 of %d bytes", ed25519.SignatureSize)
	}
	var r eventRead
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, l10n.Errorf("event body: %v", err)
	}
	if r.Kind == "" || r.Actor == "" {
		return nil, l10n.Errorf("event has no kind or actor")
	}
	t, err := time.Parse(timeLayout, r.Time)
	if err != nil {
		return nil, l10n.Errorf("event time %q is not %s", r.Time, timeLayout)
	}
	for _, p := range r.Prev {
		if !hexHashRE.MatchString(p) {
			return nil, l10n.Errorf("event link %q is not a SHA-256 hash", p)
		}
	}
	if r.Dossier != "" {
		if err := CheckID(r.Dossier); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(b)
	return &Event{
		Kind: r.Kind, Time: t, Actor: r.Actor, Dossier: r.Dossier, Prev: r.Prev,
		Data: r.Data, Hash: hex.EncodeToString(sum[:]), Body: body, Sig: sig,
	}, nil
}

// VerifySignature checks the event's signature with a signing public key.
func (e *Event) VerifySignature(pub ed25519.PublicKey) bool {
	return ed25519.Verify(pub, e.Body, e.Sig)
}

// Decode decodes the event's data into v.
func (e *Event) Decode(v any) error {
	if e.Data.Kind == 0 {
		return nil
	}
	return e.Data.Decode(v)
}

// eventPath is where an event with this time and hash is stored.
func eventPath(t time.Time, hash string) string {
	t = t.UTC()
	return path.Join(JournalDir, t.Format("2006"), t.Format("01"), t.Format("20060102T150405Z")+"-"+hash+".yaml")
}

var eventNameRE = regexp.MustCompile(`^(\d{8}T\d{6}Z)-([0-9a-f]{64})\.yaml$`)

// eventNameHash returns the hash part of an event file name, cheaply: this
// runs for every event before every write.
func eventNameHash(name string) (string, bool) {
	const n = len("20060102T150405Z-") + 64 + len(".yaml")
	if len(name) != n || name[16] != '-' || name[n-5:] != ".yaml" {
		return "", false
	}
	return name[17 : 17+64], true
}

// Journal is every event of an archive, in an order consistent with the
// links: an event comes after every event it follows; unrelated events by
// time, then hash.
type Journal struct {
	Events []*Event
	ByHash map[string]*Event
	Heads  []string // hashes of the events no other event follows, sorted
	// Problems found while reading: unreadable files, names that do not
	// match their content, links to missing events. Verify reports them.
	Problems []Problem
}

// Problem is something wrong with the archive, with the path it concerns.
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string { return p.Path + ": " + p.Msg }

// ReadJournal reads every event under dir/journal.
func ReadJournal(dir string) (*Journal, error) { return readJournal(dir) }

// journalUnchanged reports whether the journal folder holds exactly the
// events of prev, judging by the file names (which contain the hashes), so
// that an archive already loaded is not read and replayed again.
func journalUnchanged(dir string, prev *Journal) bool {
	if prev == nil || len(prev.Problems) > 0 {
		return false
	}
	n := 0
	same := true
	filepath.WalkDir(filepath.Join(dir, JournalDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !same {
			return err
		}
		if d.IsDir() {
			return nil
		}
		n++
		h, ok := eventNameHash(d.Name())
		if !ok || prev.ByHash[h] == nil {
			same = false
			return filepath.SkipAll
		}
		return nil
	})
	return same && n == len(prev.ByHash)
}

func readJournal(dir string) (*Journal, error) {
	j := &Journal{ByHash: map[string]*Event{}}
	root := filepath.Join(dir, JournalDir)
	type file struct{ path, rel, hash string }
	var files []file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		m := eventNameRE.FindStringSubmatch(d.Name())
		if m == nil {
			j.Problems = append(j.Problems, Problem{rel, l10n.T("not an event file name (TIME-SHA256.yaml)")})
			return nil
		}
		files = append(files, file{p, rel, m[2]})
		return nil
	})
	if err != nil {
		return nil, l10n.Errorf("reading the journal: %v", err)
	}
	// Reading and parsing are independent per file: every core.
	events := make([]*Event, len(files))
	problems := make([]string, len(files))
	errs := make([]error, len(files))
	parallel(len(files), func(i int) {
		f := files[i]
		b, err := os.ReadFile(f.path)
		if err != nil {
			errs[i] = err
			return
		}
		e, err := ParseEvent(b)
		switch {
		case err != nil:
			problems[i] = err.Error()
		case e.Hash != f.hash:
			problems[i] = l10n.T("content does not match the hash in the file name (edited after it was written)")
		case eventPath(e.Time, e.Hash) != f.rel:
			problems[i] = l10n.T("event time does not match its folder and name")
		default:
			e.Path = f.rel
			events[i] = e
		}
	})
	for i, f := range files {
		if errs[i] != nil {
			return nil, l10n.Errorf("reading the journal: %v", errs[i])
		}
		if problems[i] != "" {
			j.Problems = append(j.Problems, Problem{f.rel, problems[i]})
			continue
		}
		j.ByHash[events[i].Hash] = events[i]
	}
	j.order()
	return j, nil
}

// order sorts the events topologically and computes the heads.
func (j *Journal) order() {
	followed := map[string]bool{}
	indeg := map[string]int{}
	next := map[string][]string{}
	for h, e := range j.ByHash {
		indeg[h] += 0
		for _, p := range e.Prev {
			followed[p] = true
			if _, ok := j.ByHash[p]; !ok {
				j.Problems = append(j.Problems, Problem{e.Path, l10n.Sprintf("follows event %s, which is missing from the journal", p[:12])})
				continue
			}
			indeg[h]++
			next[p] = append(next[p], h)
		}
	}
	less := func(a, b string) bool {
		ea, eb := j.ByHash[a], j.ByHash[b]
		if !ea.Time.Equal(eb.Time) {
			return ea.Time.Before(eb.Time)
		}
		return a < b
	}
	var ready []string
	for h, d := range indeg {
		if d == 0 {
			ready = append(ready, h)
		}
	}
	j.Events = j.Events[:0]
	for len(ready) > 0 {
		sort.Slice(ready, func(x, y int) bool { return less(ready[x], ready[y]) })
		h := ready[0]
		ready = ready[1:]
		j.Events = append(j.Events, j.ByHash[h])
		for _, n := range next[h] {
			indeg[n]--
			if indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	if len(j.Events) != len(j.ByHash) {
		for h, d := range indeg {
			if d > 0 {
				j.Problems = append(j.Problems, Problem{j.ByHash[h].Path, l10n.T("event is part of a link cycle")})
			}
		}
	}
	j.Heads = nil
	for h := range j.ByHash {
		if !followed[h] {
			j.Heads = append(j.Heads, h)
		}
	}
	slices.Sort(j.Heads)
}

// add appends a newly written event (which follows the current heads).
func (j *Journal) add(e *Event) {
	j.ByHash[e.Hash] = e
	j.Events = append(j.Events, e)
	j.Heads = []string{e.Hash}
}

// ShortHash is the first 12 hex digits of a hash, for messages.
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }
