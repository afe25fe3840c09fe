package classify

import (
	"cmp"
	"crm/l10n"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Grade is a customer's value grade from an ABC analysis of yearly sales
// (DOMAIN.md, "Other classifications"): A for the customers who bring the
// most, then B, then C. The empty Grade means "not graded".
type Grade string

// The value grades, most valuable first.
const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
)

// Valid reports whether g is one of A, B and C.
func (g Grade) Valid() bool { return g == GradeA || g == GradeB || g == GradeC }

// ParseGrade parses a value grade: A, B or C in any case. Surrounding white
// space is ignored.
func ParseGrade(s string) (Grade, error) {
	t := strings.TrimSpace(s)
	for _, g := range []Grade{GradeA, GradeB, GradeC} {
		if strings.EqualFold(t, string(g)) {
			return g, nil
		}
	}
	if t == "" {
		return "", l10n.Errorf("empty value grade: want A, B or C")
	}
	return "", l10n.Errorf("unknown value grade %q: want A, B or C", s)
}

// DefaultAShare and DefaultBShare are the ABC shares of DOMAIN.md: the top
// 20 % of customers by yearly sales are A, the next 30 % are B.
const (
	DefaultAShare = 0.2
	DefaultBShare = 0.3
)

// ABCGrades grades customers by yearly sales (ABC analysis, "Other
// classifications"). sales maps a customer (dossier) id to its yearly
// sales; aShare and bShare are the fractions of customers that are A and B,
// such as [DefaultAShare] and [DefaultBShare].
//
// Customers are ranked by sales, highest first; customers with equal sales
// are ranked by id, in ascending byte order, so the result never depends on
// map order (equal sales on either side of a boundary thus get different
// grades). Of N customers, the first ⌈aShare·N⌉ are A, and the customers
// after them up to rank ⌈(aShare+bShare)·N⌉ are B; the rest are C. Rounding
// up means that any customer at all, with aShare > 0, makes an A customer,
// and that a grade is never smaller than its share; a product within 1e-9 of
// a whole number counts as that number, so that 0.3·10 is 3, not 4. For
// example, with the default shares, 1 customer is A; of 5, 1 is A, 2 are B
// and 2 are C; of 10, 2 are A, 3 are B and 5 are C.
//
// A customer with no sales (0) is never graded above C, but counts in N.
// Negative, NaN or infinite sales, shares outside 0–1, and shares that add
// up to more than 1 are an error naming the value. No customers give an
// empty map.
func ABCGrades(sales map[string]float64, aShare, bShare float64) (map[string]Grade, error) {
	if err := checkShares(aShare, bShare); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(sales))
	for id, v := range sales {
		if !gradable(v) {
			return nil, l10n.Errorf("yearly sales of customer %q are %v: want a finite amount of 0 or more", id, v)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	vs := make([]float64, len(ids))
	for i, id := range ids {
		vs[i] = sales[id]
	}
	grades := make(map[string]Grade, len(ids))
	for i, g := range rankGrades(vs, aShare, bShare) {
		grades[ids[i]] = g
	}
	return grades, nil
}

// ABCGradesInOrder is ABCGrades of customers listed in the order of their
// ids: grades[i] is the grade of the customer whose yearly sales are
// sales[i]. Ties are broken by place, as ABCGrades breaks them by id. A
// department's 100,000 customers are graded without a map by id.
func ABCGradesInOrder(sales []float64, aShare, bShare float64) ([]Grade, error) {
	if err := checkShares(aShare, bShare); err != nil {
		return nil, err
	}
	for i, v := range sales {
		if !gradable(v) {
			return nil, l10n.Errorf("yearly sales of customer %d are %v: want a finite amount of 0 or more", i+1, v)
		}
	}
	return rankGrades(sales, aShare, bShare), nil
}

// rankGrades grades sales (checked) by rank, ties by place.
func rankGrades(sales []float64, aShare, bShare float64) []Grade {
	ranked := make([]int32, len(sales)) // places, by rank
	for i := range ranked {
		ranked[i] = int32(i)
	}
	slices.SortFunc(ranked, func(a, b int32) int {
		if c := cmp.Compare(sales[b], sales[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	n := len(ranked)
	nA := shareCount(aShare, n)
	nAB := max(shareCount(aShare+bShare, n), nA)
	grades := make([]Grade, n)
	for i, at := range ranked {
		g := GradeC
		switch v := sales[at]; {
		case v == 0:
		case i < nA:
			g = GradeA
		case i < nAB:
			g = GradeB
		}
		grades[at] = g
	}
	return grades
}

// gradable reports whether yearly sales v can be ranked: finite, 0 or more.
func gradable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }

// checkShares refuses grade shares outside 0–1 or adding up to more than 1.
func checkShares(aShare, bShare float64) error {
	for _, s := range []struct {
		name string
		v    float64
	}{{"A", aShare}, {"B", bShare}} {
		if math.IsNaN(s.v) || s.v < 0 || s.v > 1 {
			return l10n.Errorf("value grade share %s is %v: want a fraction from 0 to 1, such as 0.2", s.name, s.v)
		}
	}
	if aShare+bShare > 1+1e-9 {
		return l10n.Errorf("value grade shares A (%v) and B (%v) add up to more than 1: want A + B ≤ 1, such as 0.2 and 0.3", aShare, bShare)
	}
	return nil
}

// shareCount returns ⌈share·n⌉, reading a product within 1e-9 of a whole
// number as that number, and at most n.
func shareCount(share float64, n int) int {
	x := share * float64(n)
	r := math.Round(x)
	if math.Abs(x-r) < 1e-9 {
		x = r
	}
	return min(int(math.Ceil(x)), n)
}

// Tier is a customer's tier (客户层级, "Other classifications"): 重点 key
// customers get their own card and closer care, 普通 ordinary customers are
// visited at least quarterly, and 潜在 potential customers do not buy yet.
// The empty Tier means "not set".
type Tier string

// The tiers, as written in dossiers.
const (
	TierKey       Tier = "重点"
	TierOrdinary  Tier = "普通"
	TierPotential Tier = "潜在"
)

var tierEnglish = map[Tier]string{
	TierKey:       "key",
	TierOrdinary:  "ordinary",
	TierPotential: "potential",
}

// Tiers returns every tier, key customers first.
func Tiers() []Tier { return []Tier{TierKey, TierOrdinary, TierPotential} }

// Valid reports whether t is one of 重点, 普通 and 潜在.
func (t Tier) Valid() bool { _, ok := tierEnglish[t]; return ok }

// English returns the tier's English name: key, ordinary or potential, or
// the empty string for an invalid tier.
func (t Tier) English() string { return tierEnglish[t] }

// ParseTier parses a tier: 重点, 普通 or 潜在, or the English key, ordinary
// or potential in any case. Surrounding white space is ignored.
func ParseTier(s string) (Tier, error) {
	v := strings.TrimSpace(s)
	for _, t := range Tiers() {
		if v == string(t) || strings.EqualFold(v, t.English()) {
			return t, nil
		}
	}
	if v == "" {
		return "", l10n.Errorf("empty customer tier: want 重点, 普通 or 潜在 (or key, ordinary, potential)")
	}
	return "", l10n.Errorf("unknown customer tier %q: want 重点, 普通 or 潜在 (or key, ordinary, potential)", s)
}

// TierOf is the tier SuggestTier gives a customer whose dossier sets
// none, without its rule's text: 重点 for value grade A, else 普通 with
// sales, else 潜在.
func TierOf(grade Grade, sales float64) Tier {
	switch {
	case grade == GradeA:
		return TierKey
	case sales > 0:
		return TierOrdinary
	}
	return TierPotential
}

// SuggestTier returns a customer's tier ("Other classifications"). A tier
// written in the dossier (explicit, parsed with [ParseTier]) wins, with the
// rule [RuleDossier]. Otherwise, with the rule [RuleTier], a value-grade A
// customer is 重点 (key); any other customer with yearly sales above 0 is 普通
// (ordinary), whatever its grade, even none; and a customer without sales is
// 潜在 (potential).
//
// SuggestTier does not fail: an explicit tier that ParseTier rejects is
// ignored, and the returned Rule says so. Callers that take the tier from
// the user should check it with ParseTier first.
func SuggestTier(grade Grade, sales float64, explicit string) (Tier, Rule) {
	var noteZH, noteEN string
	if strings.TrimSpace(explicit) != "" {
		t, err := ParseTier(explicit)
		if err == nil {
			return t, Rule{
				ID:     RuleDossier,
				Text:   fmt.Sprintf("档案中已写明客户层级为%s", t),
				TextEN: fmt.Sprintf("the dossier sets the tier to %s (%s)", t, t.English()),
			}
		}
		noteZH = fmt.Sprintf("档案中的客户层级 %q 无法识别，已忽略；", explicit)
		noteEN = fmt.Sprintf("the dossier's tier %q is not one of 重点, 普通, 潜在 and was ignored; ", explicit)
	}
	t := TierOf(grade, sales)
	var zh, en string
	switch t {
	case TierKey:
		zh, en = "价值等级为 A", "the value grade is A"
	case TierOrdinary:
		if grade.Valid() {
			zh = fmt.Sprintf("价值等级为 %s，且有销售额", grade)
			en = fmt.Sprintf("the value grade is %s and there are sales", grade)
		} else {
			zh, en = "有销售额", "there are sales"
		}
	default:
		zh, en = "尚无销售额", "there are no sales yet"
	}
	return t, Rule{
		ID:     RuleTier,
		Text:   noteZH + zh + "，建议客户层级为" + string(t),
		TextEN: noteEN + en + ", so the suggested tier is " + string(t) + " (" + t.English() + ")",
	}
}

// SuggestedTier is the tier SuggestTier returns, without the Rule that
// explains it: no text is made. The reports classify every dossier (100,000
// in a department's ten years); the texts were 40% of that work.
func SuggestedTier(grade Grade, sales float64, explicit string) Tier {
	if strings.TrimSpace(explicit) != "" {
		if t, err := ParseTier(explicit); err == nil {
			return t
		}
	}
	return TierOf(grade, sales)
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseGrade],
// except that empty text is the empty Grade, "not graded".
func (g *Grade) UnmarshalText(b []byte) error {
	return unmarshalOptional(b, g, ParseGrade)
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseTier],
// except that empty text is the empty Tier, "not set". English names are
// stored as the Chinese tier.
func (t *Tier) UnmarshalText(b []byte) error {
	return unmarshalOptional(b, t, ParseTier)
}

// unmarshalOptional sets *v to the zero value for empty text, and to the
// result of parse otherwise.
func unmarshalOptional[T any](b []byte, v *T, parse func(string) (T, error)) error {
	if strings.TrimSpace(string(b)) == "" {
		var zero T
		*v = zero
		return nil
	}
	x, err := parse(string(b))
	if err != nil {
		return err
	}
	*v = x
	return nil
}
