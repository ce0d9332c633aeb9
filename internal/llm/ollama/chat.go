package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"

	"github.com/ollama/ollama/api"

	"github.com/localgpt-go/localgpt/internal/llm"
)

var errStopped = errors.New("stream closed by the caller")

// Stream starts a streamed /api/chat call. It first learns the model's
// context length (/api/show, cached) and sends it as num_ctx, with
// truncate off, so that a prompt longer than the window is an error
// rather than silently cut.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (*llm.Stream, error) {
	chat, err := p.buildRequest(req)
	if err != nil {
		return nil, &llm.Error{Kind: llm.KindBadRequest, Provider: llm.Ollama, Model: req.Model, Message: err.Error(), Err: err}
	}
	offered := map[string]bool{}
	for _, t := range req.Tools {
		offered[t.Name] = true
	}
	return llm.NewStream(ctx, llm.Ollama, req.Model, p.opts.Retry.For(req), func(ctx context.Context) (llm.Decoder, error) {
		numCtx, err := p.ContextWindow(ctx, req.Model)
		if err != nil {
			return nil, err
		}
		if numCtx > 0 {
			chat.Options["num_ctx"] = numCtx
		}
		var header http.Header
		hctx := context.WithValue(ctx, headersKey{}, &header)
		seq := func(yield func(api.ChatResponse, error) bool) {
			err := p.client.Chat(hctx, chat, func(r api.ChatResponse) error {
				if !yield(r, nil) {
					return errStopped
				}
				return nil
			})
			if err != nil && !errors.Is(err, errStopped) {
				yield(api.ChatResponse{}, err)
			}
		}
		next, stop := iter.Pull2(seq)
		d := &decoder{p: p, ctx: ctx, model: req.Model, next: next, stop: stop}
		if len(offered) > 0 {
			d.filter = &textCallFilter{offered: func(n string) bool { return offered[n] }}
		}
		// Read the first line now, so that an HTTP error is the open's error.
		first, err, ok := next()
		if err != nil {
			stop()
			return nil, p.wrap(ctx, req.Model, err, header)
		}
		if ok {
			d.chunk(first)
		} else {
			d.exhausted = true
		}
		return d, nil
	})
}

func (p *Provider) buildRequest(req llm.Request) (*api.ChatRequest, error) {
	stream, truncate := true, false
	chat := &api.ChatRequest{Model: req.Model, Stream: &stream, Truncate: &truncate,
		KeepAlive: p.keepAlive, Options: map[string]any{}}
	if req.MaxTokens > 0 {
		chat.Options["num_predict"] = req.MaxTokens
	}
	if req.Temperature != nil {
		chat.Options["temperature"] = *req.Temperature
	}
	if req.TopP != nil {
		chat.Options["top_p"] = *req.TopP
	}
	if len(req.Stop) > 0 {
		chat.Options["stop"] = req.Stop
	}
	if req.Seed != nil {
		chat.Options["seed"] = *req.Seed
	}
	if f := req.ResponseFormat; f != nil {
		switch {
		case f.Type == llm.FormatJSONObject:
			chat.Format = json.RawMessage(`"json"`)
		case f.Type == llm.FormatJSONSchema && len(f.Schema) > 0:
			chat.Format = f.Schema
		default:
			return nil, fmt.Errorf("response_format %q: Ollama takes json_object or json_schema with a schema", f.Type)
		}
	}
	if req.System != "" {
		chat.Messages = append(chat.Messages, api.Message{Role: "system", Content: req.System})
	}
	for _, m := range llm.PairToolCalls(req.Messages) { // every call answered
		switch m.Role {
		case llm.RoleUser:
			chat.Messages = append(chat.Messages, api.Message{Role: "user", Content: m.Text()})
		case llm.RoleAssistant:
			am := api.Message{Role: "assistant", Content: m.Text(), Thinking: m.Reasoning()}
			for i, c := range m.ToolCalls() {
				var args api.ToolCallFunctionArguments
				raw := c.Arguments
				if len(raw) == 0 {
					raw = []byte("{}")
				}
				if err := json.Unmarshal(raw, &args); err != nil {
					return nil, fmt.Errorf("tool call %s: arguments are not a JSON object: %w", c.ID, err)
				}
				am.ToolCalls = append(am.ToolCalls, api.ToolCall{ID: c.ID,
					Function: api.ToolCallFunction{Index: i, Name: c.Name, Arguments: args}})
			}
			chat.Messages = append(chat.Messages, am)
		case llm.RoleTool:
			for _, part := range m.Parts {
				if r := part.ToolResult; part.Type == llm.PartToolResult && r != nil {
					chat.Messages = append(chat.Messages, api.Message{Role: "tool", Content: r.Content,
						ToolName: r.Name, ToolCallID: r.CallID})
				}
			}
		default:
			return nil, fmt.Errorf("message role %q is not one of user, assistant, tool", m.Role)
		}
	}
	for _, t := range req.Tools {
		params := api.ToolFunctionParameters{Type: "object", Properties: api.NewToolPropertiesMap()}
		if len(t.Parameters) > 0 {
			if err := json.Unmarshal(t.Parameters, &params); err != nil {
				return nil, fmt.Errorf("tool %s: parameters are not a JSON Schema object: %w", t.Name, err)
			}
			if params.Properties == nil {
				params.Properties = api.NewToolPropertiesMap()
			}
		}
		chat.Tools = append(chat.Tools, api.Tool{Type: "function",
			Function: api.ToolFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	return chat, nil
}

// decoder turns /api/chat lines into neutral events.
type decoder struct {
	p         *Provider
	ctx       context.Context
	model     string
	next      func() (api.ChatResponse, error, bool)
	stop      func()
	filter    *textCallFilter
	pending   []llm.Event
	calls     int
	ended     bool
	exhausted bool
}

// Next returns the next neutral event, io.EOF after the done line.
func (d *decoder) Next() (llm.Event, error) {
	for len(d.pending) == 0 {
		if d.ended || d.exhausted {
			return llm.Event{}, io.EOF
		}
		r, err, ok := d.next()
		if err != nil {
			return llm.Event{}, d.p.wrap(d.ctx, d.model, err, nil)
		}
		if !ok {
			d.exhausted = true // no "done" line: the Stream reports the cut
			continue
		}
		d.chunk(r)
	}
	ev := d.pending[0]
	d.pending = d.pending[1:]
	return ev, nil
}

// Close stops the client's read loop and releases the response body.
func (d *decoder) Close() error {
	d.stop()
	return nil
}

func (d *decoder) emit(ev llm.Event) { d.pending = append(d.pending, ev) }

func (d *decoder) chunk(r api.ChatResponse) {
	if r.Message.Thinking != "" {
		d.emit(llm.Event{Type: llm.EventReasoningDelta, Text: r.Message.Thinking})
	}
	if c := r.Message.Content; c != "" {
		if d.filter != nil {
			c = d.filter.Write(c)
		}
		if c != "" {
			d.emit(llm.Event{Type: llm.EventTextDelta, Text: c})
		}
	}
	for _, tc := range r.Message.ToolCalls {
		args, err := json.Marshal(tc.Function.Arguments)
		if err != nil {
			args = []byte("{}")
		}
		d.toolCall(tc.ID, tc.Function.Name, args)
	}
	if !r.Done {
		return
	}
	if d.filter != nil {
		rest, calls := d.filter.Flush()
		if rest != "" {
			d.emit(llm.Event{Type: llm.EventTextDelta, Text: rest})
		}
		for _, c := range calls {
			d.toolCall("", c.Name, c.Arguments)
		}
	}
	d.ended = true
	u := llm.Usage{PromptTokens: r.PromptEvalCount, CompletionTokens: r.EvalCount}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	d.emit(llm.Event{Type: llm.EventUsage, Usage: u})
	stop := llm.StopEnd
	switch {
	case d.calls > 0:
		stop = llm.StopToolUse
	case r.DoneReason == "length":
		stop = llm.StopLength
	case r.DoneReason != "" && r.DoneReason != "stop":
		stop = llm.StopOther
	}
	d.emit(llm.Event{Type: llm.EventStop, StopReason: stop})
}

// toolCall emits a whole call: Ollama sends calls complete, not in pieces.
func (d *decoder) toolCall(id, name string, args []byte) {
	if id == "" {
		id = fmt.Sprintf("call_%d", d.calls)
	}
	i := d.calls
	d.calls++
	d.emit(llm.Event{Type: llm.EventToolCallStart, Index: i, ToolCall: llm.ToolCall{ID: id, Name: name}})
	d.emit(llm.Event{Type: llm.EventToolCallDelta, Index: i, Text: string(args)})
	d.emit(llm.Event{Type: llm.EventToolCallEnd, Index: i, ToolCall: llm.ToolCall{ID: id, Name: name, Arguments: json.RawMessage(args)}})
}
