package archive

import (
	"strings"
	"testing"
	"time"
)

// ParseIdentityText reads a key on a line longer than its first buffer
// (a comment of 10 KB before it, a post-quantum key of ~2 KB), and the
// line numbers of its errors count the lines before.
func TestParseIdentityTextLongLines(t *testing.T) {
	for _, pq := range []bool{false, true} {
		text, want, err := GenerateIdentityText(pq, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		long := "# " + strings.Repeat("注", 5000) + "\n"
		got, err := ParseIdentityText([]byte(long + string(text)))
		if err != nil || got.Recipient != want.Recipient {
			t.Fatalf("pq %v: %v, %v", pq, got, err)
		}
	}
	_, err := ParseIdentityText([]byte("# " + strings.Repeat("x", 9000) + "\n\nAGE-SECRET-KEY-1" + strings.Repeat("Q", 5000) + "\n"))
	if err == nil || !strings.Contains(err.Error(), "3") {
		t.Fatalf("a bad key on line 3: %v", err)
	}
}
