package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Transcript is a session as loaded from its file.
type Transcript struct {
	// Header is the first line.
	Header Entry
	// Entries are the lines after the header, in order.
	Entries []Entry
	// Warnings describe lines that were skipped: a torn last line left by
	// a crash, or a corrupt line.
	Warnings []string
	// Size is the length in bytes of the intact prefix of the file: where
	// the next append goes.
	Size int64

	messages []llm.Message
	last     int // index in Entries of the latest compaction, -1 if none
	cycle    int // compactions so far
	flushed  map[string]bool
}

// ErrNoHeader means a file does not start with a session header.
var ErrNoHeader = errors.New("not a session file: the first line is not a session header")

// Parse reads a session file's content. A last line without its newline
// (the turn in flight when the process died) and lines that are not valid
// JSON are skipped with a warning; everything before them is kept.
func Parse(data []byte) (*Transcript, error) {
	t := &Transcript{last: -1}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("line %d: incomplete last line (%d bytes) ignored: the process probably stopped while writing it", lineNo, len(data)))
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			t.Size += int64(nl + 1)
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Warnings = append(t.Warnings, fmt.Sprintf("line %d: unreadable line ignored: %v", lineNo, err))
			t.Size += int64(nl + 1)
			continue
		}
		t.Size += int64(nl + 1)
		if t.Header.Type == "" {
			if e.Type != TypeSession {
				return nil, ErrNoHeader
			}
			t.Header = e
			continue
		}
		t.add(e)
	}
	if t.Header.Type != TypeSession {
		return nil, ErrNoHeader
	}
	return t, nil
}

// add records one entry in the transcript's indexes.
func (t *Transcript) add(e Entry) {
	switch e.Type {
	case TypeMessage:
		if e.Message == nil {
			t.Warnings = append(t.Warnings, "a message line without a message was ignored")
			return
		}
		t.messages = append(t.messages, *e.Message)
	case TypeCompaction:
		if e.FirstKept < 0 || e.FirstKept > len(t.messages) {
			t.Warnings = append(t.Warnings, fmt.Sprintf("a compaction keeping from message %d of %d was ignored", e.FirstKept, len(t.messages)))
			return
		}
		t.last = len(t.Entries)
		t.cycle++
		t.flushed = nil
	case TypeFlush:
		if e.Cycle == t.Cycle() {
			if t.flushed == nil {
				t.flushed = map[string]bool{}
			}
			t.flushed[e.Kind] = true
		}
	}
	t.Entries = append(t.Entries, e)
}

// Messages returns every message of the session, compacted or not.
func (t *Transcript) Messages() []llm.Message { return t.messages }

// Cycle is the number of compactions so far: flushes are counted per cycle.
func (t *Transcript) Cycle() int { return t.cycle }

// Flushed reports whether a flush of kind was done in the current cycle.
func (t *Transcript) Flushed(kind string) bool { return t.flushed[kind] }

// Compaction returns the latest compaction, if any.
func (t *Transcript) Compaction() (Entry, bool) {
	if t.last < 0 {
		return Entry{}, false
	}
	return t.Entries[t.last], true
}

// firstKept is the index of the first message sent verbatim.
func (t *Transcript) firstKept() int {
	if c, ok := t.Compaction(); ok {
		return c.FirstKept
	}
	return 0
}

// History returns what is sent to the model before the next user message:
// the latest summary as a user/assistant pair, then the messages kept
// verbatim since. The slice is new; its messages share parts with the
// transcript and must not be modified.
func (t *Transcript) History() []llm.Message {
	kept := t.messages[t.firstKept():]
	c, ok := t.Compaction()
	if !ok {
		return append([]llm.Message(nil), kept...)
	}
	out := make([]llm.Message, 0, len(kept)+2)
	out = append(out, summaryMessages(c)...)
	return append(out, kept...)
}

// LastContextTokens is the prompt size the provider reported for the last
// model call since the latest compaction, 0 when unknown.
func (t *Transcript) LastContextTokens() int {
	for i := len(t.Entries) - 1; i > t.last; i-- {
		if e := t.Entries[i]; e.Type == TypeMessage && e.ContextTokens > 0 {
			return e.ContextTokens
		}
	}
	return 0
}

// Title is the first line of the first user message, shortened.
func (t *Transcript) Title() string {
	for _, m := range t.messages {
		if m.Role == llm.RoleUser {
			return firstLine(m.Text(), 60)
		}
	}
	return ""
}
