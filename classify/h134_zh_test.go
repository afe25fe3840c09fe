package classify

import (
	"math"
	"testing"

	"crm/l10n"
)

// The errors of ABC grading and of writing a level are in the user's
// language (helper 134); they used to be English whatever the language.
func TestClassifyErrorsInChinese(t *testing.T) {
	defer l10n.SetLang(l10n.Lang())
	for lang, want := range map[string][3]string{
		"zh": {
			`客户 "C-1" 的年销售额为 NaN：应为 0 或以上的有限金额`,
			"第 2 位客户的年销售额为 -1：应为 0 或以上的有限金额",
			"无法写入无效的密级 9：应为 内部、秘密、机密、绝密（或 internal、secret、confidential、top-secret） 之一",
		},
		"en": {
			`yearly sales of customer "C-1" are NaN: want a finite amount of 0 or more`,
			"yearly sales of customer 2 are -1: want a finite amount of 0 or more",
			"cannot write invalid secrecy level 9: want one of 内部, 秘密, 机密, 绝密 (or internal, secret, confidential, top-secret)",
		},
	} {
		l10n.SetLang(lang)
		_, err1 := ABCGrades(map[string]float64{"C-1": math.NaN()}, 0.2, 0.3)
		_, err2 := ABCGradesInOrder([]float64{5, -1}, 0.2, 0.3)
		_, err3 := Level(9).MarshalText()
		for i, err := range []error{err1, err2, err3} {
			if err == nil || err.Error() != want[i] {
				t.Errorf("%s: error %d = %v, want %q", lang, i+1, err, want[i])
			}
		}
	}
}
