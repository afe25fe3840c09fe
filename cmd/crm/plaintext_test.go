package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Folders of other crm processes come and go while cleanStalePlaintext
// lists them (eight editors finishing at once): a folder gone between the
// listing and its stat is skipped, never a panic. (It was: a nil file
// info, seen as an intermittent crash in TestEightWritersOneDossier.)
func TestCleanStalePlaintextWhileFoldersVanish(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "CRM_SHM_DIR" {
			return dir
		}
		return ""
	}
	// Process ids that cannot be running: above the kernel's maximum.
	const dead = 1 << 30
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := filepath.Join(dir, fmt.Sprintf("crm-%d-%d", dead+i%50, i%7))
			os.Mkdir(p, 0o700)
			os.Remove(p)
		}
	}()
	for range 3000 {
		cleanStalePlaintext(getenv)
	}
	close(stop)
	wg.Wait()
	// A dead process's folder that stays is removed.
	p := filepath.Join(dir, fmt.Sprintf("crm-%d-1", dead))
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	cleanStalePlaintext(getenv)
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("a dead process's plaintext folder was kept: %v", err)
	}
}
