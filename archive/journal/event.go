// Package journal is the archive's signed, append-only event log: the
// format of one event (FORMAT.md beside this file), signing it, reading
// every event of an archive, and ordering them by their links.
//
// It knows nothing of what an event means: kinds, payloads and the rules
// they obey are package archive's registry. It never prints and never
// reads flags.
package journal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"gopkg.in/yaml.v3"

	"crm/archive/sharedfile"
	"crm/l10n"
)

// Dir is the folder of the journal inside an archive, one event per file.
const Dir = "journal"

// Kind names what an event records: archive.init, dossier.update, …
type Kind string

// Header is what every event says besides its data.
type Header struct {
	Kind    Kind
	Time    time.Time
	Actor   string   // member id of the signer
	Dossier string   // the dossier concerned, if any
	Prev    []string // hashes of the events this one follows
}

// Event is one signed journal event.
//
// On disk it is a YAML body followed by a last line "signature: <base64>",
// an Ed25519 signature by the actor's signing key over every byte of the
// body, exactly as stored. The file is named after the SHA-256 of all its
// bytes, so an event cannot be changed without its name, and every later
// link to it, going stale.
//
// In memory an event is kept small: its data in a compact binary form
// (decoded again when asked for), and the signed bytes only while they are
// needed; Verify reads them back from the file when they were let go (and
// finds the file changed if it was).
type Event struct {
	Header

	Hash string // SHA-256 of the file's bytes, hex
	Path string // slash path relative to the archive

	packed []byte // the data, packed (packNode); nil: no data
	// extra holds what few events keep for long: the file's bytes until
	// Compact, the data as a node where it could not be packed. Apart,
	// they leave an event of 224 bytes, not 256 (33 MB at a million).
	extra  *eventExtra
	root   *string // the archive's folder, to read the file back
	bundle string  // the bundle in the event's folder holding it, or ""
	// The signature's verdict, once checked: the key it was checked with.
	sigKey string
	sigOK  bool
	// dataGone: packed and node were let go (LetGoData); the data is read
	// back from the file when asked for.
	dataGone bool
	rank     int32 // the event's place by hash, while the journal is ordered (order)
	// The file's modification time (ns) and size when it was read, to know
	// it again by more than its name (0: not to be trusted, read it again).
	fileTime, fileSize int64
}

// eventExtra is what an Event holds apart (Event.extra); never changed
// once made (an Event copied shares it).
type eventExtra struct {
	raw  []byte     // the file's bytes: the signed body, then the signature (nil once let go: see Compact)
	node *yaml.Node // the data when it could not be packed
}

// extraOf is an eventExtra of raw and node, or nil if both are.
func extraOf(raw []byte, node *yaml.Node) *eventExtra {
	if raw == nil && node == nil {
		return nil
	}
	return &eventExtra{raw: raw, node: node}
}

func (e *Event) raw() []byte {
	if e.extra == nil {
		return nil
	}
	return e.extra.raw
}

func (e *Event) node() *yaml.Node {
	if e.extra == nil {
		return nil
	}
	return e.extra.node
}

type bodyOut struct {
	Kind    Kind     `yaml:"kind"`
	Time    string   `yaml:"time"`
	Actor   string   `yaml:"actor"`
	Dossier string   `yaml:"dossier,omitempty"`
	Prev    []string `yaml:"prev,omitempty"`
	Data    any      `yaml:"data,omitempty"`
}

type bodyIn struct {
	Kind    Kind      `yaml:"kind"`
	Time    string    `yaml:"time"`
	Actor   string    `yaml:"actor"`
	Dossier string    `yaml:"dossier"`
	Prev    []string  `yaml:"prev"`
	Data    yaml.Node `yaml:"data"`
}

const sigPrefix = "signature: "

// TimeLayout is the events' time format: UTC, to the second.
const TimeLayout = "2006-01-02T15:04:05Z"

// Sign builds the bytes of a new event with data, signed by key.
func Sign(h Header, data any, key ed25519.PrivateKey) ([]byte, error) {
	body, err := MarshalYAML(bodyOut{
		Kind: h.Kind, Time: h.Time.UTC().Format(TimeLayout), Actor: h.Actor,
		Dossier: h.Dossier, Prev: h.Prev, Data: data,
	})
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(key, body)
	return append(body, []byte(sigPrefix+base64.StdEncoding.EncodeToString(sig)+"\n")...), nil
}

// IsHash reports whether s is a SHA-256 in lower-case hex, as events are
// named and linked by.
func IsHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// IsDossierID reports whether s has the shape of a dossier id: 1 to 64
// ASCII letters, digits, '-' and '_', the first a letter or digit. Such an
// id can never name a path outside the dossiers folder.
func IsDossierID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && (c == '-' || c == '_')) {
			return false
		}
	}
	return true
}

// Parse parses an event file's bytes. It checks the shape, not the
// signature (that needs the actor's key at the event's place in the chain:
// see Event.Verify).
func Parse(b []byte) (*Event, error) { return parse(b, false) }

// parse is Parse; withPath also sets the path the event's time and hash
// give it (PathOf), with the hash its substring.
func parse(b []byte, withPath bool) (*Event, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, l10n.Errorf("event does not end with a newline")
	}
	body, sigLine, ok := cutSignature(b)
	if !ok {
		return nil, l10n.Errorf("event has no final %q line", strings.TrimSpace(sigPrefix))
	}
	if _, ok := decodeSignature(sigLine); !ok {
		return nil, l10n.Errorf("event signature is not base64 of %d bytes", ed25519.SignatureSize)
	}
	r, ok := readCanonical(body)
	if !ok {
		var err error
		if r, err = readYAML(body); err != nil {
			return nil, err
		}
	}
	if r.kind == "" || r.actor == "" {
		return nil, l10n.Errorf("event has no kind or actor")
	}
	t, err := time.Parse(TimeLayout, r.time)
	if err != nil {
		return nil, l10n.Errorf("event time %q is not %s", r.time, TimeLayout)
	}
	for _, p := range r.prev {
		if !IsHash(p) {
			return nil, l10n.Errorf("event link %q is not a SHA-256 hash", p)
		}
	}
	if r.dossier != "" && !IsDossierID(r.dossier) {
		return nil, l10n.Errorf("event names dossier %q, which is not a dossier id", r.dossier)
	}
	sum := sha256.Sum256(b)
	e := &Event{
		Header: Header{Kind: r.kind, Time: t, Actor: r.actor, Dossier: r.dossier, Prev: r.prev},
		extra:  extraOf(b, r.node), packed: r.packed,
	}
	if withPath {
		if p, h, ok := pathOfSum(t, &sum); ok {
			e.Path, e.Hash = p, h
			return e, nil
		}
	}
	e.Hash = hexEncode(sum[:])
	if withPath {
		e.setPath(PathOf(t, e.Hash)) // a year PathOf joins
	}
	return e, nil
}

// readYAML reads an event body with yaml.v3: any body readCanonical
// leaves.
func readYAML(body []byte) (canonBody, error) {
	var r bodyIn
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return canonBody{}, l10n.Errorf("event body: %v", err)
	}
	c := canonBody{kind: r.Kind, time: r.Time, actor: r.Actor, dossier: r.Dossier, prev: r.Prev}
	if r.Data.Kind == 0 {
		return c, nil
	}
	if p, ok := packNode(nil, &r.Data, 0); ok {
		c.packed = p
	} else {
		c.node = &r.Data
	}
	return c, nil
}

// Compact lets go of the signed bytes (Verify reads them back from the
// file when needed): what a journal of a million events keeps in memory is
// the header, the hash and the packed data.
func (e *Event) Compact() {
	if e.root != nil && e.raw() != nil {
		e.extra = extraOf(nil, e.node())
	}
}

// cutSignature cuts an event file's bytes (ending with a newline) into the
// signed body and the text of its final signature line, both cut from b.
func cutSignature(b []byte) (body, sig []byte, ok bool) {
	i := bytes.LastIndex(b[:len(b)-1], []byte("\n"+sigPrefix))
	if i < 0 {
		return nil, nil, false
	}
	return b[:i+1], b[i+1+len(sigPrefix) : len(b)-1], true
}

// signature is an Ed25519 signature as a value: decoding one into the
// heap, twice an event (Parse, then Verify), made 320 MB of garbage for
// a user's first command at a million events.
type signature [ed25519.SignatureSize]byte

// decodeSignature decodes the text of a signature line; false unless it
// is base64 of exactly an Ed25519 signature.
func decodeSignature(text []byte) (sig signature, ok bool) {
	var buf [ed25519.SignatureSize + 8]byte // 88 characters decode to 66 bytes at most
	if base64.StdEncoding.DecodedLen(len(text)) > len(buf) {
		// Longer: base64 skips line breaks, and a signature wrapped over
		// lines has always been read.
		d, err := base64.StdEncoding.DecodeString(string(text))
		if err != nil || len(d) != ed25519.SignatureSize {
			return sig, false
		}
		return signature(d), true
	}
	n, err := base64.StdEncoding.Decode(buf[:], text)
	if err != nil || n != ed25519.SignatureSize {
		return sig, false
	}
	copy(sig[:], buf[:n])
	return sig, true
}

// splitSigned splits an event file's bytes, as Parse checked them, into
// the signed body and the signature; ok is false if they are not an
// event's.
func splitSigned(raw []byte) (body []byte, sig signature, ok bool) {
	if len(raw) == 0 {
		return nil, sig, false
	}
	body, text, ok := cutSignature(raw)
	if !ok {
		return nil, sig, false
	}
	if sig, ok = decodeSignature(text); !ok {
		return nil, sig, false
	}
	return body, sig, true
}

// signed returns the signed bytes and the signature, read back from the
// file if they were let go. A file that no longer has the event's hash
// gives nothing (and so no valid signature).
func (e *Event) signed() (body []byte, sig signature, ok bool) {
	if raw := e.raw(); raw != nil || e.root == nil {
		return splitSigned(raw)
	}
	var b []byte
	if e.bundle != "" {
		b = readFromBundle(filepath.Join(*e.root, filepath.FromSlash(path.Dir(e.Path)), e.bundle), e.Hash, e.Time)
	} else {
		b, _ = sharedfile.ReadFile(filepath.Join(*e.root, filepath.FromSlash(e.Path)))
	}
	if !e.heldIn(b) {
		return nil, sig, false
	}
	if _, err := Parse(b); err != nil {
		return nil, sig, false
	}
	return splitSigned(b)
}

// Verify checks the event's signature with a signing public key.
func (e *Event) Verify(pub ed25519.PublicKey) bool {
	body, sig, ok := e.signed()
	return ok && ed25519.Verify(pub, body, sig[:])
}

// Verdict returns what checking the signature with key found, if it was
// checked with that key (by this process, or by the one that wrote the
// verified-journal cache).
func (e *Event) Verdict(key string) (ok, known bool) {
	if key == "" || e.sigKey != key {
		return false, false
	}
	return e.sigOK, true
}

// Checked reports whether the signature was checked with some key.
func (e *Event) Checked() bool { return e.sigKey != "" }

// SetVerdict records what checking the signature with key found.
func (e *Event) SetVerdict(key string, ok bool) { e.sigKey, e.sigOK = key, ok }

// DataNode returns the event's data as a YAML node (Kind 0: no data).
func (e *Event) DataNode() (*yaml.Node, error) {
	packed, node, err := e.data()
	if err != nil {
		return nil, err
	}
	return dataNode(packed, node)
}

func dataNode(packed []byte, node *yaml.Node) (*yaml.Node, error) {
	if node != nil {
		return node, nil
	}
	if packed == nil {
		return &yaml.Node{}, nil
	}
	n, rest, err := unpackNode(packed, 0)
	if err != nil || len(rest) != 0 {
		return nil, l10n.Errorf("event data is damaged in memory")
	}
	return n, nil
}

// Decode decodes the event's data into v (a pointer to a struct), refusing
// keys the struct has no field for: data a reader does not understand is
// not silently dropped.
func (e *Event) Decode(v any) error {
	packed, node, err := e.data()
	if err != nil {
		return err
	}
	if node == nil && packed != nil {
		// Into a zero value only: what the packed reader leaves it to
		// yaml.v3 is decoded into the zero value again.
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().IsZero() {
			if rest, ok := decodePacked(packed, rv.Elem(), 0); ok && len(rest) == 0 {
				return nil
			}
			rv.Elem().SetZero()
		}
	}
	n, err := dataNode(packed, node)
	if err != nil {
		return err
	}
	if n.Kind == 0 {
		return nil
	}
	if keys := UnknownKeys(n, reflect.TypeOf(v)); len(keys) > 0 {
		return l10n.Errorf("unknown data field %q", keys[0])
	}
	return n.Decode(v)
}

// LetGoData lets go of the event's data once it has done its work (a
// replay of a whole journal applies each event once, and the journal
// cache was written before it): Decode and DataNode then read the data
// back from the event's file, checked against its hash. At a million
// events the data held through a first command's replay was 230 MB of
// its peak. An event not read from a file keeps its data.
func (e *Event) LetGoData() {
	if e.root != nil && (e.packed != nil || e.node() != nil) {
		e.packed, e.extra, e.dataGone = nil, extraOf(e.raw(), nil), true
	}
}

// DataReads counts the events whose data was read back from their file,
// one at a time, after LetGoData, in this process (tests); DataTakenBack
// those whose data TakeDataBack read back, a bundle at a time.
var DataReads, DataTakenBack atomic.Int64

// data returns the event's data, packed or as a node, read back from the
// event's file if it was let go (not kept: the reader asks again).
func (e *Event) data() (packed []byte, node *yaml.Node, err error) {
	if !e.dataGone {
		return e.packed, e.node(), nil
	}
	DataReads.Add(1)
	body, _, _ := e.signed()
	if body == nil {
		// Moved since it was read (bundled again in another clone, or,
		// read from a bundle, back in a file of its own): wherever its
		// month holds it.
		var b []byte
		if e.bundle != "" {
			b, _ = sharedfile.ReadFile(filepath.Join(*e.root, filepath.FromSlash(e.Path)))
		}
		if !e.heldIn(b) {
			b = findInBundles(*e.root, e.Path)
		}
		if e.heldIn(b) {
			body, _, _ = splitSigned(b)
		}
	}
	if body == nil {
		return nil, nil, l10n.Errorf("%s: neither this file nor a bundle of its month holds this event (%s) any longer, to read its data again: run the command again", e.Path, ShortHash(e.Hash))
	}
	return bodyData(body)
}

// heldIn reports whether b, read back, are the bytes of e's file (its hash).
func (e *Event) heldIn(b []byte) bool {
	sum := sha256.Sum256(b)
	return b != nil && hex.EncodeToString(sum[:]) == e.Hash
}

// bodyData is the data of a signed event body, packed where it can be.
func bodyData(body []byte) (packed []byte, node *yaml.Node, err error) {
	r, ok := readCanonical(body)
	if !ok {
		if r, err = readYAML(body); err != nil {
			return nil, nil, err
		}
	}
	return r.packed, r.node, nil
}

// DecodeLoose decodes the event's data into v, ignoring keys v has no
// field for (to pick one field out of any kind's data).
func (e *Event) DecodeLoose(v any) error {
	n, err := e.DataNode()
	if err != nil {
		return err
	}
	if n.Kind == 0 {
		return nil
	}
	return n.Decode(v)
}

// UnknownKeys returns the dotted paths of the keys of mapping n that type t
// (a struct, or a pointer to one) has no yaml field for, recursively into
// structs and slices of structs. Types that decode themselves and maps are
// not walked.
func UnknownKeys(n *yaml.Node, t reflect.Type) []string {
	return unknownKeys(n, t, "")
}

func unknownKeys(n *yaml.Node, t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return nil
	}
	var out []string
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				out = append(out, p)
				continue
			}
			out = append(out, unknownKeys(n.Content[i+1], ft, p)...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			out = append(out, unknownKeys(c, t.Elem(), prefix+"[]")...)
		}
	}
	return out
}

// fieldsOf remembers yamlFields of each type: every event's data is
// checked against its kind's type.
var fieldsOf sync.Map // reflect.Type → map[string]reflect.Type

// yamlFields maps the yaml names of a struct's fields to their types,
// following inlined (embedded) structs. The map is shared: do not change
// it.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldsOf.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	defer func() { fieldsOf.Store(t, fields) }()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

// setPath sets the event's path; where the path names the event's hash,
// the hash is kept as the path's substring (one string in memory, not two:
// 80 bytes an event, at a million events).
func (e *Event) setPath(p string) {
	e.Path = p
	if n := len(p) - len(".yaml"); n >= 65 && p[n-65] == '-' && p[n-64:n] == e.Hash {
		e.Hash = p[n-64 : n]
	}
}

// interned keeps one copy of the short strings events repeat (kinds,
// actors, bundles): at a million events, each its own copy is 30 MB (a
// bundle's name, 90 MB).
var interned struct {
	sync.Mutex
	m map[string]string
}

// intern returns b as a string, shared with every other caller's equal one
// while fewer than 4,096 strings are kept (then, and for b longer than a
// bundle's name, a string of its own).
func intern(b []byte) string {
	if len(b) > len("bundle-.yaml")+64 {
		return string(b)
	}
	interned.Lock()
	defer interned.Unlock()
	if s, ok := interned.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if interned.m == nil {
		interned.m = map[string]string{}
	}
	if len(interned.m) < 4096 {
		interned.m[s] = s
	}
	return s
}

// PathOf is where an event with this time and hash is stored.
func PathOf(t time.Time, hash string) string {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 || strings.ContainsAny(hash, "/.") {
		return path.Join(Dir, t.Format("2006"), t.Format("01"), t.Format("20060102T150405Z")+"-"+hash+".yaml")
	}
	// As above, without three formats and a join: a replay from the
	// cache names every one of a million events (0.8 s).
	b := appendPathTo(make([]byte, 0, pathLen+len(hash)), t)
	b = append(b, hash...)
	b = append(b, ".yaml"...)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again: one allocation, not two
}

// pathLen is the length of an event's path without its hash.
const pathLen = len(Dir + "/2006/01/20060102T150405Z-.yaml")

// pathOfSum is PathOf(t, the hex of sum), and the hash as the path's
// substring: the hex is written into the path, not made apart first (a
// bundle's every event, 64 bytes of garbage each). False where PathOf
// would join (a year past 9999).
func pathOfSum(t time.Time, sum *[32]byte) (p, hash string, ok bool) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return "", "", false
	}
	b := appendPathTo(make([]byte, 0, pathLen+2*len(sum)), t)
	n := len(b)
	for _, c := range sum {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	b = append(b, ".yaml"...)
	p = unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
	return p, p[n : n+2*len(sum)], true
}

// appendPathTo appends an event's path up to its hash for time t (UTC, a
// year of four digits): journal/2006/01/20060102T150405Z-.
func appendPathTo(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	b = append(b, Dir+"/"...)
	b = appendDigits(b, y, 4)
	b = append(b, '/')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '/')
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(mo), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, sec, 2)
	return append(b, "Z-"...)
}

// appendDigits appends v (>= 0) in n <= 4 decimal digits, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	b = append(b, "0000"[:n]...)
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// nameHash returns the hash part of an event file name
// (YYYYMMDDTHHMMSSZ-<sha256>.yaml), cheaply.
func nameHash(name string) (string, bool) {
	const n = len("20060102T150405Z-") + 64 + len(".yaml")
	if len(name) != n || name[8] != 'T' || name[15] != 'Z' || name[16] != '-' || name[n-5:] != ".yaml" {
		return "", false
	}
	h := name[17 : 17+64]
	if !IsHash(h) {
		return "", false
	}
	return h, true
}

// ShortHash is the first 12 hex digits of a hash, for messages.
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// MarshalYAML encodes v as YAML with two-space indentation, the form of
// every file crm writes.
func MarshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// TakeDataBack gives every event of j that let go of its data
// (LetGoData) its data again, reading each bundle that holds such events
// once, not an event at a time (a replay that finds it must judge a
// step against its whole past, a log of every event). An event no file
// holds any longer stays as it is: asked for, its data is looked for
// again (Event.data).
func (j *Journal) TakeDataBack() {
	gone := map[string][]*Event{} // bundle file → its events that let go
	for _, e := range j.Events {
		if !e.dataGone || e.root == nil {
			continue
		}
		if e.bundle == "" {
			e.takeDataBack(nil)
			continue
		}
		abs := filepath.Join(*e.root, filepath.FromSlash(path.Dir(e.Path)), e.bundle)
		gone[abs] = append(gone[abs], e)
	}
	for abs, es := range gone {
		b, err := sharedfile.ReadFile(abs)
		if err != nil {
			continue
		}
		pieces, err := SplitBundle(b)
		if err != nil {
			continue
		}
		byHash := make(map[string][]byte, len(pieces))
		for _, p := range pieces {
			sum := sha256.Sum256(p)
			byHash[hex.EncodeToString(sum[:])] = p
		}
		for _, e := range es {
			if p := byHash[e.Hash]; p != nil {
				e.takeDataBack(p)
			}
		}
	}
}

// takeDataBack sets e's data from the bytes of its file, b (nil: read
// as Event.data reads).
func (e *Event) takeDataBack(b []byte) {
	var packed []byte
	var node *yaml.Node
	var err error
	if b == nil {
		packed, node, err = e.data()
	} else {
		DataTakenBack.Add(1)
		body, _, _ := splitSigned(b)
		packed, node, err = bodyData(body)
	}
	if err != nil {
		return
	}
	e.packed, e.extra, e.dataGone = packed, extraOf(e.raw(), node), false
}
