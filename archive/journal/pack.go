package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// The packed forms below are crm's own, in memory and in a user's
// verified-journal cache (never in an archive): an event's data as a
// compact tree instead of YAML nodes (a tenth of the memory, no parsing),
// and an event with the verdict on its signature.

// Limits of a packed data tree: deeper or bigger trees (no event crm
// writes comes near) stay YAML nodes.
const (
	maxPackDepth = 64
	maxPackNodes = 1 << 14
)

var errPacked = errors.New("malformed packed data")

// packNode appends the packed form of n to b: kind, style, tag, value,
// line, column and children, recursively (an alias packs the node it
// stands for). It fails on trees too deep or too big.
func packNode(b []byte, n *yaml.Node, depth int) ([]byte, bool) {
	count := 0
	return packTree(b, n, depth, &count)
}

func packTree(b []byte, n *yaml.Node, depth int, count *int) ([]byte, bool) {
	*count++
	if depth > maxPackDepth || n == nil || *count > maxPackNodes {
		return nil, false
	}
	if n.Kind == yaml.AliasNode {
		// Only the node an alias stands for matters to decoding.
		return packTree(b, n.Alias, depth+1, count)
	}
	b = binary.AppendUvarint(b, uint64(n.Kind))
	b = binary.AppendUvarint(b, uint64(n.Style))
	b = appendString(b, n.Tag)
	b = appendString(b, n.Value)
	b = binary.AppendUvarint(b, uint64(max(n.Line, 0)))
	b = binary.AppendUvarint(b, uint64(max(n.Column, 0)))
	b = binary.AppendUvarint(b, uint64(len(n.Content)))
	for _, c := range n.Content {
		var ok bool
		if b, ok = packTree(b, c, depth+1, count); !ok {
			return nil, false
		}
	}
	return b, true
}

// unpackNode reads back a tree packNode wrote.
func unpackNode(b []byte, depth int) (*yaml.Node, []byte, error) {
	if depth > maxPackDepth {
		return nil, nil, errPacked
	}
	var kind, style, line, col, kids uint64
	var tag, val string
	var err error
	if kind, b, err = readUvarint(b); err != nil {
		return nil, nil, err
	}
	if style, b, err = readUvarint(b); err != nil {
		return nil, nil, err
	}
	if tag, b, err = readString(b); err != nil {
		return nil, nil, err
	}
	if val, b, err = readString(b); err != nil {
		return nil, nil, err
	}
	if line, b, err = readUvarint(b); err != nil {
		return nil, nil, err
	}
	if col, b, err = readUvarint(b); err != nil {
		return nil, nil, err
	}
	if kids, b, err = readUvarint(b); err != nil || kids > uint64(len(b)) {
		return nil, nil, errPacked
	}
	n := &yaml.Node{Kind: yaml.Kind(kind), Style: yaml.Style(style), Tag: tag, Value: val, Line: int(line), Column: int(col)}
	if kids > 0 {
		n.Content = make([]*yaml.Node, kids)
		for k := range n.Content {
			if n.Content[k], b, err = unpackNode(b, depth+1); err != nil {
				return nil, nil, err
			}
		}
	}
	return n, b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func readUvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errPacked
	}
	return v, b[n:], nil
}

func readString(b []byte) (string, []byte, error) {
	n, b, err := readUvarint(b)
	if err != nil || n > uint64(len(b)) {
		return "", nil, errPacked
	}
	return string(b[:n]), b[n:], nil
}

func readBytes(b []byte) ([]byte, []byte, error) {
	n, b, err := readUvarint(b)
	if err != nil || n > uint64(len(b)) {
		return nil, nil, errPacked
	}
	return b[:n:n], b[n:], nil
}

// AppendPacked appends event e, as read and checked, to b: header, hash,
// packed data and the verdict on its signature with key index keyIdx (of
// a table the caller keeps; -1: not checked), the time and size of the
// file it was read from, and the bundle that file is (if it is one).
// Events whose data could not
// be packed are not cacheable (ok false).
func AppendPacked(b []byte, e *Event, keyIdx int) ([]byte, bool) {
	packed, node, err := e.data()
	if err != nil || node != nil {
		return b, false
	}
	h, err := hexDecode32(e.Hash)
	if err != nil {
		return b, false
	}
	b = append(b, h[:]...)
	b = binary.AppendVarint(b, e.Time.Unix())
	b = appendString(b, string(e.Kind))
	b = appendString(b, e.Actor)
	b = appendString(b, e.Dossier)
	b = binary.AppendUvarint(b, uint64(len(e.Prev)))
	for _, p := range e.Prev {
		ph, err := hexDecode32(p)
		if err != nil {
			return b, false
		}
		b = append(b, ph[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(packed)))
	b = append(b, packed...)
	b = binary.AppendUvarint(b, uint64(keyIdx+1))
	ok := byte(0)
	if e.sigOK {
		ok = 1
	}
	b = append(b, ok)
	b = binary.AppendVarint(b, e.fileTime)
	b = binary.AppendVarint(b, e.fileSize)
	return appendString(b, e.bundle), true
}

// PackedSize is a little more than the bytes AppendPacked appends for e,
// for sizing a segment's buffer.
func PackedSize(e *Event) int {
	return 32 + 10 + len(e.Kind) + len(e.Actor) + len(e.Dossier) + 32*len(e.Prev) + len(e.packed) + len(e.bundle) + 40
}

// ReadPacked reads one event AppendPacked wrote, for the archive in folder
// root; keys is the caller's key table. It checks the shape as Parse does.
func ReadPacked(b []byte, root *string, keys []string) (*Event, []byte, error) {
	return readPacked(b, root, keys, true)
}

// ReadPackedUnbundled reads one event an AppendPacked from before bundles
// wrote (a cache of crm 2026-12-03 and earlier): it was read from a file
// of its own.
func ReadPackedUnbundled(b []byte, root *string, keys []string) (*Event, []byte, error) {
	return readPacked(b, root, keys, false)
}

func readPacked(b []byte, root *string, keys []string, withBundle bool) (*Event, []byte, error) {
	if len(b) < 32 {
		return nil, nil, errPacked
	}
	e := &Event{Hash: hexEncode(b[:32]), root: root}
	b = b[32:]
	sec, n := binary.Varint(b)
	if n <= 0 {
		return nil, nil, errPacked
	}
	b = b[n:]
	e.Time = time.Unix(sec, 0).UTC()
	var kind, actor []byte
	var err error
	if kind, b, err = readBytes(b); err != nil {
		return nil, nil, err
	}
	e.Kind = Kind(intern(kind))
	if actor, b, err = readBytes(b); err != nil {
		return nil, nil, err
	}
	e.Actor = intern(actor)
	if e.Dossier, b, err = readString(b); err != nil {
		return nil, nil, err
	}
	np, b, err := readUvarint(b)
	if err != nil || np > uint64(len(b))/32 {
		return nil, nil, errPacked
	}
	if np > 0 {
		e.Prev = make([]string, np)
		for i := range e.Prev {
			e.Prev[i] = hexEncode(b[:32])
			b = b[32:]
		}
	}
	var packed []byte
	if packed, b, err = readBytes(b); err != nil {
		return nil, nil, err
	}
	if len(packed) > 0 {
		// A copy: the segment's bytes are let go once read.
		e.packed = bytes.Clone(packed)
	}
	ki, b, err := readUvarint(b)
	if err != nil || ki > uint64(len(keys)) || len(b) < 1 {
		return nil, nil, errPacked
	}
	if ki > 0 {
		e.sigKey, e.sigOK = keys[ki-1], b[0] == 1
	}
	b = b[1:]
	if e.fileTime, n = binary.Varint(b); n <= 0 {
		return nil, nil, errPacked
	}
	b = b[n:]
	if e.fileSize, n = binary.Varint(b); n <= 0 {
		return nil, nil, errPacked
	}
	b = b[n:]
	if withBundle {
		var bundle []byte
		if bundle, b, err = readBytes(b); err != nil {
			return nil, nil, err
		}
		e.bundle = intern(bundle) // the same for a month's events
		if _, ok := bundleHash(e.bundle); e.bundle != "" && !ok {
			return nil, nil, errPacked
		}
	}
	if e.Kind == "" || e.Actor == "" || (e.Dossier != "" && !IsDossierID(e.Dossier)) {
		return nil, nil, errPacked
	}
	e.setPath(PathOf(e.Time, e.Hash))
	return e, b, nil
}

// SigKey is the key the event's signature was checked with ("" if not).
func (e *Event) SigKey() string { return e.sigKey }

const hexDigits = "0123456789abcdef"

// hexEncode is hex.EncodeToString in one allocation, not two (the bytes,
// then the string copied from them): a replay from the cache encodes
// every event's hash and links, 128 MB at a million events.
func hexEncode(b []byte) string {
	out := make([]byte, len(b)*2)
	for i, c := range b {
		out[2*i], out[2*i+1] = hexDigits[c>>4], hexDigits[c&15]
	}
	return unsafe.String(unsafe.SliceData(out), len(out)) // out is not written again
}

func hexDecode32(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, errPacked
	}
	for i := range 32 {
		hi, lo := unhex(s[2*i]), unhex(s[2*i+1])
		if hi > 15 || lo > 15 {
			return h, errPacked
		}
		h[i] = hi<<4 | lo
	}
	return h, nil
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}
