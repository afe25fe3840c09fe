//go:build unix

package archive

import (
	"os"
	"syscall"
)

// mapRegion maps n bytes of f from offset off read-only, faulted in at
// once (MAP_POPULATE where there is one), and returns what unmaps them.
// ok is false when the system does not map it: read it instead.
//
// The bytes are the file's page cache itself, not a copy: they change if
// the file is written in place. crm replaces its cache files (rename),
// never writes them in place, so a mapped region holds what was checked.
func mapRegion(f *os.File, off, n int64) (b []byte, unmap func(), ok bool) {
	if n <= 0 || off < 0 || int64(int(n)) != n {
		return nil, nil, false
	}
	page := int64(os.Getpagesize())
	start := off - off%page
	m, err := syscall.Mmap(int(f.Fd()), start, int(off-start+n), syscall.PROT_READ, syscall.MAP_SHARED|mapPopulate)
	if err != nil {
		return nil, nil, false
	}
	b = m[off-start:]
	return b[:n:n], func() { syscall.Munmap(m) }, true
}
