package main

import (
	"github.com/spf13/cobra"

	"crm/archive"
	"crm/l10n"
)

// A legal hold (冻结) blocks destruction and reclassification (R6.10,
// R7.1) until it is released.

func newHoldCmd(e *env) *cobra.Command {
	return holdCmd(e, true, "hold ID --reason R",
		l10n.Pick("Put a dossier under a legal hold (冻结): no destruction or reclassification until released", "冻结档案：解除前不得销毁或调整密级"),
		l10n.Pick("why (the case, order or audit)", "冻结理由"))
}

func newReleaseCmd(e *env) *cobra.Command {
	return holdCmd(e, false, "release ID [--reason R]",
		l10n.Pick("Release a legal hold", "解除冻结"),
		l10n.Pick("why the hold ends", "解除理由"))
}

// holdCmd is `crm hold` (on) or `crm release` (!on).
func holdCmd(e *env, on bool, use, short, reasonHelp string) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: e.oneDossierStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
			if err := a.SetHold(id, on, reason); err != nil {
				return err
			}
			if on {
				e.printf("%s\n", l10n.Sprintf("Dossier %s is on hold: %s.", id, reason))
			} else {
				e.printf("%s\n", l10n.Sprintf("Dossier %s is released from its hold.", id))
			}
			return nil
		})),
	}
	c.Flags().StringVar(&reason, "reason", "", reasonHelp)
	return c
}
