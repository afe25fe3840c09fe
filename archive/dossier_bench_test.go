package archive_test

import (
	"testing"

	"crm/archive"
	"crm/testdata/gen"
)

// ParseDossier runs on every decrypted dossier (list, reports, search):
// measure it on a generated dossier of realistic size, and on one with both
// survey forms, contacts and extra: filled in.
//
//	go test -run '^$' -bench ParseDossier ./archive/
func BenchmarkParseDossier(b *testing.B) {
	for _, c := range []struct {
		name string
		text []byte
	}{{"generated", gen.DossierText(7)}, {"full-survey", []byte(fullDossier)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if _, err := archive.ParseDossier(c.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
