package sharedfile

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// Open opens the file at path for reading, sharing reading, writing and
// deletion: a rename over it (with POSIX semantics, Windows 10 and later
// on NTFS) replaces it while this handle goes on reading the old file,
// and a removal takes effect when the last handle closes. Its errors are
// os.Open's: a *fs.PathError naming path.
func Open(path string) (*os.File, error) {
	if len(path) >= 248 || !filepath.IsAbs(path) {
		// os.Open would give a long path the \\?\ prefix (counting the
		// working folder's length for a relative one); a Root of its
		// folder does, and opens the file's short name in it.
		return rootOpen(path)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	// FILE_FLAG_BACKUP_SEMANTICS as os.Open: a folder opens too.
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// rootOpen opens the file at path through an os.Root of its folder, whose
// Open shares deletion too (Go 1.24 and later).
func rootOpen(path string) (*os.File, error) {
	r, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: underlying(err)}
	}
	defer r.Close() // the file opened stays open
	f, err := r.Open(filepath.Base(path))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: underlying(err)}
	}
	return f, nil
}

// underlying is the error a *fs.PathError wraps, or err.
func underlying(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ReadFile is os.ReadFile through Open.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}
