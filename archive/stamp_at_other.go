//go:build !linux

package archive

import (
	"os"
	"path/filepath"
)

// statStampIn is statStamp of the file name in the folder open as dir
// (nil: name is a path).
func statStampIn(dir *os.File, name string) (fileStamp, bool) {
	if dir == nil {
		return statStamp(name)
	}
	return statStamp(filepath.Join(dir.Name(), name))
}
