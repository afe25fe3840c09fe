package main

import (
	"github.com/spf13/cobra"

	"crm/l10n"
)

func newHoldCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "hold ID --reason R",
		Short: l10n.Pick("Put a dossier under a legal hold (冻结): no destruction or reclassification until released", "冻结档案：解除前不得销毁或调整密级"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil {
				return err
			}
			if err := a.SetHold(args[0], true, reason); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Dossier %s is on hold: %s.", args[0], reason))
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why (the case, order or audit)", "冻结理由"))
	return c
}

func newReleaseCmd(e *env) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "release ID [--reason R]",
		Short: l10n.Pick("Release a legal hold", "解除冻结"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if err := resolveDossier(a, args); err != nil {
				return err
			}
			if err := a.SetHold(args[0], false, reason); err != nil {
				return err
			}
			e.printf("%s\n", l10n.Sprintf("Dossier %s is released from its hold.", args[0]))
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", l10n.Pick("why the hold ends", "解除理由"))
	return c
}
