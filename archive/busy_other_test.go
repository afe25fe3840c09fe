//go:build !windows

package archive

// replacesOpenFiles is true: on Unix a rename replaces an open file.
func replacesOpenFiles() bool { return true }
