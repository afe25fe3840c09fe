//go:build !windows

package archive

// busyFileOS is false: on Unix a file open in another process can be
// renamed over and removed.
func busyFileOS(error) bool { return false }
