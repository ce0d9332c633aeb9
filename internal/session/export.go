package session

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// WriteMarkdown writes the whole transcript as markdown: every message,
// tool calls and results, and the compaction summaries where they were made.
func WriteMarkdown(w io.Writer, t *Transcript) error {
	t.Messages() // every message decoded (see lazy.go)
	m := NewMarkdown(w, InfoOf(t, ""))
	for _, e := range t.Entries {
		if err := m.Entry(e); err != nil {
			return err
		}
	}
	return m.Close()
}

// Markdown writes a session as markdown entry by entry, so that a long
// session is printed as it is read (see Store.Walk).
type Markdown struct {
	w   *bufio.Writer
	b   strings.Builder
	err error
}

// NewMarkdown starts the markdown of the session in, with its title block.
func NewMarkdown(w io.Writer, in Info) *Markdown {
	m := &Markdown{w: bufio.NewWriterSize(w, 64<<10)}
	fmt.Fprintf(&m.b, "# Session %s\n\n", in.ID)
	if in.Title != "" {
		fmt.Fprintf(&m.b, "- Title: %s\n", in.Title)
	}
	fmt.Fprintf(&m.b, "- Created: %s\n- Model: %s\n- Messages: %d\n", in.Created.Local().Format(time.DateTime), in.Model, in.Messages)
	if in.Compactions > 0 {
		fmt.Fprintf(&m.b, "- Compactions: %d\n", in.Compactions)
	}
	m.flush()
	return m
}

// Entry writes one entry (the header and records without text write nothing).
func (m *Markdown) Entry(e Entry) error {
	switch e.Type {
	case TypeMessage:
		writeMessageMD(&m.b, *e.Message, e.At)
	case TypeCommit:
		if note := turnNote(e); note != "" {
			fmt.Fprintf(&m.b, "\n*%s*\n", note)
		}
	case TypeCompaction:
		fmt.Fprintf(&m.b, "\n---\n\n*Compacted at %s (%s): the %d messages above were replaced for the model by this summary.*\n\n%s\n\n---\n",
			e.At.Local().Format(time.DateTime), e.Reason, e.Replaced, e.Summary)
	}
	m.flush()
	return m.err
}

func (m *Markdown) flush() {
	if m.err == nil && m.b.Len() > 0 {
		_, m.err = m.w.WriteString(m.b.String())
	}
	m.b.Reset()
}

// Close writes what is buffered.
func (m *Markdown) Close() error {
	if m.err == nil {
		m.err = m.w.Flush()
	}
	return m.err
}

// turnNote says how a turn that was not answered ended, "" for one that was.
func turnNote(commit Entry) string {
	switch commit.Status {
	case TurnAnswered:
		return ""
	case TurnCancelled:
		return "(This turn was cancelled; what it completed is kept.)"
	case TurnLimit:
		return "(This turn stopped at the tool iteration limit.)"
	case TurnFailed:
		return "(This turn failed: " + oneLineText(commit.Error) + ")"
	}
	return "(This turn ended: " + commit.Status + ")"
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

func writeMessageMD(b *strings.Builder, m llm.Message, at time.Time) {
	switch m.Role {
	case llm.RoleUser:
		fmt.Fprintf(b, "\n## You · %s\n\n%s\n", at.Local().Format("2006-01-02 15:04"), strings.TrimSpace(m.Text()))
	case llm.RoleAssistant:
		if text := strings.TrimSpace(m.Text()); text != "" {
			fmt.Fprintf(b, "\n## Assistant\n\n%s\n", text)
		}
		for _, c := range m.ToolCalls() {
			fmt.Fprintf(b, "\n> ⚙ `%s` `%s`\n", c.Name, oneLineJSON(c.Arguments))
		}
	case llm.RoleTool:
		for _, p := range m.Parts {
			if r := p.ToolResult; r != nil {
				mark := "✓"
				if r.IsError {
					mark = "✗"
				}
				fmt.Fprintf(b, "\n> %s `%s` result:\n\n```\n%s\n```\n", mark, r.Name, strings.ReplaceAll(clip.Bytes(strings.TrimSpace(r.Content), 4000, " […]"), "```", "ʼʼʼ"))
			}
		}
	}
}

func oneLineJSON(raw json.RawMessage) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(string(raw)), " "), "`", "'")
}

// Export is the JSON export of a session.
type Export struct {
	Info
	// Entries are every line after the header, as stored.
	Entries []Entry `json:"entries"`
}

// WriteJSON writes the transcript as one indented JSON document.
func WriteJSON(w io.Writer, t *Transcript, path string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	t.Messages() // every message decoded (see lazy.go)
	entries := t.Entries
	if entries == nil {
		entries = []Entry{}
	}
	return enc.Encode(Export{Info: InfoOf(t, path), Entries: entries})
}
