//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// fakeLLM is an OpenAI Chat Completions endpoint that answers at once, in
// the wire format of internal/llm/llmtest (server-sent events ending in
// [DONE]), so that a timed agent turn measures LocalGPT and not a model.
// It serves until its listener is closed.
type fakeLLM struct {
	URL string // base URL, without /v1
	ln  net.Listener
}

// fakeAnswer is what every call answers: a short text in a few deltas.
var fakeAnswer = []string{"Hello", "! How", " can I", " help?"}

func startFakeLLM() (*fakeLLM, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake LLM: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":%q,`+
				`"choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],`+
				`"usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}}`, req.Model, strings.Join(fakeAnswer, ""))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		chunk := func(delta, finish string) {
			fin := "null"
			if finish != "" {
				fin = `"` + finish + `"`
			}
			fmt.Fprintf(w, "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":%q,"+
				"\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}\n\n", req.Model, delta, fin)
		}
		chunk(`{"role":"assistant","content":""}`, "")
		for _, d := range fakeAnswer {
			b, _ := json.Marshal(d)
			chunk(`{"content":`+string(b)+`}`, "")
		}
		chunk(`{}`, "stop")
		fmt.Fprintf(w, "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":%q,"+
			"\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,\"total_tokens\":14}}\n\n", req.Model)
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1700000000,"owned_by":"system"}]}`)
	})
	go http.Serve(ln, mux) //nolint:errcheck // ends when ln is closed
	return &fakeLLM{URL: "http://" + ln.Addr().String(), ln: ln}, nil
}

func (f *fakeLLM) Close() { f.ln.Close() }

// providerConfig is the config.toml text that makes the fake the default
// model (the same as llmtest.OpenAIConfig).
func (f *fakeLLM) providerConfig() string {
	return "[agent]\ndefault_model = \"openai/gpt-4o-mini\"\n[providers.openai]\napi_key = \"sk-bench-000000000000\"\nbase_url = \"" + f.URL + "/v1\"\n"
}
