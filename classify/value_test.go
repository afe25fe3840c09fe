package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseGrade(t *testing.T) {
	for in, want := range map[string]Grade{"A": GradeA, "b": GradeB, " C ": GradeC} {
		if got, err := ParseGrade(in); err != nil || got != want {
			t.Errorf("ParseGrade(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{"": "empty value grade", "D": `unknown value grade "D": want A, B or C`} {
		if _, err := ParseGrade(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseGrade(%q) error = %v, want %q", in, err, msg)
		}
	}
	if Grade("D").Valid() || Grade("").Valid() || !GradeB.Valid() {
		t.Error("Grade.Valid is wrong")
	}
}

// gradesString writes grades in id order, as "a:A b:B …".
func gradesString(ids []string, g map[string]Grade) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, id+":"+string(g[id]))
	}
	return strings.Join(parts, " ")
}

// "Other classifications": ABC analysis, top 20 % A, next 30 % B, rest C,
// with counts rounded up.
func TestABCGrades(t *testing.T) {
	ten := map[string]float64{}
	var tenIDs []string
	for i := range 10 {
		id := fmt.Sprintf("C-%02d", i)
		ten[id] = float64(100 - i)
		tenIDs = append(tenIDs, id)
	}
	tests := []struct {
		name   string
		sales  map[string]float64
		a, b   float64
		ids    []string
		want   string
		errMsg string
	}{
		{"N=0", map[string]float64{}, 0.2, 0.3, nil, "", ""},
		{"nil map", nil, 0.2, 0.3, nil, "", ""},
		{"N=1", map[string]float64{"x": 5}, 0.2, 0.3, []string{"x"}, "x:A", ""},
		{"N=2", map[string]float64{"x": 5, "y": 9}, 0.2, 0.3, []string{"x", "y"}, "x:C y:A", ""},
		{"N=3", map[string]float64{"a": 3, "b": 2, "c": 1}, 0.2, 0.3, []string{"a", "b", "c"}, "a:A b:B c:C", ""},
		{"N=5", map[string]float64{"a": 50, "b": 40, "c": 30, "d": 20, "e": 10}, 0.2, 0.3,
			[]string{"a", "b", "c", "d", "e"}, "a:A b:B c:B d:C e:C", ""},
		{"N=10", ten, 0.2, 0.3, tenIDs,
			"C-00:A C-01:A C-02:B C-03:B C-04:B C-05:C C-06:C C-07:C C-08:C C-09:C", ""},
		{"N=10 shares 0.3+0.3 (0.3·10 is 3, not 4)", ten, 0.3, 0.3, tenIDs,
			"C-00:A C-01:A C-02:A C-03:B C-04:B C-05:B C-06:C C-07:C C-08:C C-09:C", ""},
		{"all equal: ties by id", map[string]float64{"e": 7, "a": 7, "c": 7, "b": 7, "d": 7}, 0.2, 0.3,
			[]string{"a", "b", "c", "d", "e"}, "a:A b:B c:B d:C e:C", ""},
		{"ties ranked by id after sales", map[string]float64{"b": 10, "a": 10, "z": 20}, 0.2, 0.3,
			[]string{"a", "b", "z"}, "a:B b:C z:A", ""},
		{"zero sales never above C", map[string]float64{"x": 0}, 0.2, 0.3, []string{"x"}, "x:C", ""},
		{"zero sales count in N", map[string]float64{"x": 0, "y": 0, "z": 1}, 0.2, 0.3, []string{"x", "y", "z"}, "x:C y:C z:A", ""},
		{"no A share", map[string]float64{"x": 2, "y": 1}, 0, 0.5, []string{"x", "y"}, "x:B y:C", ""},
		{"everything A", map[string]float64{"x": 2, "y": 1}, 1, 0, []string{"x", "y"}, "x:A y:A", ""},
		{"negative sales", map[string]float64{"x": 1, "bad": -3}, 0.2, 0.3, nil, "",
			`yearly sales of customer "bad" are -3: want a finite amount of 0 or more`},
		{"NaN sales", map[string]float64{"bad": math.NaN()}, 0.2, 0.3, nil, "", `customer "bad" are NaN`},
		{"infinite sales", map[string]float64{"bad": math.Inf(1)}, 0.2, 0.3, nil, "", `customer "bad" are +Inf`},
		{"negative share", map[string]float64{}, -0.1, 0.3, nil, "", "value grade share A is -0.1: want a fraction from 0 to 1"},
		{"share over 1", map[string]float64{}, 0.2, 1.5, nil, "", "value grade share B is 1.5"},
		{"NaN share", map[string]float64{}, math.NaN(), 0.3, nil, "", "value grade share A is NaN"},
		{"shares over 1", map[string]float64{}, 0.6, 0.5, nil, "", "add up to more than 1"},
	}
	for _, tt := range tests {
		got, err := ABCGrades(tt.sales, tt.a, tt.b)
		if tt.errMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errMsg) {
				t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got) != len(tt.sales) {
			t.Errorf("%s: %d grades for %d customers", tt.name, len(got), len(tt.sales))
		}
		if s := gradesString(tt.ids, got); s != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, s, tt.want)
		}
	}
}

// The same input always gives the same grades, whatever the map order.
func TestABCGradesDeterministic(t *testing.T) {
	sales := map[string]float64{}
	for i := range 50 {
		sales[fmt.Sprintf("c%02d", i)] = float64(i % 4)
	}
	first, err := ABCGrades(sales, DefaultAShare, DefaultBShare)
	if err != nil {
		t.Fatal(err)
	}
	count := map[Grade]int{}
	for _, g := range first {
		count[g]++
	}
	// ⌈0.2·50⌉ = 10 A; ⌈0.5·50⌉ = 25 A or B.
	if count[GradeA] != 10 || count[GradeB] != 15 || count[GradeC] != 25 {
		t.Errorf("counts = %v, want 10 A, 15 B, 25 C", count)
	}
	for range 20 {
		again, _ := ABCGrades(sales, DefaultAShare, DefaultBShare)
		for id, g := range first {
			if again[id] != g {
				t.Fatalf("%s graded %s then %s", id, g, again[id])
			}
		}
	}
}

func TestParseTier(t *testing.T) {
	tests := []struct {
		in   string
		want Tier
		err  string
	}{
		{"重点", TierKey, ""},
		{"普通", TierOrdinary, ""},
		{" 潜在 ", TierPotential, ""},
		{"Key", TierKey, ""},
		{"ORDINARY", TierOrdinary, ""},
		{"potential", TierPotential, ""},
		{"", "", "empty customer tier: want 重点, 普通 or 潜在 (or key, ordinary, potential)"},
		{"VIP", "", `unknown customer tier "VIP"`},
	}
	for _, tt := range tests {
		got, err := ParseTier(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseTier(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTier(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if !TierKey.Valid() || Tier("x").Valid() || TierKey.English() != "key" || len(Tiers()) != 3 {
		t.Error("Tier helpers are wrong")
	}
}

// "Other classifications": the dossier's tier wins; else A → 重点, sales → 普通,
// no sales → 潜在.
func TestSuggestTier(t *testing.T) {
	tests := []struct {
		name     string
		grade    Grade
		sales    float64
		explicit string
		want     Tier
		ruleID   string
		ruleHas  string
	}{
		{"explicit wins over A", GradeA, 1e6, "普通", TierOrdinary, RuleDossier, "档案中已写明"},
		{"explicit English", GradeC, 0, "key", TierKey, RuleDossier, "重点"},
		{"A", GradeA, 1e6, "", TierKey, RuleTier, "价值等级为 A"},
		{"B with sales", GradeB, 10, "", TierOrdinary, RuleTier, "价值等级为 B"},
		{"C with sales", GradeC, 0.01, "", TierOrdinary, RuleTier, "普通"},
		{"no grade, sales", "", 10, "", TierOrdinary, RuleTier, "有销售额"},
		{"C without sales", GradeC, 0, "", TierPotential, RuleTier, "尚无销售额"},
		{"no grade, no sales", "", 0, " ", TierPotential, RuleTier, "潜在"},
		{"negative sales", GradeC, -5, "", TierPotential, RuleTier, "潜在"},
		{"unknown explicit ignored", GradeB, 10, "VIP", TierOrdinary, RuleTier, `"VIP" 无法识别，已忽略`},
	}
	for _, tt := range tests {
		got, rule := SuggestTier(tt.grade, tt.sales, tt.explicit)
		if got != tt.want || rule.ID != tt.ruleID || !strings.Contains(rule.Text, tt.ruleHas) || rule.TextEN == "" {
			t.Errorf("%s: SuggestTier = %q, %+v; want %q by %s mentioning %q", tt.name, got, rule, tt.want, tt.ruleID, tt.ruleHas)
		}
		if got := SuggestedTier(tt.grade, tt.sales, tt.explicit); got != tt.want {
			t.Errorf("%s: SuggestedTier = %q, want %q (as SuggestTier)", tt.name, got, tt.want)
		}
	}
}

// ABCGradesInOrder grades as ABCGrades does customers given in id order:
// ties (many equal sales, zeros) broken the same way.
func TestABCGradesInOrderIsABCGrades(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for round := range 200 {
		n := r.IntN(60)
		sales := map[string]float64{}
		ids := make([]string, n)
		vs := make([]float64, n)
		for i := range n {
			ids[i] = fmt.Sprintf("C-%04d", i)
			vs[i] = float64(r.IntN(5)) * 1000 // many ties, some zeros
			sales[ids[i]] = vs[i]
		}
		a, b := r.Float64()/2, r.Float64()/2
		want, err := ABCGrades(sales, a, b)
		got, gerr := ABCGradesInOrder(vs, a, b)
		if err != nil || gerr != nil {
			t.Fatalf("round %d: %v %v", round, err, gerr)
		}
		for i, id := range ids {
			if got[i] != want[id] {
				t.Fatalf("round %d: %s graded %s, want %s", round, id, got[i], want[id])
			}
		}
	}
	if _, err := ABCGradesInOrder([]float64{1, math.NaN()}, 0.2, 0.3); err == nil || !strings.Contains(err.Error(), "customer 2") {
		t.Errorf("NaN sales: %v", err)
	}
	if _, err := ABCGradesInOrder(nil, 0.8, 0.3); err == nil {
		t.Error("shares over 1 taken")
	}
}
