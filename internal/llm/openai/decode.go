package openai

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// call is one tool call being assembled from its deltas.
type call struct {
	id, name string
	args     strings.Builder
}

// decoder turns Chat Completions chunks into neutral events. Tool calls
// are assembled by their index, so several calls in one turn, or argument
// pieces of different calls arriving interleaved, come out whole.
type decoder struct {
	p     *Provider
	ctx   context.Context
	model string
	st    *ssestream.Stream[sdk.ChatCompletionChunk]

	pending []llm.Event
	calls   map[int64]*call
	order   []int64 // call indexes in the order they appeared
	finish  string
	usage   *llm.Usage
	ended   bool
}

// Next returns the next neutral event, io.EOF after the last chunk.
func (d *decoder) Next() (llm.Event, error) {
	for len(d.pending) == 0 {
		if d.ended {
			return llm.Event{}, io.EOF
		}
		if !d.st.Next() {
			if err := d.st.Err(); err != nil {
				return llm.Event{}, d.streamErr(err)
			}
			if d.finish == "" {
				return llm.Event{}, io.EOF // cut off: the Stream reports it
			}
			d.end()
			continue
		}
		d.chunk(d.st.Current())
	}
	ev := d.pending[0]
	d.pending = d.pending[1:]
	return ev, nil
}

// Close releases the response body.
func (d *decoder) Close() error { return d.st.Close() }

func (d *decoder) emit(ev llm.Event) { d.pending = append(d.pending, ev) }

func (d *decoder) chunk(c sdk.ChatCompletionChunk) {
	if c.JSON.Usage.Valid() && c.Usage.TotalTokens+c.Usage.PromptTokens+c.Usage.CompletionTokens > 0 {
		d.usage = &llm.Usage{PromptTokens: int(c.Usage.PromptTokens), CompletionTokens: int(c.Usage.CompletionTokens), TotalTokens: int(c.Usage.TotalTokens)}
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		delta := ch.Delta
		for _, key := range []string{"reasoning_content", "reasoning"} {
			if f, ok := delta.JSON.ExtraFields[key]; ok {
				var s string
				if json.Unmarshal([]byte(f.Raw()), &s) == nil && s != "" {
					d.emit(llm.Event{Type: llm.EventReasoningDelta, Text: s})
				}
			}
		}
		if delta.Content != "" {
			d.emit(llm.Event{Type: llm.EventTextDelta, Text: delta.Content})
		}
		if delta.Refusal != "" {
			d.emit(llm.Event{Type: llm.EventTextDelta, Text: delta.Refusal})
		}
		for _, tc := range delta.ToolCalls {
			d.toolDelta(tc)
		}
		if ch.FinishReason != "" {
			d.finish = ch.FinishReason
			d.closeCalls()
		}
	}
}

func (d *decoder) toolDelta(tc sdk.ChatCompletionChunkChoiceDeltaToolCall) {
	if d.calls == nil {
		d.calls = map[int64]*call{}
	}
	c, ok := d.calls[tc.Index]
	if !ok {
		c = &call{id: tc.ID, name: tc.Function.Name}
		d.calls[tc.Index] = c
		d.order = append(d.order, tc.Index)
		d.emit(llm.Event{Type: llm.EventToolCallStart, Index: d.pos(tc.Index), ToolCall: llm.ToolCall{ID: c.id, Name: c.name}})
	} else {
		if c.id == "" {
			c.id = tc.ID
		}
		if c.name == "" {
			c.name = tc.Function.Name
		}
	}
	if a := tc.Function.Arguments; a != "" {
		c.args.WriteString(a)
		d.emit(llm.Event{Type: llm.EventToolCallDelta, Index: d.pos(tc.Index), Text: a})
	}
}

func (d *decoder) pos(index int64) int { return slices.Index(d.order, index) }

// closeCalls ends every open tool call, in the order they started.
func (d *decoder) closeCalls() {
	for i, idx := range d.order {
		c := d.calls[idx]
		args := strings.TrimSpace(c.args.String())
		if args == "" {
			args = "{}"
		}
		d.emit(llm.Event{Type: llm.EventToolCallEnd, Index: i,
			ToolCall: llm.ToolCall{ID: c.id, Name: c.name, Arguments: json.RawMessage(args)}})
	}
	d.order, d.calls = nil, nil
}

func (d *decoder) end() {
	d.ended = true
	if d.usage != nil {
		d.emit(llm.Event{Type: llm.EventUsage, Usage: *d.usage})
	}
	d.emit(llm.Event{Type: llm.EventStop, StopReason: stopReason(d.finish)})
}

func stopReason(finish string) llm.StopReason {
	switch finish {
	case "stop":
		return llm.StopEnd
	case "tool_calls", "function_call":
		return llm.StopToolUse
	case "length":
		return llm.StopLength
	}
	return llm.StopOther
}

func (d *decoder) streamErr(err error) error {
	if d.ctx.Err() != nil {
		return d.ctx.Err()
	}
	// An error event in the stream: the SDK reports it as this prefix and
	// the event's "error" object (the same in every v3 release).
	if raw, ok := strings.CutPrefix(err.Error(), "received error while streaming: "); ok {
		var body struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		}
		msg := raw
		if json.Unmarshal([]byte(raw), &body) == nil && body.Message != "" {
			msg = body.Message
		}
		status := 500
		if body.Type == "invalid_request_error" {
			status = 400
		}
		return llm.HTTPError(llm.OpenAI, d.model, status, msg, nil, "", err)
	}
	if llm.IsNetwork(err) {
		return llm.NetworkError(llm.OpenAI, d.model, d.p.opts.BaseURL, err)
	}
	return llm.StreamError(llm.OpenAI, d.model, err)
}
