package archive

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"crm/archive/journal"
)

// The memo reads back what it wrote, and no bytes make its decoder
// panic or claim more than they hold.
func FuzzDecodeListMemo(f *testing.F) {
	c := &journalCache{dir: f.TempDir()}
	mac := bytes.Repeat([]byte{7}, sha256.Size)
	known := strings.Repeat("ab", 32)
	c.saveListMemo(mac, []journal.Listed{
		{Rel: "journal/2026/12", MTime: 1796471722394997581, New: []string{"20261205T115522Z-aa.yaml", "20261205T115523Z-bb.yaml"}},
		{Rel: "journal/2026/11", MTime: 1796400000000000000, Bundles: []journal.BundleStamp{{Name: "bundle-x.yaml", MTime: 7, Size: 9}}, LooseKnown: []string{known}},
	})
	got := c.readListMemo(mac)
	nov := got["journal/2026/11"]
	if len(got) != 2 || got["journal/2026/12"].MTime != 1796471722394997581 || len(got["journal/2026/12"].New) != 2 || nov.New != nil ||
		len(nov.Bundles) != 1 || nov.Bundles[0] != (journal.BundleStamp{Name: "bundle-x.yaml", MTime: 7, Size: 9}) || len(nov.LooseKnown) != 1 || nov.LooseKnown[0] != known {
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
			names += len(rel) + len(e.New) + len(e.Bundles)
		}
		if names > len(b) {
			t.Fatalf("%d names and folders from %d bytes", names, len(b))
		}
	})
}
