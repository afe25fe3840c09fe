//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
)

// The Unix side of what the editor's plaintext folders need from the
// system (editor.go); osfile_windows.go is Windows's.

// settingsFolder is configDir's folder as the help of --identity and
// --config names it.
const settingsFolder = "$XDG_CONFIG_HOME/crm"

// exampleSettingsFolder is that folder as the examples write it.
const exampleSettingsFolder = "~/.config/crm"

// memoryFolders are the memory-backed folders plaintextDir tries before
// $XDG_RUNTIME_DIR.
var memoryFolders = []string{"/dev/shm"}

// defaultEditor is the editor run when none is set (editorCommand).
const defaultEditor = "vi"

// backslashEscapes: a backslash in an editor setting quotes the next
// character, as in sh (editorArgv); settingQuotes are the characters that
// make a setting more than a plain path.
const (
	backslashEscapes = true
	settingQuotes    = `'"\`
)

// Filesystem magic numbers of memory-backed storage (statfs(2)).
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

func isMemoryFS(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	// Type is an int32 on some platforms, an int64 on others: compared as
	// the 32 bits the magic numbers are.
	t := uint32(st.Type)
	return t == tmpfsMagic || t == ramfsMagic
}

// ownedByMe reports whether the file at path (fi, its Lstat) belongs to
// this process's user.
func ownedByMe(path string, fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// openTerminal opens /dev/tty, the process's controlling terminal, for
// both reading and writing.
func openTerminal() (terminal, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return terminal{}, err
	}
	return terminal{tty, tty}, nil
}
