package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/segmentio/encoding/json"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// A session opened for writing (Store.Open, what `chat --resume` does)
// decodes each message line only when it is first needed: opening reads
// every line for what the listing and the next turn need (times, models,
// token counts, compactions, commits, each message's role) but skips the
// messages' text, and History, Messages, Title or LastExchange decode the
// messages they return from the open file. Resuming a 10,000-message
// session then costs a scan of its file, and the messages are decoded in
// parallel when the first request needs them.

// msgRef locates a message line in the file, for a message not decoded.
type msgRef struct {
	off  int64
	n    int
	role llm.Role
	lazy bool // the message is still to be decoded
}

// lazyMessage takes a message line's message while opening a session for
// writing: it records that there is one and its role (the first key our
// writer puts there), without decoding the parts.
type lazyMessage struct {
	present bool
	role    llm.Role
}

// UnmarshalJSON implements json.Unmarshaler. Only the value's kind is
// checked: a message that is well-formed JSON of the wrong shape (a hand
// edit) is found when it is decoded, and then reads as a note saying so,
// where loading the file whole skips the line.
func (m *lazyMessage) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("the message is not a JSON object")
	}
	m.present = true
	if rest, ok := bytes.CutPrefix(b, []byte(`{"role":"`)); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 {
			m.role = llm.Role(rest[:i])
		}
	}
	return nil
}

// headLine is a line decoded without its message.
type headLine struct {
	Entry
	Message lazyMessage `json:"message"`
}

// lazyMessages are the transcript's messages still to decode.
type lazyMessages struct {
	mu      sync.Mutex
	src     io.ReaderAt
	refs    []msgRef // per message
	entryOf []int    // per message: its index in Entries
}

// decode decodes messages [from, to) of t that are not decoded yet.
func (t *Transcript) decode(from, to int) {
	l := t.lazy
	if l == nil || from >= to {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for from < to && !l.refs[from].lazy {
		from++
	}
	for to > from && !l.refs[to-1].lazy {
		to--
	}
	if from >= to {
		return
	}
	// One read of the span, then the lines decoded on every CPU.
	start, end := l.refs[from].off, l.refs[to-1].off+int64(l.refs[to-1].n)
	buf := make([]byte, end-start)
	_, err := l.src.ReadAt(buf, start)
	var idx []int
	var lines [][]byte
	for i := from; i < to; i++ {
		if r := l.refs[i]; r.lazy && err == nil {
			idx = append(idx, i)
			lines = append(lines, buf[r.off-start:r.off-start+int64(r.n)])
		}
	}
	entries, errs := decodeLines(lines)
	for k, i := range idx {
		e, derr := entries[k], errs[k]
		if derr == nil && e.Message == nil {
			derr = fmt.Errorf("no message")
		}
		if derr != nil {
			m := llm.UserText(fmt.Sprintf("(this message could not be read again from the session file: %v)", derr))
			e.Message = &m
		}
		t.messages[i] = *e.Message
		t.Entries[l.entryOf[i]].Message = e.Message
		l.refs[i].lazy = false
	}
	if err != nil { // the file could not be read: say so in each message
		for i := from; i < to; i++ {
			if l.refs[i].lazy {
				m := llm.UserText(fmt.Sprintf("(this message could not be read again from the session file: %v)", err))
				t.messages[i], t.Entries[l.entryOf[i]].Message = m, &m
				l.refs[i].lazy = false
			}
		}
	}
}

// role returns the role of message i without decoding it.
func (t *Transcript) role(i int) llm.Role {
	if t.lazy != nil && t.lazy.refs[i].lazy {
		return t.lazy.refs[i].role
	}
	return t.messages[i].Role
}

// decodeLinesHead decodes lines without their messages (see lazy), into
// heads if it has room (a batch's that was consumed).
func decodeLinesHead(lines [][]byte, heads []headLine) ([]headLine, []error) {
	if cap(heads) < len(lines) {
		heads = make([]headLine, len(lines))
	}
	heads = heads[:len(lines)]
	errs := make([]error, len(lines))
	parallel(len(lines), func(i int) {
		heads[i] = headLine{}
		if len(bytes.TrimSpace(lines[i])) > 0 {
			errs[i] = json.Unmarshal(lines[i], &heads[i])
		}
	})
	return heads, errs
}

// countLines counts the newlines of the file r, to size a transcript's
// slices once: growing them line by line would allocate several times
// their size for a long session.
func countLines(r io.ReaderAt) int {
	buf := make([]byte, 64<<10)
	n := 0
	for off := int64(0); ; {
		k, err := r.ReadAt(buf, off)
		n += bytes.Count(buf[:k], []byte{'\n'})
		off += int64(k)
		if err != nil {
			return n
		}
	}
}

// grow makes room for lines more entries.
func (t *Transcript) grow(lines int) {
	t.Entries = make([]Entry, 0, lines)
	t.messages = make([]llm.Message, 0, lines)
	if t.lazy != nil {
		t.lazy.refs = make([]msgRef, 0, lines)
		t.lazy.entryOf = make([]int, 0, lines)
	}
}
