package report

// The 密级 marking of a report (Report.Marking).
//
// A report is marked with the highest level, in the policy's order, among
// the dossiers it shows: those whose content it read (facts.contents: the
// figures and lists built from content, even only counted, come from them)
// and those its rows name (a row with a "dossier" column: the register
// entries, the 核定 lists). A dossier counts with its level today
// (archive.EffectiveLevel: a lowered or declassified dossier counts as what
// it is now) and with every level the row itself prints for it ("level",
// "from_level", "to_level"), so that no level in the report is above its
// marking. Counts by level (by_level) name no dossier and do not count. A
// report that shows no dossier has no marking.

import (
	"slices"

	"crm/archive"
)

// markDossier records that the report shows dossier id: its level today
// counts towards the marking.
func (f *facts) markDossier(id string) {
	if f.levelNow == nil {
		// Every dossier's level today, read once (by the first pass
		// over them, if there was one): the 核定 register names half a
		// million times a dossier of 100,000.
		f.each(func(*archive.DossierState) {})
	}
	if k, ok := slices.BinarySearch(f.ids, id); ok {
		f.markLevel(f.levelNow[k])
	}
}

// markRead records that the report shows the dossiers of ids (by id)
// whose content it read (ds[i] for ids[i], nil: not read), as markDossier
// does each.
func (f *facts) markRead(ids []string, ds []*archive.Digest) {
	all := seeker{list: f.ids}
	for i, id := range ids {
		if ds[i] == nil {
			continue
		}
		if f.levelNow == nil {
			f.each(func(*archive.DossierState) {}) // as markDossier
		}
		if k, ok := all.find(id); ok && !f.marks[f.levelNow[k]] {
			f.markLevel(f.levelNow[k])
		}
	}
}

// markLevel records a level the report shows for a dossier; names the
// policy does not know are ignored.
func (f *facts) markLevel(level string) {
	if level == "" || f.a.Policy.Level(level) == nil {
		return
	}
	if f.marks == nil {
		f.marks = map[string]bool{}
	}
	f.marks[level] = true
}

// marking returns the highest level among the dossiers the report read
// (marked by contents) and the dossiers the rows of data and made name, or
// "".
func (f *facts) marking(data map[string][]Row, made map[string]rowSource) string {
	mark := func(id, level, from, to Value) {
		if id.String() == "" {
			return
		}
		f.markDossier(id.String())
		f.markLevel(level.String())
		f.markLevel(from.String())
		f.markLevel(to.String())
	}
	for _, rows := range data {
		for _, r := range rows {
			mark(r["dossier"], r["level"], r["from_level"], r["to_level"])
		}
	}
	for _, src := range made {
		for i := range src.Len() {
			mark(src.Cell(i, "dossier"), src.Cell(i, "level"), src.Cell(i, "from_level"), src.Cell(i, "to_level"))
		}
	}
	return highest(f.a.Policy, f.marks)
}

// highest is the highest level, in p's order, of those marked, or "".
func highest(p *archive.Policy, marked map[string]bool) string {
	high := ""
	for _, l := range p.LevelNames() { // lowest first
		if marked[l] {
			high = l
		}
	}
	return high
}

// RegisterMarking is the register's 密级 marking, as every report's: the
// highest level, in p's order, among the dossiers entries list, and
// whether that is the declassified level (内部).
func RegisterMarking(p *archive.Policy, entries []RegisterEntry) (level string, internal bool) {
	seen := map[string]bool{}
	for _, en := range entries {
		seen[en.Level] = true
	}
	level = highest(p, seen)
	return level, level != "" && level == p.DeclassifiedLevel()
}

// markingText is the marking as printed on every page: "机密 ★ 禁止外传",
// or for the declassified level "内部 · 仅限客服部"; "" without a marking.
func markingText(r *Report, lang string) string {
	switch {
	case r.Marking == "":
		return ""
	case r.MarkingInternal && lang == LangEn:
		return r.Marking + " (internal) · keep within 客服部"
	case r.MarkingInternal:
		return r.Marking + " · 仅限客服部"
	case lang == LangEn:
		return r.Marking + " ★ do not disclose"
	}
	return r.Marking + " ★ 禁止外传"
}
