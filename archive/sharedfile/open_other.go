//go:build !windows

package sharedfile

import "os"

// Open is os.Open: on Unix an open file can be renamed over and removed.
func Open(path string) (*os.File, error) { return os.Open(path) }

// ReadFile is os.ReadFile.
func ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }
