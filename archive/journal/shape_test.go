package journal

import (
	"regexp"
	"strings"
	"testing"
)

// The shapes as regular expressions, as they were checked before
// IsHash and IsDossierID: the hand checks must say the same of any text.
var (
	hashShape = regexp.MustCompile(`^[0-9a-f]{64}$`)
	idShape   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
)

func shapeSeeds() []string {
	h := strings.Repeat("0123456789abcdef", 4)
	return []string{"", "a", "-", "_a", "a-", "C-000001", "c_1", "../x", "a/b", "a.b", "é", "C-0\n",
		strings.Repeat("a", 64), strings.Repeat("a", 65), h, h[:63], h + "0", strings.ToUpper(h),
		h[:63] + "g", h[:63] + "\n", "\n" + h[1:], "A" + strings.Repeat("-", 63), "0" + strings.Repeat("_", 64)}
}

func TestShapesAreTheExpressions(t *testing.T) {
	for _, s := range shapeSeeds() {
		if IsHash(s) != hashShape.MatchString(s) {
			t.Errorf("IsHash(%q) = %v", s, IsHash(s))
		}
		if IsDossierID(s) != idShape.MatchString(s) {
			t.Errorf("IsDossierID(%q) = %v", s, IsDossierID(s))
		}
	}
}

func FuzzShapes(f *testing.F) {
	for _, s := range shapeSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if IsHash(s) != hashShape.MatchString(s) {
			t.Fatalf("IsHash(%q) = %v", s, IsHash(s))
		}
		if IsDossierID(s) != idShape.MatchString(s) {
			t.Fatalf("IsDossierID(%q) = %v", s, IsDossierID(s))
		}
	})
}
