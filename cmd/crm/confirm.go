package main

import (
	"bufio"
	"strings"

	"crm/l10n"
)

// confirm asks question on a terminal before a step that cannot be undone
// (member remove, destroy execute). --yes answers it; without a terminal
// and without --yes the step is refused as a usage error (exit 2), so that
// a script never destroys anything by accident. Any answer but yes (y,
// yes, 是) cancels (exit 1).
func (e *env) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !e.io.InTerminal {
		return usagef("this step cannot be undone and there is no terminal to confirm it: add --yes")
	}
	e.errorf("%s %s ", question, l10n.T("[y/N]"))
	line, _ := bufio.NewReader(e.io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "是", "是的", "确定":
		return nil
	}
	return l10n.Errorf("cancelled: nothing changed")
}

// yesFlag is the help text of --yes.
func yesFlag() string {
	return l10n.Pick("do not ask for confirmation (needed without a terminal)", "不再询问确认（无终端时必须给出）")
}
