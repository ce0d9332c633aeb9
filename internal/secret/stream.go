package secret

import (
	"strings"
	"unicode/utf8"
)

// Stream masks a text that arrives in pieces, such as a model's answer
// streamed to an HTTP client: a key split over two pieces would pass a
// per-piece mask. Next returns what can be sent now and holds back the
// shortest tail that could still become a secret (a character or two of
// ordinary text); Flush returns the rest at the end. A Stream is used by
// one goroutine.
type Stream struct {
	m    *Masker
	held string
}

// Stream starts a masked stream. With a nil Masker it holds nothing back.
func (m *Masker) Stream() *Stream { return &Stream{m: m} }

// Next adds piece and returns the masked text that can be sent now.
func (s *Stream) Next(piece string) string {
	t := s.m.table()
	if t == nil {
		return piece
	}
	buf := s.held + piece
	k := t.openSuffix(buf)
	s.held = buf[len(buf)-k:]
	return maskIn(t, buf[:len(buf)-k])
}

// Flush returns what is held back, masked, and empties the stream.
func (s *Stream) Flush() string {
	out := s.m.Mask(s.held)
	s.held = ""
	return out
}

// openSuffix returns the length of the longest end of buf that is part of
// a secret, so could continue into one. A suffix that is not part of any
// secret has no longer suffix that is, so the search stops there.
func (t *table) openSuffix(buf string) int {
	k := 0
	for n := 1; n <= len(buf); n++ {
		end := buf[len(buf)-n:]
		found := false
		for _, v := range t.variants {
			if strings.Contains(v.text, end) {
				found = true
				break
			}
		}
		if !found {
			break
		}
		k = n
	}
	for k < len(buf) && k > 0 && !utf8.RuneStart(buf[len(buf)-k]) {
		k++
	}
	return k
}
