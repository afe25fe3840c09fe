package journal

import "testing"

// FuzzReadPacked: any bytes are refused or read, never a panic, and what
// is read decodes its data without a panic either.
func FuzzReadPacked(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		root := "/nowhere"
		e, _, err := ReadPacked(b, &root, []string{"k1", "k2"})
		if err == nil {
			e.DataNode()
			var v map[string]any
			e.DecodeLoose(&v)
		}
		n, _, err := unpackNode(b, 0)
		if err == nil {
			var v any
			n.Decode(&v)
		}
	})
}
