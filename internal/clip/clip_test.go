package clip

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		name, s string
		n       int
		mark    string
		want    string
	}{
		{"fits", "hello", 5, "…", "hello"},
		{"ascii cut, mark counted", "hello world", 8, "…", "hello…"},
		{"no mark", "hello world", 5, "", "hello"},
		{"never splits a rune", "aé€😀", 8, "", "aé€"},        // 1+2+3 bytes; the emoji would need 4 more
		{"steps back over a 3-byte rune", "€€€", 5, "", "€"}, // a cut at 5 falls inside the second €
		{"mark longer than the bound", "hello", 2, "[…]", "[…]"},
		{"steps back at most 3 bytes in invalid input", "ab\x80\x80\x80\x80\x80\x80", 6, "", "ab\x80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bytes(tc.s, tc.n, tc.mark); got != tc.want {
				t.Fatalf("Bytes(%q, %d, %q) = %q, want %q", tc.s, tc.n, tc.mark, got, tc.want)
			}
		})
	}
}

func TestRunes(t *testing.T) {
	tests := []struct {
		name, s string
		n       int
		mark    string
		want    string
	}{
		{"fits", "héllo", 5, "…", "héllo"},
		{"cut, mark counted", "héllo wörld", 6, "…", "héllo…"},
		{"no mark", "日本語のテキスト", 3, "", "日本語"},
		{"exactly n runes stay whole", "日本語", 3, "…", "日本語"},
		{"mark longer than the bound", "hello", 1, "[…]", "[…]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Runes(tc.s, tc.n, tc.mark); got != tc.want {
				t.Fatalf("Runes(%q, %d, %q) = %q, want %q", tc.s, tc.n, tc.mark, got, tc.want)
			}
		})
	}
}

func TestMiddle(t *testing.T) {
	mark := func(n int) string { return fmt.Sprintf("[%d]", n) }
	tests := []struct {
		name, s string
		n       int
		want    string
	}{
		{"fits", "abcdef", 6, "abcdef"},
		{"keeps both ends", "abcdefghij", 4, "ab[6]ij"},
		{"odd bound gives the tail the extra rune", "abcdefghij", 5, "ab[5]hij"},
		{"counts runes", "ééééééé", 2, "é[5]é"},
		{"no bound", "abcdef", 0, "abcdef"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Middle(tc.s, tc.n, mark); got != tc.want {
				t.Fatalf("Middle(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
			}
		})
	}
}

// FuzzClip checks every cut keeps valid UTF-8 valid, respects its bound,
// keeps a prefix (and for Middle the suffix) of the input, and leaves
// what fits alone.
func FuzzClip(f *testing.F) {
	f.Add("hello world", 4)
	f.Add(strings.Repeat("é", 100), 10)
	f.Add("\xff\xfe abc \xe2\x82", 3)
	f.Add("日本語のテキスト😀", 7)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 2 || n > 1<<16 {
			return
		}
		const mark = "…"
		b := Bytes(s, n, mark)
		switch {
		case len(s) <= n && b != s:
			t.Fatalf("Bytes changed %q that fits in %d: %q", s, n, b)
		case len(s) > n && (len(b) > max(n, len(mark)) || !strings.HasPrefix(s, strings.TrimSuffix(b, mark))):
			t.Fatalf("Bytes(%q, %d) = %q: over the bound or not a prefix", s, n, b)
		case utf8.ValidString(s) && !utf8.ValidString(b):
			t.Fatalf("Bytes(%q, %d) = %q is not UTF-8", s, n, b)
		}
		r := Runes(s, n, mark)
		switch {
		case utf8.RuneCountInString(s) <= n && r != s:
			t.Fatalf("Runes changed %q that fits in %d: %q", s, n, r)
		case utf8.RuneCountInString(r) > n || !strings.HasPrefix(s, strings.TrimSuffix(r, mark)):
			t.Fatalf("Runes(%q, %d) = %q: over the bound or not a prefix", s, n, r)
		case utf8.ValidString(s) && !utf8.ValidString(r):
			t.Fatalf("Runes(%q, %d) = %q is not UTF-8", s, n, r)
		}
		got := Middle(s, n, func(k int) string { return fmt.Sprintf("\n[… %d characters omitted …]\n", k) })
		if utf8.RuneCountInString(s) <= n {
			if got != s {
				t.Fatalf("short input changed: %q -> %q", s, got)
			}
		} else if !strings.Contains(got, "characters omitted") || !strings.HasPrefix(got, head(s, n/2)) || !strings.HasSuffix(got, tail(s, n-n/2)) {
			t.Fatalf("Middle(%q, %d) = %q", s, n, got)
		}
	})
}
