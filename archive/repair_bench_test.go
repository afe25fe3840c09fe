package archive_test

import (
	"testing"

	"crm/testdata/gen"
)

// The cost every locked step now pays before its work: take the lock,
// see that the journal is unchanged, and look for what a crash left
// (repairCrash: the journal's temporary files come from its reader, then
// one listing each of dossiers/, members/ and the root). Rekey with
// nothing stale is the smallest locked step. Run:
//
//	go test -run '^$' -bench LockedStep -benchtime 20x ./archive/
func BenchmarkLockedStep(b *testing.B) {
	for _, n := range []int{100, 3000} {
		b.Run(itoa(n), func(b *testing.B) {
			r, err := gen.Build(b.TempDir(), n, nil)
			if err != nil {
				b.Fatal(err)
			}
			a := r.Archive
			if err := a.SetIdentity(r.Manager); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.Rekey(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
