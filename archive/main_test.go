package archive_test

import (
	"flag"
	"os"
	"testing"

	"crm/archive"
)

// TestMain lets the tests remember what each identity decrypted: they
// open the same files hundreds of times (every cold report they compare
// with). Benchmarks decrypt every time: their figures are of that.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		archive.RememberDecrypted()
	}
	os.Exit(m.Run())
}
