// Package termmd renders markdown to a terminal as it streams in, a few
// characters at a time. It styles what language models write most
// (headings, lists, quotes, fenced code, **bold** and `code`) with ANSI
// escapes, and never waits for more than the marker at the start of a line,
// so answers appear as fast as the model produces them.
//
// A whole-document renderer (glamour) was the design's first choice; it
// cannot render a partial stream and adds about 9 MB to the binary.
package termmd

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ANSI styles.
const (
	reset   = "\x1b[0m"
	bold    = "\x1b[1m"
	dim     = "\x1b[2m"
	italic  = "\x1b[3m"
	heading = "\x1b[1;36m"
	codeSty = "\x1b[33m"
	bullet  = "\x1b[36m"
)

// Writer renders markdown written to it. Write may be called with any
// split of the text; the output is the same as for the whole text at once.
// Call Flush at the end of a message.
type Writer struct {
	w       io.Writer
	out     strings.Builder
	start   bool   // at the start of a line
	pending []rune // the start of a line, held until its kind is known
	fence   bool   // inside a fenced code block
	line    string // style of the current line (heading, quote), re-applied after inline resets
	bold    bool
	code    bool
	star    bool   // a '*' held to see whether a second one follows
	partial []byte // an incomplete UTF-8 sequence at the end of the last Write
}

// New returns a Writer that renders to w.
func New(w io.Writer) *Writer { return &Writer{w: w, start: true} }

// Write renders p. It reports len(p) unless the underlying writer fails.
func (r *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(r.partial) > 0 {
		p = append(r.partial, p...)
		r.partial = nil
	}
	// Hold back a rune cut in two by the caller's split.
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				r.partial = append([]byte(nil), p[i:]...)
				p = p[:i]
			}
			break
		}
	}
	for _, c := range string(p) {
		r.rune(c)
	}
	return n, r.emit()
}

// Flush renders what is held and resets all styles.
func (r *Writer) Flush() error {
	if len(r.partial) > 0 {
		for _, c := range string(r.partial) {
			r.rune(c)
		}
		r.partial = nil
	}
	if len(r.pending) > 0 {
		r.classify(false)
	}
	r.flushStar()
	if r.bold || r.code || r.line != "" {
		r.out.WriteString(reset)
	}
	r.bold, r.code, r.line = false, false, ""
	return r.emit()
}

func (r *Writer) emit() error {
	if r.out.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(r.w, r.out.String())
	r.out.Reset()
	return err
}

func (r *Writer) rune(c rune) {
	if Control(c) {
		return // never pass the model's escape sequences to the terminal
	}
	if r.start {
		r.pending = append(r.pending, c)
		if c == '\n' || decided(r.pending) {
			r.classify(c == '\n')
		}
		return
	}
	if c == '\n' {
		r.endLine()
		return
	}
	if r.fence {
		r.out.WriteRune(c)
		return
	}
	r.inline(c)
}

// decided reports whether the start of a line is long enough to know
// whether it is a marker (heading, list item, quote, fence) or plain text.
func decided(p []rune) bool {
	s := strings.TrimLeft(string(p), " ")
	switch {
	case s == "":
		return len(p) > 8
	case strings.HasPrefix(s, "```"):
		return true
	case strings.HasPrefix("```", s):
		return false
	case s[0] == '#':
		return strings.TrimLeft(s, "#") != ""
	case s[0] == '-' || s[0] == '*' || s[0] == '+' || s[0] == '>':
		return len(s) >= 2
	case unicode.IsDigit(rune(s[0])):
		t := strings.TrimLeft(s, "0123456789")
		return t != "" && (t[0] != '.' || len(t) >= 2)
	}
	return true
}

// classify renders the held start of a line once its kind is known.
func (r *Writer) classify(newline bool) {
	s := string(r.pending)
	r.pending = r.pending[:0]
	r.start = false
	if newline {
		s = strings.TrimSuffix(s, "\n")
	}
	indent := len(s) - len(strings.TrimLeft(s, " "))
	t := s[indent:]
	switch {
	case strings.HasPrefix(t, "```"):
		r.fence = !r.fence
		r.line = dim // the fence and its language tag
		r.out.WriteString(dim + s)
	case r.fence:
		r.out.WriteString(codeSty + s)
		r.line = codeSty
	case strings.HasPrefix(t, "#") && strings.HasPrefix(strings.TrimLeft(t, "#"), " "):
		r.line = heading
		r.out.WriteString(heading + s)
	case len(t) >= 2 && strings.ContainsRune("-*+", rune(t[0])) && t[1] == ' ':
		r.out.WriteString(s[:indent] + bullet + "•" + reset + " ")
		r.inlineString(t[2:])
	case strings.HasPrefix(t, "> "):
		r.line = italic
		r.out.WriteString(s[:indent] + dim + "│ " + reset + italic)
		r.inlineString(t[2:])
	case isOrdered(t):
		dot := strings.IndexByte(t, '.')
		r.out.WriteString(s[:indent] + bold + t[:dot+1] + reset)
		r.inlineString(t[dot+1:])
	default:
		r.inlineString(s)
	}
	if newline {
		r.endLine()
	}
}

func isOrdered(t string) bool {
	d := strings.TrimLeft(t, "0123456789")
	return len(d) < len(t) && strings.HasPrefix(d, ". ")
}

func (r *Writer) inlineString(s string) {
	for _, c := range s {
		if r.fence {
			r.out.WriteRune(c)
		} else {
			r.inline(c)
		}
	}
}

// inline styles **bold** and `code` within a line.
func (r *Writer) inline(c rune) {
	if r.star {
		r.star = false
		if c == '*' && !r.code {
			r.bold = !r.bold
			r.restyle()
			return
		}
		r.out.WriteByte('*')
	}
	switch {
	case c == '*' && !r.code:
		r.star = true
	case c == '`':
		r.code = !r.code
		r.restyle()
	default:
		r.out.WriteRune(c)
	}
}

func (r *Writer) flushStar() {
	if r.star {
		r.star = false
		r.out.WriteByte('*')
	}
}

// restyle writes the escapes for the current combination of styles.
func (r *Writer) restyle() {
	r.out.WriteString(reset + r.line)
	if r.bold {
		r.out.WriteString(bold)
	}
	if r.code {
		r.out.WriteString(codeSty)
	}
}

func (r *Writer) endLine() {
	r.flushStar()
	if r.bold || r.code || r.line != "" {
		r.out.WriteString(reset)
	}
	// Inline styles end with the line: an unclosed ** must not paint the rest.
	r.bold, r.code, r.line = false, false, ""
	r.out.WriteByte('\n')
	r.start = true
}
