//go:build unix

package archive_test

import (
	"syscall"
	"testing"
)

// setUmask sets the process's umask and returns the old one.
func setUmask(mask int) int { return syscall.Umask(mask) }

// limitOpenFiles lowers the soft limit of open files to 256 for the test,
// where the system lets it.
func limitOpenFiles(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = 256 // an int64 on some systems, a uint64 on others
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low) == nil {
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	}
}
