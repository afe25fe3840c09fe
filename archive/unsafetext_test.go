package archive_test

import (
	"errors"
	"fmt"
	"strings"
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

// A control or invisible character inside a block scalar (| or >) is
// reported on the line yaml numbers it, whatever the text's line breaks:
// yaml turns \r, \r\n and NEL into \n in a block's value, keeps LS and PS
// (themselves refused, on the line they end), and a folded block's
// breaks are spaces in its value.
func TestUnsafeTextBlockLine(t *testing.T) {
	const head = "customer:\n  name: x\nowner: 李四\nrelationship: 一般业务往来\n"
	for _, style := range []string{"|", "|-", "|+", ">", ">-", "> # 备注"} {
		for _, br := range []string{"\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029"} {
			in := head + "notes: " + style + "\n  one\n  two\n\n  th\u200bree\n  four\n"
			line, r := 9, "U+200B"
			if br == "\u2028" || br == "\u2029" {
				// The first refused rune is the break that ends "  one".
				line, r = 6, fmt.Sprintf("%U", []rune(br)[0])
			}
			in = strings.ReplaceAll(in, "\n", br)
			_, err := archive.ParseWritten([]byte(in))
			var ve *archive.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Errorf("ParseWritten(%q) = %v, want one problem", in, err)
				continue
			}
			want := "holds " + r + ", a control or invisible character: remove it"
			if p := ve.Problems[0]; p.Line != line || p.Path != "notes" || p.Msg != want {
				t.Errorf("ParseWritten(%q): line %d: %s: %s; want line %d: notes: %s", in, p.Line, p.Path, p.Msg, line, want)
			}
			// The line is the one TextLines, yaml's count, gives.
			wantLine := "  th\u200bree"
			if line == 6 {
				wantLine = "  one"
			}
			if got := archive.TextLines([]byte(in)); got[line-1] != wantLine {
				t.Errorf("TextLines(%q)[%d] = %q, want %q", in, line-1, got[line-1], wantLine)
			}
		}
	}
}
