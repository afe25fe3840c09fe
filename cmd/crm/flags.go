package main

import (
	"crm/classify"
	"crm/l10n"
)

// One parser per kind of value, for every flag that takes it.

// parseQuarterFlag parses a --quarter value (2026Q4).
func parseQuarterFlag(s string) (classify.Quarter, error) { return parseQuarterAs("--quarter", s) }

// parseQuarterAs parses a quarter (2026Q4) given as what (a flag, or an
// argument's name), which its error names.
func parseQuarterAs(what, s string) (classify.Quarter, error) {
	q, err := classify.ParseQuarter(s)
	if err != nil {
		return q, usagef("%s %q: write a calendar quarter like 2026Q4", what, s)
	}
	return q, nil
}

// parseSpanFlag parses a span flag such as --within (30d, 2w, 6m, 1y):
// the one duration syntax of every flag.
func parseSpanFlag(flag, s string) (classify.Period, error) {
	p, err := classify.ParseSpan(s)
	if err != nil {
		return p, usage(l10n.Errorf("%s %q: %v", flag, s, err))
	}
	return p, nil
}
