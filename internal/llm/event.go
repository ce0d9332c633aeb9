package llm

// EventType says what an Event reports.
type EventType string

// Kinds of stream event. Errors are not events: they end the stream and
// come from Stream.Err (or the error half of Stream.Events).
const (
	// EventTextDelta carries a piece of the answer in Text.
	EventTextDelta EventType = "text_delta"
	// EventReasoningDelta carries a piece of the model's reasoning in Text
	// (and, from Anthropic, a Signature), kept apart from the answer.
	EventReasoningDelta EventType = "reasoning_delta"
	// EventToolCallStart opens tool call Index with its ID and Name.
	EventToolCallStart EventType = "tool_call_start"
	// EventToolCallDelta carries a piece of the arguments JSON in Text.
	EventToolCallDelta EventType = "tool_call_delta"
	// EventToolCallEnd closes tool call Index; ToolCall holds the whole
	// call with its complete arguments.
	EventToolCallEnd EventType = "tool_call_end"
	// EventUsage reports token counts in Usage.
	EventUsage EventType = "usage"
	// EventStop reports StopReason; it is the last event of a stream.
	EventStop EventType = "stop"
)

// Event is one step of a streamed response.
type Event struct {
	Type      EventType
	Text      string
	Signature string
	// Index numbers the tool calls of one response from 0.
	Index      int
	ToolCall   ToolCall
	Usage      Usage
	StopReason StopReason
}
