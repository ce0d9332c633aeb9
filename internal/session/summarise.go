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

// summariser writes compaction summaries with a model.
type summariser struct {
	provider llm.Provider
	model    string
	// budget is the tokens one summarisation request may use, in the
	// model's tokens; ratio is the model's tokens per estimated token.
	budget int
	ratio  float64
}

// minSummaryInput is the smallest input, in estimated tokens, a summary
// request is tried with; below it the summary is an extract (see extract).
const minSummaryInput = 16

// summarise folds msgs into previous (the summary so far, may be empty),
// in as many calls as it takes to keep each request within budget. A
// request the provider still finds too long is retried with half as
// much; when even the smallest does not fit (a window too small to
// summarise in), the summary is an extract of the messages instead.
func (s summariser) summarise(ctx context.Context, previous string, msgs []llm.Message) (string, error) {
	if s.ratio <= 0 {
		s.ratio = 1
	}
	answer := min(s.budget/4, 4000)
	system := summarySystem
	if s.scale(tokens.Estimate(system)) > s.budget/4 {
		system = shortSummarySystem
	}
	// The input, in the estimate's units.
	input := int(float64(s.budget-answer)/s.ratio) - tokens.Estimate(system) - 50
	summary := previous
	for start := 0; start < len(msgs); {
		if input < minSummaryInput {
			return extract(summary, msgs[start:], tokens.Bytes(int(float64(answer)/s.ratio))), nil
		}
		end := start
		size := tokens.Estimate(summary)
		for end < len(msgs) && (end == start || size+MessageTokens(msgs[end]) <= input) {
			size += MessageTokens(msgs[end])
			end++
		}
		out, err := s.call(ctx, system, summary, msgs[start:end], input, answer)
		if llm.IsContextOverflow(err) {
			input /= 2
			continue
		}
		if err != nil {
			return "", err
		}
		summary, start = out, end
	}
	return summary, nil
}

func (s summariser) scale(n int) int { return int(float64(n) * s.ratio) }

// call runs one summarisation request.
func (s summariser) call(ctx context.Context, system, previous string, msgs []llm.Message, input, answer int) (string, error) {
	var b strings.Builder
	if previous != "" {
		b.WriteString("The summary so far:\n\n" + previous + "\n\n---\n\nThe conversation that followed:\n\n")
	} else {
		b.WriteString("The conversation:\n\n")
	}
	renderForSummary(&b, msgs)
	text := b.String()
	// One message larger than the whole budget: keep its start and end.
	text = clip.Middle(text, tokens.Bytes(input), func(int) string { return "\n[… middle left out …]\n" })
	text += "\nWrite the updated summary now."
	resp, err := llm.Complete(ctx, s.provider, llm.Request{Model: s.model, System: system,
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

// extract stands in for a summary when the window is too small to ask
// for one: the summary so far (cut to max/2 bytes), then the first line
// of each message, the latest that fit in max bytes.
func extract(previous string, msgs []llm.Message, max int) string {
	const head = "(The model's window is too small to summarise in; these are the first lines of the earlier messages.)"
	var lines []string
	size := 0
	for i := len(msgs) - 1; i >= 0; i-- {
		text := firstLine(msgs[i].Text(), 80)
		if text == "" {
			continue
		}
		line := "- " + map[llm.Role]string{llm.RoleUser: "User", llm.RoleAssistant: "Assistant"}[msgs[i].Role] + ": " + text
		if size+len(line)+1 > max && len(lines) > 0 {
			break
		}
		size += len(line) + 1
		lines = append([]string{line}, lines...)
	}
	out := head + "\n" + strings.Join(lines, "\n")
	if previous != "" {
		out = clip.Bytes(previous, max/2, " […]") + "\n\n" + out
	}
	return out
}
