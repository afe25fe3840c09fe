//go:build !unix

package archive

import "os"

// mapRegion: nothing is mapped here; parts are read.
func mapRegion(f *os.File, off, n int64) (b []byte, unmap func(), ok bool) {
	return nil, nil, false
}
