// Package ollama is the LLM adapter for a local Ollama server, over the
// official client github.com/ollama/ollama/api: /api/chat for streaming,
// /api/show for each model's real context length, /api/tags for the list.
package ollama

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// DefaultEndpoint is where Ollama listens unless told otherwise.
const DefaultEndpoint = "http://localhost:11434"

// Options configures the adapter.
type Options struct {
	// Endpoint is Ollama's base URL; empty means DefaultEndpoint.
	Endpoint   string
	HTTPClient *http.Client
	// KeepAlive is how long Ollama keeps the model loaded after a call, a
	// Go duration ("10m", "-1s" for ever); empty leaves Ollama's default.
	KeepAlive string
	// ContextWindow caps num_ctx (agent.context_window): a model's full
	// window can need more memory than the machine has. 0 means no cap.
	ContextWindow int
	Retry         llm.RetryPolicy
}

// Provider talks to one Ollama server. It caches each model's context
// length for the life of the process.
type Provider struct {
	client    *api.Client
	opts      Options
	keepAlive *api.Duration

	mu     sync.Mutex
	window map[string]int
}

// New returns a Provider, or an error when the endpoint or keep-alive
// cannot be parsed.
func New(opts Options) (*Provider, error) {
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("ollama endpoint %q is not a URL such as %s", opts.Endpoint, DefaultEndpoint)
	}
	p := &Provider{opts: opts, window: map[string]int{}}
	if opts.KeepAlive != "" {
		d, err := time.ParseDuration(opts.KeepAlive)
		if err != nil {
			return nil, fmt.Errorf("ollama keep_alive %q is not a duration such as \"10m\" or \"-1s\"", opts.KeepAlive)
		}
		p.keepAlive = &api.Duration{Duration: d}
	}
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	hc.Transport = headerRecorder{next: base.Transport}
	p.client = api.NewClient(u, &hc)
	return p, nil
}

// Name returns llm.Ollama.
func (p *Provider) Name() llm.ProviderName { return llm.Ollama }

// Models lists the models pulled on the server (/api/tags).
func (p *Provider) Models(ctx context.Context) ([]llm.ModelInfo, error) {
	list, err := p.client.List(ctx)
	if err != nil {
		return nil, p.wrap(ctx, "", err, nil)
	}
	out := make([]llm.ModelInfo, 0, len(list.Models))
	for _, m := range list.Models {
		out = append(out, llm.ModelInfo{Provider: llm.Ollama, Name: m.Name, Size: m.Size})
	}
	return out, nil
}

// ContextWindow returns the model's context length as /api/show reports
// it ("<arch>.context_length"), capped by Options.ContextWindow. It is the
// num_ctx every call sends.
func (p *Provider) ContextWindow(ctx context.Context, model string) (int, error) {
	p.mu.Lock()
	n, ok := p.window[model]
	p.mu.Unlock()
	if ok {
		return n, nil
	}
	show, err := p.client.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return 0, p.wrap(ctx, model, err, nil)
	}
	n = contextLength(show.ModelInfo)
	if c := p.opts.ContextWindow; c > 0 && (n == 0 || n > c) {
		n = c
	}
	p.mu.Lock()
	p.window[model] = n
	p.mu.Unlock()
	return n, nil
}

// contextLength reads "<general.architecture>.context_length" from model_info.
func contextLength(info map[string]any) int {
	num := func(v any) int {
		if f, ok := v.(float64); ok && f > 0 {
			return int(f)
		}
		return 0
	}
	if arch, ok := info["general.architecture"].(string); ok {
		if n := num(info[arch+".context_length"]); n > 0 {
			return n
		}
	}
	for k, v := range info {
		if strings.HasSuffix(k, ".context_length") {
			if n := num(v); n > 0 {
				return n
			}
		}
	}
	return 0
}

func (p *Provider) wrap(ctx context.Context, model string, err error, h http.Header) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se api.StatusError
	var ae api.AuthorizationError
	switch {
	case errors.As(err, &se):
		msg := se.ErrorMessage
		if msg == "" {
			msg = http.StatusText(se.StatusCode)
		}
		e := llm.HTTPError(llm.Ollama, model, se.StatusCode, msg, h, "check the Ollama server's access settings", err)
		if e.Kind == llm.KindNotFound && model != "" {
			e.Hint = fmt.Sprintf("pull it with `ollama pull %s`, or pick one that `localgpt models` lists", model)
		}
		return e
	case errors.As(err, &ae):
		return llm.HTTPError(llm.Ollama, model, ae.StatusCode, "unauthorized", h, "check the Ollama server's access settings", err)
	case llm.IsNetwork(err):
		e := llm.NetworkError(llm.Ollama, model, p.opts.Endpoint, err)
		e.Hint = fmt.Sprintf("Ollama is not running at %s; start it with `ollama serve` (and `ollama pull %s`), "+
			"or set providers.ollama.endpoint if it runs elsewhere. For LM Studio, llama.cpp, vLLM, Jan or any "+
			"OpenAI-compatible server, set providers.openai.base_url to it and name the model openai/NAME; "+
			"for a hosted model, set OPENAI_API_KEY or ANTHROPIC_API_KEY and pick it (gpt-4o, claude-sonnet-4-5). "+
			"`localgpt setup` finds what runs here and writes the config",
			p.opts.Endpoint, cmp.Or(model, "llama3.2"))
		return e
	}
	// The client reports an undecodable line as the line itself, and an
	// error line of the stream as its message.
	msg := err.Error()
	if t := strings.TrimSpace(msg); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return llm.StreamError(llm.Ollama, model, err)
	}
	e := llm.HTTPError(llm.Ollama, model, http.StatusInternalServerError, msg, h, "", err)
	e.Status = 0
	return e
}

// headerRecorder keeps the response headers of a call for its error (the
// Ollama client drops them, and with them Retry-After).
type headerRecorder struct{ next http.RoundTripper }

type headersKey struct{}

// RoundTrip sends r and stores the response headers where r's context asks.
func (t headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(r)
	if resp != nil {
		if dst, ok := r.Context().Value(headersKey{}).(*http.Header); ok {
			*dst = resp.Header.Clone()
		}
	}
	return resp, err
}
