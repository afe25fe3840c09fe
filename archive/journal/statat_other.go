//go:build !linux

package journal

import (
	"os"
	"path/filepath"
)

// modTimeAt returns the modification time (ns) of the entry name of the
// folder open as dir, not following a symbolic link.
func modTimeAt(dir *os.File, name string) (int64, error) {
	fi, err := os.Lstat(filepath.Join(dir.Name(), name))
	if err != nil {
		return 0, err
	}
	return fi.ModTime().UnixNano(), nil
}

// stampAt is the time (ns) and size of the file name in the folder open
// as dir, not following a link.
func stampAt(dir *os.File, name string) (int64, int64, error) {
	fi, err := os.Lstat(filepath.Join(dir.Name(), name))
	if err != nil {
		return 0, 0, err
	}
	return fi.ModTime().UnixNano(), fi.Size(), nil
}
