package archive

import (
	"iter"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/l10n"
)

// shortIDRE splits a dossier id, or a short form of one, into its prefix
// (letters and digits, maybe ending in - or _) and its number, leading
// zeros dropped: "C-000001" → "C-", "1"; "c1" → "c", "1"; "7" → "", "7".
var shortIDRE = lazyRE(`^([A-Za-z][A-Za-z0-9]*?[-_]?)?0*([0-9]+)$`)

// ResolveID returns the id of the dossier that s names: the id itself, or
// a short form of it. A sequential id may be given by its number (1,
// 000001), with its prefix in any case, with or without the separator and
// the zeros (c-1, C1, c_000001); a random id by the first four or more of
// its ten characters, prefix optional, in any case (2enh, C-2ENHP). Unknown
// or ambiguous (two id schemes share the number) is an error naming the
// candidates; anything that is not an id (../x) is refused as CheckID does.
// Destroyed dossiers resolve too: their history stays readable.
func (a *Archive) ResolveID(s string) (string, error) {
	if err := a.checkID(s); err != nil {
		return "", err
	}
	id, err := resolveShort(a.Policy.IDScheme.Prefix, s, a.CanonicalID(s), a.State.hasDossier, a.State.dossierIDs())
	return id, a.clockBehind(err, func(e *journal.Event) bool {
		return e.Dossier != "" && !a.State.hasDossier(e.Dossier)
	})
}

// resolveShort is ResolveID's answer for s (canonical: s in its
// canonical form) among the dossiers has knows, whose ids are ids: every
// dossier of the archive, for the answer to hold.
func resolveShort(prefix, s, canonical string, has func(string) bool, ids iter.Seq[string]) (string, error) {
	if has(canonical) {
		return canonical, nil
	}
	var found []string
	m := shortIDRE().FindStringSubmatch(s)
	start, random := randomIDStart(prefix, s)
	typed := "" // the prefix s was typed with, if any
	if m != nil {
		typed = bareIDPrefix(m[1])
	}
	if m != nil || random {
		for id := range ids {
			if m != nil {
				if n := shortIDRE().FindStringSubmatch(id); n != nil && n[2] == m[2] &&
					(typed == "" || strings.EqualFold(typed, bareIDPrefix(n[1]))) {
					found = append(found, id)
					continue
				}
			}
			if random && isRandomID(prefix, id) && strings.HasPrefix(id[len(prefix):], start) {
				found = append(found, id)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", failErr(l10n.Errorf("no dossier %s in this archive", s), NextList, "")
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return "", usageErr("id", l10n.Errorf("%q could be any of %s: give the full id", s, l10n.List(found)))
}

func bareIDPrefix(p string) string { return strings.TrimRight(p, "-_") }

// randomIDStart is s read as the start of a random id's ten characters:
// the prefix (in any case) dropped, Crockford's reading
// rules applied; false when s is shorter than four characters or holds
// one that no random id has.
func randomIDStart(prefix, s string) (string, bool) {
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		s = s[len(prefix):]
	}
	if len(s) < 4 || len(s) > idDayChars+idRandChars {
		return "", false
	}
	c := canonicalID("", strings.Repeat("0", idDayChars+idRandChars-len(s))+s)
	c = c[idDayChars+idRandChars-len(s):]
	if !isCrockfordStart(c) {
		return "", false
	}
	return c, true
}

func isCrockfordStart(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, byte(toUpper(rune(s[i])))) < 0 {
			return false
		}
	}
	return true
}
