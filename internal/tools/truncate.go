package tools

import (
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
)

// omittedMarker is what replaces the middle of an output that is too long.
func omittedMarker(n int, unit string) string {
	return fmt.Sprintf("\n[… %d %s omitted …]\n", n, unit)
}

// truncateMiddle keeps the head and the tail of s so that at most max
// characters (runes) of s remain, with a marker saying how many were
// left out. Output that fits is returned unchanged.
func truncateMiddle(s string, max int) string {
	return clip.Middle(s, max, func(n int) string { return omittedMarker(n, "characters") })
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
