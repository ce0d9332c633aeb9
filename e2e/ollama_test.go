//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/e2e/gguf/scripted"
)

// loadedContext returns the context length Ollama loaded the model with
// (/api/ps), the num_ctx of the last call.
func loadedContext(t *testing.T) int {
	t.Helper()
	var ps struct {
		Models []struct {
			Name          string `json:"name"`
			ContextLength int    `json:"context_length"`
		} `json:"models"`
	}
	getJSON(t, the.url+"/api/ps", &ps)
	for _, m := range ps.Models {
		if strings.TrimSuffix(m.Name, ":latest") == strings.TrimSuffix(the.model, ":latest") {
			return m.ContextLength
		}
	}
	t.Fatalf("/api/ps does not list %s as loaded: %+v", the.model, ps)
	return 0
}

// TestNumCtxFromShow: the Ollama adapter sends the model's context length
// from /api/show as num_ctx, so Ollama loads the model with it rather than
// with its default (512 on the peer), which an OpenAI-protocol call gets.
func TestNumCtxFromShow(t *testing.T) {
	h := newHome(t, the.url)
	var show struct {
		ModelInfo map[string]any `json:"model_info"`
	}
	postJSON(t, the.url+"/api/show", map[string]string{"model": the.model}, &show)
	if n, _ := show.ModelInfo["llama.context_length"].(float64); int(n) != scripted.AgentContextLength {
		t.Fatalf("/api/show reports llama.context_length %v, want %d", show.ModelInfo["llama.context_length"], scripted.AgentContextLength)
	}
	tests := []struct {
		provider string
		want     int
	}{
		{"openai", 512},
		{"ollama", scripted.AgentContextLength},
		{"anthropic", 512},
		{"ollama", scripted.AgentContextLength},
	}
	for _, tc := range tests {
		if r := h.run("ask", "-m", modelFor(tc.provider), "hello"); r.code != 0 {
			failWithLog(t, "ask via %s failed:\n%s", tc.provider, r)
		}
		if got := loadedContext(t); got != tc.want {
			failWithLog(t, "after an ask via %s, Ollama ran the model with a context of %d, want %d", tc.provider, got, tc.want)
		}
	}
}

func TestModels(t *testing.T) {
	h := newHome(t, the.url)
	r := h.run("models", "--json")
	if r.code != 0 {
		failWithLog(t, "models --json failed:\n%s", r)
	}
	var out struct {
		DefaultModel string `json:"default_model"`
		Providers    []struct {
			Provider string `json:"provider"`
			Endpoint string `json:"endpoint"`
			Error    string `json:"error"`
			Models   []struct {
				Name    string `json:"name"`
				Size    int64  `json:"size"`
				Default bool   `json:"default"`
			} `json:"models"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("models --json: %v\n%s", err, r)
	}
	wantEndpoint := map[string]string{"ollama": the.url, "openai": the.url + "/v1", "anthropic": the.url}
	if len(out.Providers) != len(wantEndpoint) {
		t.Fatalf("models --json lists %d providers, want 3:\n%s", len(out.Providers), r)
	}
	for _, p := range out.Providers {
		if p.Endpoint != wantEndpoint[p.Provider] || p.Error != "" {
			t.Errorf("%s: endpoint %q, error %q; want %q and no error", p.Provider, p.Endpoint, p.Error, wantEndpoint[p.Provider])
		}
		found := false
		for _, m := range p.Models {
			if strings.TrimSuffix(m.Name, ":latest") == the.model {
				found = true
				if p.Provider == "ollama" && (m.Size <= 0 || !m.Default) {
					t.Errorf("ollama lists %s with size %d, default %v; want its size and the default mark", m.Name, m.Size, m.Default)
				}
			}
		}
		if !found {
			t.Errorf("%s does not list %s: %+v", p.Provider, the.model, p.Models)
		}
	}
	if r := h.run("models"); r.code != 0 || !strings.Contains(r.stdout, the.model) {
		t.Errorf("models did not list %s:\n%s", the.model, r)
	}
}

func TestDoctor(t *testing.T) {
	h := newHome(t, the.url)
	r := h.run("doctor")
	if r.code != 0 {
		failWithLog(t, "doctor found a problem with a working Ollama:\n%s", r)
	}
	for _, want := range []string{"reachable at " + the.url + ",", "reachable at " + the.url + "/v1", the.model} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor's report lacks %q:\n%s", want, r)
		}
	}
	// A default model the server does not have is a failed check, exit 3.
	r = h.run("doctor", "-m", "ollama/not-pulled")
	if r.code != 3 || !strings.Contains(r.stdout+r.stderr, "not-pulled") {
		t.Errorf("doctor with a missing model: want exit 3 naming it:\n%s", r)
	}
}

// TestOllamaStopped starts a second server, checks it answers, stops it,
// and expects every provider's clear "not running" error with exit code 3.
func TestOllamaStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "peer")
	url, err := the.startPeer(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			the.stopPeer(dir)
		}
	})
	h := newHome(t, url)
	if r := h.run("ask", "-m", modelFor("ollama"), "hello"); r.code != 0 {
		t.Fatalf("the second server does not answer:\n%s", r)
	}
	if err := the.stopPeer(dir); err != nil {
		t.Fatal(err)
	}
	stopped = true

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ask", "-m", modelFor("ollama"), "hello"}, "Ollama is not running at " + url},
		{[]string{"ask", "-m", modelFor("openai"), "hello"}, url + "/v1"},
		{[]string{"ask", "-m", modelFor("anthropic"), "hello"}, url},
		{[]string{"doctor"}, "Ollama is not running at " + url},
		{[]string{"models"}, "Ollama is not running at " + url},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := h.run(tc.args...)
			if r.code != 3 || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Fatalf("want exit code 3 and %q:\n%s", tc.want, r)
			}
		})
	}
}
