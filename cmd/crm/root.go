package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/l10n"
)

// IO is where a command reads and writes; tests pass buffers.
type IO struct {
	In         io.Reader
	Out, Err   io.Writer
	InTerminal bool // stdin is a terminal: prompts and editors are allowed
}

func newSystemIO() *IO {
	var out io.Writer = os.Stdout
	if term.IsTerminal(int(os.Stdout.Fd())) {
		out = termWriter{os.Stdout}
	}
	var errw io.Writer = os.Stderr
	if term.IsTerminal(int(os.Stderr.Fd())) {
		errw = termWriter{os.Stderr}
	}
	return &IO{In: os.Stdin, Out: out, Err: errw, InTerminal: term.IsTerminal(int(os.Stdin.Fd()))}
}

// termWriter is standard output or standard error when it is a terminal.
// Data a command prints (a 核定's note, a reason, a name, a spreadsheet's
// header in a message) may carry control characters written into an
// event or a file by hand or by an older crm: an escape sequence would
// move the cursor, recolour or retitle the reader's terminal, a carriage
// return overwrite what was printed, a bidirectional override (U+202E)
// show text reversed. They are shown as U+FFFD instead (archive.UnsafeRune,
// but a BOM, which a CSV export may begin with, passes); line breaks and
// tabs pass. crm writes no control characters of its own to either: the
// progress bar writes to the terminal itself (progressWriter).
type termWriter struct{ f *os.File }

// Fd is the terminal's descriptor (isTerminal).
func (t termWriter) Fd() uintptr { return t.f.Fd() }

// progressWriter is w without a termWriter's cleaning: the progress bar's
// own escape sequences must reach the terminal.
func progressWriter(w io.Writer) io.Writer {
	if t, ok := w.(termWriter); ok {
		return t.f
	}
	return w
}

// byteOrderMark passes termWriter: a CSV export may begin with it.
var byteOrderMark = []byte("\uFEFF")

func (t termWriter) Write(p []byte) (int, error) {
	// The next character to show as U+FFFD (a BOM passes).
	next := func(b []byte) (int, int) {
		for off := 0; ; {
			i, n := archive.NextUnsafe(b[off:])
			if i < 0 || !bytes.HasPrefix(b[off+i:], byteOrderMark) {
				if i >= 0 {
					i += off
				}
				return i, n
			}
			off += i + n
		}
	}
	i, n := next(p)
	if i < 0 {
		return t.f.Write(p)
	}
	buf := make([]byte, 0, len(p)+16)
	for rest := p; ; {
		if i < 0 {
			buf = append(buf, rest...)
			break
		}
		buf = append(append(buf, rest[:i]...), "\uFFFD"...)
		rest = rest[i+n:]
		i, n = next(rest)
	}
	if _, err := t.f.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// env holds what every command needs: streams, settings, and the archive
// once opened.
type env struct {
	// handOffMerge: crm sync is concluding the merge of work handed on
	// (crm/merge/…), which is put back as it was if it cannot be journaled.
	handOffMerge bool
	io           *IO
	v            *viper.Viper
	getenv       func(string) string
	a            *archive.Archive
	// cacheID is the user's identity when a command without a key may
	// seal its journal cache with it (plainKeyOf); nil otherwise.
	cacheID *archive.Identity
	// plainID is the user's identity, when a command that reads the
	// journal only found one that needs no passphrase: verify tries it on
	// the files the journal pins its member as a recipient of.
	plainID *archive.Identity
	exit    int // the exit code of a command that succeeded (10: something is due)

	identityFlagSet bool // --identity was given
	fullRead        bool // read every journal event afresh (verify without --fast)
	// snapshot: the command only reads, and may take the state from the
	// user's state snapshot while the journal has not changed.
	snapshot bool
	// only: the command is about this one dossier (as typed): a snapshot
	// may give just its part of the state (archive.OpenOptions.Only).
	only string
	// snapshotSteps: the command's steps are about that one dossier and
	// may work on the snapshot's state (archive.OpenOptions.SnapshotSteps).
	snapshotSteps bool
	// summary: what the command reads of the dossiers, if only their
	// rows or the loans (archive.OpenOptions.Summary).
	summary archive.Summary
	// creates: the command's step creates a dossier, and may work on the
	// snapshot's state (archive.OpenOptions.Creates).
	creates bool
	// onlyLoan: the command is about this loan (as typed), and its steps
	// may work on the snapshot's state (archive.OpenOptions.OnlyLoan).
	onlyLoan string
	// onlyRequest: the command is about this destruction request (as
	// typed), and its steps may work on the snapshot's state
	// (archive.OpenOptions.OnlyDestruction).
	onlyRequest string

	context context.Context
	bars    *bars // the progress display, on a terminal
}

// settings every command reads through viper: flag > CRM_* env > config file.
var settingKeys = []string{"archive", "identity", "lang", "editor", "now", "passphrase_file", "allow_disk_tmp", "pin_file", "cache_dir", "no_cache", "lock_timeout", "id_scheme", "racy_window"}

// configDir is where the per-user settings live: the identity, the pin
// file, config.yaml. On Windows it is %AppData%\crm (os.UserConfigDir's
// folder) before $HOME, which cmd and PowerShell do not set and Git Bash
// does: the same folder from every shell, never the working folder.
func configDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "crm")
	}
	if d := getenv("AppData"); d != "" && runtime.GOOS == "windows" {
		return filepath.Join(d, "crm")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "crm")
	}
	return ""
}

// cacheDir is where the per-user caches live: the encrypted plaintext
// cache and the verified-journal cache; on Windows %LocalAppData%\crm
// before $HOME (os.UserCacheDir's folder; see configDir).
func cacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "crm")
	}
	if d := getenv("LocalAppData"); d != "" && runtime.GOOS == "windows" {
		return filepath.Join(d, "crm")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "crm")
	}
	return ""
}

func run(args []string, io *IO, getenv func(string) string) int {
	// The language is settled before the command tree is built, so that
	// help texts are in it too: --lang, CRM_LANG, the config file, the locale.
	l10n.SetLang(resolveLang(args, getenv))
	e := &env{io: io, v: viper.New(), getenv: getenv}
	// Beside the command, on another core: listing the temporary
	// folders is ~0.6 ms of a 11 ms show on a shared /tmp.
	cleaned := make(chan struct{})
	go func() {
		defer close(cleaned)
		cleanStalePlaintext(getenv)
	}()
	defer func() { <-cleaned }()
	root := newRootFor(e, args)
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// Completers are set only to complete (~0.4 ms of every start),
		// with the help flags they offer.
		setCompletions(e, root)
		walk(root, helpFlag)
	}
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	cmd, err := root.ExecuteC()
	e.stopProgress()
	if err != nil && cmd == root {
		err = rootUnknown(root, err)
	}
	if err == nil || archive.IsCode(err, archive.Integrity) || archive.IsCode(err, archive.Unfinished) {
		// A step recorded before verify found other problems (a
		// decision, a repair) or before a follow-up failed (Unfinished)
		// is saved: it is committed as any other write.
		e.autocommit(cmd)
	}
	if e.a != nil && e.a.Wrote() && !midMerge(e.a.Dir) && !midRebase(e.a.Dir) {
		// Remember the heads this process wrote, so that rolling them
		// back is noticed too.
		e.a.CheckPin(e.v.GetString("pin_file"))
	}
	if e.a != nil {
		if cerr := e.a.SaveCache(); cerr != nil {
			fmt.Fprintf(io.Err, "crm: %s\n", l10n.Sprintf("warning: the plaintext cache was not saved: %v", cerr))
		}
	}
	if err != nil {
		code := exitCode(err)
		var pol *archive.Policy
		if e.a != nil {
			pol = e.a.Policy
		}
		if e.a != nil {
			mergeNotRestore(e.a, err)
		}
		e.olderCheckout(err)
		fmt.Fprintf(io.Err, "crm: %s\n", l10n.OSWords(present(err, pol)))
		if code == ExitUsage && cmd != nil && !errors.As(err, new(inFile)) {
			fmt.Fprintln(io.Err, l10n.Sprintf("Run '%s --help' for usage.", cmd.CommandPath()))
		}
		return code
	}
	return e.exit
}

// resolveLang is the language of this run: the --lang flag, else CRM_LANG,
// else lang in the config file, else the locale (LC_ALL, LC_MESSAGES, LANG).
// A value other than zh or en is reported later, when flags are parsed.
func resolveLang(args []string, getenv func(string) string) string {
	config := getenv("CRM_CONFIG")
	lang := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		for _, name := range []string{"lang", "config"} {
			v, ok := "", false
			if rest, found := strings.CutPrefix(a, "--"+name+"="); found {
				v, ok = rest, true
			} else if a == "--"+name && i+1 < len(args) {
				v, ok = args[i+1], true
			}
			if ok && name == "lang" {
				lang = v
			} else if ok {
				config = v
			}
		}
	}
	if lang == "" {
		lang = getenv("CRM_LANG")
	}
	if lang == "" {
		if config == "" {
			config = filepath.Join(configDir(getenv), "config.yaml")
		}
		if b, err := os.ReadFile(config); err == nil {
			var c struct {
				Lang string `yaml:"lang"`
			}
			if yaml.Unmarshal(b, &c) == nil {
				lang = c.Lang
			}
		}
	}
	if lang == "zh" || lang == "en" {
		return lang
	}
	return l10n.Detect(getenv)
}

// commands are crm's commands, each with the name it is run by. newRootFor
// builds only the one named when it can tell which: the whole tree is 80
// commands and their flags, about a millisecond of every start.
var commands = []struct {
	name string
	make func(*env) *cobra.Command
}{
	{"keygen", newKeygenCmd}, {"init", newInitCmd}, {"member", newMemberCmd}, {"new", newNewCmd}, {"show", newShowCmd},
	{"edit", newEditCmd}, {"list", newListCmd}, {"search", newSearchCmd}, {"textconv", newTextconvCmd}, {"log", newLogCmd},
	{"verify", newVerifyCmd}, {"rekey", newRekeyCmd},
	{"classify", newClassifyCmd},
	{"borrow", newBorrowCmd}, {"review", newReviewCmd}, {"destroy", newDestroyCmd}, {"hold", newHoldCmd},
	{"release", newReleaseCmd}, {"maintain", newMaintainCmd},
	{"report", newReportCmd},
	{"import", newImportCmd}, {"export", newExportCmd}, {"contact", newContactCmd},
	{"submit", newSubmitCmd}, {"submissions", newSubmissionsCmd}, {"request", newRequestCmd},
	{"repair", newRepairCmd}, {"templates", newTemplatesCmd},
	{"git", newGitCmd}, {"sync", newSyncCmd}, {"merge-driver", newMergeDriverCmd}, {"resolve", newResolveCmd},
	{"restore", newRestoreCmd}, {"purge", newPurgeCmd},
}

// commandNamed is the maker of the command args run, when they name one
// of commands after the root's flags; nil when they name none or another
// (help, man and completion walk the whole tree; an unknown name is
// answered with the names like it), or when a flag before it is not the
// root's.
func commandNamed(args []string) func(*env) *cobra.Command {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || a == "-h" || a == "--help":
			// -h and --help are not yet flags when cobra finds the
			// command (finishTree gives them late): it takes the word
			// after as their value, and `crm -h show` is the root's
			// help, which lists every command.
			return nil
		case a == "-v" || a == "--version" || strings.HasPrefix(a, "--") && strings.Contains(a, "="):
		case a == "-C" || a == "-i" || a == "--archive" || a == "--identity" || a == "--lang" || a == "--config" || a == "--now":
			i++ // its value
		case strings.HasPrefix(a, "-C") || strings.HasPrefix(a, "-i"): // -Cdir
		case strings.HasPrefix(a, "-"):
			return nil
		default:
			for _, c := range commands {
				if c.name == a {
					return c.make
				}
			}
			return nil
		}
	}
	return nil
}

// newRoot is the whole command tree.
func newRoot(e *env) *cobra.Command { return newRootFor(e, nil) }

// newRootFor is the command tree for running args: the root with only the
// command args name (commandNamed), or the whole tree.
func newRootFor(e *env, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:           "crm",
		Short:         l10n.Pick("Customer dossiers (客户信息档案), encrypted, with the department's rules", "客户信息档案管理：加密存储，按部门规章流转"),
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(), // crm --version (man.go)
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return e.loadConfig(cmd)
		},
	}
	pf := root.PersistentFlags()
	pf.StringP("archive", "C", "", l10n.Pick("archive directory (default: the nearest folder upwards holding crm.yaml)", "档案库目录（默认向上查找含 crm.yaml 的目录）"))
	pf.StringP("identity", "i", "", l10n.Pick("your age identity file (default "+settingsFolder+string(filepath.Separator)+"identity.txt)", "你的 age 身份文件"))
	pf.String("lang", "", l10n.Pick("message language: zh or en (default from LANG/LC_ALL)", "消息语言：zh 或 en"))
	pf.String("config", "", l10n.Pick("config file (default "+settingsFolder+string(filepath.Separator)+"config.yaml)", "配置文件"))
	pf.String("now", "", l10n.Pick("pretend the time is this (RFC 3339 or YYYY-MM-DD), for tests and cron replays", "假定当前时间（测试与补跑用）"))
	pf.MarkHidden("now")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usage(err) })
	if mk := commandNamed(args); mk != nil {
		root.AddCommand(mk(e))
	} else {
		for _, c := range commands {
			root.AddCommand(c.make(e))
		}
		root.AddCommand(newManCmd(e))
	}
	finishTree(root)
	return root
}

func (e *env) loadConfig(cmd *cobra.Command) error {
	v := e.v
	for _, k := range settingKeys {
		v.BindEnv(k, "CRM_"+strings.ToUpper(k))
		if f := cmd.Flags().Lookup(strings.ReplaceAll(k, "_", "-")); f != nil {
			v.BindPFlag(k, f)
		}
	}
	if f := cmd.Flags().Lookup("identity"); f != nil && f.Changed {
		e.identityFlagSet = true
	}
	v.SetDefault("identity", filepath.Join(configDir(e.getenv), "identity.txt"))
	v.SetDefault("pin_file", filepath.Join(configDir(e.getenv), "known_archives.yaml"))
	v.SetDefault("cache_dir", cacheDir(e.getenv))
	cfg, _ := cmd.Flags().GetString("config")
	if cfg == "" {
		cfg = e.getenv("CRM_CONFIG")
	}
	if cfg == "" {
		cfg = filepath.Join(configDir(e.getenv), "config.yaml")
		if _, err := os.Stat(cfg); err != nil {
			cfg = ""
		}
	}
	if cfg != "" {
		v.SetConfigFile(cfg)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return l10n.Errorf("config file %s: %v", cfg, err)
		}
	}
	if lang := v.GetString("lang"); lang != "" {
		if lang != "zh" && lang != "en" {
			return usagef("--lang %q: use zh or en", lang)
		}
		l10n.SetLang(lang)
	}
	return nil
}

// now returns the clock: the --now/CRM_NOW setting, or the real time.
func (e *env) now() (func() time.Time, error) {
	s := e.v.GetString("now")
	if s == "" {
		return time.Now, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		var err2 error
		t, err2 = time.Parse(time.DateOnly, s)
		if err2 != nil {
			return nil, usagef("--now/CRM_NOW %q: use RFC 3339 (2026-11-22T09:00:00+08:00) or YYYY-MM-DD", s)
		}
	}
	return func() time.Time { return t }, nil
}

// archiveDir finds the archive: the setting, or the nearest folder upwards
// from the working directory holding crm.yaml.
func (e *env) archiveDir() string {
	if d := e.v.GetString("archive"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, archive.PolicyFile)); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}

// open opens the archive, checks its genesis pin, and loads the identity:
// with needKey a command cannot work without one (exit 3); without, it uses
// a key when there is one (see keyWanted). Commands that read the journal
// only use openJournal.
func (e *env) open(needKey bool) (*archive.Archive, error) {
	if needKey {
		return e.openWith(keyNeeded)
	}
	return e.openWith(keyWanted)
}

// openJournal opens the archive for a command that reads the journal only:
// no key is loaded, but one named explicitly must exist (keyNone).
func (e *env) openJournal() (*archive.Archive, error) { return e.openWith(keyNone) }

func (e *env) openWith(use keyUse) (*archive.Archive, error) {
	now, err := e.now()
	if err != nil {
		return nil, err
	}
	// The key first: a bad one fails before the journal is read, and a
	// passphrase is asked before the wait, not after.
	id, err := e.loadKey(use)
	if err != nil {
		return nil, err
	}
	// The verified-journal cache: events read and checked by an earlier
	// command are not read and checked again (a full verify reads all).
	o := archive.OpenOptions{Clock: now, Identity: id}
	if id == nil && use == keyNone {
		o.Identity = e.cacheID // the cache's key only (plainKeyOf)
	}
	if !e.v.GetBool("no_cache") && !e.fullRead {
		o.CacheDir = e.v.GetString("cache_dir")
		o.Snapshot = e.snapshot
		o.Only = e.only
		o.SnapshotSteps = e.snapshotSteps
		o.Summary = e.summary
		o.Creates = e.creates
		o.OnlyLoan = e.onlyLoan
		o.OnlyDestruction = e.onlyRequest
	}
	if err := e.racyWindow(); err != nil {
		return nil, err
	}
	// During a merge or a rebase the pin is checked and updated once it
	// is concluded.
	// Otherwise a journal that lost an event this user saw is refused
	// before it is read (the read would be a whole replay, and refused
	// after it).
	dir, err := filepath.Abs(e.archiveDir())
	if err != nil {
		return nil, err
	}
	merging := midMerge(dir) || midRebase(dir)
	if !merging {
		if err := archive.CheckPinnedFiles(dir, e.v.GetString("pin_file")); err != nil {
			return nil, err
		}
	}
	var a *archive.Archive
	err = e.during(l10n.T("reading the journal"), func() (err error) {
		a, err = archive.OpenWith(e.ctx(), e.archiveDir(), o)
		return err
	})
	if err != nil {
		return nil, err
	}
	if a.LockTimeout, err = e.lockTimeout(); err != nil {
		return nil, err
	}
	if !merging {
		if _, err := a.CheckPin(e.v.GetString("pin_file")); err != nil {
			return nil, err
		}
	}
	if id != nil {
		if err := a.SetIdentity(id); err != nil {
			return nil, l10n.Errorf("identity file %s: %w", id.Path, err)
		}
		if !e.v.GetBool("no_cache") {
			a.EnableCache(e.v.GetString("cache_dir"))
		}
	} else if use == keyNeeded {
		_, err := a.Me()
		return nil, err
	}
	e.a = a
	return a, nil
}

func (e *env) printf(format string, a ...any) { fmt.Fprintf(e.io.Out, format, a...) }

// linef prints one line: format is the message already translated
// (l10n.T), formatted straight into the output. A command that prints a
// line per dossier (maintain: 195k at 100,000 dossiers) so makes no string
// per line, where printf("%s\n", l10n.Sprintf(…)) made two.
func (e *env) linef(format string, a ...any) {
	fmt.Fprintf(e.io.Out, format, a...)
	io.WriteString(e.io.Out, "\n")
}

// commaList prints as its items joined as l10n.List joins them (%s: ", ",
// 、 in Chinese), written into the output as they are: strings.Join made
// a string per line.
type commaList []string

func (l commaList) Format(f fmt.State, _ rune) {
	sep := l10n.ListSep()
	for i, s := range l {
		if i > 0 {
			io.WriteString(f, sep)
		}
		io.WriteString(f, s)
	}
}
func (e *env) errorf(format string, a ...any) { fmt.Fprintf(e.io.Err, format, a...) }

// cobraMessages are the usage errors cobra and pflag write in English, with
// their Chinese forms ($1… are the captured parts).
var cobraMessages = l10n.NewForms([][2]string{
	{`^unknown flag: (.*)$`, "未知选项：$1"},
	{`^unknown shorthand flag: '(.)' in (.*)$`, "未知选项 -$1（在 $2 中）"},
	{`^flag needs an argument: (.*)$`, "选项需要一个值：$1"},
	{`^unknown command "(.*)" for "(.*)"$`, "$2 没有子命令 \"$1\""},
	{`^accepts (\d+) arg\(s\), received (\d+)$`, "需要 $1 个参数，收到 $2 个"},
	{`^accepts at most (\d+) arg\(s\), received (\d+)$`, "最多 $1 个参数，收到 $2 个"},
	{`^requires at least (\d+) arg\(s\), only received (\d+)$`, "至少需要 $1 个参数，只收到 $2 个"},
	{`^accepts between (\d+) and (\d+) arg\(s\), received (\d+)$`, "需要 $1 到 $2 个参数，收到 $3 个"},
	{`^invalid argument "(.*)" for "(.*)" flag: (.*)$`, "选项 $2 的值 \"$1\" 无效：$3"},
})

// parseErrorRE is strconv's error for a flag value that is not a number.
var parseErrorRE = lazyRE(`strconv\.Parse\w+: parsing "(.*)": invalid syntax`)

// cobraText is err's message, with cobra's own usage errors in Chinese when
// messages are (crm's own messages are translated where they are made),
// and strconv's words for a value that is not a number in plain words in
// both languages.
func cobraText(err error) string {
	msg := err.Error()
	if !l10n.Chinese() {
		return parseErrorRE().ReplaceAllString(msg, "\"$1\" is not a number")
	}
	msg, _ = cobraMessages.Rewrite(msg)
	return parseErrorRE().ReplaceAllString(msg, "\"$1\" 不是有效的数值")
}
