// Command agefloor is the floor issue 11 measures a decrypting list
// against: every dossier file of an archive decrypted with bare
// filippo.io/age, on every core, in one process, nothing else.
//
//	go run ./testdata/scale/agefloor DIR/archive KEYFILE
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/age"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: agefloor ARCHIVE KEYFILE")
		os.Exit(2)
	}
	kb, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "agefloor:", err)
		os.Exit(1)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(kb))
	if err != nil {
		fmt.Fprintln(os.Stderr, "agefloor:", err)
		os.Exit(1)
	}
	files, _ := filepath.Glob(filepath.Join(os.Args[1], "dossiers", "*.age"))
	start := time.Now()
	var next, opened, plain atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				f, err := os.Open(files[i])
				if err != nil {
					continue
				}
				if r, err := age.Decrypt(f, ids...); err == nil {
					n, _ := io.Copy(io.Discard, r)
					plain.Add(n)
					opened.Add(1)
				}
				f.Close()
			}
		})
	}
	wg.Wait()
	fmt.Printf("floor: %d files, %d decrypted (%d bytes) in %.2f s\n", len(files), opened.Load(), plain.Load(), time.Since(start).Seconds())
}
