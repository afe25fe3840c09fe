//go:build darwin || freebsd || netbsd

package archive

import (
	"os"
	"syscall"
)

// changeTime is the change time (ns), inode and device stat gives fi.
func changeTime(fi os.FileInfo) (ctime int64, ino, dev uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	return st.Ctimespec.Nano(), uint64(st.Ino), uint64(st.Dev), true
}
