// Package mdfence recognises markdown's fenced code blocks, for the
// readers that must skip what is inside one: the memory chunker keeps a
// block whole, and comment removal and the heartbeat's task parser leave
// its text alone.
//
// The rules are CommonMark's but for indentation: a fence may be indented
// any amount. None of these readers parses list items, and a fence nested
// in one is indented by the item; read with CommonMark's three-space
// limit, such a fence would not hide the "### heading" in it from the
// heartbeat, which reads headings at any indentation.
package mdfence

import "strings"

// Open reports the fence character and length of a line that opens a
// fenced code block (``` or ~~~, at least three, after any indentation;
// a backtick fence's info string has no backtick), or 0, 0.
func Open(line string) (byte, int) {
	t := strings.TrimLeft(line, " \t")
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
	t := strings.TrimLeft(line, " \t")
	m := 0
	for m < len(t) && t[m] == ch {
		m++
	}
	return m >= n && strings.TrimSpace(t[m:]) == ""
}
