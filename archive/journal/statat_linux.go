//go:build linux

package journal

import (
	"os"

	"golang.org/x/sys/unix"
)

// modTimeAt returns the modification time (ns) of the entry name of the
// folder open as dir, not following a symbolic link. It resolves one
// name, not the entry's whole path: for the ~39,000 event files of a
// month a quarter's 核定 went into, 55–70 ms against 125 ms by path.
func modTimeAt(dir *os.File, name string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	return st.Mtim.Nano(), nil
}

// stampAt is the time (ns) and size of the file name in the folder open
// as dir, not following a link.
func stampAt(dir *os.File, name string) (int64, int64, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, 0, err
	}
	return st.Mtim.Nano(), st.Size, nil
}
