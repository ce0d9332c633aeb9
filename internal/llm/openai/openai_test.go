package openai

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func newTestProvider(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy) llm.Provider {
	return New(Options{APIKey: "sk-test", BaseURL: s.URL + "/v1", HTTPClient: s.Client(), ContextWindow: 128000, Retry: retry})
}

func TestConformance(t *testing.T) {
	llmtest.Conformance(t, llmtest.NewOpenAI, "gpt-4o", newTestProvider)
}

func TestRequestBody(t *testing.T) {
	temp := 0.2
	history := []llm.Message{
		llm.UserText("weather in Paris?"),
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.TextPart("Checking."),
			llm.ToolCallPart(llm.ToolCall{ID: "call_1", Name: "get_weather", Arguments: []byte(`{"city":"Paris"}`)}),
			llm.ToolCallPart(llm.ToolCall{ID: "call_2", Name: "get_time", Arguments: []byte(`{}`)})}},
		llm.ToolResults(llm.ToolResult{CallID: "call_1", Content: "18°C"}, llm.ToolResult{CallID: "call_2", Content: "noon"}),
	}
	cases := []struct {
		name  string
		model string
		check func(t *testing.T, body map[string]any)
	}{
		{"chat model", "gpt-4o", func(t *testing.T, b map[string]any) {
			if b["max_tokens"] != float64(500) || b["temperature"] != 0.2 {
				t.Errorf("max_tokens %v temperature %v, want 500 and 0.2", b["max_tokens"], b["temperature"])
			}
			if _, ok := b["max_completion_tokens"]; ok {
				t.Error("max_completion_tokens sent to a chat model")
			}
		}},
		{"reasoning model", "o3-mini", func(t *testing.T, b map[string]any) {
			if b["max_completion_tokens"] != float64(500) {
				t.Errorf("max_completion_tokens = %v, want 500", b["max_completion_tokens"])
			}
			for _, k := range []string{"max_tokens", "temperature"} {
				if _, ok := b[k]; ok {
					t.Errorf("%s sent to a reasoning model", k)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOpenAI(t)
			s.Enqueue(llmtest.Text("It is 18°C."))
			retry, _ := llmtest.Retry(0)
			p := newTestProvider(t, s, retry)
			_, err := llm.Complete(context.Background(), p, llm.Request{Model: tc.model, System: "sys", Messages: history,
				Tools:     []llm.Tool{{Name: "get_weather", Description: "w", Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}}}`)}, {Name: "get_time"}},
				MaxTokens: 500, Temperature: &temp})
			if err != nil {
				t.Fatal(err)
			}
			rec := s.Last(t, "/v1/chat/completions")
			if got := rec.Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization = %q", got)
			}
			b := rec.JSON(t)
			if b["model"] != tc.model || b["stream"] != true {
				t.Errorf("model %v stream %v", b["model"], b["stream"])
			}
			if so, _ := b["stream_options"].(map[string]any); so["include_usage"] != true {
				t.Errorf("stream_options = %v, want include_usage", b["stream_options"])
			}
			msgs := b["messages"].([]any)
			roles := []string{}
			for _, m := range msgs {
				roles = append(roles, m.(map[string]any)["role"].(string))
			}
			if want := "system user assistant tool tool"; join(roles) != want {
				t.Fatalf("roles = %v, want %s", roles, want)
			}
			asst := msgs[2].(map[string]any)
			calls := asst["tool_calls"].([]any)
			if len(calls) != 2 || calls[0].(map[string]any)["id"] != "call_1" ||
				calls[0].(map[string]any)["function"].(map[string]any)["arguments"] != `{"city":"Paris"}` {
				t.Errorf("assistant tool_calls = %v", calls)
			}
			if tool := msgs[3].(map[string]any); tool["tool_call_id"] != "call_1" || tool["content"] != "18°C" {
				t.Errorf("tool message = %v", tool)
			}
			tools := b["tools"].([]any)
			if fn := tools[1].(map[string]any)["function"].(map[string]any); fn["name"] != "get_time" || fn["parameters"] == nil {
				t.Errorf("tool without parameters = %v, want an empty object schema", fn)
			}
			tc.check(t, b)
		})
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

// TestPassThroughFields: the sampling, output-format and tool-choice
// fields a client chose reach Chat Completions as OpenAI names them.
func TestPassThroughFields(t *testing.T) {
	topP, seed := 0.8, int64(7)
	schema := llm.ResponseFormat{Type: llm.FormatJSONSchema, Name: "city", Strict: true, Schema: []byte(`{"type":"object"}`)}
	cases := []struct {
		name string
		req  llm.Request
		want map[string]string // key → JSON of the expected value; "" means absent
	}{
		{"sampling", llm.Request{TopP: &topP, Seed: &seed, Stop: []string{"END", "STOP"}},
			map[string]string{"top_p": `0.8`, "seed": `7`, "stop": `["END","STOP"]`, "response_format": "", "tool_choice": ""}},
		{"json object", llm.Request{ResponseFormat: &llm.ResponseFormat{Type: llm.FormatJSONObject}, ToolChoice: "required"},
			map[string]string{"response_format": `{"type":"json_object"}`, "tool_choice": `"required"`}},
		{"json schema, named tool", llm.Request{ResponseFormat: &schema, ToolChoice: "get_time"},
			map[string]string{"response_format": `{"json_schema":{"name":"city","schema":{"type":"object"},"strict":true},"type":"json_schema"}`,
				"tool_choice": `{"function":{"name":"get_time"},"type":"function"}`}},
		{"reasoning models take no top_p", llm.Request{Model: "o3-mini", TopP: &topP}, map[string]string{"top_p": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOpenAI(t)
			s.Enqueue(llmtest.Text("ok"))
			retry, _ := llmtest.Retry(0)
			req := tc.req
			if req.Model == "" {
				req.Model = "gpt-4o"
			}
			req.Messages = []llm.Message{llm.UserText("hi")}
			req.Tools = []llm.Tool{{Name: "get_time"}}
			if _, err := llm.Complete(context.Background(), newTestProvider(t, s, retry), req); err != nil {
				t.Fatal(err)
			}
			b := s.Last(t, "/v1/chat/completions").JSON(t)
			for k, want := range tc.want {
				v, ok := b[k]
				got := ""
				if ok {
					raw, _ := json.Marshal(v)
					got = string(raw)
				}
				if got != want {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
		})
	}
}
