package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Factory builds the provider under test against a fake server, with the
// given retry policy.
type Factory func(t *testing.T, s *Server, retry llm.RetryPolicy) llm.Provider

// Conformance runs the behaviour every adapter must share against the fake
// server newServer starts: streamed text, tool-call arguments in many
// pieces, parallel tool calls, reasoning kept apart, usage and stop
// reasons, cancellation mid-stream, malformed and truncated streams,
// retries of 429 (honouring Retry-After) and 5xx, and context overflow.
func Conformance(t *testing.T, newServer func(testing.TB) *Server, model string, build Factory) {
	weather := llm.Tool{Name: "get_weather", Description: "Weather for a city",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}
	req := llm.Request{Model: model, System: "Be brief.", Messages: []llm.Message{llm.UserText("hi")}, Tools: []llm.Tool{weather}}

	type check func(t *testing.T, resp *llm.Response, events []llm.Event, err error, waits []time.Duration)
	wantKind := func(k llm.ErrorKind) check {
		return func(t *testing.T, _ *llm.Response, _ []llm.Event, err error, _ []time.Duration) {
			var e *llm.Error
			if !errors.As(err, &e) || e.Kind != k {
				t.Fatalf("error = %v, want *llm.Error of kind %s", err, k)
			}
			if e.Provider == "" || e.Model != model || e.Error() == "" {
				t.Errorf("error %#v does not name provider and model", e)
			}
		}
	}
	cases := []struct {
		name    string
		replies []Reply
		retries int
		check   check
	}{
		{"text in many chunks", []Reply{{Text: "Hello there, how are you today?", Usage: Usage{Prompt: 12, Completion: 8}}}, 0,
			func(t *testing.T, resp *llm.Response, events []llm.Event, err error, _ []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				if got := resp.Message.Text(); got != "Hello there, how are you today?" {
					t.Errorf("text = %q", got)
				}
				if n := countType(events, llm.EventTextDelta); n < 5 {
					t.Errorf("%d text deltas, want the text streamed in pieces", n)
				}
				if resp.StopReason != llm.StopEnd {
					t.Errorf("stop = %s, want end", resp.StopReason)
				}
				if resp.Usage != (llm.Usage{PromptTokens: 12, CompletionTokens: 8, TotalTokens: 20}) {
					t.Errorf("usage = %+v", resp.Usage)
				}
				if events[len(events)-1].Type != llm.EventStop {
					t.Errorf("last event is %s, want stop", events[len(events)-1].Type)
				}
			}},
		{"tool call with arguments split", []Reply{{Text: "Let me check.", ToolCalls: []Call{{ID: "call_1", Name: "get_weather", Args: `{"city": "Paris, France", "unit": "celsius"}`}}, ChunkSize: 2}}, 0,
			func(t *testing.T, resp *llm.Response, events []llm.Event, err error, _ []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				calls := resp.Message.ToolCalls()
				if len(calls) != 1 || calls[0].ID != "call_1" || calls[0].Name != "get_weather" {
					t.Fatalf("tool calls = %+v", calls)
				}
				assertJSON(t, calls[0].Arguments, `{"city":"Paris, France","unit":"celsius"}`)
				if resp.StopReason != llm.StopToolUse {
					t.Errorf("stop = %s, want tool_use", resp.StopReason)
				}
				if resp.Message.Text() != "Let me check." {
					t.Errorf("text = %q", resp.Message.Text())
				}
				if countType(events, llm.EventToolCallStart) != 1 || countType(events, llm.EventToolCallEnd) != 1 {
					t.Errorf("want one start and one end event: %v", types(events))
				}
			}},
		{"parallel tool calls", []Reply{{Interleave: true, ToolCalls: []Call{
			{ID: "call_a", Name: "get_weather", Args: `{"city":"Paris"}`},
			{ID: "call_b", Name: "get_weather", Args: `{"city":"Tokyo"}`},
			{ID: "call_c", Name: "get_time", Args: `{}`},
		}}}, 0,
			func(t *testing.T, resp *llm.Response, _ []llm.Event, err error, _ []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				calls := resp.Message.ToolCalls()
				if len(calls) != 3 {
					t.Fatalf("tool calls = %+v, want 3", calls)
				}
				for i, want := range []struct{ id, name, args string }{
					{"call_a", "get_weather", `{"city":"Paris"}`}, {"call_b", "get_weather", `{"city":"Tokyo"}`}, {"call_c", "get_time", `{}`},
				} {
					if calls[i].ID != want.id || calls[i].Name != want.name {
						t.Errorf("call %d = %+v, want %s %s", i, calls[i], want.id, want.name)
					}
					assertJSON(t, calls[i].Arguments, want.args)
				}
			}},
		{"reasoning kept apart", []Reply{{Reasoning: "The user greets; answer kindly.", Text: "Hi!"}}, 0,
			func(t *testing.T, resp *llm.Response, events []llm.Event, err error, _ []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Message.Reasoning() != "The user greets; answer kindly." || resp.Message.Text() != "Hi!" {
					t.Errorf("reasoning %q, text %q", resp.Message.Reasoning(), resp.Message.Text())
				}
				if countType(events, llm.EventReasoningDelta) < 2 {
					t.Errorf("reasoning not streamed: %v", types(events))
				}
			}},
		{"length stop", []Reply{{Text: "It was a dark and", Stop: "length"}}, 0,
			func(t *testing.T, resp *llm.Response, _ []llm.Event, err error, _ []time.Duration) {
				if err != nil || resp.StopReason != llm.StopLength {
					t.Fatalf("resp %+v err %v, want stop length", resp, err)
				}
			}},
		{"429 then success honours Retry-After", []Reply{RateLimited("2"), Text("ok")}, 3,
			func(t *testing.T, resp *llm.Response, _ []llm.Event, err error, waits []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Message.Text() != "ok" {
					t.Errorf("text = %q", resp.Message.Text())
				}
				if len(waits) != 1 || waits[0] != 2*time.Second {
					t.Errorf("waits = %v, want [2s] from Retry-After", waits)
				}
			}},
		{"5xx until retries are exhausted", []Reply{HTTPError(503, "upstream overloaded"), HTTPError(502, "bad gateway"), HTTPError(500, "internal")}, 2,
			func(t *testing.T, _ *llm.Response, _ []llm.Event, err error, waits []time.Duration) {
				wantKind(llm.KindOverloaded)(t, nil, nil, err, nil)
				if len(waits) != 2 {
					t.Errorf("waits = %v, want 2 backoffs", waits)
				}
				for i, w := range waits {
					if w <= 0 || w > 10*time.Second {
						t.Errorf("wait %d = %v, want within (0, 10s]", i, w)
					}
				}
			}},
		{"retry after a stream error before any event", []Reply{{Error: "temporarily overloaded", Text: ""}, Text("second try")}, 1,
			func(t *testing.T, resp *llm.Response, _ []llm.Event, err error, _ []time.Duration) {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Message.Text() != "second try" {
					t.Errorf("text = %q", resp.Message.Text())
				}
			}},
		{"401 is an auth error", []Reply{HTTPError(401, "invalid api key")}, 3, wantKind(llm.KindAuth)},
		{"context overflow", []Reply{Overflow()}, 3, wantKind(llm.KindContextOverflow)},
		{"malformed stream", []Reply{{Text: "Hello there friend", Malformed: true}}, 0, wantKind(llm.KindStream)},
		{"truncated stream", []Reply{{Text: "Hello there friend", Truncate: true}}, 0, wantKind(llm.KindStream)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			s.SetModels(Model{Name: model, ContextLength: 32768})
			s.Enqueue(tc.replies...)
			retry, waits := Retry(tc.retries)
			p := build(t, s, retry)
			var events []llm.Event
			var resp *llm.Response
			st, err := p.Stream(context.Background(), req)
			if err == nil {
				for ev, e := range st.Events() {
					if e != nil {
						err = e
						break
					}
					events = append(events, ev)
				}
				resp = st.Response()
			}
			tc.check(t, resp, events, err, waits.All())
			if n := s.Pending(); n != 0 {
				t.Errorf("%d scripted replies were not requested", n)
			}
		})
	}

	t.Run("cancel mid-stream", func(t *testing.T) {
		s := newServer(t)
		s.SetModels(Model{Name: model})
		s.Enqueue(Reply{Text: "a long answer that never finishes", Hang: true})
		retry, _ := Retry(0)
		p := build(t, s, retry)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st, err := p.Stream(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var got error
		for _, e := range st.Events() {
			if e != nil {
				got = e
				break
			}
			cancel() // after the first event: the server now holds the stream open
		}
		if !errors.Is(got, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", got)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		s := newServer(t)
		s.Close()
		retry, waits := Retry(1)
		p := build(t, s, retry)
		_, err := p.Stream(context.Background(), req)
		var e *llm.Error
		if !errors.As(err, &e) || e.Kind != llm.KindUnreachable || e.Hint == "" {
			t.Fatalf("error = %v, want unreachable with a hint", err)
		}
		if len(waits.All()) != 1 {
			t.Errorf("waits = %v, want one retry", waits.All())
		}
	})

	t.Run("a call without its result is answered as interrupted", func(t *testing.T) {
		s := newServer(t)
		s.SetModels(Model{Name: model})
		s.Enqueue(Text("ok"))
		retry, _ := Retry(0)
		call := func(id string) llm.Part {
			return llm.ToolCallPart(llm.ToolCall{ID: id, Name: "get_weather", Arguments: json.RawMessage(`{"city":"Oslo"}`)})
		}
		broken := req
		broken.Messages = []llm.Message{
			llm.UserText("weather in Oslo and Bergen?"),
			{Role: llm.RoleAssistant, Parts: []llm.Part{call("c1"), call("c2")}},
			llm.ToolResults(llm.ToolResult{CallID: "c1", Name: "get_weather", Content: "sunny"}),
			{Role: llm.RoleAssistant, Parts: []llm.Part{call("c3")}},
			llm.UserText("and now?"),
		}
		st, err := build(t, s, retry).Stream(context.Background(), broken)
		if err == nil {
			for _, e := range st.Events() {
				if e != nil {
					err = e
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		body := s.Requests()[len(s.Requests())-1].JSON(t)
		got := strings.Join(toolIDs(body), " ")
		if want := "call:c1 call:c2 result:c1 result:c2 call:c3 result:c3"; got != want {
			t.Errorf("tool calls and results on the wire: %s, want %s", got, want)
		}
		if n := strings.Count(string(s.Requests()[len(s.Requests())-1].Body), "interrupted: no result"); n != 2 {
			t.Errorf("%d interrupted results on the wire, want 2", n)
		}
	})

	t.Run("models", func(t *testing.T) {
		s := newServer(t)
		s.SetModels(Model{Name: model}, Model{Name: "other-model"})
		retry, _ := Retry(0)
		ms, err := build(t, s, retry).Models(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 {
			t.Fatalf("models = %+v, want 2", ms)
		}
	})
}

func countType(events []llm.Event, t llm.EventType) int {
	n := 0
	for _, e := range events {
		if e.Type == t {
			n++
		}
	}
	return n
}

func types(events []llm.Event) []llm.EventType {
	out := make([]llm.EventType, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

func assertJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("arguments %s are not JSON: %v", got, err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("arguments = %s, want %s", gb, wb)
	}
}

// toolIDs lists, in request order, the tool calls ("call:ID") and tool
// results ("result:ID") of a request body in any of the three protocols:
// OpenAI and Ollama "tool_calls" and "tool_call_id", Anthropic "tool_use"
// and "tool_use_id" blocks.
func toolIDs(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, toolIDs(x)...)
		}
	case map[string]any:
		if id, ok := v["tool_call_id"].(string); ok {
			return append(out, "result:"+id)
		}
		if id, ok := v["tool_use_id"].(string); ok {
			return append(out, "result:"+id)
		}
		if v["type"] == "tool_use" {
			return append(out, fmt.Sprint("call:", v["id"]))
		}
		if calls, ok := v["tool_calls"].([]any); ok {
			for _, c := range calls {
				if c, ok := c.(map[string]any); ok {
					out = append(out, fmt.Sprint("call:", c["id"]))
				}
			}
			return out
		}
		for _, k := range []string{"messages", "content"} {
			out = append(out, toolIDs(v[k])...)
		}
	}
	return out
}
