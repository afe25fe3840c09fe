package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"crm/archive"
	"crm/l10n"
)

// memoryBacked reports whether dir is in memory-backed storage: isMemoryFS
// (osfile_unix.go, osfile_windows.go), a variable for the tests (a machine
// may have none).
var memoryBacked = isMemoryFS

// plaintextDir makes a private (0700) folder for a plaintext temp file in
// memory-backed storage: memoryFolders (/dev/shm; none on Windows) or
// $XDG_RUNTIME_DIR, or only $CRM_SHM_DIR
// when that is set. Disk is refused unless allowDisk (DESIGN.md principle 6).
func (e *env) plaintextDir(allowDisk bool) (string, error) {
	return e.privateDir(allowDisk, plaintextPattern())
}

// privateDir makes a new private (0700) folder named by pattern where
// plaintextDir makes its folders.
func (e *env) privateDir(allowDisk bool, pattern string) (string, error) {
	candidates := append(slices.Clone(memoryFolders), e.getenv("XDG_RUNTIME_DIR"))
	if d := e.getenv("CRM_SHM_DIR"); d != "" {
		candidates = []string{d} // an explicit choice is the only one
	}
	var tried []string
	var mkErr error // why a folder could not be made in memory-backed storage
	for _, d := range candidates {
		if d == "" {
			continue
		}
		tried = append(tried, d)
		if memoryBacked(d) {
			dir, err := os.MkdirTemp(d, pattern)
			if err == nil {
				return dir, nil
			}
			mkErr = err
		}
	}
	if !allowDisk {
		if mkErr != nil {
			return "", l10n.Errorf("no private folder could be made in memory-backed storage (%v): plaintext would land on disk. Use --from FILE, or --allow-disk-tmp if you accept the risk", mkErr)
		}
		if len(tried) == 0 { // Windows: no folder to try
			return "", l10n.Errorf("this system has no memory-backed temp storage: plaintext would land on disk. Use --from FILE, or --allow-disk-tmp if you accept the risk")
		}
		return "", l10n.Errorf("no memory-backed temp storage found (tried %s): plaintext would land on disk. Use --from FILE, or --allow-disk-tmp if you accept the risk", l10n.List(tried))
	}
	if d := e.getenv("CRM_SHM_DIR"); d != "" {
		return os.MkdirTemp(d, pattern)
	}
	return os.MkdirTemp("", pattern)
}

// keptPattern names the folder of a text kept after its save was refused
// (keepText): not plaintextPattern's, so that the next crm run, which
// removes the folders of editors whose crm is gone, leaves it.
const keptPattern = "crm-kept-*"

// keptError is the error of a save refused after the editor ran, with
// where the text typed in it was kept (keepText) and what to do with it:
// present says both, and the exit code is the refusal's.
type keptError struct {
	err  error
	note string
}

func (k *keptError) Error() string { return k.err.Error() + "\ncrm: " + k.note }
func (k *keptError) Unwrap() error { return k.err }

// keepRefused is err, the refusal of a save of text typed in the editor
// (which opened on opened), with the text kept in a private file
// (keepText) named name, and a note that says where and what next: redo
// is the command that saves the file ("crm edit ID"), and look, if not
// "", shows the version another session saved first (ErrConflict). A step
// journaled all the same (archive.Unfinished), or a text left as it was
// opened, keeps nothing.
func (e *env) keepRefused(err error, name string, opened, text []byte, allowDisk bool, redo, look string) error {
	if err == nil || archive.IsCode(err, archive.Unfinished) || bytes.Equal(text, opened) {
		return err
	}
	path, memory, kerr := e.keepText(name, text, allowDisk)
	if kerr != nil {
		return &keptError{err, l10n.Sprintf("the text you typed could not be kept (%v): it is lost", kerr)}
	}
	where := l10n.T("in memory-backed storage: gone at the next restart")
	if !memory {
		where = l10n.T("on disk, as --allow-disk-tmp allowed")
	}
	// The command is one a shell reads whole ($TMPDIR or $CRM_SHM_DIR
	// may hold a space).
	next := l10n.Sprintf("once that is settled, `%s --from %s`", redo, shellQuote(path))
	if look != "" && errors.Is(err, archive.ErrConflict) {
		next = l10n.Sprintf("look at the version saved since with `%s`, bring your changes into the file, then `%s --from %s`", look, redo, shellQuote(path))
	}
	return &keptError{err, l10n.Sprintf("your text is kept in %s (readable by you only; %s): %s. It holds dossier text in plaintext: delete the file when you are done.", path, where, next)}
}

// redoFlags are the flags of a command run again on its kept text
// (keepRefused's redo) that it does not carry: --from, which the redo
// gives; --template, which excludes --from and whose text is in the file
// kept; --allow-disk-tmp, which only governs the editor's file and --from
// opens no editor.
var redoFlags = []string{"from", "template", "allow-disk-tmp"}

// pathFlags are the flags whose value is a path: the redo command gives
// them whole, as it gives the file kept, for a command run from any folder.
var pathFlags = []string{"archive", "identity", "config"}

// redoCommand is the command line that runs cmd again as the user ran it,
// for keepRefused: name ("crm new", "crm edit ID") and every flag the
// user set on the command line (the root's too: --archive, --identity,
// --now…) but redoFlags and own (the flags the caller gives itself, from
// what was typed), each as the command used it (used: a value read from a
// short form, as --level's), quoted for a shell. A flag not set is left
// out, so that its default (or the environment's) still holds.
func redoCommand(cmd *cobra.Command, name string, used map[string]string, own ...string) string {
	words := []string{name}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if slices.Contains(redoFlags, f.Name) || slices.Contains(own, f.Name) {
			return
		}
		v := f.Value.String()
		if u, ok := used[f.Name]; ok {
			v = u
		}
		if f.Value.Type() == "bool" {
			if v == "true" {
				words = append(words, "--"+f.Name)
			} else {
				words = append(words, "--"+f.Name+"=false")
			}
			return
		}
		if slices.Contains(pathFlags, f.Name) && v != "" {
			if abs, err := filepath.Abs(v); err == nil {
				v = abs
			}
		}
		words = append(words, "--"+f.Name, shellQuote(v))
	})
	return strings.Join(words, " ")
}

// keepText writes text to a new 0600 file, named name, in a new private
// folder where the editor's plaintext lives (privateDir), and returns its
// path and whether it is in memory-backed storage. Unlike the editor's
// folder it outlives the process: the user reads it and deletes it.
func (e *env) keepText(name string, text []byte, allowDisk bool) (string, bool, error) {
	dir, err := e.privateDir(allowDisk, keptPattern)
	if err != nil {
		return "", false, err
	}
	path := filepath.Join(dir, name)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // printed for a command run from anywhere ($CRM_SHM_DIR may be relative)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return "", false, err
	}
	_, err = f.Write(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", false, err
	}
	return path, memoryBacked(dir), nil
}

// plaintextPattern names a plaintext folder after the process that made
// it (crm-PID-N), so that the next crm run can tell one left by a killed
// process (SIGKILL skips every cleanup) from one in use.
func plaintextPattern() string { return "crm-" + strconv.Itoa(os.Getpid()) + "-*" }

// plaintextDirPID is the process id part of a name plaintextPattern
// made (crm-PID-N: ^crm-([0-9]+)-[0-9]+$), read without a regular
// expression: every run of crm looks at the crm- names of /dev/shm and
// /tmp, and compiling one cost ~0.07 ms and ~190 KB of fresh memory.
func plaintextDirPID(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "crm-")
	if !ok {
		return "", false
	}
	pid, n, ok := strings.Cut(rest, "-")
	return pid, ok && asciiDigits(pid) && asciiDigits(n)
}

// asciiDigits reports whether s is one or more of 0-9.
func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// cleanStalePlaintext removes the plaintext folders that crm processes of
// this user left behind when they were killed: only folders named by
// plaintextPattern, owned by this user, whose process is gone. Every run
// of crm calls it, so a killed edit's plaintext lives until the next run.
func cleanStalePlaintext(getenv func(string) string) {
	dirs := []string{"/dev/shm", getenv("XDG_RUNTIME_DIR"), os.TempDir()}
	if d := getenv("CRM_SHM_DIR"); d != "" {
		dirs = []string{d}
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		// Names only, and only crm's looked at: a shared /tmp may hold
		// thousands of entries (0.85 ms of every command with 1,800).
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, name := range names {
			if !strings.HasPrefix(name, "crm-") {
				continue
			}
			pidText, ok := plaintextDirPID(name)
			if !ok {
				continue
			}
			// Another crm may remove its folder between the listing and
			// here (eight editors finishing at once): then there is no
			// info, and nothing to clean.
			path := filepath.Join(dir, name)
			fi, err := os.Lstat(path)
			if err != nil || !fi.IsDir() || !ownedByMe(path, fi) {
				continue
			}
			pid, _ := strconv.Atoi(pidText)
			if pid != os.Getpid() && archive.ProcessGone(pid) {
				os.RemoveAll(path)
			}
		}
	}
}

// editorCommand is the user's editor, split like a shell would split it
// ("code --wait" → [code --wait]).
func (e *env) editorCommand() []string {
	for _, s := range []string{e.v.GetString("editor"), e.getenv("VISUAL"), e.getenv("EDITOR")} {
		if f := editorArgv(s); len(f) > 0 {
			return f
		}
	}
	return []string{defaultEditor}
}

// editorArgv splits an editor setting as sh would: at blanks, but not
// inside '…' or "…" or after a backslash, so that
// `"/opt/My Editor/ed" -w` is a path with a space and one argument. A
// setting that is as a whole the path of a file is that path, spaces and
// all (EDITOR=/Applications/Sublime Text/subl, written unquoted). On
// Windows a backslash is the path separator, as in cmd.exe, never an
// escape (backslashEscapes): EDITOR=C:\Tools\ed.exe -w is that path and -w.
func editorArgv(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if !strings.ContainsAny(s, settingQuotes) {
		if fi, err := os.Stat(s); err == nil && !fi.IsDir() {
			return []string{s}
		}
	}
	var argv []string
	var cur strings.Builder
	inArg := false
	var quote rune
	escaped, dqEscaped := false, false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case dqEscaped:
			// In "…", a backslash quotes only $ ` " \ (sh).
			if !strings.ContainsRune("$`\"\\", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			dqEscaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				dqEscaped = backslashEscapes
				if !backslashEscapes {
					cur.WriteRune(r)
				}
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case r == '\\' && backslashEscapes:
			escaped, inArg = true, true
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				argv = append(argv, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inArg {
		argv = append(argv, cur.String())
	}
	return argv
}

const errorMarker = "# crm: "

// errUntouched is editLoop's error when untouchedCancels and the user
// left the text as it was (quit without saving): nothing is to be done.
var errUntouched = errors.New("untouched")

// editLoop opens the editor on text until validate accepts the result, as
// `kubectl edit` does: each time it fails, the problems are put at the top
// of the file as comments, their line numbers counting those comment lines,
// and the editor opens again. An emptied file, or a file left unchanged
// after a problem (:q!), gives up; with untouchedCancels, so does a text
// left as it was the first time (errUntouched: the template of crm new).
// The plaintext lives only in a 0600 file in memory-backed storage, removed
// on return and on SIGINT/SIGTERM/SIGHUP (then the process exits
// 128+signal: 130 for Ctrl-C).
func (e *env) editLoop(text []byte, allowDisk, untouchedCancels bool, validate func([]byte) error) ([]byte, error) {
	if !e.io.InTerminal && e.v.GetString("editor") == "" {
		return nil, usagef("no terminal to run an editor in: give the dossier with --from FILE or --from - (stdin), or name a non-interactive editor with CRM_EDITOR")
	}
	dir, err := e.plaintextDir(allowDisk)
	if err != nil {
		return nil, err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
		os.RemoveAll(dir)
	}()
	// The editor open when a signal comes is ended first: left running,
	// it would hold the plaintext and share the terminal with the shell
	// crm returns to.
	var ed struct {
		sync.Mutex
		p      *os.Process
		exited chan struct{}
	}
	var interrupted atomic.Bool
	go func() {
		select {
		case sig := <-sigs:
			interrupted.Store(true)
			ed.Lock()
			p, exited := ed.p, ed.exited
			ed.Unlock()
			if p != nil {
				endEditor(p, exited, sig)
			}
			os.RemoveAll(dir)
			os.Exit(128 + int(sig.(syscall.Signal)))
		case <-done:
		}
	}()
	path := filepath.Join(dir, "dossier.yaml")
	cur := text
	var lastErr error
	for {
		os.Remove(path)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = f.Write(cur)
		f.Close()
		if err != nil {
			return nil, err
		}
		argv := append(e.editorCommand(), path)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err = cmd.Start()
		if err == nil {
			exited := make(chan struct{})
			ed.Lock()
			ed.p, ed.exited = cmd.Process, exited
			ed.Unlock()
			err = cmd.Wait()
			close(exited)
			ed.Lock()
			ed.p = nil
			ed.Unlock()
		}
		if interrupted.Load() {
			select {} // the signal's goroutine cleans up and exits
		}
		if err != nil {
			return nil, l10n.Errorf("editor %s failed: %v; nothing was saved", argv[0], err)
		}
		edited, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		edited = stripErrorHeader(edited)
		if len(bytes.TrimSpace(stripComments(edited))) == 0 {
			return nil, l10n.Errorf("the file was emptied: nothing saved")
		}
		if lastErr == nil && untouchedCancels && bytes.Equal(edited, text) {
			return nil, errUntouched
		}
		if lastErr != nil && bytes.Equal(edited, stripErrorHeader(cur)) {
			// Line numbers as the editor showed them, below the problems.
			offset := 1 + len(problemLines(lastErr, edited, 0))
			return nil, l10n.Errorf("the problems were not fixed; nothing saved: %s", strings.Join(problemLines(lastErr, edited, offset), "; "))
		}
		if err := validate(edited); err != nil {
			// The problems go above the text: their line numbers count
			// the lines they take.
			offset := 1 + len(problemLines(err, edited, 0))
			var h bytes.Buffer
			h.WriteString(errorMarker + l10n.T("please fix these problems, save and quit; quit without saving or empty the file to give up") + "\n")
			for _, line := range problemLines(err, edited, offset) {
				h.WriteString(errorMarker + line + "\n")
			}
			cur = append(h.Bytes(), edited...)
			lastErr = err
			continue
		}
		return edited, nil
	}
}

// endEditor ends editor p, whose exit closes exited, when crm gets sig:
// SIGHUP is passed on, an interrupt or a termination asks it to end with
// SIGTERM (vim ignores SIGINT, and restores the terminal on SIGTERM), and
// one that is still running after a while is killed.
func endEditor(p *os.Process, exited <-chan struct{}, sig os.Signal) {
	if sig != syscall.SIGHUP {
		sig = syscall.SIGTERM
	}
	p.Signal(sig)
	select {
	case <-exited:
		return
	case <-time.After(3 * time.Second):
	}
	p.Kill()
	select {
	case <-exited:
	case <-time.After(time.Second):
	}
}

func stripErrorHeader(b []byte) []byte {
	for bytes.HasPrefix(b, []byte(errorMarker)) {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return b
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}

func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no input")
	}
	return io.ReadAll(r)
}
