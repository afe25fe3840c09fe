package classify

import (
	"crm/l10n"
	"fmt"
	"strings"
)

// CreditClass is a customer's credit class (信用等级, R8), from the credit
// survey (信用调查表) and the customer's behaviour in trade:
//
//	A 优 excellent: credit terms allowed, highest limit
//	B 良 good:      credit within a limit
//	C 中 fair:      small limit or cash on delivery, watched
//	D 差 poor:      no credit, cash in advance; a dangerous customer (危险客户)
//
// The Chinese names 优, 良, 中 and 差 are this package's short names for the
// classes; DOMAIN.md describes them only in words. The credit limit and
// payment terms of each class are set in the policy. The empty CreditClass
// means "not classified" (no survey yet).
type CreditClass string

// The credit classes, best first.
const (
	CreditA CreditClass = "A"
	CreditB CreditClass = "B"
	CreditC CreditClass = "C"
	CreditD CreditClass = "D"
)

var creditNames = map[CreditClass]struct{ zh, en string }{
	CreditA: {"优", "excellent"},
	CreditB: {"良", "good"},
	CreditC: {"中", "fair"},
	CreditD: {"差", "poor"},
}

// CreditClasses returns every credit class, best first.
func CreditClasses() []CreditClass {
	return []CreditClass{CreditA, CreditB, CreditC, CreditD}
}

// Valid reports whether c is one of A, B, C and D.
func (c CreditClass) Valid() bool {
	_, ok := creditNames[c]
	return ok
}

// Chinese returns the class's Chinese name: 优, 良, 中 or 差, or the empty
// string for an invalid class.
func (c CreditClass) Chinese() string { return creditNames[c].zh }

// English returns the class's English name: excellent, good, fair or poor,
// or the empty string for an invalid class.
func (c CreditClass) English() string { return creditNames[c].en }

// ParseCreditClass parses a credit class: A, B, C or D in any case, or the
// Chinese names 优, 良, 中 and 差. Surrounding white space is ignored.
func ParseCreditClass(s string) (CreditClass, error) {
	t := strings.TrimSpace(s)
	for _, c := range CreditClasses() {
		if strings.EqualFold(t, string(c)) || t == c.Chinese() {
			return c, nil
		}
	}
	if t == "" {
		return "", l10n.Errorf("empty credit class: want A, B, C or D (or 优, 良, 中, 差)")
	}
	return "", l10n.Errorf("unknown credit class %q: want A, B, C or D (or 优, 良, 中, 差)", s)
}

// UnmarshalText implements [encoding.TextUnmarshaler] with
// [ParseCreditClass], except that empty text is the empty CreditClass,
// "not classified".
func (c *CreditClass) UnmarshalText(b []byte) error {
	return unmarshalOptional(b, c, ParseCreditClass)
}

// Dangerous reports whether customers of class c are dangerous customers
// (危险客户, R8): whether c is D. They are listed in the dangerous-customer
// report (危险客户统计表).
func Dangerous(c CreditClass) bool { return c == CreditD }

// Thresholds are the lowest survey scores, out of 100, of credit classes
// A, B and C (R8); a lower score is class D. Each is between 0 and 100, and
// A > B > C.
type Thresholds struct {
	A, B, C int
}

// DefaultThresholds returns the thresholds of DOMAIN.md (R8): A from 80,
// B from 60, C from 40, D below 40.
func DefaultThresholds() Thresholds { return Thresholds{A: 80, B: 60, C: 40} }

// Validate returns an error, naming the offending threshold, unless every
// threshold is between 0 and 100 and A > B > C.
func (th Thresholds) Validate() error {
	for _, t := range []struct {
		name string
		v    int
	}{{"A", th.A}, {"B", th.B}, {"C", th.C}} {
		if t.v < 0 || t.v > 100 {
			return l10n.Errorf("credit threshold %s is %d: want a score from 0 to 100", t.name, t.v)
		}
	}
	if th.A <= th.B {
		return l10n.Errorf("credit threshold A (%d) is not above B (%d): want A > B > C, such as 80, 60, 40", th.A, th.B)
	}
	if th.B <= th.C {
		return l10n.Errorf("credit threshold B (%d) is not above C (%d): want A > B > C, such as 80, 60, 40", th.B, th.C)
	}
	return nil
}

// ScoreClass is the class ClassifyScore gives, without its rule's text:
// what a listing of many dossiers shows.
func ScoreClass(score int, th Thresholds) (CreditClass, error) {
	if err := th.Validate(); err != nil {
		return "", err
	}
	if score < 0 || score > 100 {
		return "", l10n.Errorf("credit survey score %d is out of range: want a score from 0 to 100", score)
	}
	switch {
	case score >= th.A:
		return CreditA, nil
	case score >= th.B:
		return CreditB, nil
	case score >= th.C:
		return CreditC, nil
	}
	return CreditD, nil
}

// ClassifyScore returns the credit class of a survey score from 0 to 100
// (R8): A if score ≥ th.A, else B if score ≥ th.B, else C if score ≥ th.C,
// else D. With [DefaultThresholds], 80 is A, 79 and 60 are B, 40 is C and
// 39 is D. A score outside 0–100 or thresholds that fail
// [Thresholds.Validate] are an error.
func ClassifyScore(score int, th Thresholds) (CreditClass, Rule, error) {
	c, err := ScoreClass(score, th)
	if err != nil {
		return "", Rule{}, err
	}
	var zh, en string
	switch c {
	case CreditA:
		zh = fmt.Sprintf("信用调查得分 %d ≥ %d", score, th.A)
		en = fmt.Sprintf("credit survey score %d ≥ %d", score, th.A)
	case CreditB:
		zh = fmt.Sprintf("信用调查得分 %d 在 %d–%d 之间", score, th.B, th.A-1)
		en = fmt.Sprintf("credit survey score %d is from %d to %d", score, th.B, th.A-1)
	case CreditC:
		zh = fmt.Sprintf("信用调查得分 %d 在 %d–%d 之间", score, th.C, th.B-1)
		en = fmt.Sprintf("credit survey score %d is from %d to %d", score, th.C, th.B-1)
	default:
		zh = fmt.Sprintf("信用调查得分 %d < %d", score, th.C)
		en = fmt.Sprintf("credit survey score %d < %d", score, th.C)
	}
	zh += fmt.Sprintf("，信用等级 %s（%s）", c, c.Chinese())
	en += fmt.Sprintf(", so the credit class is %s (%s)", c, c.English())
	if Dangerous(c) {
		zh += "，列为危险客户"
		en += "; a dangerous customer"
	}
	return c, Rule{ID: RuleCredit, Text: zh, TextEN: en}, nil
}
