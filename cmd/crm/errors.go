package main

import (
	"errors"
	"fmt"
	"strings"

	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

// Exit codes of the crm command (DESIGN.md, "Command surface"). They are
// decided here, in one place, from the kind of error.
const (
	ExitError     = 1  // an error: bad input, I/O, …
	ExitUsage     = 2  // a bad flag, argument or value
	ExitDenied    = 3  // not permitted: a role is missing, or no key opens the file
	ExitIntegrity = 4  // verify found something wrong
	ExitDue       = 10 // something is due or overdue (for cron)
)

// exitCode is the exit code for err.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if isCobraUsage(err) {
		return ExitUsage
	}
	switch archive.CodeOf(err) {
	case archive.Usage:
		return ExitUsage
	case archive.Denied:
		return ExitDenied
	case archive.Integrity:
		return ExitIntegrity
	case archive.Unfinished:
		return 0 // the step is recorded: a warning, not a failure
	}
	return ExitError
}

// usage marks a command-line error as a usage error (exit 2); cobra's and
// pflag's own messages are put in the user's language (cobraText).
func usage(err error) error {
	if t := cobraText(err); t != err.Error() {
		err = errors.New(t)
	}
	return archive.UsageError("", err)
}

// usagef is usage with a translated message.
func usagef(format string, a ...any) error { return usage(l10n.Errorf(format, a...)) }

// dataf is usagef for a problem in what a file says (rows of an import),
// not in how the command was typed: exit 2 still, without the pointer to
// --help that follows a usage error.
func dataf(format string, a ...any) error { return usage(inFile{l10n.Errorf(format, a...)}) }

// inFile marks an error as one of a file's contents (dataf).
type inFile struct{ error }

func (e inFile) Unwrap() error { return e.error }

// denied marks err as "not permitted" (exit 3).
func denied(err error) error { return &archive.Error{Code: archive.Denied, Err: err} }

// integrity marks err as an integrity problem (exit 4).
func integrity(err error) error { return &archive.Error{Code: archive.Integrity, Err: err} }

// positional are the archive's input names that are arguments, not flags.
var positional = map[string]bool{"": true, "id": true, "member": true, "loan": true, "request": true, "submission": true}

// onFlag is err, from looking up the value the user gave as flag (an id,
// a member), about that flag: an archive error about an argument names
// the flag instead, whatever its code (CheckID's usage error for what
// cannot be an id, exit 2; an id that names nothing, exit 1).
func onFlag(flag string, err error) error {
	var ae *archive.Error
	if errors.As(err, &ae) && positional[ae.Field] {
		ae.Field = flag
	}
	return err
}

// levelFlag is the policy's name of the level given with --level (秘密,
// or a name the classify package knows, such as secret), or a usage error
// that names the flag and the levels to choose from.
func levelFlag(a *archive.Archive, level string) (string, error) {
	name, err := a.Policy.ParseLevelName(level)
	if err != nil {
		return "", onFlag("level", err)
	}
	return name, nil
}

// flagOf is the command-line flag for an archive input name.
func flagOf(field string) string { return "--" + field }

// present is err as the user reads it: the message, with the flag of the
// input at fault and the roles in the user's language, then what to do
// next. pol (may be nil) gives the roles' titles.
func present(err error, pol *archive.Policy) string {
	// A refused save's text kept: the refusal, then a line of its own
	// on where the text is.
	var kept *keptError
	if errors.As(err, &kept) {
		return present(kept.err, pol) + "\ncrm: " + kept.note
	}
	var errs interface{ Unwrap() []error }
	if errors.As(err, &errs) && !isArchiveError(err) {
		var parts []string
		for _, e := range errs.Unwrap() {
			parts = append(parts, present(e, pol))
		}
		return strings.Join(parts, "\n")
	}
	var ae *archive.Error
	if !errors.As(err, &ae) {
		return cobraText(err)
	}
	msg := message(ae)
	// Errors wrapped around the archive's keep their own words in front.
	if outer := err.Error(); outer != ae.Error() && strings.HasSuffix(outer, ae.Error()) {
		msg = strings.TrimSuffix(outer, ae.Error()) + msg
	}
	if h := hint(ae); h != "" {
		msg += l10n.Pick(": ", "：") + h
	}
	if ae.Code == archive.Unfinished {
		msg = l10n.Sprintf("warning: %s", msg)
	}
	return msg
}

func isArchiveError(err error) bool {
	_, ok := err.(*archive.Error)
	return ok
}

// message is an archive error's own words, with flags.
func message(e *archive.Error) string {
	switch {
	case e.Code == archive.Usage && !positional[e.Field]:
		flag := flagOf(e.Field)
		switch {
		case e.Missing:
			return l10n.Sprintf("%s is needed: %v", flag, e.Err)
		case e.Value != "":
			return fmt.Sprintf("%s %s%s%v", flag, e.Value, l10n.Pick(": ", "："), e.Err)
		}
		return fmt.Sprintf("%s%s%v", flag, l10n.Pick(": ", "："), e.Err)
	case e.Code == archive.Failed && !positional[e.Field]:
		// A flag's value of the right form that names nothing the
		// archive holds (--for R-…, --dossier C-…): an error, not a
		// usage error, with the flag named all the same.
		return fmt.Sprintf("%s%s%v", flagOf(e.Field), l10n.Pick(": ", "："), e.Err)
	}
	// A refusal for want of a role (e.Code Denied) names the roles by the
	// policy's titles in Chinese itself (archive.Error).
	return e.Error()
}

// hints say what to do next about an archive error, naming the command;
// arg is the error's Arg.
var hints = map[archive.Next]func(arg string) string{
	archive.NextVerify: func(string) string { return l10n.T("run `crm verify`") },
	archive.NextRestore: func(a string) string {
		return l10n.Sprintf("restore %s from git or a backup, then run `crm verify`", a)
	},
	archive.NextMemberAdd: func(string) string { return l10n.T("ask a manager to run `crm member add` with it") },
	archive.NextIdentity: func(string) string {
		return l10n.T("pass --identity FILE, set CRM_IDENTITY, or set identity in the config file")
	},
	archive.NextList:         func(string) string { return l10n.T("`crm list` shows the ids") },
	archive.NextLoans:        func(string) string { return l10n.T("`crm borrow list` shows the loans") },
	archive.NextDestructions: func(string) string { return l10n.T("`crm destroy list` shows them") },
	archive.NextReturn:       func(a string) string { return l10n.Sprintf("`crm borrow return %s`", a) },
	archive.NextEndorse:      func(a string) string { return l10n.Sprintf("`crm borrow endorse %s`", a) },
	archive.NextExecute:      func(a string) string { return l10n.Sprintf("`crm destroy execute %s`", a) },
	archive.NextRelease:      func(a string) string { return l10n.Sprintf("`crm release %s`", a) },
	archive.NextRequestAgain: func(a string) string { return l10n.Sprintf("ask again with `crm destroy request %s`", a) },
	archive.NextMemberRoles:  func(a string) string { return l10n.Sprintf("use `crm member roles %s` to change roles", a) },
	archive.NextMemberList:   func(string) string { return l10n.T("`crm member list` shows them") },
	archive.NextEditAgain:    func(string) string { return l10n.T("run the edit again on the new version") },
	archive.NextDeclassify: func(string) string {
		return l10n.T("a member who can read them must run `crm classify declassify-expired`")
	},
	archive.NextKeygen: func(a string) string {
		return l10n.Sprintf("make one with `crm keygen -o %s`, or name yours with --identity or CRM_IDENTITY", a)
	},
	archive.NextPassphrase: func(string) string {
		return l10n.T("run in a terminal, or set CRM_PASSPHRASE_FILE to a file holding the passphrase")
	},
	archive.NextLog:         func(a string) string { return l10n.Sprintf("its history is in `crm log %s`", a) },
	archive.NextRetry:       func(string) string { return l10n.T("run the command again once that process is done") },
	archive.NextSubmissions: func(string) string { return l10n.T("`crm submissions list` shows them") },
	archive.NextStatsRequest: func(a string) string {
		if a != "" {
			return l10n.Sprintf("see `crm request list`: request %s waits", a)
		}
		return l10n.T("ask for them with `crm request stats --purpose …`, have your department manager endorse it and 客服部's manager approve it")
	},
	archive.NextEndorseRequest: func(a string) string { return l10n.Sprintf("`crm request endorse %s`", a) },
	archive.NextInit: func(a string) string {
		return l10n.Sprintf("create one with `crm init %s`, or name it with --archive or CRM_ARCHIVE", a)
	},
	archive.NextRepair: func(string) string {
		return l10n.T("the next crm command that writes finishes it, or run `crm repair` now")
	},
	archive.NextRekey: func(string) string {
		return l10n.T("a writer of its level runs `crm maintain` or `crm rekey`")
	},
	archive.NextReencrypt: func(string) string {
		return l10n.T("`crm maintain`, `crm rekey` or `crm repair` does it")
	},
	archive.NextNewKeys: func(string) string {
		return l10n.T("make new ones with `crm keygen -o FILE`")
	},
	archive.NextRestoreID: func(a string) string {
		return l10n.Sprintf("`crm restore %s` puts back the version the journal pinned, from git history", a)
	},
	archive.NextSyncMerge: func(a string) string {
		return l10n.Sprintf("it is git's merge of the changes both clones made to %s, not journaled yet: run `crm sync`, which journals it (restoring would drop one side's changes)", a)
	},
	archive.NextRewrite: func(a string) string {
		return l10n.Sprintf("`crm rekey %s` writes it again to its readers (run by a writer of its level who can open it)", a)
	},
	archive.NextSyncRemoves: func(string) string { return l10n.T("`crm sync` removes it") },
	archive.NextRemoved: func(string) string {
		return l10n.T("`crm log` shows by whom and when; if that is a mistake, a manager adds you again with `crm member add`")
	},
	archive.NextGitSetup: func(string) string { return l10n.T("run `crm git setup` in this clone") },
	archive.NextRestoreEvent: func(a string) string {
		if journal.IsHash(a) {
			a = journal.ShortHash(a)
		}
		return l10n.Sprintf("`crm restore %s` puts the event's file back from git history", a)
	},
	archive.NextResolve: func(a string) string { return l10n.Sprintf("`crm resolve %s`", a) },
	archive.NextDecide: func(a string) string {
		return l10n.Sprintf("a manager settles it with `crm verify --accept %s --reason …` or `--reject %s --reason …`", a, a)
	},
}

// noteText is a note or problem of verify (a path and what is pending or
// wrong there), with its next step in words.
func noteText(n archive.Problem) string { return withHint(n).String() }

// noteTextBefore is noteText(p) for a problem printed before err, which
// ends the command: without p's next step when err's says the same
// (one event to restore, say), else the user reads it twice.
func noteTextBefore(p archive.Problem, err *archive.Error) string {
	if archive.Next(p.Next) == err.Next {
		if h, ok := hints[err.Next]; ok && h(p.Arg) == hint(err) {
			return p.String()
		}
	}
	return noteText(p)
}

// withHints is ps each withHint, never nil (JSON: [] for none).
func withHints(ps []archive.Problem) []archive.Problem {
	out := make([]archive.Problem, len(ps))
	for i, p := range ps {
		out[i] = withHint(p)
	}
	return out
}

// withHint is problem or note p with its next step (p.Next), which the
// archive only names, said in words after its message: the command it
// takes (what --json prints too).
func withHint(p archive.Problem) archive.Problem {
	if h, ok := hints[archive.Next(p.Next)]; ok {
		p.Msg += l10n.Pick(": ", "：") + h(p.Arg)
	}
	return p
}

// hint says what to do next about an archive error, or "".
func hint(e *archive.Error) string {
	if h, ok := hints[e.Next]; ok {
		return h(e.Arg)
	}
	return ""
}

// isCobraUsage reports whether err is one of cobra's or pflag's own usage
// errors (unknown command or flag, wrong number of arguments).
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires exactly", "flag needs an argument", "invalid argument", "required flag", "if any flags in the group"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
