package tools

import (
	"sort"
	"strings"
)

// crlfText is a text whose line endings are compared as "\n": the model
// reads files without "\r" (read_file shows lines), so its old_string of
// a CRLF file has bare "\n" line breaks.
type crlfText struct {
	orig string
	norm string
	// crs are the indexes in norm of the "\n"s that had a "\r" before them.
	crs []int
	// crlf says the file's own line endings are "\r\n" (most of them).
	crlf bool
}

func newCRLFText(s string) crlfText {
	t := crlfText{orig: s}
	var b strings.Builder
	b.Grow(len(s))
	lf := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n':
			t.crs = append(t.crs, b.Len())
		case s[i] == '\n':
			lf++
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	t.norm = b.String()
	t.crlf = len(t.crs) > lf-len(t.crs)
	return t
}

// origIndex maps an index of norm to the index of the same byte in orig
// (a "\n" that had a "\r" maps to the "\r").
func (t crlfText) origIndex(i int) int {
	return i + sort.SearchInts(t.crs, i)
}

// replace replaces old (line endings normalised) with repl (written with
// the file's own line endings), the first n occurrences (n < 0: all),
// leaving every other byte of the file as it was.
func (t crlfText) replace(old, repl string, n int) string {
	old = strings.ReplaceAll(old, "\r\n", "\n")
	repl = strings.ReplaceAll(repl, "\r\n", "\n")
	if t.crlf {
		repl = strings.ReplaceAll(repl, "\n", "\r\n")
	}
	var b strings.Builder
	b.Grow(len(t.orig))
	last, from := 0, 0
	for n != 0 {
		i := strings.Index(t.norm[from:], old)
		if i < 0 {
			break
		}
		start, end := from+i, from+i+len(old)
		b.WriteString(t.orig[last:t.origIndex(start)])
		b.WriteString(repl)
		last = t.origIndex(end)
		from = end
		n--
	}
	b.WriteString(t.orig[last:])
	return b.String()
}

// count counts the occurrences of old, line endings normalised.
func (t crlfText) count(old string) int {
	return strings.Count(t.norm, strings.ReplaceAll(old, "\r\n", "\n"))
}
