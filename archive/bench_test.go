package archive_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"crm/archive"
	"crm/archive/journal"
	"crm/archive/work"
	"crm/testdata/gen"
)

// The floor later work is measured against (issue 2): decrypting n generated
// dossiers through the archive (lookup, hash check, decrypt, parse) against
// bare age decrypting the same ciphertexts. Run:
//
//	go test -run '^$' -bench Decrypt -benchtime 5x ./archive/
func benchArchive(b *testing.B, n int) (*gen.Result, [][]byte) {
	b.Helper()
	dir := b.TempDir()
	r, err := gen.Build(dir, n, nil)
	if err != nil {
		b.Fatal(err)
	}
	cts := make([][]byte, n)
	for i, id := range r.IDs {
		if cts[i], err = os.ReadFile(filepath.Join(dir, "dossiers", id+".age")); err != nil {
			b.Fatal(err)
		}
	}
	return r, cts
}

func BenchmarkDecrypt(b *testing.B) {
	const n = 200
	r, cts := benchArchive(b, n)
	a := r.Archive
	if err := a.SetIdentity(r.Manager); err != nil {
		b.Fatal(err)
	}
	b.Run("bare-age", func(b *testing.B) {
		for b.Loop() {
			for _, ct := range cts {
				if _, err := archive.Decrypt(ct, r.Manager.Age); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	// Encrypting the same plaintexts to the same recipients and decrypting
	// them again, with bare age: the round trip a re-encryption costs.
	plains := make([][]byte, n)
	for i := range plains {
		plains[i] = gen.DossierText(i)
	}
	rs := []age.Recipient{r.Manager.Age.(*age.X25519Identity).Recipient(), r.Clerk.Age.(*age.X25519Identity).Recipient(),
		r.Supervisor.Age.(*age.X25519Identity).Recipient(), r.GM.Age.(*age.X25519Identity).Recipient()}
	b.Run("bare-age-encrypt-decrypt", func(b *testing.B) {
		for b.Loop() {
			for _, p := range plains {
				ct, err := archive.Encrypt(p, rs...)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := archive.Decrypt(ct, r.Manager.Age); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	b.Run("archive-read", func(b *testing.B) {
		for b.Loop() {
			for _, id := range r.IDs {
				if _, err := a.Read(id); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	b.Run("archive-list-parallel", func(b *testing.B) {
		for b.Loop() {
			es, err := a.List(ctx, true)
			if err != nil || len(es) != n {
				b.Fatal(err, len(es))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	// The floor of a list that decrypts: bare age on every core.
	b.Run("bare-age-parallel", func(b *testing.B) {
		for b.Loop() {
			if err := work.Each(ctx, "", n, func(i int) {
				if _, err := archive.Decrypt(cts[i], r.Manager.Age); err != nil {
					b.Error(err)
				}
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	// crm list with the key (ListBrief): cold, with an empty cache (every
	// file decrypted and parsed, its digest kept); warm, from the digests
	// on the files' stamps (trusted at once here: the files are seconds
	// old, older than the racy window in use).
	brief := func(b *testing.B) {
		es, err := a.ListBrief(ctx)
		if err != nil || len(es) != n || !es[0].Readable {
			b.Fatal(err, len(es))
		}
		if err := a.SaveCache(); err != nil {
			b.Fatal(err)
		}
	}
	defer journal.KeepRacyWindow()()
	journal.SetRacyWindow(0)
	b.Run("list-brief-cold", func(b *testing.B) {
		for b.Loop() {
			a.EnableCache(b.TempDir())
			brief(b)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
	a.EnableCache(b.TempDir())
	brief(b)
	b.Run("list-brief-warm", func(b *testing.B) {
		for b.Loop() {
			brief(b)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/dossier")
	})
}

// BenchmarkOpen is what every command pays before its own work: reading,
// checking and replaying the journal of a 1,000-dossier archive, with no
// cache (cold: every event read, parsed and its signature checked) and with
// the user's verified-journal cache (warm: only replay), from the state
// snapshot of a command that only reads, against the floor a
// one-dossier command is compared to, bare age decrypting one file.
func BenchmarkOpen(b *testing.B) {
	r, cts := benchArchive(b, 1000)
	dir := r.Archive.Dir
	// Folders written in the last seconds are always listed again (their
	// time is not trusted yet); an archive in use is older than that.
	old := time.Now().Add(-time.Hour)
	filepath.WalkDir(filepath.Join(dir, "journal"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chtimes(p, old, old)
		}
		return err
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := archive.Open(ctx, dir, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	cache := b.TempDir()
	o := archive.OpenOptions{CacheDir: cache, Identity: r.Manager}
	if _, err := archive.OpenWith(ctx, dir, o); err != nil {
		b.Fatal(err)
	}
	b.Run("warm-cache", func(b *testing.B) {
		for b.Loop() {
			a, err := archive.OpenWith(ctx, dir, o)
			if err != nil {
				b.Fatal(err)
			}
			if a.State.Journal.Reused != len(a.State.Journal.Events) {
				b.Fatalf("%d of %d events from the cache", a.State.Journal.Reused, len(a.State.Journal.Events))
			}
		}
	})
	so := o
	so.Snapshot = true
	if _, err := archive.OpenWith(ctx, dir, so); err != nil {
		b.Fatal(err)
	}
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			a, err := archive.OpenWith(ctx, dir, so)
			if err != nil {
				b.Fatal(err)
			}
			if !a.FromSnapshot() {
				b.Fatal("the snapshot was not used")
			}
		}
	})
	// About one dossier (show, log ID): the snapshot's header and that
	// dossier's part, then its file decrypted.
	one := so
	one.Only = r.IDs[0]
	b.Run("snapshot-one-dossier", func(b *testing.B) {
		for b.Loop() {
			a, err := archive.OpenWith(ctx, dir, one)
			if err != nil {
				b.Fatal(err)
			}
			if !a.Partial() {
				b.Fatal("the whole snapshot was read")
			}
			if err := a.SetIdentity(r.Manager); err != nil {
				b.Fatal(err)
			}
			if _, err := a.Read(r.IDs[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Over every dossier from the journal: review due (the rows part)
	// and borrow list (the registers part).
	for _, c := range []struct {
		name string
		of   archive.Summary
	}{{"snapshot-rows", archive.SummaryRows}, {"snapshot-loans", archive.SummaryLoans}} {
		sum := so
		sum.Summary = c.of
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				a, err := archive.OpenWith(ctx, dir, sum)
				if err != nil {
					b.Fatal(err)
				}
				if !a.Partial() {
					b.Fatal("the whole snapshot was read")
				}
				// (the synthetic archive of this benchmark lends nothing)
				a.Loans(false)
				if c.of == archive.SummaryRows && len(a.ReviewsDue(a.Quarter())) == 0 {
					b.Fatal("no rows read")
				}
			}
		})
	}
	// A step since the snapshot (one event): a command that only reads
	// advances over it and saves no snapshot. Without the listing memo
	// (listmemo.go) every such command lists the month folder that
	// changed and checks its files' times; with it, only the first.
	w, err := archive.OpenWith(ctx, dir, archive.OpenOptions{CacheDir: cache, Identity: r.Manager})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.SetIdentity(r.Manager); err != nil {
		b.Fatal(err)
	}
	if _, err := w.ReviewDone(r.IDs[1], "bench"); err != nil {
		b.Fatal(err)
	}
	filepath.WalkDir(filepath.Join(dir, "journal"), func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			os.Chtimes(p, old, old)
		}
		return err
	})
	rows := so
	rows.Summary = archive.SummaryRows
	for _, memo := range []bool{false, true} {
		name := "after-a-step-listed"
		if memo {
			name = "after-a-step-memo"
		}
		b.Run(name, func(b *testing.B) {
			listed := journal.MonthListings()
			defer func() {
				if n := journal.MonthListings() - listed; memo && n > 1 {
					b.Fatalf("%d listings with the memo", n)
				}
			}()
			for b.Loop() {
				if !memo {
					memos, _ := filepath.Glob(filepath.Join(cache, "journal", "*", "state.listed"))
					for _, m := range memos {
						os.Remove(m)
					}
				}
				a, err := archive.OpenWith(ctx, dir, rows)
				if err != nil {
					b.Fatal(err)
				}
				if !a.Partial() {
					b.Fatal("the whole snapshot was read")
				}
			}
		})
	}
	b.Run("bare-age-one-file", func(b *testing.B) {
		for b.Loop() {
			if _, err := archive.Decrypt(cts[0], r.Manager.Age); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkColdOpen is a user's first command on an archive, with no
// cache of theirs (every event read, parsed, its signature checked, then
// replayed, and the caches written), against its floor: reading every
// event's bytes and checking every signature once, on all cores. It runs
// on CRM_BENCH_ARCHIVE if set (an archive made by crmgen), else on a
// generated history of 300 dossiers over two years:
//
//	CRM_BENCH_ARCHIVE=/tmp/ten/archive go test -run '^$' -bench ColdOpen -benchtime 1x ./archive/
func BenchmarkColdOpen(b *testing.B) {
	dir := os.Getenv("CRM_BENCH_ARCHIVE")
	if dir == "" {
		o := gen.TenYears
		o.Dossiers, o.Years = 300, 2
		h, err := gen.BuildHistory(filepath.Join(b.TempDir(), "archive"), o)
		if err != nil {
			b.Fatal(err)
		}
		dir = h.Archive.Dir
	}
	a, err := archive.Open(ctx, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	// What the floor reads: each event file, or each bundle with the
	// events in it, and each event's signed bytes, signature and key.
	type signed struct {
		body, sig []byte
		key       []byte
	}
	keys := map[string][]byte{}
	for id, m := range a.State.Members {
		if k, err := archive.ParseSigningKey(m.SigningKey); err == nil {
			keys[id] = k
		}
	}
	var files []string
	var sizes []int64 // each file's: the floor reads the biggest bundles first, as crm does
	filepath.WalkDir(filepath.Join(dir, journal.Dir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
			fi, err := d.Info()
			if err != nil {
				return err
			}
			sizes = append(sizes, fi.Size())
		}
		return err
	})
	events := len(a.State.Journal.Events)
	a = nil // not to be scanned by the collector while the rest runs
	runtime.GC()
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			var mu sync.Mutex
			checked := 0
			work.HeaviestFirst(ctx, "", sizes, func(i int) {
				raw, err := os.ReadFile(files[i])
				if err != nil {
					b.Error(err)
					return
				}
				pieces := [][]byte{raw}
				if strings.HasPrefix(filepath.Base(files[i]), "bundle-") {
					pieces, _ = journal.SplitBundle(raw)
				}
				n := 0
				for _, p := range pieces {
					at := bytes.LastIndex(p, []byte("\nsignature: "))
					actor, _, _ := bytes.Cut(p[bytes.Index(p, []byte("\nactor: "))+len("\nactor: "):], []byte("\n"))
					sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(p[at+len("\nsignature: "):])))
					if err != nil || !ed25519.Verify(keys[string(actor)], p[:at+1], sig) {
						b.Errorf("%s: a signature does not verify", files[i])
						return
					}
					n++
				}
				mu.Lock()
				checked += n
				mu.Unlock()
			})
			if checked != events {
				b.Fatalf("%d signatures checked, %d events", checked, events)
			}
		}
	})
	b.Run("crm", func(b *testing.B) {
		for b.Loop() {
			cache := b.TempDir()
			if _, err := archive.OpenWith(ctx, dir, archive.OpenOptions{CacheDir: cache, Snapshot: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
