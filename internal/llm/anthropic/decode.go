package anthropic

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// streamEvent is one event of a Messages stream: the fields of every
// event type LocalGPT reads, under the API's names (the SDK's decoder
// skips pings and turns error events into errors).
type streamEvent struct {
	Type    string `json:"type"`
	Index   int64  `json:"index"`
	Message struct {
		Usage usage `json:"usage"`
	} `json:"message"` // message_start
	ContentBlock struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Name     string `json:"name"`
		Text     string `json:"text"`
		Thinking string `json:"thinking"`
	} `json:"content_block"` // content_block_start
	Delta struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
		PartialJSON string `json:"partial_json"`
		StopReason  string `json:"stop_reason"` // message_delta
	} `json:"delta"` // content_block_delta, message_delta
	Usage usage `json:"usage"` // message_delta
}

type usage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

// decoder turns Messages stream events into neutral events, assembling
// each tool_use block's input from its input_json_delta pieces.
type decoder struct {
	p     *Provider
	ctx   context.Context
	model string
	st    *ssestream.Stream[streamEvent]

	pending []llm.Event
	// blocks maps a content block index to its tool call, for tool_use blocks.
	blocks map[int64]*toolBlock
	calls  int
	usage  llm.Usage
	stop   llm.StopReason
	ended  bool
}

type toolBlock struct {
	index    int
	id, name string
	args     strings.Builder
}

// Next returns the next neutral event, io.EOF after message_stop.
func (d *decoder) Next() (llm.Event, error) {
	for len(d.pending) == 0 {
		if d.ended {
			return llm.Event{}, io.EOF
		}
		if !d.st.Next() {
			if err := d.st.Err(); err != nil {
				return llm.Event{}, d.p.wrap(d.ctx, d.model, err)
			}
			return llm.Event{}, io.EOF // no message_stop: the Stream reports the cut
		}
		d.event(d.st.Current())
	}
	ev := d.pending[0]
	d.pending = d.pending[1:]
	return ev, nil
}

// Close releases the response body.
func (d *decoder) Close() error { return d.st.Close() }

func (d *decoder) emit(ev llm.Event) { d.pending = append(d.pending, ev) }

func (d *decoder) event(ev streamEvent) {
	switch ev.Type {
	case "message_start":
		u := ev.Message.Usage
		d.usage.PromptTokens = int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens)
		d.usage.CompletionTokens = int(u.OutputTokens)
	case "content_block_start":
		cb := ev.ContentBlock
		switch cb.Type {
		case "tool_use", "server_tool_use":
			if d.blocks == nil {
				d.blocks = map[int64]*toolBlock{}
			}
			b := &toolBlock{index: d.calls, id: cb.ID, name: cb.Name}
			d.calls++
			d.blocks[ev.Index] = b
			d.emit(llm.Event{Type: llm.EventToolCallStart, Index: b.index, ToolCall: llm.ToolCall{ID: b.id, Name: b.name}})
		case "text":
			if cb.Text != "" {
				d.emit(llm.Event{Type: llm.EventTextDelta, Text: cb.Text})
			}
		case "thinking":
			if cb.Thinking != "" {
				d.emit(llm.Event{Type: llm.EventReasoningDelta, Text: cb.Thinking})
			}
		}
	case "content_block_delta":
		delta := ev.Delta
		switch delta.Type {
		case "text_delta":
			d.emit(llm.Event{Type: llm.EventTextDelta, Text: delta.Text})
		case "thinking_delta":
			d.emit(llm.Event{Type: llm.EventReasoningDelta, Text: delta.Thinking})
		case "signature_delta":
			d.emit(llm.Event{Type: llm.EventReasoningDelta, Signature: delta.Signature})
		case "input_json_delta":
			if b := d.blocks[ev.Index]; b != nil && delta.PartialJSON != "" {
				b.args.WriteString(delta.PartialJSON)
				d.emit(llm.Event{Type: llm.EventToolCallDelta, Index: b.index, Text: delta.PartialJSON})
			}
		}
	case "content_block_stop":
		if b := d.blocks[ev.Index]; b != nil {
			args := strings.TrimSpace(b.args.String())
			if args == "" {
				args = "{}"
			}
			d.emit(llm.Event{Type: llm.EventToolCallEnd, Index: b.index,
				ToolCall: llm.ToolCall{ID: b.id, Name: b.name, Arguments: json.RawMessage(args)}})
			delete(d.blocks, ev.Index)
		}
	case "message_delta":
		d.stop = stopReason(ev.Delta.StopReason)
		if ev.Usage.OutputTokens > 0 {
			d.usage.CompletionTokens = int(ev.Usage.OutputTokens)
		}
		if in := ev.Usage.InputTokens + ev.Usage.CacheCreationInputTokens + ev.Usage.CacheReadInputTokens; in > 0 {
			d.usage.PromptTokens = int(in)
		}
	case "message_stop":
		d.ended = true
		d.usage.TotalTokens = d.usage.PromptTokens + d.usage.CompletionTokens
		d.emit(llm.Event{Type: llm.EventUsage, Usage: d.usage})
		stop := d.stop
		if stop == "" {
			stop = llm.StopEnd
		}
		d.emit(llm.Event{Type: llm.EventStop, StopReason: stop})
	}
}

func stopReason(s string) llm.StopReason {
	switch s {
	case "end_turn", "stop_sequence", "pause_turn":
		return llm.StopEnd
	case "tool_use":
		return llm.StopToolUse
	case "max_tokens", "model_context_window_exceeded":
		return llm.StopLength
	case "":
		return ""
	}
	return llm.StopOther
}
