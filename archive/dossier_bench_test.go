package archive_test

import (
	"testing"

	"crm/archive"
	"crm/testdata/gen"
)

// ParseDossier runs on every decrypted dossier (list, reports, search):
// measure it on a generated dossier of realistic size.
//
//	go test -run '^$' -bench ParseDossier ./archive/
func BenchmarkParseDossier(b *testing.B) {
	text := gen.DossierText(7)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := archive.ParseDossier(text); err != nil {
			b.Fatal(err)
		}
	}
}
