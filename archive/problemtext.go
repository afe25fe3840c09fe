package archive

import (
	"crm/archive/journal"
	"crm/l10n"
)

// A problem the replay finds (State.Problems, State.Superseded) is kept
// in the state snapshot, which commands run in either language read: a
// cron job with LANG=C saves it, the clerk's `crm log ID` in Chinese shows
// it. So it is made in both languages (journal.Problem.En, Zh), and a
// snapshot read gives each problem's message in the reader's language
// (inOwnLanguage).

// replayProblem is the problem err says of the event at path: Msg is
// err's message in this process's language, En and Zh the message in
// each (the other one said again from err, l10n.In).
func replayProblem(path string, err error) journal.Problem {
	p := journal.Problem{Path: path, Msg: err.Error()}
	if l10n.Chinese() {
		p.Zh, p.En = p.Msg, l10n.In(false, err)
	} else {
		p.En, p.Zh = p.Msg, l10n.In(true, err)
	}
	return p
}

// inOwnLanguage sets the message of each of ps kept in both languages to
// the one of this process's language; one kept in a single language (by a
// snapshot saved before both were kept) stays as it is.
func inOwnLanguage(ps []journal.Problem) {
	zh := l10n.Chinese()
	for i := range ps {
		t := ps[i].En
		if zh {
			t = ps[i].Zh
		}
		if t != "" {
			ps[i].Msg = t
		}
	}
}

// sayable reports whether each of ps is said in this process's language
// whatever the language it was made in: kept in both, or made in this one
// (chinese: the language of the snapshot that holds them).
func sayable(ps []journal.Problem, chinese bool) bool {
	if chinese == l10n.Chinese() {
		return true
	}
	for _, p := range ps {
		if p.En == "" || p.Zh == "" {
			return false
		}
	}
	return true
}

// madeChinese is the language a snapshot of s says its messages were made
// in (snapshot.Chinese): that of prior, the snapshot s was advanced from,
// while s holds problems it kept in one language only (an older crm's),
// else this process's.
func madeChinese(s *State, prior *snapshot) bool {
	if prior != nil {
		for _, ps := range [][]journal.Problem{s.Problems, s.Superseded} {
			for _, p := range ps {
				if p.En == "" || p.Zh == "" {
					return prior.Chinese
				}
			}
		}
	}
	return l10n.Chinese()
}
