package main

import (
	"github.com/spf13/cobra"

	"crm/archive"
)

// stepOn is the RunE of a command that takes one step on the loan or
// request its argument names: the archive is opened with the working
// member's key (exit 3 without one), then step runs.
func (e *env) stepOn(step func(a *archive.Archive, arg string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := e.open(true)
		if err != nil {
			return err
		}
		return step(a, args[0])
	}
}

// oneDossierStep runs a command whose steps are about the dossier its
// first argument names and read nothing else (edit, review done): it reads
// that dossier's part of the state snapshot, and its steps work on the
// snapshot's state advanced by what was added since, under the lock, with
// every rule checked there (archive.OpenOptions.SnapshotSteps).
func (e *env) oneDossierStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e.snapshot, e.only, e.snapshotSteps = true, args[0], true
		return run(cmd, args)
	}
}

// headerStep runs a command whose steps read and change only what the
// state snapshot's header holds (members, policy, hand-ins, statistics
// requests): its steps work on the header advanced by what was added
// since, under the lock, with every rule checked there
// (archive.OpenOptions.SnapshotSteps). A replay of the journal took 9 s
// and 1.6 GB at 100,000 dossiers.
func (e *env) headerStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryNone
		return run(cmd, args)
	}
}

// rekeySteps opens for a step that re-encrypts the dossiers it makes
// stale, or finds stale (member add, roles and remove; rekey): the rows
// say which, and every loan whose; the member step works on that state
// under the lock, and the re-encryption is a batch of its own (archive.
// Rekey), on runs of the snapshot's parts when the events since it allow,
// else on the snapshot's whole state. At 100,000 dossiers a member added
// on the replayed journal, file by file, took 662 s and 3.4 GB.
func (e *env) rekeySteps() {
	e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryRows|archive.SummaryLoans
}

// oneDossierLoanStep is oneDossierStep for a loan request: its rule also
// reads every loan's id, which the snapshot keeps in a part of its own.
func (e *env) oneDossierLoanStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return e.oneDossierStep(func(cmd *cobra.Command, args []string) error {
		e.summary = archive.SummaryLoans
		return run(cmd, args)
	})
}

// oneDossierDestroyStep is oneDossierStep for a destruction request
// (R6.10): its rule also reads every request's id, which the snapshot
// keeps in a part of its own.
func (e *env) oneDossierDestroyStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return e.oneDossierStep(func(cmd *cobra.Command, args []string) error {
		e.summary = archive.SummaryDestructions
		return run(cmd, args)
	})
}

// oneRequestStep runs a command whose steps are on the destruction
// request its first argument names (destroy approve, reject, execute):
// it reads every request, every loan and the part of the state snapshot
// of that request's dossier, and its steps work on the snapshot's state
// advanced by what was added since, under the lock, with every rule
// checked there (archive.OpenOptions.OnlyDestruction).
func (e *env) oneRequestStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e.snapshot, e.onlyRequest, e.snapshotSteps = true, args[0], true
		return run(cmd, args)
	}
}

// oneLoanStep runs a command whose steps are on the loan its first
// argument names (borrow endorse, approve, cancel, reject, renew, return):
// it reads every loan and the part of the state snapshot of that loan's
// dossier, and its steps work on the snapshot's state advanced by what
// was added since, under the lock, with every rule checked there
// (archive.OpenOptions.OnlyLoan).
func (e *env) oneLoanStep(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e.snapshot, e.onlyLoan, e.snapshotSteps = true, args[0], true
		return run(cmd, args)
	}
}

// stepOnDossier is stepOn for a step on a dossier: the argument may be a
// short form of its id (1, c-1, the leading characters of a random id:
// archive.ResolveID), and step gets the full id.
func (e *env) stepOnDossier(step func(a *archive.Archive, id string) error) func(*cobra.Command, []string) error {
	return e.stepOn(func(a *archive.Archive, arg string) error {
		id, err := a.ResolveID(arg)
		if err != nil {
			return err
		}
		return step(a, id)
	})
}

// openForBatch opens the archive for a batch of steps on the dossiers
// args name (short forms resolved, as stepOnDossier's) and returns their
// ids.
func (e *env) openForBatch(args []string) (*archive.Archive, []string, error) {
	a, err := e.open(true)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(args))
	for i, arg := range args {
		if ids[i], err = a.ResolveID(arg); err != nil {
			return nil, nil, err
		}
	}
	return a, ids, nil
}

// dossierInput is the dossier text a command works on: read from --from
// (a file, or - for standard input), else written in the editor, which
// starts from start and reopens until validate accepts the text.
// untouchedCancels is editLoop's: a template left as it was gives up.
func (e *env) dossierInput(from string, start []byte, allowDisk, untouchedCancels bool, validate func([]byte) error) ([]byte, error) {
	if from != "" {
		return readInput(e, from)
	}
	return e.editLoop(start, allowDisk, untouchedCancels, validate)
}

// validDossier is the editor's check of a dossier text: the check of a
// write, so that what only a write refuses reopens the editor.
func validDossier(b []byte) error {
	_, err := archive.ParseWritten(b)
	return err
}
