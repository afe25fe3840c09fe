//go:build linux

package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// statStampIn is statStamp of the file name in the folder open as dir
// (nil: name is a path), resolving one name rather than the whole path:
// ListBrief and the reports stat every dossier file, 100,000 at 100,000
// dossiers, and each stat by path took a fifth more CPU.
func statStampIn(dir *os.File, name string) (fileStamp, bool) {
	if dir == nil {
		return statStamp(name)
	}
	var st unix.Stat_t
	if unix.Fstatat(int(dir.Fd()), name, &st, 0) != nil { // following a link, as stat
		return fileStamp{}, false
	}
	return fileStamp{Size: int64(st.Size), Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: uint64(st.Ino), Dev: uint64(st.Dev)}, true
}
