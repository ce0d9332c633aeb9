package termmd

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Control reports whether c must never reach a terminal from outside
// LocalGPT: a C0 control but newline and tab (ESC starts every escape
// sequence: cursor moves, ESC[2J, OSC 52 clipboard writes; CR rewrites
// a line, BEL rings), DEL, a C1 control (U+0080–U+009F, which some
// terminals act on like ESC sequences: U+009B is CSI), or a bidirectional
// override or isolate (U+202A–U+202E, U+2066–U+2069), which can make
// `rm -rf ~` in an approval prompt read as something else. Invalid UTF-8
// is reported as utf8.RuneError by the callers' decoding and replaced.
func Control(c rune) bool {
	return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0) ||
		(c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
}

// Sanitize is the one filter for text from a model, a tool, a file, a
// session or a provider on its way to a terminal: it removes the
// characters Control reports and replaces invalid UTF-8 (a raw 0x9B byte
// is CSI to a terminal in 8-bit mode) with U+FFFD. Newlines and tabs stay.
func Sanitize(s string) string {
	if !strings.ContainsFunc(s, Control) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s { // range yields U+FFFD for each invalid byte
		if !Control(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Sanitizer is a writer that passes everything written through Sanitize,
// for whole documents shown on a terminal (a memory file, an exported
// session). A character split between two writes is held until it is
// whole; Flush writes what is held at the end.
type Sanitizer struct {
	w       io.Writer
	partial []byte
}

// NewSanitizer returns a Sanitizer writing to w.
func NewSanitizer(w io.Writer) *Sanitizer { return &Sanitizer{w: w} }

// Flush writes an incomplete character left at the end (as U+FFFD).
func (s *Sanitizer) Flush() error {
	if len(s.partial) == 0 {
		return nil
	}
	_, err := io.WriteString(s.w, Sanitize(string(s.partial)))
	s.partial = nil
	return err
}

// Write implements io.Writer.
func (s *Sanitizer) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.partial) > 0 {
		p = append(s.partial, p...)
		s.partial = nil
	}
	// Hold back an incomplete character at the end.
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				s.partial = append([]byte(nil), p[i:]...)
				p = p[:i]
			}
			break
		}
	}
	if _, err := io.WriteString(s.w, Sanitize(string(p))); err != nil {
		return 0, err
	}
	return n, nil
}
