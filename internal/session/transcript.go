package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/localgpt-go/localgpt/internal/clip"
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
	commits  bool // turns end with a commit record (format version 2)
	last     int  // index in Entries of the latest compaction, -1 if none
	// clipUntil is the message count when the latest compaction was made:
	// its ClipBytes applies to the kept messages before it.
	clipUntil int
	cycle     int // compactions so far
	flushed   map[string]bool
	title     string // the latest TypeTitle's Title
	// lazy holds the messages not decoded yet (see lazy.go); nil when
	// every message was decoded on loading.
	lazy *lazyMessages
	// turns are the committed turns, oldest first; open is where the
	// messages not yet committed begin (-1: none).
	turns []turnSpan
	open  turnSpan
}

// turnSpan locates one turn: the index in Entries of its first message
// and of its commit, and the index in messages of its first message and
// how many it has.
type turnSpan struct {
	entry, commit, message, count int
}

// newTranscript returns an empty transcript with header h.
func newTranscript(h Entry) *Transcript {
	return &Transcript{Header: h, last: -1, open: turnSpan{entry: -1}}
}

// Transcript is a sink of the file reader (see read.go).
func (t *Transcript) header(e Entry)               { t.Header, t.commits = e, e.Version >= 2 }
func (t *Transcript) warn(w string)                { t.Warnings = append(t.Warnings, w) }
func (t *Transcript) end(size int64, commits bool) { t.Size, t.commits = size, commits }
func (t *Transcript) entry(e Entry, ref msgRef) {
	if e.Type == TypeMessage && ref.lazy {
		// A message to decode when needed: its place, its role.
		t.openTurn()
		t.messages = append(t.messages, llm.Message{Role: ref.role})
		t.lazy.refs = append(t.lazy.refs, ref)
		t.lazy.entryOf = append(t.lazy.entryOf, len(t.Entries))
		t.Entries = append(t.Entries, e)
		return
	}
	t.add(e)
}

// openTurn notes where the turn a message belongs to begins.
func (t *Transcript) openTurn() {
	if t.open.entry < 0 && t.commits {
		t.open = turnSpan{entry: len(t.Entries), message: len(t.messages)}
	}
}

// add records one entry in the transcript's indexes.
func (t *Transcript) add(e Entry) {
	switch e.Type {
	case TypeMessage:
		if e.Message == nil {
			t.Warnings = append(t.Warnings, "a message line without a message was ignored")
			return
		}
		t.openTurn()
		t.messages = append(t.messages, *e.Message)
		if t.lazy != nil {
			t.lazy.refs = append(t.lazy.refs, msgRef{})
			t.lazy.entryOf = append(t.lazy.entryOf, len(t.Entries))
		}
	case TypeCommit:
		if t.open.entry >= 0 {
			t.open.commit, t.open.count = len(t.Entries), len(t.messages)-t.open.message
			t.turns = append(t.turns, t.open)
			t.open = turnSpan{entry: -1}
		}
	case TypeWithdraw:
		if err := t.withdraw(); err != nil {
			t.Warnings = append(t.Warnings, "a withdrawal was ignored: "+err.Error())
			return
		}
	case TypeTitle:
		t.title = e.Title
	case TypeCompaction:
		if e.FirstKept < 0 || e.FirstKept > len(t.messages) {
			t.Warnings = append(t.Warnings, fmt.Sprintf("a compaction keeping from message %d of %d was ignored", e.FirstKept, len(t.messages)))
			return
		}
		t.last = len(t.Entries)
		t.clipUntil = len(t.messages)
		t.cycle++
		t.flushed = nil
	case TypeFormat:
		t.commits = t.commits || e.Version >= 2
		t.open = turnSpan{entry: -1} // the version 1 messages before are no turn
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

// withdraw takes back the last committed turn (see TypeWithdraw): its
// messages and commit leave Entries and Messages.
func (t *Transcript) withdraw() error {
	if err := t.CanWithdraw(); err != nil {
		return err
	}
	turn := t.turns[len(t.turns)-1]
	// Full slice expressions: the old arrays may be shared with a History
	// a caller holds, so later appends must not write into them.
	kept := t.Entries[:turn.entry:turn.entry]
	for _, e := range t.Entries[turn.entry : turn.commit+1] {
		if e.Type != TypeMessage && e.Type != TypeCommit {
			kept = append(kept, e)
		}
	}
	t.Entries = append(kept, t.Entries[turn.commit+1:]...)
	t.messages = t.messages[:turn.message:turn.message]
	if l := t.lazy; l != nil { // no message after the turn, so entryOf holds
		l.refs, l.entryOf = l.refs[:turn.message:turn.message], l.entryOf[:turn.message:turn.message]
	}
	t.turns = t.turns[:len(t.turns)-1]
	return nil
}

// ErrWithdraw is returned (wrapped) when the last turn cannot be taken back.
var ErrWithdraw = errors.New("the last turn cannot be replaced")

// CanWithdraw says why the last turn cannot be taken back, nil if it can:
// there must be a committed turn, with no compaction after it.
func (t *Transcript) CanWithdraw() error {
	if len(t.turns) == 0 || t.open.entry >= 0 {
		return fmt.Errorf("%w: there is no finished turn to take back", ErrWithdraw)
	}
	if t.last > t.turns[len(t.turns)-1].entry {
		return fmt.Errorf("%w: the conversation was compacted after it", ErrWithdraw)
	}
	return nil
}

// TurnInfo describes one committed turn.
type TurnInfo struct {
	// Start is the index in Messages of the turn's first message (its
	// user message); Count is how many messages it has.
	Start, Count int
	// At is when the turn was saved.
	At time.Time
	// Status says how it ended (TurnAnswered, TurnCancelled, …); Error
	// says why a failed turn failed.
	Status, Error string
	// Usage sums the turn's model calls; Model is the model that answered.
	Usage llm.Usage
	Model string
}

// Turns describes the committed turns, oldest first. Messages of a
// version 1 file, written before turns were committed, belong to none.
func (t *Transcript) Turns() []TurnInfo {
	out := make([]TurnInfo, len(t.turns))
	for i, span := range t.turns {
		commit := t.Entries[span.commit]
		last := t.Entries[span.commit-1]
		ti := TurnInfo{Start: span.message, Count: span.count, At: commit.At,
			Status: commit.Status, Error: commit.Error, Model: last.Model}
		if last.Usage != nil {
			ti.Usage = *last.Usage
		}
		out[i] = ti
	}
	return out
}

// Messages returns every message of the session, compacted or not.
func (t *Transcript) Messages() []llm.Message {
	t.decode(0, len(t.messages))
	return t.messages
}

// Len is the number of messages of the session.
func (t *Transcript) Len() int { return len(t.messages) }

// HistoryLen is the number of messages History returns.
func (t *Transcript) HistoryLen() int {
	n := len(t.messages) - t.firstKept()
	if c, ok := t.Compaction(); ok && c.Summary != "" {
		n += 2
	}
	return n
}

// LastExchange returns the messages from the last user message with text
// on: where the conversation stopped.
func (t *Transcript) LastExchange() []llm.Message {
	for i := len(t.messages) - 1; i >= 0; i-- {
		if t.role(i) != llm.RoleUser {
			continue
		}
		t.decode(i, i+1)
		if hasText(t.messages[i]) {
			t.decode(i, len(t.messages))
			return t.messages[i:]
		}
	}
	return nil
}

// hasText reports whether m has a text part that is not empty.
func hasText(m llm.Message) bool {
	for _, p := range m.Parts {
		if p.Type == llm.PartText && p.Text != "" {
			return true
		}
	}
	return false
}

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
	first := t.firstKept()
	t.decode(first, len(t.messages))
	kept := t.messages[first:]
	c, ok := t.Compaction()
	if !ok {
		return append([]llm.Message(nil), kept...)
	}
	out := make([]llm.Message, 0, len(kept)+2)
	if c.Summary != "" {
		out = append(out, summaryMessages(c)...)
	}
	out = append(out, kept...)
	if c.ClipBytes > 0 {
		n := len(out) - len(kept)
		for i := range max(t.clipUntil-first, 0) {
			out[n+i] = clipResults(out[n+i], c.ClipBytes)
		}
	}
	return out
}

// clipResults returns m with every tool result longer than n bytes cut to
// its start and end around a note; m itself is not modified.
func clipResults(m llm.Message, n int) llm.Message {
	if n <= 0 {
		return m
	}
	var parts []llm.Part
	for i, p := range m.Parts {
		r := p.ToolResult
		if r == nil || len(r.Content) <= n {
			continue
		}
		if parts == nil {
			parts = append([]llm.Part(nil), m.Parts...)
		}
		cut := *r
		cut.Content = clip.Middle(r.Content, n, func(omitted int) string {
			return fmt.Sprintf("\n[… %d characters of this result were cut to fit the context window …]\n", omitted)
		})
		parts[i].ToolResult = &cut
	}
	if parts == nil {
		return m
	}
	return llm.Message{Role: m.Role, Parts: parts}
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

// Title is the name the user gave the session, else the first line of
// the first user message, shortened.
func (t *Transcript) Title() string {
	if t.title != "" {
		return t.title
	}
	for i := range t.messages {
		if t.role(i) == llm.RoleUser {
			t.decode(i, i+1)
			return firstLine(t.messages[i].Text(), 60)
		}
	}
	return ""
}

// Preview is the first line of the latest message with text, shortened,
// for a listing.
func (t *Transcript) Preview() string {
	for i := len(t.messages) - 1; i >= 0; i-- {
		if r := t.role(i); r == llm.RoleUser || r == llm.RoleAssistant {
			t.decode(i, i+1)
			if hasText(t.messages[i]) {
				return firstLine(t.messages[i].Text(), 100)
			}
		}
	}
	return ""
}
