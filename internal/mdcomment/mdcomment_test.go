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
		checkInside(t, s)
	})
}

func TestInside(t *testing.T) {
	cases := []struct {
		in   string
		want []bool
	}{
		{"", []bool{false, false}},
		{"a\nb", []bool{false, false, false}},
		{"a <!-- b\nc --> d\n", []bool{false, true, false, false}},
		{"<!--\n-->### x\n```", []bool{false, true, false, false}},
		{"<!-->\n-->", []bool{false, true, false}},
		{"x <!-- one --> <!-- two\n", []bool{false, true, true}},
	}
	for _, tc := range cases {
		got := Inside(tc.in)
		if len(got) != len(tc.want) {
			t.Fatalf("Inside(%q) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("Inside(%q) = %v, want %v", tc.in, got, tc.want)
			}
		}
		checkInside(t, tc.in)
	}
}

// checkInside compares Inside with Strip: text put at a point inside a
// comment is stripped with it, and text put elsewhere is kept.
func checkInside(t *testing.T, s string) {
	t.Helper()
	in := Inside(s)
	if len(in) != strings.Count(s, "\n")+2 {
		t.Fatalf("Inside(%q) has %d points", s, len(in))
	}
	const mark = "\x01"
	at := []int{0}
	for i := range len(s) {
		if s[i] == '\n' {
			at = append(at, i+1)
		}
	}
	at = append(at, len(s))
	for k, off := range at {
		kept := strings.Count(Strip(s[:off]+mark+s[off:]), mark) > strings.Count(Strip(s), mark)
		if kept == in[k] {
			t.Fatalf("Inside(%q)[%d] = %v, but Strip keeps text put there: %v", s, k, in[k], kept)
		}
	}
}
