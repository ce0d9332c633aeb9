package session

import (
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// Per-item overheads the estimate adds for the framing each protocol puts
// around a message or a tool definition (role markers, JSON keys).
const (
	messageOverhead = 4
	toolOverhead    = 8
)

// MessageTokens estimates the tokens of one message as sent to a model.
func MessageTokens(m llm.Message) int {
	n := messageOverhead
	for _, p := range m.Parts {
		switch p.Type {
		case llm.PartText, llm.PartReasoning:
			n += tokens.Estimate(p.Text)
		case llm.PartToolCall:
			if p.ToolCall != nil {
				n += tokens.Estimate(p.ToolCall.Name) + tokens.ForBytes(len(p.ToolCall.Arguments)) + messageOverhead
			}
		case llm.PartToolResult:
			if p.ToolResult != nil {
				n += tokens.Estimate(p.ToolResult.Content) + messageOverhead
			}
		}
	}
	return n
}

// MessagesTokens estimates the tokens of a list of messages.
func MessagesTokens(ms []llm.Message) int {
	n := 0
	for _, m := range ms {
		n += MessageTokens(m)
	}
	return n
}

// ToolsTokens estimates the tokens of the tool definitions of a request.
func ToolsTokens(specs []llm.Tool) int {
	n := 0
	for _, s := range specs {
		n += toolOverhead + tokens.Estimate(s.Name) + tokens.Estimate(s.Description) + tokens.ForBytes(len(s.Parameters))
	}
	return n
}

// memoryHeading starts the memory context in the agent's system prompt.
const memoryHeading = "\n\n## Memory\n"

// SplitSystem separates the memory context from the rest of a system
// prompt, to report their tokens apart.
func SplitSystem(system string) (rest, memory string) {
	if i := strings.LastIndex(system, memoryHeading); i >= 0 {
		return system[:i], system[i:]
	}
	return system, ""
}

// Breakdown is how the next request fills the context window, in the
// model's tokens.
type Breakdown struct {
	// System is the system prompt without the memory context; Memory is
	// the memory context; History the messages sent before the next user
	// message (summary included); Tools the tool definitions.
	System, Memory, History, Tools int
	// Estimated is the sum of the parts above.
	Estimated int
	// Reported is the prompt size the provider reported for the last call
	// since the latest compaction; 0 when it has not reported one.
	Reported int
	// Window is the model's context window; Reserve is kept for the
	// answer; Usable is Window - Reserve, the point where compaction runs.
	Window, Reserve, Usable int
	// Ratio is the calibration the parts above were multiplied by: the
	// model's tokens per estimated token (1 until the provider reported).
	Ratio float64
	// Messages is the number of messages in the history, Compactions the
	// number of compactions so far.
	Messages, Compactions int
}

// firstLine returns the first non-empty line of s, shortened to n runes.
func firstLine(s string, n int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return clip.Runes(l, n, "…")
		}
	}
	return ""
}

// summaryAck is the assistant's side of the summary pair. The pair is
// kept short: in a small window every byte of it is paid for every turn.
const summaryAck = "Understood; I will continue from it."

// summaryMessages renders a compaction as the user/assistant pair that
// opens the history: a valid start for every provider's alternation rules.
func summaryMessages(c Entry) []llm.Message {
	head := "[Summary of our earlier conversation, which it replaces (" + c.At.Local().Format("2006-01-02 15:04") + ")]\n\n"
	return []llm.Message{llm.UserText(head + c.Summary), llm.AssistantText(summaryAck)}
}
