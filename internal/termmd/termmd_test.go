package termmd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func render(chunks ...string) string {
	var b strings.Builder
	w := New(&b)
	for _, c := range chunks {
		w.Write([]byte(c))
	}
	w.Flush()
	return b.String()
}

func TestRender(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello world\n", "hello world\n"},
		{"heading", "## Title\nbody\n", heading + "## Title" + reset + "\nbody\n"},
		{"bullets", "- one\n* two\n", bullet + "•" + reset + " one\n" + bullet + "•" + reset + " two\n"},
		{"ordered", "1. first\n", bold + "1." + reset + " first\n"},
		{"bold", "a **b** c\n", "a " + reset + bold + "b" + reset + " c\n"},
		{"code", "run `ls -l` now\n", "run " + reset + codeSty + "ls -l" + reset + " now\n"},
		{"star alone", "2 * 3 = 6\n", "2 * 3 = 6\n"},
		{"fence", "```go\nx := 1 ** 2\n```\nafter\n",
			dim + "```go" + reset + "\n" + codeSty + "x := 1 ** 2" + reset + "\n" + dim + "```" + reset + "\nafter\n"},
		{"quote", "> wise\n", dim + "│ " + reset + italic + "wise" + reset + "\n"},
		{"unclosed bold ends with line", "**open\nnext\n", reset + bold + "open" + reset + "\nnext\n"},
		{"no trailing newline", "end", "end"},
		{"number not a list", "2024 was a year\n", "2024 was a year\n"},
		{"unicode", "héllo — ✓\n", "héllo — ✓\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(tt.in); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestStreamingSplitsDoNotMatter feeds every text in every two-way split
// and one rune at a time: the output must not depend on how it arrived.
func TestStreamingSplitsDoNotMatter(t *testing.T) {
	doc := "# Plan\n\nSome **bold** and `code`.\n\n- item *one*\n  - nested\n10. ten\n> quote\n```sh\necho **hi**\n```\n2 * 3\n"
	whole := render(doc)
	for i := range len(doc) {
		if got := render(doc[:i], doc[i:]); got != whole {
			t.Fatalf("split at %d: %q\nwant %q", i, got, whole)
		}
	}
	var runes []string
	for _, r := range doc {
		runes = append(runes, string(r))
	}
	if got := render(runes...); got != whole {
		t.Fatalf("rune by rune: %q", got)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("# x\n- **a** `b`\n```\nc\n```\n", 3)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		if cut < 0 || cut > len(s) {
			return
		}
		if a, b := render(s), render(s[:cut], s[cut:]); a != b && strings.ToValidUTF8(s, "") == s {
			t.Fatalf("split at %d changes output of %q", cut, s)
		}
	})
}

func TestControlCharactersNeverReachTheTerminal(t *testing.T) {
	evil := "safe \x1b]52;c;ZXZpbA==\x07text\x1b[2J\r\u009b31m end\n"
	got := render(evil)
	if strings.ContainsAny(got[:len(got)-1], "\x07\r\u009b") || strings.Contains(got, "\x1b]") || strings.Contains(got, "\x1b[2J") {
		t.Fatalf("control sequence passed through: %q", got)
	}
	if Sanitize(evil) != "safe ]52;c;ZXZpbA==text[2J31m end\n" {
		t.Fatalf("Sanitize: %q", Sanitize(evil))
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text stays", "a line\twith a tab\nand a newline", "a line\twith a tab\nand a newline"},
		{"OSC 52 clipboard write", "x\x1b]52;c;cm0gLXJmIH4=\x07y", "x]52;c;cm0gLXJmIH4=y"},
		{"clear screen and cursor home", "\x1b[2J\x1b[Hhi", "[2J[Hhi"},
		{"carriage return overwrite", "rm -rf ~\rls", "rm -rf ~ls"},
		{"C1 CSI as a character", "a\u009b31mb", "a31mb"},
		{"raw C1 byte (invalid UTF-8)", "a\x9b31mb", "a\ufffd31mb"},
		{"bidi override", "file\u202eexe.txt", "fileexe.txt"},
		{"bidi isolate", "a\u2066b\u2069c", "abc"},
		{"DEL and BEL", "a\x7fb\x07c", "abc"},
		{"unicode text stays", "naïve café — 日本語 «quotes»", "naïve café — 日本語 «quotes»"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for cut := 0; cut <= len(tt.in); cut++ {
				var b strings.Builder
				s := NewSanitizer(&b)
				s.Write([]byte(tt.in[:cut]))
				s.Write([]byte(tt.in[cut:]))
				s.Flush()
				if b.String() != tt.want {
					t.Fatalf("split at %d: %q, want %q", cut, b.String(), tt.want)
				}
			}
		})
	}
}

// FuzzSanitize: whatever the input, the output is valid UTF-8 without a
// character a terminal would act on, and text without any is unchanged.
func FuzzSanitize(f *testing.F) {
	f.Add("safe \x1b]52;c;ZXZpbA==\x07text\x1b[2J\r\u009b31m end\n")
	f.Add("\xff\xfe\u202e\t\n")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, Control) {
			t.Fatalf("Sanitize(%q) = %q", s, out)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, Control) && out != s {
			t.Fatalf("clean text changed: %q -> %q", s, out)
		}
	})
}
