package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
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

// ErrNoHeader means a file does not start with a session header.
var ErrNoHeader = errors.New("not a session file: the first line is not a session header")

// Parse reads a session file's content. A last line without its newline
// (the turn in flight when the process died), the lines of a turn that
// has no commit record after them, and lines that are not valid JSON are
// skipped with a warning; everything before them is kept. Large files are
// decoded on every CPU: loading is on the path of every resume.
func Parse(data []byte) (*Transcript, error) {
	var lines [][]byte
	torn := 0
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			torn = len(data)
			break
		}
		lines = append(lines, data[:nl])
		data = data[nl+1:]
	}
	entries, errs := decodeLines(lines)
	b := newBuilder()
	for i, line := range lines {
		if err := b.line(line, entries[i], errs[i]); err != nil {
			return nil, err
		}
	}
	if torn > 0 {
		b.t.Warnings = append(b.t.Warnings, fmt.Sprintf("line %d: incomplete last line (%d bytes) ignored: the process probably stopped while writing it", len(lines)+1, torn))
	}
	return b.finish()
}

// builder applies a file's lines in order. From format version 2 on, it
// holds a turn's messages until the commit record that follows them.
type builder struct {
	t       *Transcript
	n       int   // lines seen
	off     int64 // offset of the next line
	commits bool  // turns end with a commit record
	pending []Entry
	from    int64 // offset of the first pending line
}

func newBuilder() *builder { return &builder{t: newTranscript(Entry{})} }

// newTranscript returns an empty transcript with header h.
func newTranscript(h Entry) *Transcript {
	return &Transcript{Header: h, last: -1, open: turnSpan{entry: -1}}
}

// line applies one complete line (without its newline), decoded as e, or
// err if it could not be decoded.
func (b *builder) line(line []byte, e Entry, err error) error {
	b.n++
	at := b.off
	b.off += int64(len(line)) + 1
	if len(bytes.TrimSpace(line)) == 0 {
		b.advance()
		return nil
	}
	t := b.t
	if err != nil {
		t.Warnings = append(t.Warnings, fmt.Sprintf("line %d: unreadable line ignored: %v", b.n, err))
		b.advance()
		return nil
	}
	if t.Header.Type == "" {
		if e.Type != TypeSession {
			return ErrNoHeader
		}
		t.Header = e
		b.commits = e.Version >= 2
		t.commits = b.commits
		b.advance()
		return nil
	}
	switch {
	case (e.Type == TypeMessage || e.Type == TypeWithdraw) && b.commits:
		// A withdrawal belongs to the turn that replaces it.
		if len(b.pending) == 0 {
			b.from = at
		}
		b.pending = append(b.pending, e)
		return nil
	case e.Type == TypeCommit:
		n := 0
		for _, m := range b.pending {
			t.add(m)
			if m.Type == TypeMessage {
				n++
			}
		}
		if e.Count != n {
			t.Warnings = append(t.Warnings, fmt.Sprintf("line %d: a turn of %d messages was committed as %d", b.n, n, e.Count))
		}
		b.pending = b.pending[:0]
	case len(b.pending) > 0:
		b.drop(fmt.Sprintf("line %d", b.n))
	}
	if e.Type == TypeFormat && e.Version >= 2 {
		b.commits = true
	}
	t.add(e)
	b.advance()
	return nil
}

// advance moves the intact end of the file past the current line, unless
// an unfinished turn holds it back.
func (b *builder) advance() {
	if len(b.pending) == 0 {
		b.t.Size = b.off
	}
}

// drop forgets the pending messages of a turn that was never committed.
func (b *builder) drop(where string) {
	b.t.Warnings = append(b.t.Warnings, fmt.Sprintf("%s: an unfinished turn of %d messages was dropped: the process stopped before the turn was saved whole", where, len(b.pending)))
	b.pending = b.pending[:0]
}

// finish ends the file: a turn without its commit is dropped, and Size
// stays where it began, so the next append replaces it.
func (b *builder) finish() (*Transcript, error) {
	if b.t.Header.Type != TypeSession {
		return nil, ErrNoHeader
	}
	if len(b.pending) > 0 {
		b.drop("end of file")
		b.t.Size = b.from
	}
	b.t.commits = b.commits
	return b.t, nil
}

// parallelLines is the line count from which decoding is split across CPUs.
const parallelLines = 512

// decodeLines decodes every non-blank line, in parallel for large files.
func decodeLines(lines [][]byte) ([]Entry, []error) {
	entries := make([]Entry, len(lines))
	errs := make([]error, len(lines))
	decode := func(from, to int) {
		for i := from; i < to; i++ {
			if len(bytes.TrimSpace(lines[i])) > 0 {
				errs[i] = json.Unmarshal(lines[i], &entries[i])
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 8, len(lines)/parallelLines)
	if workers < 2 {
		decode(0, len(lines))
		return entries, errs
	}
	var wg sync.WaitGroup
	per := (len(lines) + workers - 1) / workers
	for from := 0; from < len(lines); from += per {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			decode(from, to)
		}(from, min(from+per, len(lines)))
	}
	wg.Wait()
	return entries, errs
}

// add records one entry in the transcript's indexes.
func (t *Transcript) add(e Entry) {
	switch e.Type {
	case TypeMessage:
		if e.Message == nil {
			t.Warnings = append(t.Warnings, "a message line without a message was ignored")
			return
		}
		if t.open.entry < 0 && t.commits {
			t.open = turnSpan{entry: len(t.Entries), message: len(t.messages)}
		}
		t.messages = append(t.messages, *e.Message)
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
	t.turns = t.turns[:len(t.turns)-1]
	return nil
}

// CanWithdraw says why the last turn cannot be taken back, nil if it can:
// there must be a committed turn, with no compaction after it.
func (t *Transcript) CanWithdraw() error {
	if len(t.turns) == 0 || t.open.entry >= 0 {
		return errors.New("there is no finished turn to take back")
	}
	if t.last > t.turns[len(t.turns)-1].entry {
		return errors.New("the conversation was compacted after its last turn, so that turn can no longer be replaced")
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
	first := t.firstKept()
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
	for _, m := range t.messages {
		if m.Role == llm.RoleUser {
			return firstLine(m.Text(), 60)
		}
	}
	return ""
}
