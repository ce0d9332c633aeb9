package mdcomment

import (
	"strings"
	"testing"
)

func TestStrip(t *testing.T) {
	cases := []struct{ in, want string }{
		{"no comment", "no comment"},
		{"a <!-- b --> c", "a  c"},
		{"# T\n<!--\nline 1\nline 2\n-->\ntext\n", "# T\n\n\n\n\ntext\n"},
		{"a <!-- never closed\nb\n", "a \n\n"},
		{"<!-- one --> x <!-- two\n-->y", " x \ny"},
		{"<!---->", ""},
	}
	for _, tc := range cases {
		if got := Strip(tc.in); got != tc.want {
			t.Errorf("Strip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzStrip(f *testing.F) {
	f.Add("a <!-- b\nc --> d")
	f.Add("<!--")
	f.Fuzz(func(t *testing.T, s string) {
		got := Strip(s)
		if strings.Count(got, "\n") != strings.Count(s, "\n") {
			t.Fatalf("line breaks changed: %q → %q", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("%q → %q", s, got)
		}
	})
}
