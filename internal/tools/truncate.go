package tools

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// omittedMarker is what replaces the middle of an output that is too long.
func omittedMarker(n int, unit string) string {
	return fmt.Sprintf("\n[… %d %s omitted …]\n", n, unit)
}

// truncateMiddle keeps the head and the tail of s so that at most max
// characters (runes) of s remain, with a marker saying how many were
// left out. Output that fits is returned unchanged.
func truncateMiddle(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	headRunes := max / 2
	tailRunes := max - headRunes
	head := runePrefix(s, headRunes)
	tail := runeSuffix(s, tailRunes)
	return head + omittedMarker(n-headRunes-tailRunes, "characters") + tail
}

// runePrefix returns the first n runes of s.
func runePrefix(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// runeSuffix returns the last n runes of s.
func runeSuffix(s string, n int) string {
	i := len(s)
	for k := 0; k < n && i > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

// headTailBuffer is an io.Writer that keeps the first and the last limit/2
// bytes written to it and counts the rest, so a command printing gigabytes
// costs a bounded amount of memory. It is not safe for concurrent use.
type headTailBuffer struct {
	limit int
	head  []byte
	tail  []byte // ring buffer of the last tailCap bytes
	pos   int    // next write position in tail once it is full
	total int64
}

func newHeadTailBuffer(limit int) *headTailBuffer {
	if limit < 2 {
		limit = 2
	}
	return &headTailBuffer{limit: limit}
}

func (b *headTailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	b.total += int64(n)
	headCap := b.limit / 2
	if room := headCap - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	tailCap := b.limit - headCap
	for len(p) > 0 {
		if len(b.tail) < tailCap {
			k := min(tailCap-len(b.tail), len(p))
			b.tail = append(b.tail, p[:k]...)
			p = p[k:]
			continue
		}
		if len(p) >= tailCap {
			copy(b.tail, p[len(p)-tailCap:])
			b.pos = 0
			return n, nil
		}
		k := copy(b.tail[b.pos:], p)
		b.pos = (b.pos + k) % tailCap
		p = p[k:]
	}
	return n, nil
}

// String returns the kept output, with a marker in place of what was
// dropped. Bytes cut in the middle of a UTF-8 sequence become U+FFFD.
func (b *headTailBuffer) String() string {
	tail := make([]byte, 0, len(b.tail))
	tail = append(tail, b.tail[b.pos:]...)
	tail = append(tail, b.tail[:b.pos]...)
	kept := int64(len(b.head) + len(tail))
	if kept == b.total {
		return strings.ToValidUTF8(string(b.head)+string(tail), "\uFFFD")
	}
	return strings.ToValidUTF8(string(b.head), "\uFFFD") + omittedMarker(int(b.total-kept), "bytes") +
		strings.ToValidUTF8(string(tail), "\uFFFD")
}
