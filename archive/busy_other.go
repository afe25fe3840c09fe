//go:build !windows

package archive

import "os"

// busyFileOS is false: on Unix a file open in another process can be
// renamed over and removed.
func busyFileOS(error) bool { return false }

// renameOS and removeOS are os.Rename and os.Remove: on Unix a rename
// replaces a file open elsewhere, and open handles go on reading the old
// one (replace.go says what Windows needs).
func renameOS(from, to string) error { return os.Rename(from, to) }

func removeOS(path string) error { return os.Remove(path) }
