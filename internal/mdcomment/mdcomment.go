// Package mdcomment removes HTML comments from markdown. LocalGPT's
// templates keep their explanations for the user in comments, so that the
// memory index, the system prompt and the heartbeat never see them; a
// user's own comments are private notes in the same way.
package mdcomment

import "strings"

// Strip removes the HTML comments of s, keeping their line breaks so
// that line numbers stay right. An unterminated comment runs to the end,
// as in HTML.
func Strip(s string) string {
	if !strings.Contains(s, "<!--") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "<!--")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+4:]
		j := strings.Index(rest, "-->")
		comment := rest
		if j >= 0 {
			comment = rest[:j]
			s = rest[j+3:]
		} else {
			s = ""
		}
		b.WriteString(strings.Repeat("\n", strings.Count(comment, "\n")))
		if j < 0 {
			return b.String()
		}
	}
}

// Inside reports where s is inside a comment as Strip reads it: element
// k for the start of line k (lines split at "\n"), and the last element
// for the end of s. Text can be cut out of s or put into it without
// changing how Strip reads the rest only at points outside a comment.
func Inside(s string) []bool {
	out := make([]bool, 1, strings.Count(s, "\n")+2)
	in := false
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\n':
			out = append(out, in)
		case !in && strings.HasPrefix(s[i:], "<!--"):
			in = true
			i += 4
			continue
		case in && strings.HasPrefix(s[i:], "-->"):
			in = false
			i += 3
			continue
		}
		i++
	}
	return append(out, in)
}
