// Package mdfence recognises markdown's fenced code blocks as CommonMark
// does, for the readers that must skip what is inside one: the memory
// chunker keeps a block whole, and comment removal and the heartbeat's
// task parser leave its text alone.
package mdfence

import "strings"

// Open reports the fence character and length of a line that opens a
// fenced code block (``` or ~~~, at least three, indented at most three
// spaces; a backtick fence's info string has no backtick), or 0, 0.
func Open(line string) (byte, int) {
	t := trimIndent(line)
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0
	}
	ch := t[0]
	n := 0
	for n < len(t) && t[n] == ch {
		n++
	}
	if n < 3 || (ch == '`' && strings.IndexByte(t[n:], '`') >= 0) {
		return 0, 0
	}
	return ch, n
}

// Closes reports whether line closes a block opened by n of ch: at least
// as many of the same character, and nothing else.
func Closes(line string, ch byte, n int) bool {
	t := trimIndent(line)
	m := 0
	for m < len(t) && t[m] == ch {
		m++
	}
	return m >= n && strings.TrimSpace(t[m:]) == ""
}

// trimIndent removes up to three leading spaces.
func trimIndent(s string) string {
	for i := 0; i < 3 && len(s) > 0 && s[0] == ' '; i++ {
		s = s[1:]
	}
	return s
}
