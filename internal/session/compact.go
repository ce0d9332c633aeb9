package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/tokens"
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

// summariser writes compaction summaries with a model.
type summariser struct {
	provider llm.Provider
	model    string
	// budget is the tokens one summarisation request may use.
	budget int
}

// summarise folds msgs into previous (the summary so far, may be empty),
// in as many calls as it takes to keep each request within budget.
func (s summariser) summarise(ctx context.Context, previous string, msgs []llm.Message) (string, error) {
	answer := s.budget / 4
	if answer > 4000 {
		answer = 4000
	}
	input := s.budget - answer - tokens.Estimate(summarySystem) - 200
	if input < 256 {
		input = 256
	}
	summary := previous
	for start := 0; start < len(msgs); {
		end := start
		size := tokens.Estimate(summary)
		for end < len(msgs) && (end == start || size+MessageTokens(msgs[end]) <= input) {
			size += MessageTokens(msgs[end])
			end++
		}
		out, err := s.call(ctx, summary, msgs[start:end], input, answer)
		if err != nil {
			return "", err
		}
		summary, start = out, end
	}
	return summary, nil
}

// call runs one summarisation request.
func (s summariser) call(ctx context.Context, previous string, msgs []llm.Message, input, answer int) (string, error) {
	var b strings.Builder
	if previous != "" {
		b.WriteString("The summary so far:\n\n" + previous + "\n\n---\n\nThe conversation that followed:\n\n")
	} else {
		b.WriteString("The conversation:\n\n")
	}
	renderForSummary(&b, msgs)
	text := b.String()
	if max := tokens.Bytes(input); len(text) > max {
		// One message larger than the whole budget: keep its start and end.
		text = strings.ToValidUTF8(text[:max/2]+"\n[… middle left out …]\n"+text[len(text)-max/2:], "")
	}
	text += "\nWrite the updated summary now."
	resp, err := llm.Complete(ctx, s.provider, llm.Request{Model: s.model, System: summarySystem,
		Messages: []llm.Message{llm.UserText(text)}, MaxTokens: answer})
	if err != nil {
		return "", fmt.Errorf("summarise the conversation: %w", err)
	}
	out := strings.TrimSpace(resp.Message.Text())
	if out == "" {
		return "", errors.New("summarise the conversation: the model returned an empty summary; nothing was compacted")
	}
	return out, nil
}
