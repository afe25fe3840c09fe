//go:build !linux

package archive

import (
	"os"
	"path/filepath"
)

// dirAt is a folder whose entries' times are taken (journalDirs); here by
// their whole paths.
type dirAt struct{ path string }

func openDirAt(path string) (dirAt, error) { return dirAt{path}, nil }

func (d dirAt) close() {}

// timeAt is the modification time (ns) of name below the folder, not
// following a symbolic link for its last element, and whether it is a
// folder.
func (d dirAt) timeAt(name string) (int64, bool, error) {
	fi, err := os.Lstat(filepath.Join(d.path, filepath.FromSlash(name)))
	if err != nil {
		return 0, false, err
	}
	return fi.ModTime().UnixNano(), fi.IsDir(), nil
}
