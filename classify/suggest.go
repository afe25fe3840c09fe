package classify

import (
	"fmt"
	"strings"
	"time"

	"crm/l10n"
)

// SuggestInput is what [Suggest] needs to know about one dossier.
type SuggestInput struct {
	// Relationship is the customer's relationship with the company, as
	// accepted by [SuggestLevel] (R7.2.3); empty if not recorded.
	Relationship string
	// CurrentLevel is the level the dossier is marked with; zero if none.
	CurrentLevel Level
	// LevelSetOn is the day CurrentLevel was set, from which its secrecy
	// period runs (R7.2.4); zero if not known.
	LevelSetOn time.Time
	// Period is CurrentLevel's secrecy period (R7.2.4), from the dossier or
	// the policy; zero if none.
	Period Period
	// Today is the day of the suggestion.
	Today time.Time
	// Score is the credit survey score from 0 to 100 (R8), or nil when the
	// customer has not been surveyed.
	Score *int
	// Thresholds are the policy's credit thresholds (R8); the zero value
	// stands for [DefaultThresholds].
	Thresholds Thresholds
	// Grade is the customer's value grade, from [ABCGrades]; empty if not
	// graded.
	Grade Grade
	// Sales are the customer's yearly sales.
	Sales float64
	// ExplicitTier is the tier written in the dossier, if any.
	ExplicitTier string
}

// Suggestion is what the rules suggest for one dossier, each with the
// [Rule] that gave it. Suggestions are not decisions: a person with the
// right role applies them (crm classify).
type Suggestion struct {
	// CurrentLevel is the level the dossier is marked with.
	CurrentLevel Level
	// EffectiveLevel is CurrentLevel after automatic declassification
	// (R7.2.4): [Internal] once the secrecy period has run out.
	EffectiveLevel Level
	// Expires is the day the secrecy period runs out, or the zero Time if it
	// has no end or is not known; see [Expiry].
	Expires time.Time
	// Level is the suggested level and LevelRule the rule that gave it.
	Level     Level
	LevelRule Rule

	// Credit is the credit class from the survey score (R8), empty without
	// a survey, and CreditRule the rule that gave it.
	Credit     CreditClass
	CreditRule Rule
	// Dangerous reports whether Credit makes the customer a dangerous
	// customer (危险客户, R8).
	Dangerous bool

	// Tier is the suggested tier and TierRule the rule that gave it.
	Tier     Tier
	TierRule Rule

	// Problems lists what in the input could not be used, such as an
	// unknown relationship or a score out of range. The rest of the
	// suggestion is still made.
	Problems []error
}

// LevelChanged reports whether the suggested level differs from the
// dossier's current level.
func (s Suggestion) LevelChanged() bool { return s.Level != s.CurrentLevel }

// Suggest applies every rule of this package to one dossier. It does not
// fail: input it cannot use is reported in [Suggestion.Problems] and leaves
// the corresponding suggestion empty or unchanged.
//
// The level is suggested as follows. A marked level whose secrecy period
// has run out by in.Today becomes [Internal] (R7.2.4), whatever the
// relationship: once declassified, marking a dossier again is a person's
// decision. Otherwise the level follows the relationship (R7.2.3), and
// without a usable relationship the current level is kept. Note that a
// dossier whose stored level was already lowered to 内部 is suggested the
// relationship's level again; callers that lower stored levels on
// declassification should keep the original mark and its date as input.
//
// The credit class follows [ClassifyScore] (R8) and the tier follows
// [SuggestTier].
func Suggest(in SuggestInput) Suggestion {
	s := Suggestion{
		CurrentLevel:   in.CurrentLevel,
		EffectiveLevel: EffectiveLevel(in.CurrentLevel, in.LevelSetOn, in.Period, in.Today),
	}
	if in.CurrentLevel > Internal && in.CurrentLevel.Valid() {
		s.Expires, _ = Expiry(in.LevelSetOn, in.Period)
	}

	switch {
	case s.EffectiveLevel != in.CurrentLevel:
		s.Level = Internal
		setOn := civilDate(in.LevelSetOn).Format(time.DateOnly)
		exp := s.Expires.Format(time.DateOnly)
		s.LevelRule = Rule{
			ID:     RulePeriod,
			Text:   fmt.Sprintf("%s自 %s 起的保密期限 %s 已于 %s 届满，自行解密为内部", in.CurrentLevel, setOn, in.Period, exp),
			TextEN: fmt.Sprintf("the secrecy period %s of %s (%s) set on %s ran out on %s, so the dossier is declassified to 内部 (internal)", in.Period, in.CurrentLevel, in.CurrentLevel.English(), setOn, exp),
		}
	case strings.TrimSpace(in.Relationship) != "":
		l, r, err := SuggestLevel(in.Relationship)
		if err == nil {
			s.Level, s.LevelRule = l, r
			break
		}
		s.Problems = append(s.Problems, err)
		s.Level, s.LevelRule = in.CurrentLevel, keepLevel(in.CurrentLevel, fmt.Sprintf("与本公司的关系 %q 无法识别", in.Relationship), fmt.Sprintf("the relationship %q is not recognised", in.Relationship))
	default:
		s.Level, s.LevelRule = in.CurrentLevel, keepLevel(in.CurrentLevel, "档案未记录与本公司的关系", "the dossier does not record the customer's relationship")
	}
	if !s.Level.Valid() {
		s.Problems = append(s.Problems, l10n.Errorf("no secrecy level can be suggested: the dossier has no level and no relationship; want a relationship of %s", l10n.List(Relationships())))
	}

	th := in.Thresholds
	if th == (Thresholds{}) {
		th = DefaultThresholds()
	}
	if in.Score == nil {
		s.CreditRule = Rule{
			ID:     RuleCredit,
			Text:   "尚无信用调查评分，未定信用等级",
			TextEN: "there is no credit survey score, so there is no credit class",
		}
	} else if c, r, err := ClassifyScore(*in.Score, th); err != nil {
		s.Problems = append(s.Problems, err)
	} else {
		s.Credit, s.CreditRule, s.Dangerous = c, r, Dangerous(c)
	}

	if strings.TrimSpace(in.ExplicitTier) != "" {
		if _, err := ParseTier(in.ExplicitTier); err != nil {
			s.Problems = append(s.Problems, err)
		}
	}
	s.Tier, s.TierRule = SuggestTier(in.Grade, in.Sales, in.ExplicitTier)
	return s
}

func keepLevel(l Level, whyZH, whyEN string) Rule {
	if !l.Valid() {
		return Rule{
			ID:     RuleRelationship,
			Text:   whyZH + "，且档案没有密级，无法建议密级",
			TextEN: whyEN + ", and the dossier has no level, so no level can be suggested",
		}
	}
	return Rule{
		ID:     RuleRelationship,
		Text:   fmt.Sprintf("%s，维持现有密级%s", whyZH, l),
		TextEN: fmt.Sprintf("%s, so the current level %s (%s) is kept", whyEN, l, l.English()),
	}
}
