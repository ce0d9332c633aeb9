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
