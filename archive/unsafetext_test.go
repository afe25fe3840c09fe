package archive_test

import (
	"testing"
	"unicode/utf8"

	"crm/archive"
)

// UnsafeLen, the byte-wise test the terminal writer and the JSON writer
// scan with, says of every character what UnsafeRune says, and of bytes
// that are not UTF-8 that they are safe (they are not characters a
// terminal acts on; the writers leave them to their own handling).
func TestUnsafeLenIsUnsafeRune(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		b := utf8.AppendRune(nil, r)
		want := 0
		if archive.UnsafeRune(r) {
			want = len(b)
		}
		if got := archive.UnsafeLen(append(b, 'x')); got != want {
			t.Fatalf("UnsafeLen(%U) = %d, want %d", r, got, want)
		}
	}
	for _, b := range [][]byte{{0xc2}, {0xe2, 0x80}, {0xef, 0xbb}, {0xd8}, {0xff}, nil} {
		if n := archive.UnsafeLen(b); n != 0 {
			t.Errorf("UnsafeLen(% x) = %d, want 0", b, n)
		}
	}
}

// NextUnsafe finds what a byte-by-byte UnsafeLen finds first, in text
// made of safe characters (Chinese, fullwidth signs, dashes), unsafe ones
// and broken bytes.
func TestNextUnsafe(t *testing.T) {
	parts := []string{"华东", "（上海）", "—", "a", "\n", "\t", "\x1b", "\u202e", "\ufeff", "\u0085", "\xe2\x80", "\x7f", "\u061c"}
	for seed := range 2000 {
		var b []byte
		for k, x := 0, seed; k < 6; k, x = k+1, x/len(parts)+seed*7 {
			b = append(b, parts[x%len(parts)]...)
		}
		wantAt, wantN := -1, 0
		for i := range b {
			if n := archive.UnsafeLen(b[i:]); n > 0 {
				wantAt, wantN = i, n
				break
			}
		}
		if at, n := archive.NextUnsafe(b); at != wantAt || n != wantN {
			t.Fatalf("NextUnsafe(%q) = %d, %d; want %d, %d", b, at, n, wantAt, wantN)
		}
	}
}
