package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func newProvider(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy, keepAlive string, numCtx int) *Provider {
	t.Helper()
	p, err := New(Options{Endpoint: s.URL, HTTPClient: s.Client(), KeepAlive: keepAlive, NumCtx: numCtx, Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	llmtest.Conformance(t, llmtest.NewOllama, "llama3.2", func(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy) llm.Provider {
		return newProvider(t, s, retry, "", 0)
	})
}

func TestRequestBody(t *testing.T) {
	history := []llm.Message{
		llm.UserText("weather?"),
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "call_0", Name: "get_weather", Arguments: []byte(`{"city":"Paris"}`)})}},
		llm.ToolResults(llm.ToolResult{CallID: "call_0", Name: "get_weather", Content: "18°C"}),
	}
	cases := []struct {
		name       string
		keepAlive  string
		numCtx     int
		modelCtx   int
		wantNumCtx float64
		wantKeep   any
	}{
		{"num_ctx below the model's maximum", "10m", 32768, 131072, 32768, "10m0s"},
		{"default num_ctx", "", 0, 131072, DefaultNumCtx, nil},
		{"never above the model's maximum", "-1s", 16384, 8192, 8192, float64(-1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOllama(t)
			s.SetModels(llmtest.Model{Name: "qwen3", ContextLength: tc.modelCtx, Arch: "qwen3"})
			s.Enqueue(llmtest.Text("18°C in Paris."), llmtest.Text("again"))
			retry, _ := llmtest.Retry(0)
			p := newProvider(t, s, retry, tc.keepAlive, tc.numCtx)
			temp := 0.5
			req := llm.Request{Model: "qwen3", System: "sys", Messages: history, MaxTokens: 256, Temperature: &temp,
				Tools: []llm.Tool{{Name: "get_weather", Description: "w", Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}}}
			for range 2 {
				if _, err := llm.Complete(context.Background(), p, req); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(s.Calls("/api/show")); n != 1 {
				t.Errorf("/api/show called %d times, want once (cached)", n)
			}
			b := s.Last(t, "/api/chat").JSON(t)
			opts := b["options"].(map[string]any)
			if opts["num_ctx"] != tc.wantNumCtx || opts["num_predict"] != float64(256) || opts["temperature"] != 0.5 {
				t.Errorf("options = %v, want num_ctx %v", opts, tc.wantNumCtx)
			}
			if b["keep_alive"] != tc.wantKeep {
				t.Errorf("keep_alive = %v, want %v", b["keep_alive"], tc.wantKeep)
			}
			if b["truncate"] != false || b["stream"] != true {
				t.Errorf("truncate %v stream %v, want false and true", b["truncate"], b["stream"])
			}
			msgs := b["messages"].([]any)
			var roles []string
			for _, m := range msgs {
				roles = append(roles, m.(map[string]any)["role"].(string))
			}
			if strings.Join(roles, " ") != "system user assistant tool" {
				t.Fatalf("roles = %v", roles)
			}
			call := msgs[2].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)
			if call["name"] != "get_weather" || call["arguments"].(map[string]any)["city"] != "Paris" {
				t.Errorf("assistant tool call = %v", call)
			}
			if tool := msgs[3].(map[string]any); tool["tool_name"] != "get_weather" || tool["content"] != "18°C" || tool["tool_call_id"] != "call_0" {
				t.Errorf("tool message = %v", tool)
			}
			fn := b["tools"].([]any)[0].(map[string]any)["function"].(map[string]any)
			if fn["name"] != "get_weather" || fn["parameters"].(map[string]any)["required"].([]any)[0] != "city" {
				t.Errorf("tool = %v", fn)
			}
		})
	}
}

func TestTextToolCalls(t *testing.T) {
	tools := []llm.Tool{{Name: "get_weather", Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}
	cases := []struct {
		name      string
		text      string
		tools     []llm.Tool
		wantCalls int
		wantText  string
		wantStop  llm.StopReason
	}{
		{"tagged call", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", tools, 1, "", llm.StopToolUse},
		{"bare JSON call", `{"name": "get_weather", "parameters": {"city": "Paris"}}`, tools, 1, "", llm.StopToolUse},
		{"tool not offered stays text", `{"name": "delete_all", "arguments": {}}`, tools, 0, `{"name": "delete_all", "arguments": {}}`, llm.StopEnd},
		{"no tools offered stays text", `<tool_call>{"name":"get_weather","arguments":{}}</tool_call>`, nil, 0, `<tool_call>{"name":"get_weather","arguments":{}}</tool_call>`, llm.StopEnd},
		{"ordinary answer", "It is sunny.", tools, 0, "It is sunny.", llm.StopEnd},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOllama(t)
			s.SetModels(llmtest.Model{Name: "llama3.2"})
			s.Enqueue(llmtest.Text(tc.text))
			retry, _ := llmtest.Retry(0)
			resp, err := llm.Complete(context.Background(), newProvider(t, s, retry, "", 0),
				llm.Request{Model: "llama3.2", Messages: []llm.Message{llm.UserText("weather in Paris?")}, Tools: tc.tools})
			if err != nil {
				t.Fatal(err)
			}
			calls := resp.Message.ToolCalls()
			if len(calls) != tc.wantCalls || resp.Message.Text() != tc.wantText || resp.StopReason != tc.wantStop {
				t.Fatalf("calls %+v text %q stop %s; want %d calls, %q, %s", calls, resp.Message.Text(), resp.StopReason, tc.wantCalls, tc.wantText, tc.wantStop)
			}
			if tc.wantCalls == 1 && (calls[0].Name != "get_weather" || string(calls[0].Arguments) != `{"city":"Paris"}` || calls[0].ID == "") {
				t.Errorf("call = %+v", calls[0])
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(s *llmtest.Server)
		model    string
		wantKind llm.ErrorKind
		wantHint string
	}{
		{"model not pulled", func(s *llmtest.Server) {}, "mistral", llm.KindNotFound, "ollama pull mistral"},
		{"server down", func(s *llmtest.Server) { s.Close() }, "llama3.2", llm.KindUnreachable, "start it with `ollama serve`"},
		{"overflow", func(s *llmtest.Server) { s.Enqueue(llmtest.Overflow()) }, "llama3.2", llm.KindContextOverflow, "compact"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOllama(t)
			s.SetModels(llmtest.Model{Name: "llama3.2"})
			tc.setup(s)
			retry, _ := llmtest.Retry(0)
			_, err := llm.Complete(context.Background(), newProvider(t, s, retry, "", 0),
				llm.Request{Model: tc.model, Messages: []llm.Message{llm.UserText("hi")}})
			var e *llm.Error
			if !errors.As(err, &e) || e.Kind != tc.wantKind || !strings.Contains(e.Error(), tc.wantHint) {
				t.Fatalf("error = %v, want kind %s mentioning %q", err, tc.wantKind, tc.wantHint)
			}
			if !strings.Contains(e.Error(), "ollama") || !strings.Contains(e.Error(), tc.model) {
				t.Errorf("error %q does not name provider and model", e)
			}
		})
	}
}

func TestNewRejectsBadKeepAlive(t *testing.T) {
	if _, err := New(Options{KeepAlive: "forever"}); err == nil {
		t.Fatal("keep_alive \"forever\" accepted")
	}
}

// TestPassThroughFields: sampling settings go to options, a JSON output
// format to "format" ("json", or the schema itself).
func TestPassThroughFields(t *testing.T) {
	topP, seed := 0.7, int64(11)
	cases := []struct {
		name string
		req  llm.Request
		opts map[string]string
		fmt  string
	}{
		{"sampling", llm.Request{TopP: &topP, Seed: &seed, Stop: []string{"END"}},
			map[string]string{"top_p": `0.7`, "seed": `11`, "stop": `["END"]`}, ""},
		{"json object", llm.Request{ResponseFormat: &llm.ResponseFormat{Type: llm.FormatJSONObject}}, nil, `"json"`},
		{"json schema", llm.Request{ResponseFormat: &llm.ResponseFormat{Type: llm.FormatJSONSchema, Name: "x", Schema: []byte(`{"type":"object"}`)}}, nil, `{"type":"object"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewOllama(t)
			s.SetModels(llmtest.Model{Name: "qwen3"})
			s.Enqueue(llmtest.Text("{}"))
			retry, _ := llmtest.Retry(0)
			req := tc.req
			req.Model, req.Messages = "qwen3", []llm.Message{llm.UserText("hi")}
			if _, err := llm.Complete(context.Background(), newProvider(t, s, retry, "", 0), req); err != nil {
				t.Fatal(err)
			}
			b := s.Last(t, "/api/chat").JSON(t)
			opts, _ := b["options"].(map[string]any)
			for k, want := range tc.opts {
				raw, _ := json.Marshal(opts[k])
				if string(raw) != want {
					t.Errorf("options.%s = %s, want %s", k, raw, want)
				}
			}
			got := ""
			if v, ok := b["format"]; ok {
				raw, _ := json.Marshal(v)
				got = string(raw)
			}
			if got != tc.fmt {
				t.Errorf("format = %s, want %s", got, tc.fmt)
			}
		})
	}
}

func TestKVShape(t *testing.T) {
	tests := []struct {
		name string
		info map[string]any
		want KVShape
		gib  float64 // KV cache of 16384 tokens, GiB
	}{
		{"llama3.2 3B", map[string]any{"general.architecture": "llama", "llama.block_count": 28.0, "llama.attention.head_count": 24.0,
			"llama.attention.head_count_kv": 8.0, "llama.embedding_length": 3072.0}, KVShape{28, 224, 128}, 1.75},
		{"key_length given", map[string]any{"general.architecture": "qwen3", "qwen3.block_count": 36.0, "qwen3.attention.head_count": 32.0,
			"qwen3.attention.head_count_kv": 8.0, "qwen3.attention.key_length": 128.0, "qwen3.embedding_length": 2560.0}, KVShape{36, 288, 128}, 2.25},
		{"KV heads per layer", map[string]any{"general.architecture": "x", "x.block_count": 3.0, "x.attention.head_count": 8.0,
			"x.attention.head_count_kv": []any{2.0, 4.0, 4.0}, "x.attention.key_length": 64.0}, KVShape{3, 10, 64}, 10 * 64 * 16384 * 4 / float64(1<<30)},
		{"no KV heads: all heads", map[string]any{"general.architecture": "y", "y.block_count": 2.0, "y.attention.head_count": 4.0,
			"y.embedding_length": 256.0}, KVShape{2, 8, 64}, 8 * 64 * 16384 * 4 / float64(1<<30)},
		{"unknown shape", map[string]any{"general.architecture": "z", "z.context_length": 4096.0}, KVShape{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shapeOf(tt.info)
			if got != tt.want {
				t.Fatalf("shape %+v, want %+v", got, tt.want)
			}
			if gib := float64(got.KVCacheBytes(16384)) / (1 << 30); gib != tt.gib {
				t.Fatalf("KV cache of 16384 tokens: %.3f GiB, want %.3f", gib, tt.gib)
			}
		})
	}
}
