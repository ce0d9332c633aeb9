// Package clip shortens text to a bound without splitting a UTF-8
// sequence, so what is cut stays valid UTF-8: a provider may reject
// invalid UTF-8 and a terminal shows it as garbage. It is the one place
// that cuts text (tool results, previews, titles, quotes in messages);
// callers choose the bound's unit (bytes for what is stored or sent,
// runes for what a person reads) and the mark that shows the cut.
package clip

import "unicode/utf8"

// Bytes returns s when it has at most n bytes. Otherwise it returns the
// longest prefix of s that ends on a rune boundary and leaves room for
// mark, followed by mark: at most n bytes in all, unless mark alone is
// longer.
func Bytes(s string, n int, mark string) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len(mark), 0)
	// Step back to the start of the rune the cut falls in; a longer run of
	// continuation bytes is not UTF-8 anyway, and is cut as bytes.
	for back := 0; cut > 0 && back < utf8.UTFMax-1 && !utf8.RuneStart(s[cut]); back++ {
		cut--
	}
	return s[:cut] + mark
}

// Runes returns s when it has at most n runes. Otherwise it returns the
// first runes of s followed by mark, n runes in all (mark included),
// unless mark alone is longer.
func Runes(s string, n int, mark string) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return head(s, max(n-utf8.RuneCountInString(mark), 0)) + mark
}

// Middle keeps the head and the tail of s so that at most n runes of s
// remain (half from each end), with mark(omitted runes) between them.
// s is returned unchanged when it fits.
func Middle(s string, n int, mark func(omitted int) string) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	total := utf8.RuneCountInString(s)
	if total <= n {
		return s
	}
	h, t := n/2, n-n/2
	return head(s, h) + mark(total-h-t) + tail(s, t)
}

// head returns the first n runes of s.
func head(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// tail returns the last n runes of s.
func tail(s string, n int) string {
	i := len(s)
	for k := 0; k < n && i > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}
