//go:build linux

package archive

import "golang.org/x/sys/unix"

// dirAt is a folder open to take the times of what is below it by name
// (journalDirs: the ~130 month folders of ten years, on every command),
// each name resolved from it rather than its whole path. It is opened
// with open(2) itself: an os.File of a folder is tried on the poller
// (epoll_ctl, fcntl) when opened and set blocking again by Fd.
type dirAt struct{ fd int }

func openDirAt(path string) (dirAt, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	return dirAt{fd}, err
}

func (d dirAt) close() { unix.Close(d.fd) }

// timeAt is the modification time (ns) of name below the folder, not
// following a symbolic link for its last element, and whether it is a
// folder.
func (d dirAt) timeAt(name string) (int64, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, false, err
	}
	return st.Mtim.Nano(), st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}
