package agent

import (
	"time"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// EventType says what an Event reports.
type EventType string

// The events of a turn, in the order a front end sees them. Every front
// end (CLI, HTTP server, heartbeat) consumes this one stream.
const (
	// EventText is a piece of the answer (Text).
	EventText EventType = "text"
	// EventReasoning is a piece of the model's reasoning (Text), never
	// part of the answer.
	EventReasoning EventType = "reasoning"
	// EventToolStart says a tool call begins (Tool: ID, Name, Arguments).
	EventToolStart EventType = "tool_start"
	// EventToolEnd says a tool call ended (Tool: also Preview, IsError, Duration).
	EventToolEnd EventType = "tool_end"
	// EventUsage reports the tokens of one model call (Usage).
	EventUsage EventType = "usage"
	// EventError reports a problem that ends the turn (Err).
	EventError EventType = "error"
)

// Event is one step of a turn.
type Event struct {
	Type  EventType
	Text  string
	Tool  *ToolEvent
	Usage llm.Usage
	Err   error
}

// ToolEvent describes one tool call for display.
type ToolEvent struct {
	ID        string
	Name      string
	Arguments string // the JSON arguments as the model sent them
	// Preview is the start of the result, for a compact display.
	Preview  string
	IsError  bool
	Duration time.Duration
}

// PreviewChars is how much of a tool result an EventToolEnd carries.
const PreviewChars = 200

func preview(s string) string { return clip.Bytes(s, PreviewChars, "…") }
