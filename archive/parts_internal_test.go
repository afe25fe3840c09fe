package archive

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

// The part table round-trips, and a table that is not whole entries or
// claims offsets or lengths no file has is refused.
func TestPartTable(t *testing.T) {
	ps := []snapPart{{Off: 0, Len: 7, Sum: sha256.Sum256([]byte("a"))}, {Off: 7, Len: math.MaxInt64, Sum: sha256.Sum256(nil)}}
	got, ok := unpackParts(packParts(ps))
	if !ok || !reflect.DeepEqual(got, ps) {
		t.Fatalf("round trip: %v %v", got, ok)
	}
	if got, ok := unpackParts(nil); !ok || len(got) != 0 {
		t.Fatalf("empty table: %v %v", got, ok)
	}
	b := packParts(ps)
	if _, ok := unpackParts(b[:len(b)-1]); ok {
		t.Fatal("a cut table was accepted")
	}
	binary.BigEndian.PutUint64(b[partSize+8:], math.MaxInt64+1)
	if _, ok := unpackParts(b); ok {
		t.Fatal("a length past int64 was accepted")
	}
}
