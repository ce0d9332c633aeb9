// Package provider builds the llm.Provider a model needs from the
// configuration: it resolves the model name, checks that its provider is
// configured (saying exactly what to set when it is not), and constructs
// the OpenAI, Anthropic or Ollama adapter. It is the one package that
// imports all three adapters.
package provider

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/anthropic"
	"github.com/localgpt-go/localgpt/internal/llm/ollama"
	"github.com/localgpt-go/localgpt/internal/llm/openai"
)

// Options tunes how providers are built.
type Options struct {
	// HTTPClient is used for every request; nil means each SDK's default.
	HTTPClient *http.Client
	// Retry overrides llm.DefaultRetryPolicy when set.
	Retry *llm.RetryPolicy
	// ConfigFile is named in configuration errors.
	ConfigFile string
	// Log, when set, records each retry at warn level.
	Log *slog.Logger
}

func (o Options) retry() llm.RetryPolicy {
	p := llm.DefaultRetryPolicy()
	if o.Retry != nil {
		p = *o.Retry
	}
	if o.Log != nil && p.OnRetry == nil {
		log := o.Log
		p.OnRetry = func(err error, retry int, wait time.Duration) {
			log.Warn("llm call failed; retrying", "retry", retry, "wait", wait.Round(time.Millisecond), "err", err)
		}
	}
	return p
}

// New resolves model (empty means agent.default_model) and builds its
// provider. A model whose provider is not configured is a *config.Error
// saying what to set.
func New(cfg *config.Config, model string, opts Options) (llm.Provider, llm.Resolved, error) {
	r, err := Resolve(cfg, model, opts)
	if err != nil {
		return nil, llm.Resolved{}, err
	}
	if err := Check(cfg, r.Provider, r.Model, opts); err != nil {
		return nil, r, err
	}
	p, err := For(cfg, r.Provider, opts)
	return p, r, err
}

// Resolve resolves model, or agent.default_model when model is empty.
// "ollama/" alone means providers.ollama.model.
func Resolve(cfg *config.Config, model string, opts Options) (llm.Resolved, error) {
	key := "--model"
	if model == "" {
		model, key = cfg.Agent.DefaultModel, "agent.default_model"
	}
	if strings.EqualFold(strings.TrimSpace(model), "ollama/") && cfg.Providers.Ollama.Model != "" {
		model = "ollama/" + cfg.Providers.Ollama.Model
	}
	r, err := llm.Resolve(model)
	if err != nil {
		return r, &config.Error{File: opts.ConfigFile, Key: key, Msg: err.Error()}
	}
	return r, nil
}

// Configured reports whether a provider has what it needs to be called:
// Ollama always; OpenAI and Anthropic an API key, or a base_url other than
// the vendor's own (a local compatible server needs no key).
func Configured(cfg *config.Config, name llm.ProviderName) bool {
	p := cfg.Providers
	switch name {
	case llm.OpenAI:
		return p.OpenAI.APIKey != "" || !sameURL(p.OpenAI.BaseURL, openai.DefaultBaseURL)
	case llm.Anthropic:
		return p.Anthropic.APIKey != "" || !sameURL(p.Anthropic.BaseURL, anthropic.DefaultBaseURL)
	}
	return name == llm.Ollama
}

// Check returns nil when provider name is configured, and otherwise a
// *config.Error naming the key to set and the environment variable that
// can stand in for it. model is named in the message when not empty.
func Check(cfg *config.Config, name llm.ProviderName, model string, opts Options) error {
	if Configured(cfg, name) {
		return nil
	}
	var key, env, example, vendor string
	switch name {
	case llm.OpenAI:
		key, env, example, vendor = "providers.openai.api_key", "OPENAI_API_KEY", "sk-…", "OpenAI"
	case llm.Anthropic:
		key, env, example, vendor = "providers.anthropic.api_key", "ANTHROPIC_API_KEY", "sk-ant-…", "Anthropic"
	default:
		return &config.Error{File: opts.ConfigFile, Msg: fmt.Sprintf("unknown provider %q", name)}
	}
	who := vendor
	if model != "" {
		who = fmt.Sprintf("model %q uses %s, which", model, vendor)
	}
	return &config.Error{File: opts.ConfigFile, Key: key, Msg: fmt.Sprintf(
		"%s has no API key; set it with `localgpt config set %s %s` or export %s "+
			"(a compatible server at another base_url needs none)", who, key, example, env)}
}

// For builds provider name from the configuration, configured or not.
func For(cfg *config.Config, name llm.ProviderName, opts Options) (llm.Provider, error) {
	p := cfg.Providers
	switch name {
	case llm.OpenAI:
		return openai.New(openai.Options{APIKey: p.OpenAI.APIKey, BaseURL: p.OpenAI.BaseURL,
			HTTPClient: opts.HTTPClient, ContextWindow: cfg.Agent.ContextWindow, Retry: opts.retry()}), nil
	case llm.Anthropic:
		return anthropic.New(anthropic.Options{APIKey: p.Anthropic.APIKey, BaseURL: p.Anthropic.BaseURL,
			HTTPClient: opts.HTTPClient, ContextWindow: cfg.Agent.ContextWindow, Retry: opts.retry()}), nil
	case llm.Ollama:
		o, err := ollama.New(ollama.Options{Endpoint: p.Ollama.Endpoint, HTTPClient: opts.HTTPClient,
			KeepAlive: p.Ollama.KeepAlive, NumCtx: p.Ollama.NumCtx, Retry: opts.retry()})
		if err != nil {
			return nil, &config.Error{File: opts.ConfigFile, Key: "providers.ollama", Msg: err.Error()}
		}
		return o, nil
	}
	return nil, &config.Error{File: opts.ConfigFile, Msg: fmt.Sprintf("unknown provider %q", name)}
}

// Endpoint returns the URL a provider is reached at.
func Endpoint(cfg *config.Config, name llm.ProviderName) string {
	switch name {
	case llm.OpenAI:
		return cfg.Providers.OpenAI.BaseURL
	case llm.Anthropic:
		return cfg.Providers.Anthropic.BaseURL
	}
	return cfg.Providers.Ollama.Endpoint
}

func sameURL(a, b string) bool {
	return a == "" || strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// SameModel reports whether a listed model name is the wanted one: Ollama
// adds ":latest" to untagged names, and Anthropic lists dated versions of
// the aliases people write ("claude-sonnet-4-5" → "claude-sonnet-4-5-20250929").
func SameModel(name llm.ProviderName, listed, wanted string) bool {
	switch {
	case listed == wanted:
		return true
	case name == llm.Ollama:
		tag := func(s string) string {
			if strings.Contains(s, ":") {
				return s
			}
			return s + ":latest"
		}
		return tag(listed) == tag(wanted)
	case name == llm.Anthropic:
		return strings.HasPrefix(listed, wanted+"-")
	}
	return false
}

// Embedder builds the embedding client [memory.embeddings] names: the
// Ollama adapter (/api/embed at providers.ollama.endpoint) or the OpenAI
// one (/v1/embeddings at providers.openai.base_url), with the provider's
// address and key. An OpenAI provider without a key at OpenAI's own URL
// is a *config.Error saying what to set.
func Embedder(cfg *config.Config, opts Options) (llm.Embedder, error) {
	e := cfg.Memory.Embeddings
	name := llm.ProviderName(e.Provider)
	if name != llm.Ollama && name != llm.OpenAI {
		return nil, &config.Error{File: opts.ConfigFile, Key: "memory.embeddings.provider",
			Msg: fmt.Sprintf("must be %q or %q, got %q", llm.Ollama, llm.OpenAI, e.Provider)}
	}
	if err := Check(cfg, name, e.Model, opts); err != nil {
		return nil, err
	}
	p, err := For(cfg, name, opts)
	if err != nil {
		return nil, err
	}
	emb, ok := p.(llm.Embedder)
	if !ok { // both adapters are embedders; a new one must be too
		return nil, &config.Error{File: opts.ConfigFile, Key: "memory.embeddings.provider", Msg: fmt.Sprintf("%s serves no embeddings", name)}
	}
	return emb, nil
}
