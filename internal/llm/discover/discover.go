// Package discover finds the language models a user already has: a
// running Ollama and its models, the OpenAI-compatible servers of LM
// Studio, llama.cpp, vLLM and Jan on their usual ports, and the API keys
// of the hosted providers in the environment. `localgpt setup` offers
// what it finds.
package discover

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/ollama"
	"github.com/localgpt-go/localgpt/internal/llm/openai"
)

// Target is a place a local server may answer.
type Target struct {
	// Name is the product, as people know it ("LM Studio").
	Name string
	// Provider is the protocol it speaks: llm.Ollama, or llm.OpenAI for
	// an OpenAI-compatible server.
	Provider llm.ProviderName
	// URL is Ollama's endpoint, or the compatible server's API root
	// including /v1.
	URL string
}

// Local returns the usual places of the local servers: Ollama at
// ollamaEndpoint (its own or the configured one), LM Studio on 1234,
// llama.cpp's server on 8080, vLLM on 8000 and Jan on 1337, all on
// loopback.
func Local(ollamaEndpoint string) []Target {
	if ollamaEndpoint == "" {
		ollamaEndpoint = ollama.DefaultEndpoint
	}
	compat := func(name string, port int) Target {
		return Target{Name: name, Provider: llm.OpenAI, URL: "http://127.0.0.1:" + strconv.Itoa(port) + "/v1"}
	}
	return []Target{
		{Name: "Ollama", Provider: llm.Ollama, URL: ollamaEndpoint},
		compat("LM Studio", 1234), compat("llama.cpp server", 8080), compat("vLLM", 8000), compat("Jan", 1337),
	}
}

// Found is what one target or key offers.
type Found struct {
	Target
	// Models are the names the server lists; for a hosted provider, the
	// suggested ones.
	Models []string
	// Env names the environment variable that holds a hosted provider's key.
	Env string
	// Err is why a target did not answer (nil when it did).
	Err error
}

// Timeout bounds each local server's answer: they are on this machine,
// so a slow one is as good as absent.
const Timeout = 1500 * time.Millisecond

// Hosted models suggested when a key is set (the providers are not asked:
// setup's doctor run checks the key).
var hostedModels = map[llm.ProviderName][]string{
	llm.OpenAI:    {"gpt-4o-mini", "gpt-4o", "gpt-5-mini"},
	llm.Anthropic: {"claude-sonnet-4-5", "claude-haiku-4-5"},
}

// Find asks every target at once for its models and looks for the hosted
// providers' keys with getenv. The result has one Found per target (in
// order, answered or not), then one per key that is set.
func Find(ctx context.Context, targets []Target, getenv func(string) string, hc *http.Client) []Found {
	out := make([]Found, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		out[i].Target = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Models, out[i].Err = list(ctx, t, hc)
		}()
	}
	wg.Wait()
	for _, h := range []struct {
		name     string
		provider llm.ProviderName
		env, url string
	}{{"OpenAI", llm.OpenAI, "OPENAI_API_KEY", openai.DefaultBaseURL}, {"Anthropic", llm.Anthropic, "ANTHROPIC_API_KEY", ""}} {
		if getenv(h.env) != "" {
			out = append(out, Found{Target: Target{Name: h.name, Provider: h.provider, URL: h.url}, Env: h.env, Models: hostedModels[h.provider]})
		}
	}
	return out
}

// Probe asks one URL given by the user what it is: an Ollama server if it
// answers Ollama's /api/tags, otherwise an OpenAI-compatible one (url is
// then its API root; /v1 is added when missing and needed).
func Probe(ctx context.Context, url string, hc *http.Client) Found {
	o := Found{Target: Target{Name: "Ollama", Provider: llm.Ollama, URL: url}}
	if o.Models, o.Err = list(ctx, o.Target, hc); o.Err == nil {
		return o
	}
	c := Found{Target: Target{Name: "OpenAI-compatible server", Provider: llm.OpenAI, URL: url}}
	if c.Models, c.Err = list(ctx, c.Target, hc); c.Err == nil {
		return c
	}
	if v1 := trimSlash(url) + "/v1"; v1 != url {
		alt := Found{Target: Target{Name: c.Name, Provider: llm.OpenAI, URL: v1}}
		if alt.Models, alt.Err = list(ctx, alt.Target, hc); alt.Err == nil {
			return alt
		}
	}
	return c
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// list asks one server for its models, within Timeout, without retries.
func list(ctx context.Context, t Target, hc *http.Client) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var p llm.Provider
	var o *ollama.Provider
	switch t.Provider {
	case llm.Ollama:
		var err error
		if o, err = ollama.New(ollama.Options{Endpoint: t.URL, HTTPClient: hc}); err != nil {
			return nil, err
		}
		p = o
	default:
		p = openai.New(openai.Options{BaseURL: t.URL, HTTPClient: hc})
	}
	ms, err := p.Models(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		// An Ollama model that only embeds (nomic-embed-text) cannot chat:
		// it is no choice for the default model.
		if o != nil {
			if w, err := o.Window(ctx, m.Name); err == nil && w.EmbedOnly {
				continue
			}
		}
		names = append(names, m.Name)
	}
	return names, nil
}
