//go:build linux

package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// dirTimeAt is the modification time (ns) of the entry name of the folder
// open as dir, not following a symbolic link, and whether it is a folder.
// It resolves one name, not the entry's whole path (journalDirs: the
// ~130 month folders of ten years, on every command).
func dirTimeAt(dir *os.File, name string) (int64, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, false, err
	}
	return st.Mtim.Nano(), st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}
