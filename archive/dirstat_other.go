//go:build !linux

package archive

import (
	"os"
	"path/filepath"
)

// dirTimeAt is the modification time (ns) of the entry name of the folder
// open as dir, not following a symbolic link, and whether it is a folder.
func dirTimeAt(dir *os.File, name string) (int64, bool, error) {
	fi, err := os.Lstat(filepath.Join(dir.Name(), name))
	if err != nil {
		return 0, false, err
	}
	return fi.ModTime().UnixNano(), fi.IsDir(), nil
}
