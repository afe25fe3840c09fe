package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/testdata/gen"
)

// benchSizes are the archive sizes of BenchmarkReportMonthly: 1k and 10k
// (10k takes a few minutes to generate), only 1k with -short; set
// CRM_BENCH_SIZES=1000,3000 to choose others.
func benchSizes() []int {
	s := os.Getenv("CRM_BENCH_SIZES")
	if s == "" {
		if testing.Short() {
			return []int{1000}
		}
		return []int{1000, 10000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// BenchmarkReportMonthly makes the monthly report (gather, build, render
// as CSV) of a generated archive as the manager, who reads every dossier,
// next to the decrypt floor measured on the same archive in the same run:
// decrypting and parsing every dossier on every core (archive.List(true)).
// The ratio report/floor is what reporting costs over decrypting.
//
//	go test -run '^$' -bench ReportMonthly -benchtime 5x ./report/
//	go test -short -run '^$' -bench ReportMonthly ./report/   # 1k only
func BenchmarkReportMonthly(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			r, err := gen.Build(dir, n, nil)
			if err != nil {
				b.Fatal(err)
			}
			a, err := archive.Open(context.Background(), dir, r.Archive.Now)
			if err != nil {
				b.Fatal(err)
			}
			if err := a.SetIdentity(r.Manager); err != nil {
				b.Fatal(err)
			}
			l, err := LoadLayout("monthly", nil)
			if err != nil {
				b.Fatal(err)
			}
			// The last full month before the archive's clock: a month not
			// yet over gets a note of its own (the figures as of now),
			// which is not the one this benchmark looks for.
			last := time.Date(r.Archive.Now().In(cst).Year(), r.Archive.Now().In(cst).Month(), 1, 0, 0, 0, 0, cst).AddDate(0, -1, 0)
			p := MonthPeriod(last.Year(), last.Month(), cst)
			b.Run("decrypt-floor", func(b *testing.B) {
				for b.Loop() {
					es, err := a.List(context.Background(), true)
					if err != nil || len(es) != n {
						b.Fatal(err, len(es))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
			})
			b.Run("report", func(b *testing.B) {
				for b.Loop() {
					rep, err := Make(a, l, p)
					if err != nil {
						b.Fatal(err)
					}
					if len(rep.Notes) != 0 {
						b.Fatalf("the manager should read every dossier: %v", rep.Notes)
					}
					if err := Render(io.Discard, rep, CSV, Options{}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
			})
		})
	}
}
