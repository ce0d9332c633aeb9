package config

import (
	"fmt"
	"strings"
)

// Error is a problem with the user's configuration. It names the file and,
// where known, the line, column and key, and says what to do. The CLI maps
// it to exit code 2.
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Key    string // dotted key, when the problem belongs to one
	Msg    string
	// Context is an excerpt of the file with the position marked, if any.
	Context string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Context != "" {
		b.WriteString("\n" + strings.TrimRight(e.Context, "\n"))
	}
	return b.String()
}

// Warning is a problem that does not stop LocalGPT, such as an unknown key.
type Warning struct {
	File string
	Line int
	Msg  string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Msg)
}
