package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// plaintextDirPID reads the names plaintextPattern makes as the regular
// expression ^crm-([0-9]+)-[0-9]+$ did, and nothing else.
func TestPlaintextDirPID(t *testing.T) {
	re := regexp.MustCompile(`^crm-([0-9]+)-[0-9]+$`)
	for _, name := range []string{
		"crm-123-4", "crm-1-0", "crm-99999999999999999999-1", "crm-123-", "crm--4", "crm-123",
		"crm-12a-4", "crm-123-4x", "crm-123-4-5", "xcrm-123-4", "crm-123-4\n", "crm-١٢٣-4",
		"crm-", "crm", "", "crm-0-0", "crm-+1-2", "crm- 1-2",
	} {
		pid, ok := plaintextDirPID(name)
		m := re.FindStringSubmatch(name)
		if ok != (m != nil) || ok && pid != m[1] {
			t.Errorf("%q: got %q %v, the expression %q", name, pid, ok, m)
		}
	}
	p := plaintextPattern()
	name := p[:len(p)-1] + "12345"
	if pid, ok := plaintextDirPID(name); !ok || pid != strconv.Itoa(os.Getpid()) {
		t.Fatalf("%s: %q %v", name, pid, ok)
	}
}
