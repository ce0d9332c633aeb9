package llmtest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// NewOpenAI starts a fake OpenAI Chat Completions server. Point the
// adapter's base URL at URL+"/v1". It serves POST /v1/chat/completions
// (streamed as server-sent events, the way OpenAI documents it, with
// reasoning in "reasoning_content" as vLLM, llama.cpp and DeepSeek send
// it), POST /v1/embeddings (embed.go) and GET /v1/models.
func NewOpenAI(t testing.TB) *Server {
	s := newServer(t, openaiWire{})
	s.mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.play(w, r, req.Model)
	})
	s.mux.HandleFunc("POST /v1/embeddings", s.serveOpenAIEmbed)
	s.mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		type model struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Created int64  `json:"created"`
			OwnedBy string `json:"owned_by"`
		}
		out := struct {
			Object string  `json:"object"`
			Data   []model `json:"data"`
		}{Object: "list", Data: []model{}}
		for _, m := range s.modelList() {
			out.Data = append(out.Data, model{ID: m.Name, Object: "model", Created: 1700000000, OwnedBy: "system"})
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(mustJSON(out))
	})
	return s
}

type openaiWire struct{}

func (openaiWire) contentType() string { return "text/event-stream" }

func (openaiWire) malformedFrame() []byte {
	return []byte("data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":\n\n")
}

func (openaiWire) errorFrame(msg string) []byte {
	return sse("", map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "param": nil, "code": nil}})
}

func (openaiWire) errorBody(r Reply) (int, []byte) {
	status, msg, typ, code := r.Status, r.Error, r.ErrorType, r.ErrorCode
	if r.Overflow {
		status = http.StatusBadRequest
		msg = "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages."
		typ, code = "invalid_request_error", "context_length_exceeded"
	}
	if typ == "" {
		switch {
		case status == http.StatusUnauthorized:
			typ, code = "invalid_request_error", "invalid_api_key"
		case status == http.StatusTooManyRequests:
			typ, code = "requests", "rate_limit_exceeded"
		case status >= 500:
			typ = "server_error"
		default:
			typ = "invalid_request_error"
		}
	}
	var c any
	if code != "" {
		c = code
	}
	return status, mustJSON(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}

func (openaiWire) streamFrames(r Reply, model string) ([][]byte, int, int) {
	chunk := func(delta map[string]any, finish any) []byte {
		return sse("", map[string]any{
			"id": "chatcmpl-llmtest", "object": "chat.completion.chunk", "created": 1700000000,
			"model": model, "system_fingerprint": "fp_llmtest",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		})
	}
	frames := [][]byte{chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil)}
	for _, p := range r.chunks(r.Reasoning) {
		frames = append(frames, chunk(map[string]any{"reasoning_content": p}, nil))
	}
	for _, p := range r.chunks(r.Text) {
		frames = append(frames, chunk(map[string]any{"content": p}, nil))
	}
	started := make([]bool, len(r.ToolCalls))
	start := func(i int) {
		c := r.ToolCalls[i]
		started[i] = true
		frames = append(frames, chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""},
		}}}, nil))
	}
	for _, p := range r.argPieces() {
		if !started[p.Index] {
			start(p.Index)
		}
		frames = append(frames, chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": p.Index, "function": map[string]any{"arguments": p.Text},
		}}}, nil))
	}
	for i := range r.ToolCalls {
		if !started[i] {
			start(i)
		}
	}
	final := len(frames)
	first := min(1, final)
	finish := map[string]string{"end": "stop", "tool_use": "tool_calls", "length": "length"}[r.stop()]
	if finish == "" {
		finish = r.stop()
	}
	frames = append(frames, chunk(map[string]any{}, finish))
	frames = append(frames, sse("", map[string]any{
		"id": "chatcmpl-llmtest", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
		"choices": []any{},
		"usage": map[string]any{"prompt_tokens": r.Usage.Prompt, "completion_tokens": r.Usage.Completion,
			"total_tokens": r.Usage.Prompt + r.Usage.Completion},
	}))
	frames = append(frames, []byte("data: [DONE]\n\n"))
	return frames, first, final
}

// OpenAIConfig is config.toml text that makes "openai/gpt-4o-mini", served
// by a fake OpenAI server at url (its root, without /v1), the default
// model, with a test key. Tests append their own sections to it.
func OpenAIConfig(url string) string {
	return "[agent]\ndefault_model = \"openai/gpt-4o-mini\"\n[providers.openai]\napi_key = \"sk-test-000000000000\"\nbase_url = \"" + url + "/v1\"\n"
}
