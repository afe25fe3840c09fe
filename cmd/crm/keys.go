package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"golang.org/x/term"

	"crm/archive"
	"crm/l10n"
)

// keyUse says what a command does with the user's identity.
type keyUse int

const (
	// keyNone: the command reads the journal only. An identity named
	// explicitly (flag, CRM_IDENTITY, config) is still checked, cheaply and
	// without a passphrase, so that a typo in a cron line is noticed.
	keyNone keyUse = iota
	// keyWanted: the command uses a key when there is one (list, reports).
	// No identity at the default path means no key; an identity that exists
	// or was named and cannot be loaded is an error (exit 3).
	keyWanted
	// keyNeeded: the command cannot work without a key (exit 3).
	keyNeeded
)

// identityConfigured reports whether the user named an identity (--identity,
// CRM_IDENTITY or identity in the config file) rather than relying on the
// default path.
func (e *env) identityConfigured() bool {
	return e.getenv("CRM_IDENTITY") != "" || e.identityFlagSet || e.v.InConfig("identity")
}

// loadKey loads the identity for a command that makes use of it: nil, nil
// when the command goes on without a key. Every failure is Denied (exit 3),
// names the file and says what to do.
func (e *env) loadKey(use keyUse) (*archive.Identity, error) {
	path := e.v.GetString("identity")
	configured := e.identityConfigured()
	if use == keyNone && !configured {
		// The default identity, if it is there and needs no passphrase,
		// seals the journal cache only (plainKeyOf).
		if b, err := os.ReadFile(path); err == nil {
			if id := plainKeyOf(b); id != nil {
				e.cacheID, e.plainID = id.CacheOnly(), id
			}
		}
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !configured && use == keyWanted {
			return nil, nil
		}
		return nil, identityFileError(path, err)
	}
	if use == keyNone {
		// Checked, not unlocked: the command does not need the key.
		if archive.IsEncryptedIdentity(b) {
			return nil, nil
		}
		id, err := archive.ParseIdentityText(b)
		if err != nil {
			return nil, denied(l10n.Errorf("identity file %s: %v", path, err))
		}
		e.cacheID = id.CacheOnly() // the journal cache's key only (plainKeyOf)
		e.plainID = id
		return nil, nil
	}
	return e.unlock(path)
}

// plainKeyOf is the identity in b when it needs no passphrase, else nil.
// A command that reads the journal only seals its verified-journal cache
// and snapshot with its CacheOnly part, so that they are the ones
// the user's commands with the key keep (one state to advance after a
// pull, not two), while the command itself still has no key; verify also
// tries it on the files the journal pins its member for. Nil: such a
// command never asks for a passphrase, and uses the keyless cache.
func plainKeyOf(b []byte) *archive.Identity {
	if archive.IsEncryptedIdentity(b) {
		return nil
	}
	id, err := archive.ParseIdentityText(b)
	if err != nil {
		return nil
	}
	return id
}

// identityFileError is the Denied error for an identity file that cannot be
// read, with what to do about it.
func identityFileError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &archive.Error{Code: archive.Denied, Err: l10n.Errorf("identity file %s does not exist", path), Next: archive.NextKeygen, Arg: path}
	}
	if errors.Is(err, fs.ErrPermission) {
		return denied(l10n.Errorf("identity file %s cannot be read (permission denied): run crm as its owner, or name another with --identity or CRM_IDENTITY", path))
	}
	return denied(l10n.Errorf("identity file %s: %v", path, err))
}

// identity loads the identity file named by the settings, for the commands
// that handle keys themselves (init, textconv). Unless interactive, a
// passphrase-protected file without CRM_PASSPHRASE_FILE is "no identity".
func (e *env) identity(interactive bool) (*archive.Identity, error) {
	path := e.v.GetString("identity")
	if !interactive {
		if b, err := os.ReadFile(path); err != nil || (archive.IsEncryptedIdentity(b) && e.v.GetString("passphrase_file") == "") {
			return nil, errors.New("no identity")
		}
	}
	return e.unlock(path)
}

// unlock loads the identity file at path, asking for its passphrase if it
// has one; a wrong passphrase says where it came from.
func (e *env) unlock(path string) (*archive.Identity, error) {
	asked := false
	ask := e.passphrase(path)
	id, err := archive.LoadIdentity(path, func() (string, error) {
		p, err := ask()
		asked = err == nil
		return p, err
	})
	if err == nil {
		return id, nil
	}
	var ae *archive.Error
	if !errors.As(err, &ae) {
		return nil, denied(err)
	}
	if asked && ae.Code == archive.Denied {
		if f := e.v.GetString("passphrase_file"); f != "" {
			return nil, denied(l10n.Errorf("%v: check the passphrase in %s (CRM_PASSPHRASE_FILE)", err, f))
		}
	}
	return nil, err
}

// passphrase returns the function that supplies an identity's passphrase:
// from the file named by CRM_PASSPHRASE_FILE (which must not be readable by
// group or others), else a prompt on the terminal.
func (e *env) passphrase(path string) func() (string, error) {
	return func() (string, error) {
		if f := e.v.GetString("passphrase_file"); f != "" {
			return readPassphraseFile(f)
		}
		if !e.hasTerminal() {
			return "", (&archive.Error{Code: archive.Denied, Err: l10n.Errorf("identity file %s is passphrase-protected and there is no terminal to ask for it", path), Next: archive.NextPassphrase})
		}
		return e.prompt(l10n.Sprintf("Passphrase for %s: ", path))
	}
}

// readPassphraseFile reads a passphrase file, refusing one that group or
// others may read: a passphrase anyone can read protects nothing. On
// Windows the mode bits say nothing of who may read it (every file not
// read-only is 0666 there; its ACL decides, which crm does not read), so
// no file is refused for them: keep it in your own profile folder, which
// only you may read.
func readPassphraseFile(f string) (string, error) {
	st, err := os.Stat(f)
	if err != nil {
		return "", denied(l10n.Errorf("passphrase file %s (CRM_PASSPHRASE_FILE): %v", f, err))
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", denied(l10n.Errorf("passphrase file %s (CRM_PASSPHRASE_FILE) may be read by others (mode %s): run chmod 600 %s", f, fmt.Sprintf("%04o", st.Mode().Perm()), f))
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return "", denied(l10n.Errorf("passphrase file %s (CRM_PASSPHRASE_FILE): %v", f, err))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// hasTerminal reports whether a terminal can be asked for a secret.
func (e *env) hasTerminal() bool {
	tty, err := openTerminal()
	if err != nil {
		return false
	}
	defer tty.close()
	return term.IsTerminal(int(tty.in.Fd()))
}

// prompt reads a secret from the terminal.
func (e *env) prompt(msg string) (string, error) {
	tty, err := openTerminal()
	if err != nil || !term.IsTerminal(int(tty.in.Fd())) {
		if err == nil {
			tty.close()
		}
		return "", denied(l10n.Errorf("a passphrase is needed and there is no terminal: set CRM_PASSPHRASE_FILE to a file (mode 0600) holding it"))
	}
	defer tty.close()
	fmt.Fprint(tty.out, msg)
	b, err := term.ReadPassword(int(tty.in.Fd()))
	fmt.Fprintln(tty.out)
	return string(b), err
}

// terminal is the user's terminal, opened to ask for a secret even when
// standard input and output are redirected: in is read, out shows the
// question (openTerminal: osfile_unix.go, osfile_windows.go).
type terminal struct{ in, out *os.File }

func (t terminal) close() {
	if t.out != t.in {
		t.out.Close()
	}
	t.in.Close()
}
