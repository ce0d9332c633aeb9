package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// ErrNothingToCompact is returned when the history holds no complete turn
// that could be summarised.
var ErrNothingToCompact = errors.New("nothing to compact yet: the conversation has no earlier turns")

// PlanCut chooses where to cut msgs (the messages sent verbatim): the
// messages before the cut are summarised, the ones from it on are kept.
// The cut falls only on a turn boundary (a user message, or the end), so a
// tool call is never separated from its result. It is the earliest
// boundary whose tail fits keepTokens; when even the last turn does not
// fit, everything is summarised. ok is false when msgs is empty.
func PlanCut(msgs []llm.Message, keepTokens int) (cut int, ok bool) {
	if len(msgs) == 0 {
		return 0, false
	}
	cut = len(msgs)
	tail := 0
	for i := len(msgs) - 1; i > 0; i-- {
		tail += MessageTokens(msgs[i])
		if tail > keepTokens {
			break
		}
		if msgs[i].Role == llm.RoleUser {
			cut = i
		}
	}
	return cut, true
}

// summarySystem instructs the model that writes a compaction summary.
const summarySystem = `You compact a conversation between a user and their personal assistant, LocalGPT,
so that it can go on within the model's context window. Write a summary the assistant will read instead
of the messages it replaces. Keep everything that matters later: the user's goals and requests, decisions
and their reasons, facts learned about the user and their work (names, numbers, dates, paths, preferences),
what tools did and found, commitments and open tasks, and unresolved questions. Drop greetings, chit-chat
and text that was superseded. Write in the conversation's language, as terse bullet points under the
headings "Context", "Key facts", "Decisions", "Open tasks". Do not address the user; output only the summary.`

// shortSummarySystem replaces summarySystem in a window too small for it.
const shortSummarySystem = `Summarise this conversation for the assistant to continue from: terse bullet points
of facts, decisions and open tasks. Output only the summary.`

// maxResultBytes bounds one tool result in the text given to the summariser.
const maxResultBytes = 2000

// renderForSummary writes messages as a plain transcript for the summariser.
func renderForSummary(b *strings.Builder, msgs []llm.Message) {
	for _, m := range msgs {
		for _, p := range m.Parts {
			switch {
			case p.Type == llm.PartText && strings.TrimSpace(p.Text) != "":
				role := "User"
				if m.Role == llm.RoleAssistant {
					role = "Assistant"
				}
				b.WriteString(role + ": " + strings.TrimSpace(p.Text) + "\n\n")
			case p.Type == llm.PartToolCall && p.ToolCall != nil:
				fmt.Fprintf(b, "Assistant called tool %s %s\n\n", p.ToolCall.Name, clip.Bytes(strings.TrimSpace(string(p.ToolCall.Arguments)), maxResultBytes, " […]"))
			case p.Type == llm.PartToolResult && p.ToolResult != nil:
				status := "result"
				if p.ToolResult.IsError {
					status = "error"
				}
				fmt.Fprintf(b, "Tool %s %s: %s\n\n", p.ToolResult.Name, status, clip.Bytes(strings.TrimSpace(p.ToolResult.Content), maxResultBytes, " […]"))
			}
		}
	}
}
