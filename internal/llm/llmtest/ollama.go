package llmtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// NewOllama starts a fake Ollama server. Point the adapter's endpoint at
// URL. It serves POST /api/chat (newline-delimited JSON, tool calls whole
// in one chunk and reasoning in "thinking", as Ollama sends them),
// POST /api/show (model_info with "<arch>.context_length" and llama3.2's
// layer and head counts), POST /api/embed (embed.go) and GET /api/tags,
// for the models given to SetModels; an unknown model is a 404.
func NewOllama(t testing.TB) *Server {
	s := newServer(t, ollamaWire{})
	s.mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.play(w, r, req.Model)
	})
	s.mux.HandleFunc("POST /api/embed", s.serveOllamaEmbed)
	s.mux.HandleFunc("POST /api/show", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
			Name  string `json:"name"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		name := req.Model
		if name == "" {
			name = req.Name
		}
		m, ok := s.findModel(name)
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(mustJSON(map[string]string{"error": "model '" + name + "' not found"}))
			return
		}
		arch := m.Arch
		if arch == "" {
			arch = "llama"
		}
		ctxLen := m.ContextLength
		if ctxLen == 0 {
			ctxLen = 8192
		}
		caps := []string{"completion", "tools"}
		if m.EmbedOnly {
			caps = []string{"embedding"}
		}
		_, _ = w.Write(mustJSON(map[string]any{
			"modelfile":  "FROM " + m.Name,
			"parameters": "stop \"<|eot_id|>\"",
			"template":   "{{ .Prompt }}",
			"details":    map[string]any{"format": "gguf", "family": arch, "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
			"model_info": map[string]any{ // llama3.2's shape: 28 layers, 8 KV heads of 128
				"general.architecture":            arch,
				"general.parameter_count":         3212749888,
				arch + ".context_length":          ctxLen,
				arch + ".embedding_length":        3072,
				arch + ".block_count":             28,
				arch + ".attention.head_count":    24,
				arch + ".attention.head_count_kv": 8,
				arch + ".attention.key_length":    128,
				arch + ".attention.value_length":  128,
			},
			"capabilities": caps,
			"modified_at":  "2025-01-01T00:00:00Z",
		}))
	})
	s.mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, r *http.Request) {
		type model struct {
			Name       string         `json:"name"`
			Model      string         `json:"model"`
			ModifiedAt string         `json:"modified_at"`
			Size       int64          `json:"size"`
			Digest     string         `json:"digest"`
			Details    map[string]any `json:"details"`
		}
		out := struct {
			Models []model `json:"models"`
		}{Models: []model{}}
		for _, m := range s.modelList() {
			n := ollamaName(m.Name)
			out.Models = append(out.Models, model{Name: n, Model: n, ModifiedAt: "2025-01-01T00:00:00Z", Size: m.Size,
				Digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72", Details: map[string]any{"format": "gguf"}})
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(mustJSON(out))
	})
	s.mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":"0.17.4"}`))
	})
	return s
}

// ollamaName adds the ":latest" tag Ollama gives untagged names.
func ollamaName(n string) string {
	if strings.Contains(n, ":") {
		return n
	}
	return n + ":latest"
}

func (s *Server) findModel(name string) (Model, bool) {
	for _, m := range s.modelList() {
		if ollamaName(m.Name) == ollamaName(name) {
			return m, true
		}
	}
	return Model{}, false
}

type ollamaWire struct{}

func (ollamaWire) contentType() string { return "application/x-ndjson" }

func (ollamaWire) malformedFrame() []byte { return []byte("{\"model\":\"x\",\"message\":{\"role\":\n") }

func (ollamaWire) errorFrame(msg string) []byte {
	return append(mustJSON(map[string]string{"error": msg}), '\n')
}

func (ollamaWire) errorBody(r Reply) (int, []byte) {
	status, msg := r.Status, r.Error
	if r.Overflow {
		status, msg = http.StatusBadRequest, "the input length exceeds the context length" // as Ollama v0.17.4 answers with truncate:false
	}
	return status, mustJSON(map[string]string{"error": msg})
}

func (ollamaWire) streamFrames(r Reply, model string) ([][]byte, int, int) {
	line := func(msg map[string]any, extra map[string]any) []byte {
		v := map[string]any{"model": model, "created_at": "2025-01-01T00:00:00.000000Z", "message": msg, "done": false}
		for k, x := range extra {
			v[k] = x
		}
		return append(mustJSON(v), '\n')
	}
	var frames [][]byte
	for _, p := range r.chunks(r.Reasoning) {
		frames = append(frames, line(map[string]any{"role": "assistant", "content": "", "thinking": p}, nil))
	}
	for _, p := range r.chunks(r.Text) {
		frames = append(frames, line(map[string]any{"role": "assistant", "content": p}, nil))
	}
	if len(r.ToolCalls) > 0 {
		var calls []any
		for i, c := range r.ToolCalls {
			var args any = map[string]any{}
			if c.Args != "" {
				_ = json.Unmarshal([]byte(c.Args), &args)
			}
			calls = append(calls, map[string]any{"id": c.ID, "function": map[string]any{"index": i, "name": c.Name, "arguments": args}})
		}
		frames = append(frames, line(map[string]any{"role": "assistant", "content": "", "tool_calls": calls}, nil))
	}
	final := len(frames)
	reason := map[string]string{"end": "stop", "tool_use": "stop", "length": "length"}[r.stop()]
	if reason == "" {
		reason = r.stop()
	}
	frames = append(frames, line(map[string]any{"role": "assistant", "content": ""}, map[string]any{
		"done": true, "done_reason": reason, "total_duration": 1200000000, "load_duration": 50000000,
		"prompt_eval_count": r.Usage.Prompt, "prompt_eval_duration": 100000000,
		"eval_count": r.Usage.Completion, "eval_duration": 900000000,
	}))
	return frames, 0, final
}
