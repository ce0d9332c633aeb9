// Package mdcomment removes HTML comments from markdown. LocalGPT's
// templates keep their explanations for the user in comments, so that the
// memory index, the system prompt and the heartbeat never see them; a
// user's own comments are private notes in the same way.
//
// A "<!--" in a code span or a fenced code block is text, as in
// CommonMark: a note that says "comments open with `<!--`" must not hide
// everything after it from search and from the model.
package mdcomment

import (
	"strings"

	"github.com/localgpt-go/localgpt/internal/mdfence"
)

// Strip removes the HTML comments of s, keeping their line breaks so
// that line numbers stay right. An unterminated comment runs to the end,
// as an HTML block does in CommonMark.
func Strip(s string) string {
	if !strings.Contains(s, "<!--") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	first := true
	scan(s, func(plain string, _, _ bool) {
		if !first {
			b.WriteByte('\n')
		}
		first = false
		b.WriteString(plain)
	})
	return b.String()
}

// Lines is markdown split at "\n" and read as Strip reads it.
type Lines struct {
	// Plain holds each line with its comments removed.
	Plain []string
	// Fenced marks the lines that open, lie in or close a fenced code
	// block, whose text is kept as it is.
	Fenced []bool
	// Open has an element for the start of each line and one for the
	// end: true where that point lies inside a comment or a fenced
	// block. Lines can be cut out or put in at the other points without
	// changing how the rest reads.
	Open []bool
}

// Read reads s line by line as Strip does.
func Read(s string) Lines {
	n := strings.Count(s, "\n") + 1
	l := Lines{Plain: make([]string, 0, n), Fenced: make([]bool, 0, n), Open: make([]bool, 0, n+1)}
	end := scan(s, func(plain string, fenced, open bool) {
		l.Plain = append(l.Plain, plain)
		l.Fenced = append(l.Fenced, fenced)
		l.Open = append(l.Open, open)
	})
	l.Open = append(l.Open, end)
	return l
}

// scan calls visit for each line of s with its text outside comments,
// whether it belongs to a fenced block, and whether the line starts
// inside a comment or a fenced block; it returns the same for the end.
func scan(s string, visit func(plain string, fenced, open bool)) bool {
	in := false // inside a comment
	var fenceCh byte
	fenceN := 0 // inside a fenced block opened by fenceN of fenceCh
	for {
		line, rest, more := strings.Cut(s, "\n")
		open := in || fenceN > 0 // never both: neither opens inside the other
		switch {
		case in:
			var plain string
			plain, in = stripLine(line, true)
			visit(plain, false, open)
		case fenceN > 0: // a fenced line, maybe the one that closes it
			if mdfence.Closes(line, fenceCh, fenceN) {
				fenceN = 0
			}
			visit(line, true, open)
		default:
			if fenceCh, fenceN = mdfence.Open(line); fenceN > 0 {
				visit(line, true, open)
				break
			}
			var plain string
			plain, in = stripLine(line, false)
			visit(plain, false, open)
		}
		if !more {
			return in || fenceN > 0
		}
		s = rest
	}
}

// stripLine returns line without its comments, given whether it starts
// inside one, and whether it ends inside one.
func stripLine(line string, in bool) (string, bool) {
	if !in && !strings.Contains(line, "<!--") {
		return line, false
	}
	var b strings.Builder
	for {
		if in {
			j := strings.Index(line, "-->")
			if j < 0 {
				return b.String(), true
			}
			line, in = line[j+3:], false
		}
		i := commentStart(line)
		if i < 0 {
			if b.Len() == 0 {
				return line, false
			}
			b.WriteString(line)
			return b.String(), false
		}
		b.WriteString(line[:i])
		line, in = line[i+4:], true
		// "<!-->" and "<!--->" are whole comments, as in CommonMark.
		if rest, ok := strings.CutPrefix(line, ">"); ok {
			line, in = rest, false
		} else if rest, ok := strings.CutPrefix(line, "->"); ok {
			line, in = rest, false
		}
	}
}

// commentStart returns the index of the first "<!--" of line outside a
// code span (a run of backticks up to the next run of as many), or -1.
func commentStart(line string) int {
	for i := 0; i < len(line); {
		j := strings.IndexAny(line[i:], "`<")
		if j < 0 {
			return -1
		}
		i += j
		if line[i] == '<' {
			if strings.HasPrefix(line[i:], "<!--") {
				return i
			}
			i++
			continue
		}
		n := run(line, i)
		i += n
		for k := i; ; { // to the end of the code span, if it has one
			j := strings.IndexByte(line[k:], '`')
			if j < 0 {
				break
			}
			k += j
			m := run(line, k)
			if m == n {
				i = k + m
				break
			}
			k += m
		}
	}
	return -1
}

// run returns the length of the run of backticks at s[i].
func run(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}
