package classify

import (
	"crm/l10n"
	"fmt"
	"strings"
)

// Level is a dossier's secrecy level (密级). The three marked levels are
// those of R7.2.2; [Internal] (内部) is what a marked dossier drops to when its
// secrecy period runs out (R7.2.4). Levels are ordered: a greater Level is
// more secret, so Internal < Secret < Confidential < TopSecret.
//
// The zero Level is not a level: it stands for "not set", and [Level.Valid]
// reports false for it.
type Level int

// The secrecy levels, least secret first.
const (
	// Internal (内部) is an unmarked or declassified dossier, still
	// encrypted and held by 客服部 (R7.2.4).
	Internal Level = iota + 1
	// Secret (秘密): a leak harms the company (R7.2.2).
	Secret
	// Confidential (机密): a leak harms the company seriously (R7.2.2).
	Confidential
	// TopSecret (绝密): a leak harms the company very seriously (R7.2.2).
	TopSecret
)

var levelNames = [...]struct{ zh, en string }{
	Internal:     {"内部", "internal"},
	Secret:       {"秘密", "secret"},
	Confidential: {"机密", "confidential"},
	TopSecret:    {"绝密", "top-secret"},
}

// Levels returns every valid level, least secret first.
func Levels() []Level {
	return []Level{Internal, Secret, Confidential, TopSecret}
}

// Valid reports whether l is one of [Internal], [Secret], [Confidential]
// and [TopSecret].
func (l Level) Valid() bool {
	return l >= Internal && l <= TopSecret
}

// String returns the level's Chinese name (内部, 秘密, 机密 or 绝密), which
// is how levels are written in dossiers, the policy and reports. An invalid
// level is written "Level(N)".
func (l Level) String() string {
	if !l.Valid() {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l].zh
}

// English returns the level's English name (internal, secret, confidential
// or top-secret), as accepted by [ParseLevel]. An invalid level is written
// "Level(N)".
func (l Level) English() string {
	if !l.Valid() {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l].en
}

// ParseLevel parses a level name: one of the Chinese names 内部, 秘密, 机密 and
// 绝密, or one of the English names internal, secret, confidential and
// top-secret. Surrounding white space is ignored and English names may be
// in any case.
func ParseLevel(s string) (Level, error) {
	t := strings.TrimSpace(s)
	for _, l := range Levels() {
		if t == levelNames[l].zh || strings.EqualFold(t, levelNames[l].en) {
			return l, nil
		}
	}
	if t == "" {
		return 0, l10n.Errorf("empty secrecy level: want one of %s", levelList())
	}
	return 0, l10n.Errorf("unknown secrecy level %q: want one of %s", s, levelList())
}

func levelList() string {
	var zh, en []string
	for _, l := range Levels() {
		zh = append(zh, l.String())
		en = append(en, l.English())
	}
	return l10n.List(zh) + l10n.Pick(" (or ", "（或 ") + l10n.List(en) + l10n.Pick(")", "）")
}

// MarshalText implements [encoding.TextMarshaler]. It writes the Chinese
// name, and fails for an invalid level.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, l10n.Errorf("cannot write invalid secrecy level %d: want one of %s", int(l), levelList())
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseLevel].
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Relationship values accepted by [SuggestLevel] (R7.2.3), in Chinese as
// written in dossiers.
const (
	RelationshipOrdinary  = "一般业务往来"   // ordinary business with us → 秘密
	RelationshipImportant = "重要业务往来"   // important business → 机密
	RelationshipRights    = "直接影响公司权益" // directly affects the company's rights → 绝密
)

var relationships = [...]struct {
	zh, en string
	level  Level
	enText string
}{
	{RelationshipOrdinary, "ordinary", Secret, "ordinary business with us"},
	{RelationshipImportant, "important", Confidential, "important business with us"},
	{RelationshipRights, "rights", TopSecret, "directly affects the company's rights"},
}

// Relationships returns the Chinese relationship values that [SuggestLevel]
// accepts, in increasing order of the level they lead to.
func Relationships() []string {
	return []string{RelationshipOrdinary, RelationshipImportant, RelationshipRights}
}

// SuggestLevel returns the secrecy level that R7.2.3 gives a dossier from the
// customer's relationship with the company:
//
//	一般业务往来 (ordinary)          → 秘密 Secret
//	重要业务往来 (important)         → 机密 Confidential
//	直接影响公司权益 (rights)        → 绝密 TopSecret
//
// The English words in brackets are accepted too, in any case. Surrounding
// white space is ignored. An empty or unknown relationship is an error that
// lists the accepted values.
func SuggestLevel(relationship string) (Level, Rule, error) {
	t := strings.TrimSpace(relationship)
	for _, r := range relationships {
		if t == r.zh || strings.EqualFold(t, r.en) {
			return r.level, Rule{
				ID:     RuleRelationship,
				Text:   fmt.Sprintf("与本公司的关系为%s，建议密级%s", r.zh, r.level),
				TextEN: fmt.Sprintf("the customer's relationship is %q (%s), so the suggested level is %s (%s)", r.zh, r.enText, r.level, r.level.English()),
			}, nil
		}
	}
	var want []string
	for _, r := range relationships {
		want = append(want, r.zh+" ("+r.en+")")
	}
	if t == "" {
		return 0, Rule{}, l10n.Errorf("empty relationship: want one of %s", l10n.List(want))
	}
	return 0, Rule{}, l10n.Errorf("unknown relationship %q: want one of %s", relationship, l10n.List(want))
}
