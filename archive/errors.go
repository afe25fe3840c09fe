package archive

import (
	"errors"
	"slices"
	"strings"

	"crm/l10n"
)

// Code says what kind of failure an Error is; the command maps it to an
// exit code.
type Code int

// Kinds of failure.
const (
	Failed    Code = iota // something went wrong (I/O, a state that forbids the step)
	Usage                 // a value given to the archive is not acceptable
	Denied                // not permitted: a role is missing, or no key opens the file
	Integrity             // the archive is not what its journal says
	// Unfinished: the step is recorded in the journal, but a follow-up
	// (putting a file in place, a member's file, re-encrypting) failed; the
	// next locked step or repair finishes it. The command warns and
	// succeeds: retrying the step would record it twice.
	Unfinished
)

// Next names what a person can do about an error. The archive only names
// it; the command says it in words (which command, which flag).
type Next int

// The next steps an error may point to.
const (
	NoNext             Next = iota
	NextVerify              // check the archive
	NextRestore             // restore the file (Arg) from git or a backup, then check
	NextMemberAdd           // ask a manager to add your key as a member
	NextIdentity            // name an identity file
	NextList                // list the dossiers to find the id
	NextLoans               // list the loans
	NextDestructions        // list the destruction requests
	NextReturn              // return loan Arg first
	NextEndorse             // have loan Arg signed by the department manager
	NextExecute             // execute destruction request Arg
	NextRelease             // release the hold on dossier Arg
	NextRequestAgain        // ask again (a new request)
	NextMemberRoles         // change member Arg's roles instead
	NextMemberList          // list the members
	NextEditAgain           // open the dossier again and redo the change
	NextDeclassify          // a member who can read them declassifies (maintain)
	NextKeygen              // make an identity file (Arg: its path)
	NextPassphrase          // run in a terminal, or name a passphrase file
	NextLog                 // the dossier's history (Arg)
	NextRetry               // run the step again
	NextSubmissions         // list the hand-ins
	NextStatsRequest        // ask for statistics through a request (R6.7); Arg: a request to follow up, if any
	NextEndorseRequest      // have request Arg signed by the department manager
	NextRepair              // run the repair
	NextRekey               // a writer of the level re-encrypts the file (maintain or rekey)
	NextRestoreID           // put the pinned file of dossier Arg back from git history
	NextGitSetup            // configure crm's git drivers in this clone
	NextResolve             // settle the merge conflict of dossier Arg
	NextDecide              // a manager accepts or rejects the problem event (Arg)
	NextSyncMerge           // crm sync journals git's merge of dossier Arg (not restore: it would drop a side)
	NextRewrite             // a writer who can open them writes the files of dossiers Arg (ids, space-separated) again to their readers
	NextSyncRemoves         // crm sync removes the file (a leftover of a step that took no effect)
	NextRemoved             // the log says who removed member Arg; a manager adds them again if it was a mistake
	NextRestoreEvent        // put the file of event Arg (its hash) back as written, from git history or a backup
	NextReencrypt           // a writer of the level re-encrypts the file at their next step (maintain, rekey or repair)
	NextNewKeys             // make a new identity file (a change of one's own keys needs new keys)
	NextInit                // create an archive (Arg: the folder), or name one (keep last)

	// NextLast is the last next step (tests walk them all).
	NextLast = NextInit
)

// Error is an error of the archive with what the command needs to present
// it: its kind, the input or file at fault, the roles needed and held, and
// the next step. Its message (Err) names neither flags nor commands.
type Error struct {
	Code    Code
	Field   string      // Usage: the input at fault ("reason", "days", "witness", …); Failed: the input whose value names nothing the archive holds, if not an argument
	Value   string      // Usage: the value given, when the message needs it
	Missing bool        // Usage: the input was not given at all (Err says why it is needed)
	Path    string      // Integrity: the file at fault, relative to the archive
	Actor   string      // Denied: who tried
	Step    l10n.Phrase // Denied: what was tried ("creating a dossier")
	Rule    l10n.Phrase // Denied: the rule that says who may, if any (R7.1 …)
	Need    []string    // Denied: the roles that may
	Held    []string    // Denied: the roles the actor holds
	Next    Next
	Arg     string // the argument of Next
	Err     error

	pol *Policy // Denied without Err: names Need and Held (their titles in Chinese)
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Path != "" && e.Code == Integrity && !strings.HasPrefix(e.Err.Error(), e.Path):
		return e.Path + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	case e.Code == Denied:
		return e.denied(l10n.Chinese())
	}
	return l10n.T("failed")
}

// Say is e's message in Chinese (chinese) or in English (l10n.Bilingual):
// a problem of the replay is kept in both.
func (e *Error) Say(chinese bool) string {
	switch {
	case e.Err != nil && e.Path != "" && e.Code == Integrity && !strings.HasPrefix(e.Err.Error(), e.Path):
		return e.Path + ": " + l10n.In(chinese, e.Err)
	case e.Err != nil:
		return l10n.In(chinese, e.Err)
	case e.Code == Denied:
		return e.denied(chinese)
	}
	return l10n.Sayf(chinese, "failed")
}

// denied is the message of a Denied e without Err.
func (e *Error) denied(chinese bool) string {
	// In Chinese by the policy's titles, listed with 、 (客户信息专员、
	// 客户信息主管), as the command line presents it; [clerk
	// supervisor] in English.
	msg := l10n.Sayf(chinese, "%s needs one of the roles %v; %s holds %v", l10n.In(chinese, e.Step), e.pol.rolesText(e.Need), e.Actor, e.pol.rolesText(e.Held))
	if e.Rule != nil {
		sep := ": "
		if chinese {
			sep = "："
		}
		msg = e.Rule.Say(chinese) + sep + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// then sets the next step of e and returns it.
func (e *Error) then(n Next, arg string) *Error {
	e.Next, e.Arg = n, arg
	return e
}

// usageErr says the input field is not acceptable.
func usageErr(field string, err error) *Error { return &Error{Code: Usage, Field: field, Err: err} }

// missingErr says the input field was not given; why says why it is needed.
func missingErr(field string, why error) *Error {
	return &Error{Code: Usage, Field: field, Missing: true, Err: why}
}

// deniedErr says the step is not permitted.
func deniedErr(err error) *Error { return &Error{Code: Denied, Err: err} }

// rolesErr says who may take step, and what actor holds; p names the
// roles.
func rolesErr(p *Policy, step l10n.Phrase, actor *Member, need []string) *Error {
	e := &Error{Code: Denied, Step: step, Need: slices.Clone(need), pol: p}
	if actor != nil {
		e.Actor, e.Held = actor.ID, actor.Roles
	}
	return e
}

// integrityErr says the file at path is not what the journal says.
func integrityErr(path string, err error) *Error {
	return &Error{Code: Integrity, Path: path, Err: err, Next: NextVerify}
}

// unfinishedErr says the step was recorded but a follow-up failed.
func unfinishedErr(err error) *Error { return &Error{Code: Unfinished, Err: err, Next: NextRepair} }

// failErr is an error with a next step.
func failErr(err error, n Next, arg string) *Error {
	return &Error{Code: Failed, Err: err, Next: n, Arg: arg}
}

// CodeOf returns the Code of the first *Error in err's chain, Failed if there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failed
}

// IsCode reports whether err is an *Error of code c.
func IsCode(err error, c Code) bool { return err != nil && CodeOf(err) == c }

// UsageError marks err as a usage error about field (the command's
// parsing uses it for values it checks with archive's parsers).
func UsageError(field string, err error) error {
	if err == nil {
		return nil
	}
	return usageErr(field, err)
}
