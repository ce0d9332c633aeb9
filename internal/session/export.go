package session

import (
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
	var b strings.Builder
	fmt.Fprintf(&b, "# Session %s\n\n", t.Header.ID)
	fmt.Fprintf(&b, "- Created: %s\n- Model: %s\n- Messages: %d\n", t.Header.At.Local().Format(time.DateTime), t.Header.Model, len(t.messages))
	if t.cycle > 0 {
		fmt.Fprintf(&b, "- Compactions: %d\n", t.cycle)
	}
	idx := 0
	for _, e := range t.Entries {
		switch e.Type {
		case TypeMessage:
			writeMessageMD(&b, *e.Message, e.At)
			idx++
		case TypeCommit:
			if note := turnNote(e); note != "" {
				fmt.Fprintf(&b, "\n*%s*\n", note)
			}
		case TypeCompaction:
			fmt.Fprintf(&b, "\n---\n\n*Compacted at %s (%s): the %d messages above were replaced for the model by this summary.*\n\n%s\n\n---\n",
				e.At.Local().Format(time.DateTime), e.Reason, e.Replaced, e.Summary)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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
	entries := t.Entries
	if entries == nil {
		entries = []Entry{}
	}
	return enc.Encode(Export{Info: InfoOf(t, path), Entries: entries})
}
