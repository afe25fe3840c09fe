package archive

import (
	"bytes"
	"encoding/gob"
	"testing"

	"crm/archive/journal"
	"crm/l10n"
)

// A snapshot's problems are read in the reader's language when they were
// kept in both; one saved before they were (no En, Zh: a header of the
// same format, which gob decodes with the fields empty) keeps its one
// text, and verify --fast prints it only in the language it was made in.
func TestProblemsInOwnLanguage(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	// A header's problems as an older crm encoded them.
	type oldProblem struct {
		Path, Msg string
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(struct{ Problems []oldProblem }{[]oldProblem{{"journal/a.yaml", "refused"}}}); err != nil {
		t.Fatal(err)
	}
	var old struct{ Problems []journal.Problem }
	if err := gob.NewDecoder(&b).Decode(&old); err != nil {
		t.Fatalf("an older header's problems do not decode: %v", err)
	}
	for _, lang := range []string{"en", "zh"} {
		l10n.SetLang(lang)
		err := l10n.Errorf("superseded by a concurrent step: %s", "x")
		both := replayProblem("journal/b.yaml", err)
		if both.En != "superseded by a concurrent step: x" || both.Zh != "已被另一处同时进行的步骤取代：x" || both.Msg != err.Error() {
			t.Fatalf("%s: replayProblem %+v", lang, both)
		}
		for _, reader := range []string{"en", "zh"} {
			l10n.SetLang(reader)
			ps := []journal.Problem{both, old.Problems[0]}
			inOwnLanguage(ps)
			want := both.En
			if reader == "zh" {
				want = both.Zh
			}
			if ps[0].Msg != want || ps[1].Msg != "refused" {
				t.Errorf("made in %s, read in %s: %q, %q", lang, reader, ps[0].Msg, ps[1].Msg)
			}
			madeZh := lang == "zh"
			if !sayable(ps[:1], !madeZh) || sayable(ps, !l10n.Chinese()) || !sayable(ps, l10n.Chinese()) {
				t.Errorf("made in %s, read in %s: sayable wrong", lang, reader)
			}
		}
	}
}

// A snapshot advanced from an older one keeps saying the language of the
// problems it kept in one language only: verify --fast prints them only
// to a reader of that language.
func TestSnapshotLanguageOfOlderProblems(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	l10n.SetLang("zh")
	both := replayProblem("journal/b.yaml", l10n.Errorf("superseded by a concurrent step: %s", "x"))
	one := journal.Problem{Path: "journal/a.yaml", Msg: "superseded by a concurrent step: y"}
	english := &snapshot{Chinese: false}
	for _, c := range []struct {
		s     *State
		prior *snapshot
		want  bool
	}{
		{&State{Superseded: []journal.Problem{both, one}}, english, false},
		{&State{Problems: []journal.Problem{one}}, english, false},
		{&State{Superseded: []journal.Problem{both}}, english, true},
		{&State{Superseded: []journal.Problem{both, one}}, nil, true},
	} {
		if got := madeChinese(c.s, c.prior); got != c.want {
			t.Errorf("madeChinese(%+v, prior %v) = %v, want %v", c.s.Superseded, c.prior != nil, got, c.want)
		}
	}
}
