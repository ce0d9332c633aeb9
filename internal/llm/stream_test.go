package llm

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// script is a Decoder playing fixed events, then an error or io.EOF. It
// stands for an adapter, not for a server: the adapters are tested
// against wire-level fakes in their own packages.
type script struct {
	events []Event
	err    error
	closed bool
}

func (s *script) Next() (Event, error) {
	if len(s.events) > 0 {
		ev := s.events[0]
		s.events = s.events[1:]
		return ev, nil
	}
	if s.err != nil {
		return Event{}, s.err
	}
	return Event{}, io.EOF
}

func (s *script) Close() error { s.closed = true; return nil }

func noWait(context.Context, time.Duration) error { return nil }

func TestStreamRetriesOnlyBeforeTheFirstEvent(t *testing.T) {
	overloaded := &Error{Kind: KindOverloaded}
	text := Event{Type: EventTextDelta, Text: "hi"}
	stop := Event{Type: EventStop, StopReason: StopEnd}
	cases := []struct {
		name      string
		attempts  []*script
		openErrs  []error
		wantOpens int
		wantErr   ErrorKind
		wantText  string
	}{
		{"error before any event is retried", []*script{{err: overloaded}, {events: []Event{text, stop}}}, nil, 2, "", "hi"},
		{"error after an event is not", []*script{{events: []Event{text}, err: overloaded}, {events: []Event{text, stop}}}, nil, 1, KindOverloaded, ""},
		{"open errors are retried", []*script{nil, {events: []Event{text, stop}}}, []error{overloaded, nil}, 2, "", "hi"},
		{"missing stop is a cut stream", []*script{{events: []Event{text}}}, nil, 1, KindStream, ""},
		{"retries run out", []*script{{err: overloaded}, {err: overloaded}, {err: overloaded}}, nil, 3, KindOverloaded, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opens := 0
			open := func(context.Context) (Decoder, error) {
				i := opens
				opens++
				if i < len(tc.openErrs) && tc.openErrs[i] != nil {
					return nil, tc.openErrs[i]
				}
				return tc.attempts[i], nil
			}
			s, err := NewStream(context.Background(), Ollama, "m", RetryPolicy{MaxRetries: 2, Wait: noWait}, open)
			var resp *Response
			if err == nil {
				resp, err = s.Collect()
			}
			if opens != tc.wantOpens {
				t.Errorf("%d attempts, want %d", opens, tc.wantOpens)
			}
			if tc.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tc.wantErr {
					t.Fatalf("error = %v, want kind %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || resp.Message.Text() != tc.wantText {
				t.Fatalf("resp %+v err %v", resp, err)
			}
		})
	}
}

func TestAssembler(t *testing.T) {
	events := []Event{
		{Type: EventReasoningDelta, Text: "think "}, {Type: EventReasoningDelta, Text: "more", Signature: "sig"},
		{Type: EventTextDelta, Text: "Hel"}, {Type: EventTextDelta, Text: "lo"},
		{Type: EventToolCallStart, Index: 0, ToolCall: ToolCall{ID: "a", Name: "t"}},
		{Type: EventToolCallDelta, Index: 0, Text: `{"x":`},
		{Type: EventToolCallEnd, Index: 0, ToolCall: ToolCall{ID: "a", Name: "t", Arguments: []byte(`{"x":1}`)}},
		{Type: EventToolCallEnd, Index: 1, ToolCall: ToolCall{ID: "b", Name: "u"}},
		{Type: EventUsage, Usage: Usage{PromptTokens: 3, CompletionTokens: 4}},
		{Type: EventStop, StopReason: StopToolUse},
	}
	var a assembler
	for _, ev := range events {
		a.add(ev)
	}
	r := a.response()
	if r.Message.Reasoning() != "think more" || r.Message.Parts[0].Signature != "sig" || r.Message.Text() != "Hello" {
		t.Errorf("parts = %+v", r.Message.Parts)
	}
	calls := r.Message.ToolCalls()
	if len(calls) != 2 || string(calls[0].Arguments) != `{"x":1}` || string(calls[1].Arguments) != "{}" {
		t.Errorf("calls = %+v", calls)
	}
	if r.Usage.TotalTokens != 7 || r.StopReason != StopToolUse || r.Message.Role != RoleAssistant {
		t.Errorf("usage %+v stop %s", r.Usage, r.StopReason)
	}
}

func TestStreamCloseAndBreak(t *testing.T) {
	dec := &script{events: []Event{{Type: EventTextDelta, Text: "a"}, {Type: EventTextDelta, Text: "b"}, {Type: EventStop}}}
	s, err := NewStream(context.Background(), OpenAI, "m", RetryPolicy{}, func(context.Context) (Decoder, error) { return dec, nil })
	if err != nil {
		t.Fatal(err)
	}
	for range s.Events() {
		break
	}
	if !dec.closed || s.Response() != nil || s.Err() == nil || s.Next() {
		t.Errorf("after break: closed %v response %v err %v", dec.closed, s.Response(), s.Err())
	}
}
