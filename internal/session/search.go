package session

import (
	"context"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// Hit is one message, or the title, of a session matching a search.
type Hit struct {
	ID string `json:"id"`
	// Title is the session's title.
	Title string `json:"title"`
	// Message is the index of the message in its session, from 0, or -1
	// for a match in a title the user gave the session.
	Message int      `json:"message"`
	Role    llm.Role `json:"role,omitempty"`
	// Line is the matching line, shortened around the match.
	Line string `json:"line"`
}

// Search finds the sessions whose title (one the user gave; the default
// title is the first message, searched anyway) and the messages whose
// text, tool calls or tool results contain query (case-insensitive),
// across every session, newest sessions first, at most limit hits (0: no
// limit).
func (s *Store) Search(ctx context.Context, query string, limit int) ([]Hit, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil, nil
	}
	infos, err := s.List()
	if err != nil {
		return nil, err
	}
	var hits []Hit
	for _, in := range infos {
		if err := ctx.Err(); err != nil {
			return hits, err
		}
		if in.Error != "" {
			continue
		}
		t, err := s.load(in.ID)
		if err != nil {
			continue
		}
		if strings.Contains(strings.ToLower(t.title), q) {
			hits = append(hits, Hit{ID: in.ID, Title: in.Title, Message: -1, Line: t.title})
			if limit > 0 && len(hits) >= limit {
				return hits, nil
			}
		}
		for i, m := range t.messages {
			if line, ok := matchLine(m, q); ok {
				hits = append(hits, Hit{ID: in.ID, Title: in.Title, Message: i, Role: m.Role, Line: line})
				if limit > 0 && len(hits) >= limit {
					return hits, nil
				}
			}
		}
	}
	return hits, nil
}

// matchLine returns the first line of m that contains q (lower case).
func matchLine(m llm.Message, q string) (string, bool) {
	for _, p := range m.Parts {
		var text string
		switch {
		case p.Type == llm.PartText:
			text = p.Text
		case p.ToolCall != nil:
			text = p.ToolCall.Name + " " + string(p.ToolCall.Arguments)
		case p.ToolResult != nil:
			text = p.ToolResult.Content
		}
		if !strings.Contains(strings.ToLower(text), q) {
			continue
		}
		for _, l := range strings.Split(text, "\n") {
			if i := strings.Index(strings.ToLower(l), q); i >= 0 {
				return around(l, min(i, len(l)), len(q)), true
			}
		}
	}
	return "", false
}

// around shortens line to about 160 bytes centred on the match at i.
func around(line string, i, n int) string {
	const width = 160
	line = strings.TrimRight(line, "\r")
	if len(line) <= width || i < 0 {
		return strings.TrimSpace(clip.Bytes(strings.TrimSpace(line), width, " […]"))
	}
	from := max(0, i-(width-n)/2)
	to := min(len(line), from+width)
	for from > 0 && line[from]&0xC0 == 0x80 {
		from--
	}
	for to < len(line) && line[to]&0xC0 == 0x80 {
		to++
	}
	out := strings.TrimSpace(line[from:to])
	if from > 0 {
		out = "…" + out
	}
	if to < len(line) {
		out += "…"
	}
	return out
}
