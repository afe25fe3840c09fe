package archive_test

import (
	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

// Every fixture's journal, when its test ends, is replayed in English and
// in Chinese: each problem the replay found must be kept in the other
// language in the words that language's replay gives it (journal.Problem
// En, Zh), since a snapshot saved in one is read in the other (helper
// 132). So every refusal the archive's tests provoke is checked.
func checkProblemLanguages(f *fixture) {
	t := f.t
	if t.Failed() {
		return
	}
	// Most tests leave no problem: the snapshot (the fixture's cache)
	// says so at little cost.
	if a, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, CacheDir: f.cache}); err != nil || len(a.State.Problems)+len(a.State.Superseded) == 0 {
		return
	}
	defer l10n.SetLang(l10n.Lang())
	var states [2]*archive.State
	for i, lang := range []string{"en", "zh"} {
		l10n.SetLang(lang)
		a, err := archive.Open(ctx, f.dir, f.clock)
		if err != nil {
			return // a test that leaves no archive to open
		}
		states[i] = a.State
	}
	en, zh := states[0], states[1]
	same := func(what string, en, zh []journal.Problem) {
		if len(en) != len(zh) {
			t.Errorf("%s: %d in English, %d in Chinese", what, len(en), len(zh))
			return
		}
		for i := range en {
			if en[i].Zh != zh[i].Msg {
				t.Errorf("%s %s: kept in Chinese by an English replay as\n\t%q\nthe Chinese replay says\n\t%q", what, en[i].Path, en[i].Zh, zh[i].Msg)
			}
			if zh[i].En != en[i].Msg {
				t.Errorf("%s %s: kept in English by a Chinese replay as\n\t%q\nthe English replay says\n\t%q", what, zh[i].Path, zh[i].En, en[i].Msg)
			}
		}
	}
	same("problem", en.Problems, zh.Problems)
	same("superseded", en.Superseded, zh.Superseded)
}
