package archive

import (
	"bytes"
	"testing"
)

// FuzzDecodeStamps: any bytes are refused or give records that encode
// back to them; never a panic.
func FuzzDecodeStamps(f *testing.F) {
	r := stampRecords{
		files:  map[string]fileRec{"dossiers/C-000001.age": {stamp: fileStamp{Size: 9, Mtime: 1, Ctime: 2, Ino: 3, Dev: 4}, kind: "X25519", n: 3}},
		months: map[string]monthRec{"journal/2026/11": {bundles: []bundleStamp{{name: "bundle-x.yaml", stamp: fileStamp{Size: 1}}}}},
	}
	f.Add(encodeStamps(nil, r))
	f.Add(encodeStamps(nil, stampRecords{}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeStamps(b)
		if !ok {
			return
		}
		if again := encodeStamps(nil, got); !bytes.Equal(again, b) && len(got.files)+len(got.months) > 0 {
			// Records read back must say what was written; only the
			// order of a map and varint forms may differ.
			if back, ok := decodeStamps(again); !ok || len(back.files) != len(got.files) || len(back.months) != len(got.months) {
				t.Fatalf("%x decodes to records that do not read back", b)
			}
		}
	})
}
