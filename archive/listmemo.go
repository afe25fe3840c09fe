package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/archive/sharedfile"
)

// The listing memo (cache folder, "state.listed") keeps the month folders
// the last command listed on top of the snapshot (journal.ReadSince): each
// folder's time then and the names of its event files the snapshot lacks.
// The next command does not list a folder whose time is unchanged
// (journal.Since.Memo); it reads the files named, as a listing would have
// queued them. A snapshot is saved only past a thousand new events or a
// few dozen parts, as it is hundreds of MB at 100,000 dossiers; until then
// every command listed the folders that changed, and the month of a
// quarter's 核定 holds ~80,000 event files (0.2 s a command).
//
// The memo names the snapshot it was made on (the HMAC of its header) and
// is sealed with the cache's key: another snapshot, another key or a
// changed byte and it is not used.
const (
	listMemoMagic = "crm-listed-v2\n"
	listMemoSeal  = "listing memo\n"
)

func (c *journalCache) memoPath() string { return filepath.Join(c.dir, "state.listed") }

// memoEntry is a month folder as listed before (journal.MemoFolder): its
// time, the names of the event files in it the snapshot lacks, and its
// bundles of known events with the known events outside them.
type memoEntry = journal.MemoFolder

// readListMemo returns the memo made on the snapshot whose header's HMAC
// is snapMAC, by folder; nil if there is none, or it was made on another.
func (c *journalCache) readListMemo(snapMAC []byte) map[string]memoEntry {
	if c == nil || len(snapMAC) != sha256.Size {
		return nil
	}
	b, err := sharedfile.ReadFile(c.memoPath())
	if err != nil || len(b) < len(listMemoMagic)+2*sha256.Size || !bytes.HasPrefix(b, []byte(listMemoMagic)) {
		return nil
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !c.sealedWith(listMemoSeal, body, sum) {
		return nil
	}
	body = body[len(listMemoMagic):]
	if !bytes.Equal(body[:sha256.Size], snapMAC) {
		return nil
	}
	out, _ := decodeListMemo(body[sha256.Size:])
	return out
}

// decodeListMemo reads the folders saveListMemo wrote after the magic and
// the snapshot's HMAC; false, never a panic, if they do not parse.
func decodeListMemo(b []byte) (map[string]memoEntry, bool) {
	r := rowReader{b: b, strs: newStrSet()}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, false
	}
	out := make(map[string]memoEntry, n)
	for i := uint64(0); i < n && !r.bad; i++ {
		rel := r.str()
		e := memoEntry{MTime: int64(r.uvarint())}
		k := r.uvarint()
		if k > uint64(len(r.b)) {
			return nil, false
		}
		for j := uint64(0); j < k && !r.bad; j++ {
			e.New = append(e.New, r.str())
		}
		k = r.uvarint()
		if k > uint64(len(r.b)) {
			return nil, false
		}
		for j := uint64(0); j < k && !r.bad; j++ {
			e.Bundles = append(e.Bundles, journal.BundleStamp{Name: r.str(), MTime: int64(r.uvarint()), Size: int64(r.uvarint())})
		}
		packed := r.bytes(r.uvarint())
		if r.bad {
			return nil, false
		}
		if len(packed) > 0 {
			hs, ok := unpackHashes(packed)
			if !ok {
				return nil, false
			}
			e.LooseKnown = hs
		}
		out[rel] = e
	}
	if r.bad || len(r.b) != 0 {
		return nil, false
	}
	return out, true
}

// saveListMemo writes the memo of the folders listed on top of the
// snapshot whose header's HMAC is snapMAC: those whose time was trusted
// when listed and where no bundle held an event the snapshot lacks (a
// bundle's events are not named by its file; those the snapshot knows are
// known by their hashes, wherever they are). Nothing is written when
// every folder was taken from the memo already, or none can be kept.
// Errors are ignored: the memo only saves time.
func (c *journalCache) saveListMemo(snapMAC []byte, listed []journal.Listed) {
	if c == nil || len(snapMAC) != sha256.Size {
		return
	}
	var keep []journal.Listed
	fresh := false
	for _, l := range listed {
		if l.MTime != 0 && !l.BundledNew {
			keep = append(keep, l)
			fresh = fresh || !l.Memo
		}
	}
	if !fresh {
		return
	}
	slices.SortFunc(keep, func(x, y journal.Listed) int { return strings.Compare(x.Rel, y.Rel) })
	b := append([]byte(listMemoMagic), snapMAC...)
	b = binary.AppendUvarint(b, uint64(len(keep)))
	for _, l := range keep {
		b = appendString(b, l.Rel)
		b = binary.AppendUvarint(b, uint64(l.MTime))
		b = binary.AppendUvarint(b, uint64(len(l.New)))
		for _, n := range l.New {
			b = appendString(b, n)
		}
		b = binary.AppendUvarint(b, uint64(len(l.Bundles)))
		for _, x := range l.Bundles {
			b = appendString(b, x.Name)
			b = binary.AppendUvarint(b, uint64(x.MTime))
			b = binary.AppendUvarint(b, uint64(x.Size))
		}
		packed, ok := packHashes(slices.Clone(l.LooseKnown))
		if !ok {
			return
		}
		b = appendString(b, string(packed))
	}
	b = c.seal(listMemoSeal, b)
	if os.MkdirAll(c.dir, 0o700) == nil {
		_ = writeFileAtomic(c.memoPath(), b, 0o600)
	}
}

// carryListMemo writes the memo of a snapshot just saved (its header's
// HMAC is mac) from the listings it was made from: the folders whose
// bundles held only known events, with those bundles' stamps, no new
// files (the snapshot knows every event listed), and as the known events
// outside the bundles those the listing had plus its new files. A later
// listing of such a folder takes its bundles unread (journal.MemoFolder).
func (c *journalCache) carryListMemo(mac []byte, listed []journal.Listed) {
	var keep []journal.Listed
	for _, l := range listed {
		if l.MTime == 0 || l.BundledNew || len(l.Bundles) == 0 {
			continue
		}
		loose := slices.Clone(l.LooseKnown)
		for _, name := range l.New {
			h, ok := journal.HashOfPath(name)
			if !ok {
				return
			}
			loose = append(loose, h)
		}
		slices.Sort(loose)
		keep = append(keep, journal.Listed{Rel: l.Rel, MTime: l.MTime, Bundles: l.Bundles, LooseKnown: slices.Compact(loose)})
	}
	if len(keep) > 0 {
		c.saveListMemo(mac, keep)
	}
}
