package archive

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// On Windows a rename over a file that another handle holds open fails,
// even when every handle was opened with FILE_SHARE_DELETE, unless the
// rename asks for POSIX semantics (Windows 10 1607 and later, on NTFS and
// ReFS): the file under the old name is then unlinked, and open handles go
// on reading it, as on Unix. Go's os.Rename does not ask for them and
// os.Open does not share deletion. An os.Root's Rename tries POSIX
// semantics first and falls back where the file system has none, such as
// FAT (Go 1.24 and later), so crm renames through a Root on Windows
// (busy_windows.go), and reads dossier files, the journal's files, the
// state snapshot (which the command that read it also saves again once
// advanced: saveAdvanced) and the journal cache through sharedfile, which
// shares deletion. A handle opened without FILE_SHARE_DELETE elsewhere
// (git, an editor, a virus scanner) still refuses the rename; the write
// path waits for it (retryBusy).

// rootRename renames from to to through an os.Root of to's folder, when
// both are in the same folder (else with os.Rename). Its error names the
// two paths as os.Rename's does.
func rootRename(from, to string) error {
	dir := filepath.Dir(to)
	if filepath.Dir(from) != dir {
		return os.Rename(from, to)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: underlying(err)}
	}
	defer r.Close()
	if err := r.Rename(filepath.Base(from), filepath.Base(to)); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: underlying(err)}
	}
	return nil
}

// underlying is the error a *fs.PathError or *os.LinkError wraps, or err.
func underlying(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
