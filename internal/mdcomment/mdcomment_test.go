package mdcomment

import (
	"slices"
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
		{"<!-->\nnot in\n-->out", "\nnot in\n-->out"}, // "<!-->" and "<!--->" are whole comments
		{"a<!--->b<!---->c", "abc"},
		// In code, "<!--" is text.
		{"comments open with `<!--`.\n\nthe dog is Rex\n", "comments open with `<!--`.\n\nthe dog is Rex\n"},
		{"``a ` <!-- b``<!-- c -->d", "``a ` <!-- b``d"},
		{"an unmatched ` <!-- c\n-->d", "an unmatched ` \nd"},
		{"```html\n<!-- header\n```\n### B <!-- x -->\n", "```html\n<!-- header\n```\n### B \n"},
		{"~~~~\n<!--\n~~~\n~~~~\n<!-- x -->y", "~~~~\n<!--\n~~~\n~~~~\ny"},
		{"- item\n    ```\n    <!-- x\n    ```\n<!-- y -->z", "- item\n    ```\n    <!-- x\n    ```\nz"}, // a fence in a list item
		{"<!--\n```\n-->\n<!-- y -->z", "\n\n\nz"},                                                       // a fence in a comment is no fence
	}
	for _, tc := range cases {
		if got := Strip(tc.in); got != tc.want {
			t.Errorf("Strip(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkRead(t, tc.in)
	}
}

func TestRead(t *testing.T) {
	l := Read("a <!-- b\nc --> d\n```\n<!--\n```\n<!-- e")
	wantPlain := []string{"a ", " d", "```", "<!--", "```", ""}
	wantFenced := []bool{false, false, true, true, true, false}
	wantOpen := []bool{false, true, false, true, true, false, true}
	if !slices.Equal(l.Plain, wantPlain) || !slices.Equal(l.Fenced, wantFenced) || !slices.Equal(l.Open, wantOpen) {
		t.Fatalf("Read = %q %v %v", l.Plain, l.Fenced, l.Open)
	}
}

func FuzzStrip(f *testing.F) {
	f.Add("a <!-- b\nc --> d")
	f.Add("<!--")
	f.Add("x `<!--` y\n```\n<!--\n```\nz <!-- w\n-->v")
	f.Fuzz(func(t *testing.T, s string) {
		got := Strip(s)
		if strings.Count(got, "\n") != strings.Count(s, "\n") {
			t.Fatalf("line breaks changed: %q → %q", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("%q → %q", s, got)
		}
		checkRead(t, s)
	})
}

// checkRead compares Read with Strip, and checks what Open promises:
// lines cut out between two points outside comments and fences, or a
// line put at such a point, change nothing else in how s reads.
func checkRead(t *testing.T, s string) {
	t.Helper()
	l := Read(s)
	lines := strings.Split(s, "\n")
	if len(l.Plain) != len(lines) || len(l.Fenced) != len(lines) || len(l.Open) != len(lines)+1 {
		t.Fatalf("Read(%q): %d lines, %d fenced, %d points", s, len(l.Plain), len(l.Fenced), len(l.Open))
	}
	if got := strings.Join(l.Plain, "\n"); got != Strip(s) {
		t.Fatalf("Read(%q) = %q, Strip = %q", s, got, Strip(s))
	}
	var clean []int
	for k, open := range l.Open {
		if !open {
			clean = append(clean, k)
		}
	}
	if len(clean) > 12 { // keep the pairs few
		clean = append(clean[:6], clean[len(clean)-6:]...)
	}
	for _, k := range clean {
		put := Read(strings.Join(slices.Insert(slices.Clone(lines), k, "\x01"), "\n"))
		if !slices.Equal(put.Plain, slices.Insert(slices.Clone(l.Plain), k, "\x01")) ||
			!slices.Equal(put.Fenced, slices.Insert(slices.Clone(l.Fenced), k, false)) {
			t.Fatalf("a line put at %d of %q changed the rest: %q", k, s, put.Plain)
		}
		for _, j := range clean {
			if j <= k || j-k == len(lines) { // nothing left: not a line
				continue
			}
			cut := Read(strings.Join(slices.Delete(slices.Clone(lines), k, j), "\n"))
			if !slices.Equal(cut.Plain, slices.Delete(slices.Clone(l.Plain), k, j)) ||
				!slices.Equal(cut.Fenced, slices.Delete(slices.Clone(l.Fenced), k, j)) {
				t.Fatalf("cutting lines %d–%d of %q changed the rest: %q", k, j, s, cut.Plain)
			}
		}
	}
}

// BenchmarkStrip: a 12 KB note dense with comments, code spans and
// fences, the worst case of a file the index strips (files without
// "<!--" are returned as they are).
func BenchmarkStrip(b *testing.B) {
	doc := strings.Repeat("# Title <!-- note -->\nSome text with `code` and words, more words here.\n<!--\nhidden\n-->\n```\ncode\n```\n", 120)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		Strip(doc)
	}
}
