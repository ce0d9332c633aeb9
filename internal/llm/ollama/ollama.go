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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"

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
	// NumCtx is the context window asked of Ollama on every call
	// (providers.ollama.num_ctx), lowered to the model's maximum; 0 means
	// DefaultNumCtx. Ollama allocates the KV cache for the whole window
	// when it loads the model, so a model's full window can need more
	// memory than the machine has.
	NumCtx int
	Retry  llm.RetryPolicy
}

// DefaultNumCtx is the window asked of Ollama unless configured otherwise.
const DefaultNumCtx = 16384

// Provider talks to one Ollama server. It caches each model's window for
// the life of the process.
type Provider struct {
	client    *api.Client
	opts      Options
	keepAlive *api.Duration

	mu     sync.Mutex
	window map[string]Window
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
	if opts.NumCtx <= 0 {
		opts.NumCtx = DefaultNumCtx
	}
	p := &Provider{opts: opts, window: map[string]Window{}}
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

// ContextWindow returns the window calls to model use (num_ctx):
// Options.NumCtx, lowered to the model's maximum from /api/show.
func (p *Provider) ContextWindow(ctx context.Context, model string) (int, error) {
	w, err := p.Window(ctx, model)
	return w.NumCtx, err
}

// Window describes the context window of a model as calls run it.
type Window struct {
	// Max is the model's own context length ("<arch>.context_length"),
	// 0 when /api/show does not say.
	Max int
	// NumCtx is what every call asks for: Options.NumCtx, at most Max.
	NumCtx int
	// KV is the shape of the model's KV cache, zero when unknown.
	KV KVShape
	// EmbedOnly is set for a model /api/show says can embed but not
	// complete (nomic-embed-text, bge-m3): it never runs a chat, so its
	// chat window and KV cache mean nothing to the user.
	EmbedOnly bool
}

// KVShape is what sizes a model's KV cache: for each token, each layer
// keeps a key and a value vector per KV head.
type KVShape struct {
	// Layers is "<arch>.block_count".
	Layers int
	// KVHeads is the number of KV heads of all layers together: Layers ×
	// "<arch>.attention.head_count_kv" (head_count when absent), or the
	// sum of the per-layer counts when the model lists one per layer.
	KVHeads int
	// HeadSize is "<arch>.attention.key_length", or embedding_length /
	// head_count when absent.
	HeadSize int
}

// KVBytesPerElement is the size the estimate assumes for one cached
// number: f16, Ollama's default cache type (OLLAMA_KV_CACHE_TYPE q8_0
// halves it, q4_0 quarters it).
const KVBytesPerElement = 2

// KVCacheBytes estimates the memory of the KV cache for tokens tokens:
// layers × KV heads × head size × tokens × 2 (K and V) × 2 bytes (f16).
// It is an upper estimate (sliding-window layers keep fewer tokens); 0
// when the shape is unknown.
func (k KVShape) KVCacheBytes(tokens int) int64 {
	return int64(k.KVHeads) * int64(k.HeadSize) * int64(tokens) * 2 * KVBytesPerElement
}

// Window returns the model's window from /api/show, cached for the life
// of the provider.
func (p *Provider) Window(ctx context.Context, model string) (Window, error) {
	p.mu.Lock()
	w, ok := p.window[model]
	p.mu.Unlock()
	if ok {
		return w, nil
	}
	show, err := p.client.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return Window{}, p.wrap(ctx, model, err, nil)
	}
	w = Window{Max: contextLength(show.ModelInfo), NumCtx: p.opts.NumCtx, KV: shapeOf(show.ModelInfo),
		EmbedOnly: embedOnly(show.Capabilities)}
	if w.Max > 0 && w.NumCtx > w.Max {
		w.NumCtx = w.Max
	}
	p.mu.Lock()
	p.window[model] = w
	p.mu.Unlock()
	return w, nil
}

// embedOnly tells whether capabilities are those of a model that embeds
// and cannot complete.
func embedOnly(capabilities []model.Capability) bool {
	return slices.Contains(capabilities, model.CapabilityEmbedding) && !slices.Contains(capabilities, model.CapabilityCompletion)
}

// infoInt reads a positive whole number from model_info.
func infoInt(v any) int {
	if f, ok := v.(float64); ok && f > 0 {
		return int(f)
	}
	return 0
}

// shapeOf reads the KV cache shape from model_info; zero when it lacks
// any part of it.
func shapeOf(info map[string]any) KVShape {
	arch, _ := info["general.architecture"].(string)
	key := func(k string) any { return info[arch+"."+k] }
	k := KVShape{Layers: infoInt(key("block_count")), HeadSize: infoInt(key("attention.key_length"))}
	heads := infoInt(key("attention.head_count"))
	if k.HeadSize == 0 && heads > 0 {
		k.HeadSize = infoInt(key("embedding_length")) / heads
	}
	if perLayer, ok := key("attention.head_count_kv").([]any); ok {
		for _, x := range perLayer {
			k.KVHeads += infoInt(x)
		}
	} else {
		kv := infoInt(key("attention.head_count_kv"))
		if kv == 0 {
			kv = heads
		}
		k.KVHeads = k.Layers * kv
	}
	if k.Layers == 0 || k.KVHeads == 0 || k.HeadSize == 0 {
		return KVShape{}
	}
	return k
}

// contextLength reads "<general.architecture>.context_length" from model_info.
func contextLength(info map[string]any) int {
	if arch, ok := info["general.architecture"].(string); ok {
		if n := infoInt(info[arch+".context_length"]); n > 0 {
			return n
		}
	}
	for k, v := range info {
		if strings.HasSuffix(k, ".context_length") {
			if n := infoInt(v); n > 0 {
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
