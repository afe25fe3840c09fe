package main

import (
	"context"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
	"crm/report"
	"crm/templates"
)

// Shell completion of what the archive knows: dossier, loan, destruction
// request and member ids, levels, roles, report formats. Everything comes
// from the journal: no key is loaded, nothing is decrypted, nothing is
// written (not even the genesis pin), and any failure (no archive, a
// damaged one) gives no suggestions rather than an error.

// completer lists candidates from an open archive; args are the arguments
// already given.
type completer func(a *archive.Archive, args []string) []cobra.Completion

// argCompleters complete the positional arguments, by command path.
var argCompleters = map[string]completer{
	"crm show":             upTo(1, dossierIDs(active)),
	"crm edit":             upTo(1, dossierIDs(active)),
	"crm log":              upTo(1, dossierIDs(anyDossier)),
	"crm classify":         upTo(1, dossierIDs(active)),
	"crm classify suggest": upTo(1, dossierIDs(active)),
	"crm borrow request":   upTo(1, dossierIDs(active)),
	"crm review done":      upTo(1, dossierIDs(active)),
	"crm hold":             upTo(1, dossierIDs(func(d *archive.DossierState) bool { return active(d) && !d.OnHold() })),
	"crm release":          upTo(1, dossierIDs(func(d *archive.DossierState) bool { return active(d) && d.OnHold() })),
	"crm destroy request":  upTo(1, dossierIDs(active)),
	"crm borrow endorse": upTo(1, loanIDs(func(s *archive.State, l *archive.Loan) bool {
		return s.LoanStatus(l) == archive.LoanPending && l.NeedsSign && l.EndorsedBy == ""
	})),
	"crm borrow approve":  upTo(1, loanIDs(func(s *archive.State, l *archive.Loan) bool { return s.LoanStatus(l) == archive.LoanPending })),
	"crm borrow renew":    upTo(1, loanIDs(func(_ *archive.State, l *archive.Loan) bool { return l.Status() == archive.LoanOut })),
	"crm borrow return":   upTo(1, loanIDs(func(_ *archive.State, l *archive.Loan) bool { return l.Status() == archive.LoanOut })),
	"crm destroy approve": upTo(1, requestIDs(archive.DestroyPending)),
	"crm destroy reject":  upTo(1, requestIDs(archive.DestroyPending)),
	"crm destroy execute": upTo(1, requestIDs(archive.DestroyApproved)),
	"crm member remove":   upTo(1, memberIDs),
	"crm member roles": func(a *archive.Archive, args []string) []cobra.Completion {
		if len(args) == 0 {
			return memberIDs(a, args)
		}
		return roleNamesNot(a, args[1:])
	},
}

// flagCompleters complete flag values, by flag name, on every command
// that has the flag.
var flagCompleters = map[string]completer{
	"level": func(a *archive.Archive, _ []string) []cobra.Completion {
		var out []cobra.Completion
		for _, l := range a.Policy.Levels {
			out = append(out, cobra.CompletionWithDesc(l.Name, l10n.Sprintf("readers: %s", roleNames(l.Readers, a.Policy))))
		}
		return out
	},
	"role":    func(a *archive.Archive, _ []string) []cobra.Completion { return roleNamesNot(a, nil) },
	"witness": memberIDs,
}

// staticFlags complete flag values that need no archive.
var staticFlags = map[string]func() []cobra.Completion{
	"format": func() []cobra.Completion { return report.FormatNames() },
	"tier":   func() []cobra.Completion { return stringsOf(classify.Tiers()) },
	"credit": func() []cobra.Completion { return stringsOf(classify.CreditClasses()) },
	"lang":   func() []cobra.Completion { return []cobra.Completion{"zh", "en"} },
	"result": func() []cobra.Completion { // review done
		var out []cobra.Completion
		for _, r := range archive.ReviewResults() {
			out = append(out, cobra.CompletionWithDesc(r.Zh, r.En))
		}
		return out
	},
	"kind": contactKindCompletions, // contact add|list
	"template": func() []cobra.Completion {
		var out []cobra.Completion
		ents, _ := fs.ReadDir(templates.FS, "dossier")
		for _, e := range ents {
			out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
		}
		return out
	},
}

func stringsOf[S ~string](xs []S) []cobra.Completion {
	out := make([]cobra.Completion, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// setCompletions attaches the completers to the commands of the tree.
func setCompletions(e *env, root *cobra.Command) {
	walk(root, func(cmd *cobra.Command) {
		if f, ok := argCompleters[cmd.CommandPath()]; ok && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = e.complete(f)
		} else if cmd.ValidArgsFunction == nil && cmd.ValidArgs == nil && cmd.Runnable() {
			cmd.ValidArgsFunction = cobra.NoFileCompletions
		}
		cmd.LocalNonPersistentFlags().VisitAll(func(fl *pflag.Flag) { registerFlag(e, cmd, fl.Name) })
		cmd.PersistentFlags().VisitAll(func(fl *pflag.Flag) { registerFlag(e, cmd, fl.Name) })
	})
}

func registerFlag(e *env, cmd *cobra.Command, name string) {
	if f, ok := flagCompleters[name]; ok {
		cmd.RegisterFlagCompletionFunc(name, e.complete(f))
	} else if f, ok := staticFlags[name]; ok {
		cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return f(), cobra.ShellCompDirectiveNoFileComp
		})
	} else if name == "archive" {
		cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		})
	}
}

// complete turns a completer into a cobra completion function: it opens
// the archive the command line names (journal only), keeps the candidates
// that start with what was typed (ignoring case), and never fails.
func (e *env) complete(f completer) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) (out []cobra.Completion, _ cobra.ShellCompDirective) {
		defer func() {
			if recover() != nil {
				out = nil
			}
		}()
		a := e.journalOnly(cmd)
		if a == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		for _, c := range f(a, args) {
			if v, _, _ := strings.Cut(c, "\t"); strings.HasPrefix(strings.ToLower(v), strings.ToLower(toComplete)) {
				out = append(out, c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// journalOnly opens the archive for completion: settings from the command
// line, no key, no pin, no progress; nil on any failure.
func (e *env) journalOnly(cmd *cobra.Command) *archive.Archive {
	if e.v == nil || e.loadConfig(cmd) != nil {
		return nil
	}
	now, err := e.now()
	if err != nil {
		return nil
	}
	// The caches make a TAB cheap: the state snapshot when the journal has
	// not changed, else only new events are read.
	o := archive.OpenOptions{Clock: now}
	if !e.v.GetBool("no_cache") {
		o.CacheDir, o.Snapshot = e.v.GetString("cache_dir"), true
	}
	if e.racyWindow() != nil {
		return nil
	}
	a, err := archive.OpenWith(context.Background(), e.archiveDir(), o)
	if err != nil {
		return nil
	}
	return a
}

// upTo completes only the first n positional arguments.
func upTo(n int, f completer) completer {
	return func(a *archive.Archive, args []string) []cobra.Completion {
		if len(args) >= n {
			return nil
		}
		return f(a, args)
	}
}

func active(d *archive.DossierState) bool         { return d.Status == archive.StatusActive }
func anyDossier(d *archive.DossierState) bool     { return true }
func completion(id, desc string) cobra.Completion { return cobra.CompletionWithDesc(id, desc) }

// dossierIDs lists the dossiers keep accepts, described by level and
// status (never by content: completion decrypts nothing).
func dossierIDs(keep func(*archive.DossierState) bool) completer {
	return func(a *archive.Archive, _ []string) []cobra.Completion {
		var out []cobra.Completion
		for _, d := range a.State.SortedDossiers() {
			if keep(d) {
				desc := a.EffectiveLevel(d)
				if d.Status != archive.StatusActive {
					desc += " " + statusText(d.Status)
				} else if d.OnHold() {
					desc += " " + l10n.Pick("on hold", "冻结中")
				}
				out = append(out, completion(d.ID, desc))
			}
		}
		return out
	}
}

func loanIDs(keep func(*archive.State, *archive.Loan) bool) completer {
	return func(a *archive.Archive, _ []string) []cobra.Completion {
		var out []cobra.Completion
		for _, l := range a.State.SortedLoans() {
			if keep(a.State, l) {
				out = append(out, completion(l.ID, l.Dossier+" "+l.Borrower+" "+archive.LoanStatusText(a.State.LoanStatus(l))))
			}
		}
		return out
	}
}

func requestIDs(status string) completer {
	return func(a *archive.Archive, _ []string) []cobra.Completion {
		var out []cobra.Completion
		for _, r := range a.State.SortedDestructions() {
			if r.Status() == status {
				out = append(out, completion(r.ID, r.Dossier+" "+archive.DestroyStatusText(r.Status())))
			}
		}
		return out
	}
}

func memberIDs(a *archive.Archive, _ []string) []cobra.Completion {
	var out []cobra.Completion
	for _, m := range a.State.SortedMembers() {
		if !m.Removed {
			out = append(out, completion(m.ID, m.Name+" "+roleNames(m.Roles, a.Policy)))
		}
	}
	return out
}

// roleNamesNot lists the policy's roles but those already given.
func roleNamesNot(a *archive.Archive, given []string) []cobra.Completion {
	var ids []string
	for r := range a.Policy.Roles {
		if !slices.Contains(given, r) {
			ids = append(ids, r)
		}
	}
	slices.Sort(ids)
	var out []cobra.Completion
	for _, r := range ids {
		out = append(out, completion(r, a.Policy.RoleTitle(r)))
	}
	return out
}
