package lineedit

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
)

type fakeTerm struct {
	width int
	raw   int // MakeRaw calls not yet restored
}

func (t *fakeTerm) MakeRaw() (func(), error) {
	t.raw++
	return func() { t.raw-- }, nil
}

func (t *fakeTerm) Width() int { return t.width }

// read runs ReadLine once per expected result over keys.
func read(t *testing.T, keys string, hist *History, n int) ([]string, []error, string) {
	t.Helper()
	var out bytes.Buffer
	term := &fakeTerm{width: 40}
	e := New(strings.NewReader(keys), &out, term, hist)
	var got []string
	var errs []error
	for range n {
		s, err := e.ReadLine("› ")
		got = append(got, s)
		errs = append(errs, err)
	}
	if term.raw != 0 {
		t.Fatalf("raw mode left on %d time(s)", term.raw)
	}
	return got, errs, out.String()
}

func TestReadLine(t *testing.T) {
	cases := []struct {
		name, keys, want string
		err              error
	}{
		{"plain", "hello\r", "hello", nil},
		{"utf-8", "héllo wörld ✓\r", "héllo wörld ✓", nil},
		{"bracketed paste is one message", "\x1b[200~line one\rline two\r\nline three\nfour\x1b[201~\r", "line one\nline two\nline three\nfour", nil},
		{"a paste cannot submit or move the cursor", "\x1b[200~a\x1b[Db\x03c\x1b[201~!\r", "a[Dbc!", nil},
		{"Alt-Enter breaks the line", "first\x1b\rsecond\r", "first\nsecond", nil},
		{"LF submits (keys typed ahead of the prompt)", "first\nsecond\r", "first", nil},
		{"Alt-Enter typed ahead", "first\x1b\nsecond\n", "first\nsecond", nil},
		{"Shift-Enter (kitty)", "a\x1b[13;2ub\r", "a\nb", nil},
		{"Ctrl-C clears a typed line", "oops\x03fine\r", "fine", nil},
		{"Ctrl-C on an empty line", "\x03", "", ErrInterrupted},
		{"Ctrl-D on an empty line", "\x04", "", io.EOF},
		{"Ctrl-D deletes under the cursor", "abc\x02\x02\x04\r", "ac", nil},
		{"left and insert", "helo\x02l\r", "hello", nil},
		{"arrows, home, end", "bc\x1b[Ha\x1b[Fd\x1b[D\x1b[3~\r", "abc", nil},
		{"backspace", "abx\x7fc\r", "abc", nil},
		{"kill to the end", "abcdef\x01\x06\x06\x0b\r", "ab", nil},
		{"kill to the start", "abcdef\x02\x02\x15\r", "ef", nil},
		{"kill a word", "one two\x17three\r", "one three", nil},
		{"word moves", "one two\x1bb\x1bbX\x1b[1;5CY\r", "XoneY two", nil},
		{"home and end work per line", "ab\x1b\rcd\x01X\x05Y\r", "ab\nXcdY", nil},
		{"up moves within a message", "ab\x1b\rcd\x1b[AX\r", "abX\ncd", nil},
		{"tabs are kept", "a\tb\r", "a\tb", nil},
		{"unknown sequences are ignored", "a\x1b[99zb\x1bOQc\r", "abc", nil},
		{"input ends mid-line", "abc", "", io.EOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errs, out := read(t, tc.keys, nil, 1)
			if got[0] != tc.want || !errors.Is(errs[0], tc.err) && !(tc.err == nil && errs[0] == nil) {
				t.Fatalf("got %q, %v; want %q, %v", got[0], errs[0], tc.want, tc.err)
			}
			if !strings.Contains(out, pasteOn) || !strings.HasSuffix(out, pasteOff) {
				t.Errorf("bracketed paste not turned on and off: %q", out)
			}
		})
	}
	_, _, out := read(t, "oops\x03\r", nil, 1)
	if !strings.Contains(out, "^C") {
		t.Errorf("Ctrl-C on a typed line is not shown: %q", out)
	}
}

func TestHistory(t *testing.T) {
	hist := &History{}
	// up: the last message; up again: its first line; up again: the one before.
	got, _, _ := read(t, "one\rtwo\x1b\rlines\r\x10\r\x10\x10\x10\r\x10\x10\x0e\r", hist, 5)
	want := []string{"one", "two\nlines", "two\nlines", "one", "one"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %q, want %q (all %q)", i, got[i], want[i], got)
		}
	}
	if hist.Len() != 3 || hist.At(2) != "one" {
		t.Fatalf("history %q", hist.entries)
	}
	var back History
	if err := back.Read(bytes.NewReader(hist.Bytes())); err != nil || back.Len() != 3 || back.At(1) != "two\nlines" {
		t.Fatalf("saved and read back: %q %v\n%s", back.entries, err, hist.Bytes())
	}
	// A plain line history (liner's format) reads as it is.
	var old History
	old.Read(strings.NewReader("first\n\"quoted\" text\nsecond\n"))
	if old.Len() != 3 || old.At(1) != `"quoted" text` {
		t.Fatalf("liner history: %q", old.entries)
	}
	for range MaxHistory + 5 {
		old.Add(strings.Repeat("x", old.Len()+1))
	}
	if old.Len() != MaxHistory {
		t.Fatalf("history grew to %d", old.Len())
	}
}

func TestLayout(t *testing.T) {
	cases := []struct {
		name   string
		prompt string
		buf    string
		width  int
		pos    int
		want   cell // of buf[pos], or the end when pos == len
	}{
		{"first row", "› ", "abc", 10, 1, cell{0, 3}},
		{"end", "› ", "abc", 10, 3, cell{0, 5}},
		{"exactly full", "› ", "abcdefgh", 10, 8, cell{0, 10}},
		{"wraps", "› ", "abcdefghij", 10, 9, cell{1, 1}},
		{"second line of a message", "› ", "ab\ncd", 10, 4, cell{1, 3}},
		{"wide runes do not split", "› ", "abcdefg界", 10, 7, cell{1, 0}},
		{"tab is four columns", "› ", "\tx", 10, 1, cell{0, 6}},
	}
	for _, tc := range cases {
		cells, end := layout(tc.prompt, []rune(tc.buf), tc.width)
		got := end
		if tc.pos < len(cells) {
			got = cells[tc.pos]
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestRedrawReturnsToThePrompt: after any edit the cursor ends where the
// layout says, and the next redraw moves up exactly the rows used.
func TestRedrawReturnsToThePrompt(t *testing.T) {
	var out bytes.Buffer
	e := New(strings.NewReader(""), &out, &fakeTerm{width: 10}, nil)
	e.prompt = "› "
	e.buf = []rune("abcdefghijkl\nmn")
	e.pos = len(e.buf)
	e.redraw()
	if e.row != 2 {
		t.Fatalf("cursor row %d, want 2", e.row)
	}
	out.Reset()
	e.pos = 0
	e.redraw()
	if !strings.HasPrefix(out.String(), "\x1b[2A\r\x1b[J") {
		t.Fatalf("redraw did not go back up 2 rows: %q", out.String())
	}
	if e.row != 0 {
		t.Fatalf("cursor row %d, want 0", e.row)
	}
}

func FuzzReadLine(f *testing.F) {
	f.Add("hello\r")
	f.Add("\x1b[200~a\rb\x1b[201~\r")
	f.Add("a\x1b\rb\x1b[A\x1b[3~\x17\x15\r")
	f.Add("\x1b[")
	f.Fuzz(func(t *testing.T, keys string) {
		var out bytes.Buffer
		e := New(strings.NewReader(keys), &out, &fakeTerm{width: 7}, &History{})
		for range 3 {
			s, err := e.ReadLine("› ")
			if err != nil && err != io.EOF && err != ErrInterrupted {
				t.Fatalf("error %v", err)
			}
			for _, r := range s {
				if unicode.IsControl(r) && r != '\n' && r != '\t' {
					t.Fatalf("control character %q in %q", r, s)
				}
			}
			if e.row < 0 || e.pos < 0 || e.pos > len(e.buf) {
				t.Fatalf("bad state row %d pos %d len %d", e.row, e.pos, len(e.buf))
			}
			if err == io.EOF {
				return
			}
		}
	})
}
