package lineedit

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// MaxHistory is how many messages a history keeps.
const MaxHistory = 1000

// History is the messages typed before, oldest first. It is saved one
// message per line; a message with a line break (or one that starts with
// a quote) is saved as a Go-quoted string, so plain one-line histories,
// such as liner's, read as they are.
type History struct {
	entries []string
}

// Len is the number of messages.
func (h *History) Len() int { return len(h.entries) }

// At returns message i (0 is the oldest).
func (h *History) At(i int) string { return h.entries[i] }

// Add appends a message, unless it repeats the last one.
func (h *History) Add(s string) {
	if strings.TrimSpace(s) == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == s) {
		return
	}
	h.entries = append(h.entries, s)
	if n := len(h.entries); n > MaxHistory {
		h.entries = append([]string(nil), h.entries[n-MaxHistory:]...)
	}
}

// Read loads a saved history, keeping the last MaxHistory messages.
func (h *History) Read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, `"`) {
			if s, err := strconv.Unquote(line); err == nil {
				line = s
			}
		}
		h.Add(line)
	}
	return sc.Err()
}

// Bytes is the history as it is saved.
func (h *History) Bytes() []byte {
	var b bytes.Buffer
	for _, s := range h.entries {
		if strings.ContainsAny(s, "\r\n") || strings.HasPrefix(s, `"`) {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
