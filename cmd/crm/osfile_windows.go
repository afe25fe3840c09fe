package main

import (
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// The Windows side of what the editor's plaintext folders need from the
// system (editor.go); osfile_unix.go is Unix's.

// settingsFolder is configDir's folder as the help of --identity and
// --config names it: %AppData%\crm (XDG_CONFIG_HOME, which still wins
// when set, is not a Windows variable).
const settingsFolder = `%AppData%\crm`

// exampleSettingsFolder is that folder as the examples write it, for
// cmd.exe, which expands %AppData% (and not ~).
const exampleSettingsFolder = settingsFolder

// defaultEditor is the editor run when none is set (editorCommand):
// Notepad, which every Windows has (vi it has not). crm waits for it to
// close, as for any editor.
const defaultEditor = "notepad"

// backslashEscapes is false on Windows: a backslash in an editor setting
// is the path separator (C:\Tools\ed.exe), as in cmd.exe (editorArgv);
// only quotes make a setting more than a plain path (settingQuotes).
const (
	backslashEscapes = false
	settingQuotes    = `'"`
)

// memoryFolders is empty on Windows: /dev/shm is no folder there, and a
// refusal naming it would send the user looking for it (plaintextDir).
var memoryFolders []string

// isMemoryFS is always false on Windows: it has no memory-backed file
// system of its own, and a RAM disk's volume looks like any other disk to
// crm. So the editor's plaintext is refused there unless the user accepts
// the disk (--allow-disk-tmp) or gives the text with --from.
func isMemoryFS(dir string) bool { return false }

// ownedByMe reports whether the file at path belongs to this process's
// user: its owner SID is the process token's user. A folder made by an
// elevated process is owned by Administrators instead, and is left alone.
func ownedByMe(path string, fi fs.FileInfo) bool {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return false
	}
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return false
	}
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return false
	}
	return owner.Equals(tu.User.Sid)
}

// openTerminal opens the console: CONIN$ to read (read and write, which
// switching its echo off needs) and CONOUT$ to show the question. Windows
// has no /dev/tty; these are the console of the process whatever its
// standard input and output are.
func openTerminal() (terminal, error) {
	in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return terminal{}, err
	}
	out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return terminal{}, err
	}
	return terminal{in, out}, nil
}
