package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
)

func TestNew(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(c *config.Config)
		model    string
		want     llm.Resolved
		wantKey  string // config key of the *config.Error, "" for success
		wantText string
	}{
		{"default model goes to ollama", nil, "", llm.Resolved{Provider: llm.Ollama, Model: "llama3.2"}, "", ""},
		{"openai without key", nil, "gpt-4o", llm.Resolved{Provider: llm.OpenAI, Model: "gpt-4o"}, "providers.openai.api_key", "OPENAI_API_KEY"},
		{"anthropic without key", nil, "claude-sonnet-4-5", llm.Resolved{Provider: llm.Anthropic, Model: "claude-sonnet-4-5"}, "providers.anthropic.api_key", "ANTHROPIC_API_KEY"},
		{"openai with key", func(c *config.Config) { c.Providers.OpenAI.APIKey = "sk-x" }, "o3-mini", llm.Resolved{Provider: llm.OpenAI, Model: "o3-mini"}, "", ""},
		{"local compatible server needs no key", func(c *config.Config) { c.Providers.OpenAI.BaseURL = "http://127.0.0.1:1234/v1" },
			"openai/qwen2.5-7b", llm.Resolved{Provider: llm.OpenAI, Model: "qwen2.5-7b", Explicit: true}, "", ""},
		{"anthropic-compatible server", func(c *config.Config) { c.Providers.Anthropic.BaseURL = "http://127.0.0.1:8080" },
			"anthropic/glm-4.6", llm.Resolved{Provider: llm.Anthropic, Model: "glm-4.6", Explicit: true}, "", ""},
		{"ollama/ means providers.ollama.model", func(c *config.Config) { c.Providers.Ollama.Model = "qwen3:8b" },
			"ollama/", llm.Resolved{Provider: llm.Ollama, Model: "qwen3:8b", Explicit: true}, "", ""},
		{"empty default model", func(c *config.Config) { c.Agent.DefaultModel = " " }, "", llm.Resolved{}, "agent.default_model", "no model"},
		{"bad keep_alive", func(c *config.Config) { c.Providers.Ollama.KeepAlive = "soon" }, "llama3.2", llm.Resolved{Provider: llm.Ollama, Model: "llama3.2"}, "providers.ollama", "keep_alive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			if tc.edit != nil {
				tc.edit(cfg)
			}
			p, r, err := New(cfg, tc.model, Options{ConfigFile: "/x/config.toml"})
			if r != tc.want {
				t.Errorf("resolved %+v, want %+v", r, tc.want)
			}
			if tc.wantKey == "" {
				if err != nil || p == nil || p.Name() != tc.want.Provider {
					t.Fatalf("New = %v, %v", p, err)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tc.wantKey || !strings.Contains(ce.Error(), tc.wantText) || ce.File != "/x/config.toml" {
				t.Fatalf("error = %v, want *config.Error on %s mentioning %q", err, tc.wantKey, tc.wantText)
			}
		})
	}
}

func TestSameModel(t *testing.T) {
	cases := []struct {
		p              llm.ProviderName
		listed, wanted string
		want           bool
	}{
		{llm.Ollama, "llama3.2:latest", "llama3.2", true},
		{llm.Ollama, "llama3.2:1b", "llama3.2", false},
		{llm.Anthropic, "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", true},
		{llm.OpenAI, "gpt-4o-mini", "gpt-4o", false},
		{llm.OpenAI, "gpt-4o", "gpt-4o", true},
	}
	for _, tc := range cases {
		if got := SameModel(tc.p, tc.listed, tc.wanted); got != tc.want {
			t.Errorf("SameModel(%s, %q, %q) = %v", tc.p, tc.listed, tc.wanted, got)
		}
	}
}

func TestEmbedder(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(c *config.Config)
		wantKey string
	}{
		{"ollama by default", nil, ""},
		{"openai without key", func(c *config.Config) { c.Memory.Embeddings.Provider = "openai" }, "providers.openai.api_key"},
		{"openai-compatible server", func(c *config.Config) {
			c.Memory.Embeddings.Provider = "openai"
			c.Providers.OpenAI.BaseURL = "http://127.0.0.1:1234/v1"
		}, ""},
		{"anthropic has none", func(c *config.Config) { c.Memory.Embeddings.Provider = "anthropic" }, "memory.embeddings.provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			if tc.edit != nil {
				tc.edit(cfg)
			}
			e, err := Embedder(cfg, Options{ConfigFile: "/x/config.toml"})
			if tc.wantKey == "" {
				if err != nil || e == nil {
					t.Fatalf("Embedder = %v, %v", e, err)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tc.wantKey {
				t.Fatalf("error = %v, want a *config.Error on %s", err, tc.wantKey)
			}
		})
	}
}
