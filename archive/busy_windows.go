package archive

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// busyFileOS reports whether err is one Windows gives for a file that
// another process holds open: a sharing violation, or access denied (a
// rename or removal of a file open without FILE_SHARE_DELETE, or pending
// deletion). Access denied by the file's ACL looks the same: it is tried
// again for busyWait, then returned as it is.
func busyFileOS(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

// renameOS renames through an os.Root, with POSIX semantics where the
// file system has them: a file crm holds open (sharedfile.Open, which
// shares deletion) is then replaced without waiting for it to be closed
// (replace.go). removeOS is os.Remove.
func renameOS(from, to string) error { return rootRename(from, to) }

func removeOS(path string) error { return os.Remove(path) }
