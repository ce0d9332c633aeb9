package llmtest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// NewAnthropic starts a fake Anthropic Messages server. Point the adapter's
// base URL at URL. It serves POST /v1/messages (streamed as the documented
// message_start, content_block_start/delta/stop, message_delta and
// message_stop events, with pings, thinking and input_json_delta) and
// GET /v1/models.
func NewAnthropic(t testing.TB) *Server {
	s := newServer(t, anthropicWire{})
	s.mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.play(w, r, req.Model)
	})
	s.mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		type model struct {
			Type        string `json:"type"`
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
			CreatedAt   string `json:"created_at"`
		}
		out := struct {
			Data    []model `json:"data"`
			HasMore bool    `json:"has_more"`
			FirstID *string `json:"first_id"`
			LastID  *string `json:"last_id"`
		}{Data: []model{}}
		for _, m := range s.modelList() {
			out.Data = append(out.Data, model{Type: "model", ID: m.Name, DisplayName: m.Name, CreatedAt: "2025-09-29T00:00:00Z"})
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(mustJSON(out))
	})
	return s
}

type anthropicWire struct{}

func (anthropicWire) contentType() string { return "text/event-stream" }

func (anthropicWire) malformedFrame() []byte {
	return []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n")
}

func (anthropicWire) errorFrame(msg string) []byte {
	return sse("error", map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": msg}})
}

func (anthropicWire) errorBody(r Reply) (int, []byte) {
	status, msg, typ := r.Status, r.Error, r.ErrorType
	if r.Overflow {
		status, msg, typ = http.StatusBadRequest, "prompt is too long: 208142 tokens > 200000 maximum", "invalid_request_error"
	}
	if typ == "" {
		typ = map[int]string{400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
			404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}[status]
		if typ == "" {
			typ = "api_error"
		}
	}
	return status, mustJSON(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg},
		"request_id": "req_llmtest"})
}

func (anthropicWire) streamFrames(r Reply, model string) ([][]byte, int, int) {
	frames := [][]byte{sse("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_llmtest", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": r.Usage.Prompt, "output_tokens": 1},
	}})}
	index, first := 0, -1
	block := func(start map[string]any, deltas []map[string]any) {
		frames = append(frames, sse("content_block_start", map[string]any{"type": "content_block_start", "index": index, "content_block": start}))
		if first < 0 {
			first = len(frames) - 1
			if len(deltas) > 0 && start["type"] != "tool_use" {
				first++ // a text or thinking block starts empty
			}
		}
		for _, d := range deltas {
			frames = append(frames, sse("content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": d}))
		}
		frames = append(frames, sse("content_block_stop", map[string]any{"type": "content_block_stop", "index": index}))
		index++
	}
	if r.Reasoning != "" {
		var ds []map[string]any
		for _, p := range r.chunks(r.Reasoning) {
			ds = append(ds, map[string]any{"type": "thinking_delta", "thinking": p})
		}
		ds = append(ds, map[string]any{"type": "signature_delta", "signature": "sig-llmtest"})
		block(map[string]any{"type": "thinking", "thinking": "", "signature": ""}, ds)
	}
	frames = append(frames, sse("ping", map[string]any{"type": "ping"}))
	if r.Text != "" {
		var ds []map[string]any
		for _, p := range r.chunks(r.Text) {
			ds = append(ds, map[string]any{"type": "text_delta", "text": p})
		}
		block(map[string]any{"type": "text", "text": ""}, ds)
	}
	for _, c := range r.ToolCalls {
		var ds []map[string]any
		for _, p := range r.chunks(c.Args) {
			ds = append(ds, map[string]any{"type": "input_json_delta", "partial_json": p})
		}
		block(map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}, ds)
	}
	final := len(frames)
	if first < 0 {
		first = final
	}
	stop := map[string]string{"end": "end_turn", "tool_use": "tool_use", "length": "max_tokens"}[r.stop()]
	if stop == "" {
		stop = r.stop()
	}
	frames = append(frames,
		sse("message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
			"usage": map[string]any{"output_tokens": r.Usage.Completion}}),
		sse("message_stop", map[string]any{"type": "message_stop"}))
	return frames, first, final
}
