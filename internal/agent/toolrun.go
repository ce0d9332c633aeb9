package agent

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// Defaults of the limits on one reply's tool calls.
const (
	DefaultMaxCallsPerReply = 32
	DefaultMaxParallel      = 4
	DefaultMaxOutputPerTurn = 200_000
)

// runTools runs the calls of one model response (they are independent by
// construction: the model asked for them together), at most
// MaxCallsPerReply of them and MaxParallel at once, and returns their
// results in call order. The results together take at most *outputLeft
// bytes, which is decreased: what is over is cut with a note.
func (a *Agent) runTools(ctx context.Context, calls []llm.ToolCall, send func(Event), outputLeft *int) []llm.ToolResult {
	results := make([]llm.ToolResult, len(calls))
	run := calls
	if len(calls) > a.opts.MaxCallsPerReply {
		run = calls[:a.opts.MaxCallsPerReply]
		a.opts.Log.Warn("tool calls over the limit not run", "asked", len(calls), "run", len(run))
		for i, c := range calls[len(run):] {
			results[len(run)+i] = llm.ToolResult{CallID: c.ID, Name: c.Name, IsError: true, Content: fmt.Sprintf(
				"not run: at most %d tool calls are run per reply (tools.max_calls_per_reply) and this reply asked for %d; "+
					"make the calls still needed in your next reply", len(run), len(calls))}
		}
	}
	slots := make(chan struct{}, a.opts.MaxParallel)
	var wg sync.WaitGroup
	for i, c := range run {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				results[i] = llm.ToolResult{CallID: c.ID, Name: c.Name, IsError: true, Content: "not run: the turn was cancelled"}
				return
			}
			results[i] = a.runTool(ctx, c, send)
		}()
	}
	wg.Wait()
	for i := range run { // the refusals of the calls not run are short and must be seen
		results[i].Content = spend(results[i].Content, outputLeft)
	}
	return results
}

// runTool runs one call, reporting its start and end.
func (a *Agent) runTool(ctx context.Context, c llm.ToolCall, send func(Event)) llm.ToolResult {
	args := string(c.Arguments)
	send(Event{Type: EventToolStart, Tool: &ToolEvent{ID: c.ID, Name: c.Name, Arguments: args}})
	start := time.Now()
	var content string
	var isErr bool
	if err := ctx.Err(); err != nil {
		content, isErr = "not run: the turn was cancelled", true
	} else if raw, bad := c.InvalidArguments(); bad {
		content, isErr = "not run: the arguments are not valid JSON: "+preview(raw), true
	} else {
		content, isErr = a.opts.Tools.Call(ctx, c.Name, c.Arguments)
	}
	d := time.Since(start)
	a.opts.Log.Info("tool call", "tool", c.Name, "error", isErr, "elapsed", d)
	send(Event{Type: EventToolEnd, Tool: &ToolEvent{ID: c.ID, Name: c.Name, Arguments: args,
		Preview: preview(content), IsError: isErr, Duration: d}})
	return llm.ToolResult{CallID: c.ID, Name: c.Name, Content: content, IsError: isErr}
}

// spend takes content's bytes from the turn's output budget *left, and
// cuts what does not fit with a note saying why.
func spend(content string, left *int) string {
	if len(content) <= *left {
		*left -= len(content)
		return content
	}
	note := fmt.Sprintf("\n[… cut: the tool output of this turn reached tools.max_output_per_turn; %d bytes of this result are not shown. Ask for less per call, or go on in another turn …]", len(content)-max(*left, 0))
	out := clip.Bytes(content, max(*left, 0), "") + note
	*left = 0
	return out
}
