package archive

import (
	"regexp"
	"slices"
	"strings"

	"crm/l10n"
)

// shortIDRE splits a dossier id, or a short form of one, into its prefix
// (letters and digits, maybe ending in - or _) and its number, leading
// zeros dropped: "C-000001" → "C-", "1"; "c1" → "c", "1"; "7" → "", "7".
var shortIDRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*?[-_]?)?0*([0-9]+)$`)

// ResolveID returns the id of the dossier that s names: the id itself, or
// a short form of it: its number (1, 000001), or its prefix in any case,
// with or without the separator and the zeros (c-1, C1, c_000001). Unknown
// or ambiguous (two id schemes share the number) is an error naming the
// candidates; anything that is not an id (../x) is refused as CheckID does.
// Destroyed dossiers resolve too: their history stays readable.
func (a *Archive) ResolveID(s string) (string, error) {
	if err := CheckID(s); err != nil {
		return "", err
	}
	if a.State.Dossiers[s] != nil {
		return s, nil
	}
	m := shortIDRE.FindStringSubmatch(s)
	if m == nil {
		return "", failErr(l10n.Errorf("no dossier %s in this archive", s), NextList, "")
	}
	prefix, number := bareIDPrefix(m[1]), m[2]
	var found []string
	for id := range a.State.Dossiers {
		if n := shortIDRE.FindStringSubmatch(id); n != nil && n[2] == number &&
			(prefix == "" || strings.EqualFold(prefix, bareIDPrefix(n[1]))) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return "", failErr(l10n.Errorf("no dossier %s in this archive", s), NextList, "")
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return "", usageErr("id", l10n.Errorf("%q could be any of %s: give the full id", s, strings.Join(found, ", ")))
}

func bareIDPrefix(p string) string { return strings.TrimRight(p, "-_") }
