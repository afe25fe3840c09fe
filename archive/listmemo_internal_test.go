package archive

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"crm/archive/journal"
)

// The memo reads back what it wrote, and no bytes make its decoder
// panic or claim more than they hold.
func FuzzDecodeListMemo(f *testing.F) {
	c := &journalCache{dir: f.TempDir()}
	mac := bytes.Repeat([]byte{7}, sha256.Size)
	c.saveListMemo(mac, []journal.Listed{
		{Rel: "journal/2026/12", MTime: 1796471722394997581, New: []string{"20261205T115522Z-aa.yaml", "20261205T115523Z-bb.yaml"}},
		{Rel: "journal/2026/11", MTime: 1796400000000000000},
	})
	got := c.readListMemo(mac)
	if len(got) != 2 || got["journal/2026/12"].mtime != 1796471722394997581 || len(got["journal/2026/12"].names) != 2 || got["journal/2026/11"].names != nil {
		f.Fatalf("memo read back as %+v", got)
	}
	if c.readListMemo(bytes.Repeat([]byte{8}, sha256.Size)) != nil {
		f.Fatal("a memo of another snapshot was read")
	}
	if (&journalCache{dir: c.dir, key: [32]byte{1}}).readListMemo(mac) != nil {
		f.Fatal("a memo sealed with another key was read")
	}
	f.Add([]byte{2, 3, 'a', '/', 'b', 5, 1, 1, 'x', 0, 0, 0})
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := decodeListMemo(b)
		if !ok {
			return
		}
		names := 0
		for rel, e := range m {
			names += len(rel) + len(e.names)
		}
		if names > len(b) {
			t.Fatalf("%d names and folders from %d bytes", names, len(b))
		}
	})
}
