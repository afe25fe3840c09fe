//go:build linux || openbsd || dragonfly

package archive

import "syscall"

// statStamp is what stat says of the file at path (fileStamp).
func statStamp(path string) (fileStamp, bool) {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return fileStamp{}, false
	}
	return fileStamp{Size: int64(st.Size), Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: uint64(st.Ino), Dev: uint64(st.Dev)}, true
}
