package classify

import (
	"crm/l10n"
	"fmt"
	"strings"
	"time"
)

// SizeClass is a customer's size (规模, "Other classifications" and R5.2):
// 大型 large, 中型 medium, 小型 small or 个体 sole trader. The empty
// SizeClass means "not recorded".
type SizeClass string

// The size classes, as written in dossiers, largest first.
const (
	SizeLarge      SizeClass = "大型"
	SizeMedium     SizeClass = "中型"
	SizeSmall      SizeClass = "小型"
	SizeSoleTrader SizeClass = "个体"
)

var sizeEnglish = map[SizeClass]string{
	SizeLarge:      "large",
	SizeMedium:     "medium",
	SizeSmall:      "small",
	SizeSoleTrader: "sole-trader",
}

// SizeClasses returns every size class, largest first.
func SizeClasses() []SizeClass {
	return []SizeClass{SizeLarge, SizeMedium, SizeSmall, SizeSoleTrader}
}

// Valid reports whether s is one of 大型, 中型, 小型 and 个体.
func (s SizeClass) Valid() bool {
	_, ok := sizeEnglish[s]
	return ok
}

// English returns the size class's English name: large, medium, small or
// sole-trader, or the empty string for an invalid class.
func (s SizeClass) English() string { return sizeEnglish[s] }

// ParseSizeClass parses a size class: 大型, 中型, 小型 or 个体, or the English
// large, medium, small or sole-trader in any case. Surrounding white space
// is ignored.
func ParseSizeClass(s string) (SizeClass, error) {
	v := strings.TrimSpace(s)
	for _, c := range SizeClasses() {
		if v == string(c) || strings.EqualFold(v, c.English()) {
			return c, nil
		}
	}
	if v == "" {
		return "", l10n.Errorf("empty customer size: want 大型, 中型, 小型 or 个体 (or large, medium, small, sole-trader)")
	}
	return "", l10n.Errorf("unknown customer size %q: want 大型, 中型, 小型 or 个体 (or large, medium, small, sole-trader)", s)
}

// Cooperation classes returned by [Cooperation].
const (
	CooperationNew   = "新客户"  // trading with us for less than 1 year
	CooperationOld   = "老客户"  // for 1 year or more, but less than 5
	CooperationLoyal = "忠诚客户" // for 5 years or more
)

// Cooperation classifies a customer by the years it has traded with us
// ("Other classifications"), counted in whole years from since, the date
// trading began, to today: [CooperationNew] (新客户) before the first
// anniversary, [CooperationOld] (老客户) from the first anniversary, and
// [CooperationLoyal] (忠诚客户) from the fifth. Anniversaries follow the
// date rules of the package documentation, so a customer since 2024-02-29
// is 老客户 from 2025-03-01. A since after today is 新客户. A zero since
// (the date is not recorded) gives the empty string and a Rule that says so.
func Cooperation(since, today time.Time) (string, Rule) {
	if since.IsZero() {
		return "", Rule{
			ID:     RuleCooperation,
			Text:   "档案未记录开始交易的日期，无法按合作年限分类",
			TextEN: "the dossier does not record when trading began, so years of cooperation are unknown",
		}
	}
	start, end := civilDate(since), civilDate(today)
	years := 0
	for years < 5 && !end.Before(addDate(start, years+1, 0, 0)) {
		years++
	}
	var c, zh, en string
	switch {
	case years >= 5:
		c, zh, en = CooperationLoyal, "合作满 5 年", "trading with us for 5 years or more"
	case years >= 1:
		c = CooperationOld
		zh = fmt.Sprintf("合作满 %d 年、不满 5 年", years)
		en = fmt.Sprintf("trading with us for %d full year(s), less than 5", years)
	default:
		c, zh, en = CooperationNew, "合作不满 1 年", "trading with us for less than a year"
	}
	sinceText := start.Format(time.DateOnly)
	return c, Rule{
		ID:     RuleCooperation,
		Text:   fmt.Sprintf("自 %s 起交易，%s，属%s", sinceText, zh, c),
		TextEN: fmt.Sprintf("trading since %s: %s, so %s (%s)", sinceText, en, c, cooperationEnglish(c)),
	}
}

func cooperationEnglish(c string) string {
	switch c {
	case CooperationNew:
		return "new customer"
	case CooperationOld:
		return "old customer"
	case CooperationLoyal:
		return "loyal customer"
	}
	return ""
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSizeClass],
// except that empty text is the empty SizeClass, "not recorded". English
// names are stored as the Chinese size class.
func (s *SizeClass) UnmarshalText(b []byte) error {
	return unmarshalOptional(b, s, ParseSizeClass)
}
