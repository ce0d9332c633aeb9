// Package agent owns the turn loop: it assembles the system prompt, streams
// the model, runs the tool calls it asks for, feeds the results back and
// repeats until the model answers or the iteration limit is reached. It
// reports everything as one typed event stream that the CLI, the HTTP
// server and the heartbeat consume alike.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Tools is what the agent needs of the tool registry.
type Tools interface {
	// Specs lists the tools offered to the model, in a stable order. It
	// may block (starting MCP servers the first time) within ctx.
	Specs(ctx context.Context) []llm.Tool
	// Call runs one tool call. Every failure (unknown tool, bad arguments,
	// refused approval, a failing command) is a result the model sees,
	// with isError set; Call never panics on model input.
	Call(ctx context.Context, name string, args json.RawMessage) (content string, isError bool)
}

// Memory is what the agent needs of the memory store.
type Memory interface {
	// Context returns MEMORY.md and recent daily logs within budget tokens,
	// truncated with a visible marker.
	Context(now time.Time, budgetTokens int) (string, error)
}

// Skills lists the skills in the system prompt.
type Skills interface {
	// Index is the list of skill names and descriptions for the prompt,
	// within its budget; "" when there are none.
	Index() string
}

// Options configure an Agent.
type Options struct {
	Provider llm.Provider
	// Model is the provider's model name (already resolved, no prefix).
	Model string
	// Tools offered to the model; nil offers none.
	Tools Tools
	// Memory supplies the memory context; nil leaves it out.
	Memory Memory
	// Skills are listed in the prompt when there are tools to read them
	// with; nil lists none.
	Skills Skills
	// Workspace is the folder of SOUL.md and USER.md, named in the prompt.
	Workspace string
	// ContextWindow and ReserveTokens size the memory context budget.
	ContextWindow, ReserveTokens int
	// TokenRatio, when set, returns how many of the model's tokens one
	// estimated token is (its calibration, see tokens.Calibration).
	TokenRatio func() float64
	// MaxIterations bounds model calls in one turn (agent.max_tool_iterations).
	MaxIterations int
	// MaxCallsPerReply bounds the tool calls run for one model reply
	// (tools.max_calls_per_reply; default 32); the rest are answered with
	// an error the model reads.
	MaxCallsPerReply int
	// MaxParallel bounds the tool calls running at once
	// (tools.max_parallel; default 4).
	MaxParallel int
	// MaxOutputPerTurn bounds the bytes of tool output the model gets in
	// one turn, all calls together (tools.max_output_per_turn; default
	// 200,000): a reply of many calls cannot grow the next request without
	// bound.
	MaxOutputPerTurn int
	// MaxTokens bounds each answer; 0 lets the provider choose.
	MaxTokens int
	// ClientRetries says the caller (an HTTP client of the server) retries
	// a failed turn itself: the first model call of a turn is then not
	// retried here, so retries do not stack. Later calls are, since the
	// caller cannot retry them without running the turn's tools again.
	ClientRetries bool
	// Now and Location give the date and time of the prompt (defaults:
	// time.Now and local time).
	Now      func() time.Time
	Location *time.Location
	Log      *slog.Logger
}

// Agent runs turns. It keeps no conversation state: callers pass the
// history and keep the messages a turn returns, so one Agent serves any
// number of sessions.
type Agent struct {
	opts Options
}

// New returns an Agent; zero options get sensible defaults.
func New(opts Options) *Agent {
	if opts.MaxIterations <= 0 {
		opts.MaxIterations = 25
	}
	if opts.MaxCallsPerReply <= 0 {
		opts.MaxCallsPerReply = DefaultMaxCallsPerReply
	}
	if opts.MaxParallel <= 0 {
		opts.MaxParallel = DefaultMaxParallel
	}
	if opts.MaxOutputPerTurn <= 0 {
		opts.MaxOutputPerTurn = DefaultMaxOutputPerTurn
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Agent{opts: opts}
}

// Model returns the model name the agent calls.
func (a *Agent) Model() string { return a.opts.Model }

// ToolUse records one tool call of a turn.
type ToolUse struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Turn is what one user message produced.
type Turn struct {
	// Messages are the new messages of the turn: the user message, each
	// assistant message and each tool-result message, in order. Append
	// them to the history for the next turn.
	Messages []llm.Message
	// Text is the final answer.
	Text string
	// Model is the model that answered, as the provider names it.
	Model string
	// Usage sums every model call of the turn.
	Usage llm.Usage
	// ContextTokens is the prompt size of the last model call: how much of
	// the context window the conversation now fills.
	ContextTokens int
	ToolsUsed     []ToolUse
	Iterations    int
	StopReason    llm.StopReason
	// ClientCalls are the calls of Params.ClientTools the model made: the
	// turn ended there (StopReason tool_use) for the caller to run them and
	// send their results in the next turn's history.
	ClientCalls []llm.ToolCall
	// Partial is the answer text the interrupted model call had streamed
	// when the turn was cancelled or failed. It is not in Messages (the
	// call never completed), but the user saw it: sessions keep it.
	Partial string
}

// Params are a turn's settings chosen by the caller (a client of the
// OpenAI-compatible API); the zero Params uses the agent's own.
type Params struct {
	// Temperature, TopP, Stop, Seed and ResponseFormat are passed to every
	// model call of the turn (see llm.Request).
	Temperature, TopP *float64
	Stop              []string
	Seed              *int64
	ResponseFormat    *llm.ResponseFormat
	// MaxTokens bounds each answer instead of Options.MaxTokens when > 0.
	MaxTokens int
	// ToolChoice applies to the turn's first model call only (see
	// llm.Request), so that a forced tool is not forced again once it ran.
	ToolChoice string
	// ClientTools are offered next to the agent's own tools (their names
	// must differ). A model reply that calls one ends the turn with the
	// calls in Turn.ClientCalls; the agent's own calls of that reply are not
	// run (the model may ask for them again).
	ClientTools []llm.Tool
}

// ErrIterationLimit is returned (wrapped) when the model still wanted tools
// after agent.max_tool_iterations calls; the Turn holds what was done.
var ErrIterationLimit = errors.New("tool iteration limit reached")

// Run answers input given the conversation so far. emit receives every
// event; it is never called concurrently. Cancelling ctx stops the model
// stream and kills running tools; Run then returns ctx's error with the
// messages completed so far.
func (a *Agent) Run(ctx context.Context, history []llm.Message, input string, emit func(Event)) (*Turn, error) {
	return a.RunMessage(ctx, history, llm.UserText(input), emit)
}

// RunMessage is Run with a prepared user message.
func (a *Agent) RunMessage(ctx context.Context, history []llm.Message, user llm.Message, emit func(Event)) (*Turn, error) {
	return a.RunWith(ctx, history, user, Params{}, emit)
}

// RunWith is RunMessage with the caller's Params.
func (a *Agent) RunWith(ctx context.Context, history []llm.Message, user llm.Message, p Params, emit func(Event)) (*Turn, error) {
	var mu sync.Mutex
	send := func(e Event) {
		if emit != nil {
			mu.Lock()
			emit(e)
			mu.Unlock()
		}
	}
	turn := &Turn{Messages: []llm.Message{user}, Model: a.opts.Model}
	system := a.SystemPrompt()
	var specs []llm.Tool
	if a.opts.Tools != nil {
		specs = a.opts.Tools.Specs(ctx)
	}
	client := map[string]bool{}
	for _, t := range p.ClientTools {
		client[t.Name] = true
	}
	if len(p.ClientTools) > 0 {
		specs = append(append([]llm.Tool(nil), specs...), p.ClientTools...)
	}
	maxTokens := a.opts.MaxTokens
	if p.MaxTokens > 0 {
		maxTokens = p.MaxTokens
	}
	msgs := append(append(make([]llm.Message, 0, len(history)+8), history...), user)
	outputLeft := a.opts.MaxOutputPerTurn
	for {
		if turn.Iterations >= a.opts.MaxIterations {
			err := fmt.Errorf("%w: the model still asked for tools after %d model calls; raise agent.max_tool_iterations or ask for a smaller step", ErrIterationLimit, turn.Iterations)
			send(Event{Type: EventError, Err: err})
			return turn, err
		}
		req := llm.Request{
			Model: a.opts.Model, System: system, Messages: msgs, Tools: specs, MaxTokens: maxTokens,
			Temperature: p.Temperature, TopP: p.TopP, Stop: p.Stop, Seed: p.Seed, ResponseFormat: p.ResponseFormat,
		}
		if turn.Iterations == 0 {
			req.ToolChoice = p.ToolChoice
			req.NoRetry = a.opts.ClientRetries
		}
		turn.Iterations++
		resp, partial, err := a.call(ctx, req, send)
		if err != nil {
			turn.Partial = partial
			send(Event{Type: EventError, Err: err})
			return turn, err
		}
		turn.Usage = turn.Usage.Add(resp.Usage)
		turn.ContextTokens = resp.Usage.PromptTokens
		turn.StopReason = resp.StopReason
		if resp.Model != "" {
			turn.Model = resp.Model
		}
		msgs = append(msgs, resp.Message)
		turn.Messages = append(turn.Messages, resp.Message)
		calls := resp.Message.ToolCalls()
		if len(calls) == 0 || specs == nil {
			turn.Text = resp.Message.Text()
			return turn, nil
		}
		for _, c := range calls {
			if client[c.Name] {
				turn.ClientCalls = append(turn.ClientCalls, c)
			}
		}
		if len(turn.ClientCalls) > 0 {
			turn.Text = resp.Message.Text()
			turn.StopReason = llm.StopToolUse
			return turn, nil
		}
		var results []llm.ToolResult
		if resp.StopReason == llm.StopLength {
			// The answer was cut off: the calls may be incomplete, so none runs.
			results = notRun(calls, "not run: your answer was cut off at the token limit, so this call may be incomplete; make smaller calls (for example, write a long file in several edits)")
		} else {
			results = a.runTools(ctx, calls, send, &outputLeft)
		}
		for _, c := range calls {
			turn.ToolsUsed = append(turn.ToolsUsed, ToolUse{Name: c.Name, Arguments: c.Arguments})
		}
		toolMsg := llm.ToolResults(results...)
		msgs = append(msgs, toolMsg)
		turn.Messages = append(turn.Messages, toolMsg)
		if err := ctx.Err(); err != nil {
			send(Event{Type: EventError, Err: err})
			return turn, err
		}
	}
}

// call streams one model call, forwarding text and reasoning as they
// come. On failure it also returns the answer text streamed so far.
func (a *Agent) call(ctx context.Context, req llm.Request, send func(Event)) (*llm.Response, string, error) {
	start := time.Now()
	stream, err := a.opts.Provider.Stream(ctx, req)
	if err != nil {
		return nil, "", err
	}
	defer stream.Close()
	var partial strings.Builder
	for stream.Next() {
		ev := stream.Event()
		switch ev.Type {
		case llm.EventTextDelta:
			partial.WriteString(ev.Text)
			send(Event{Type: EventText, Text: ev.Text})
		case llm.EventReasoningDelta:
			if ev.Text != "" {
				send(Event{Type: EventReasoning, Text: ev.Text})
			}
		case llm.EventUsage:
			send(Event{Type: EventUsage, Usage: ev.Usage})
		}
	}
	if err := stream.Err(); err != nil {
		return nil, partial.String(), err
	}
	resp := stream.Response()
	a.opts.Log.Debug("model call", "model", req.Model, "messages", len(req.Messages),
		"prompt_tokens", resp.Usage.PromptTokens, "completion_tokens", resp.Usage.CompletionTokens,
		"stop", resp.StopReason, "elapsed", time.Since(start))
	return resp, "", nil
}

// notRun answers every call with the same error, without running any.
func notRun(calls []llm.ToolCall, why string) []llm.ToolResult {
	out := make([]llm.ToolResult, len(calls))
	for i, c := range calls {
		out[i] = llm.ToolResult{CallID: c.ID, Name: c.Name, Content: why, IsError: true}
	}
	return out
}
