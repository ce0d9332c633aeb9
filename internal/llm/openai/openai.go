// Package openai is the LLM adapter for OpenAI Chat Completions and every
// OpenAI-compatible server (LM Studio, vLLM, llama.cpp server), over the
// official SDK github.com/openai/openai-go/v3.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// DefaultBaseURL is OpenAI's own endpoint.
const DefaultBaseURL = "https://api.openai.com/v1"

// Options configures the adapter.
type Options struct {
	// APIKey may be empty for local servers that need none.
	APIKey string
	// BaseURL is the API root including /v1; empty means DefaultBaseURL.
	BaseURL string
	// HTTPClient is used for every request; nil means the SDK's default.
	HTTPClient *http.Client
	// ContextWindow is reported by ContextWindow (agent.context_window).
	ContextWindow int
	Retry         llm.RetryPolicy
}

// Provider talks to one OpenAI-compatible endpoint.
type Provider struct {
	chat       sdk.ChatCompletionService
	models     sdk.ModelService
	embeddings sdk.EmbeddingService
	opts       Options
}

// New returns a Provider. The SDK's own retries are disabled: retries
// follow opts.Retry, before any event reaches the caller. Only the three
// services LocalGPT uses are built, not sdk.NewClient: the whole client
// links every OpenAI API into the binary (about 40 MB), and it reads
// OPENAI_* variables that the configuration already accounts for.
func New(opts Options) *Provider {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	ro := []option.RequestOption{option.WithHTTPClient(hc), option.WithBaseURL(opts.BaseURL),
		option.WithMaxRetries(0), option.WithAPIKey(opts.APIKey)}
	return &Provider{chat: sdk.NewChatCompletionService(ro...), models: sdk.NewModelService(ro...),
		embeddings: sdk.NewEmbeddingService(ro...), opts: opts}
}

// Name returns llm.OpenAI.
func (p *Provider) Name() llm.ProviderName { return llm.OpenAI }

// Stream starts a streamed chat completion.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (*llm.Stream, error) {
	params, err := buildParams(req)
	if err != nil {
		return nil, &llm.Error{Kind: llm.KindBadRequest, Provider: llm.OpenAI, Model: req.Model, Message: err.Error(), Err: err}
	}
	return llm.NewStream(ctx, llm.OpenAI, req.Model, p.opts.Retry.For(req), func(ctx context.Context) (llm.Decoder, error) {
		st := p.chat.NewStreaming(ctx, params)
		if err := st.Err(); err != nil {
			_ = st.Close()
			return nil, p.wrap(ctx, req.Model, err)
		}
		return &decoder{p: p, ctx: ctx, model: req.Model, st: st}, nil
	})
}

// Models lists the endpoint's models (GET /models).
func (p *Provider) Models(ctx context.Context) ([]llm.ModelInfo, error) {
	page, err := p.models.List(ctx)
	if err != nil {
		return nil, p.wrap(ctx, "", err)
	}
	out := make([]llm.ModelInfo, 0, len(page.Data))
	for _, m := range page.Data {
		out = append(out, llm.ModelInfo{Provider: llm.OpenAI, Name: m.ID})
	}
	return out, nil
}

// ContextWindow returns the configured window: OpenAI does not publish it.
func (p *Provider) ContextWindow(context.Context, string) (int, error) {
	return p.opts.ContextWindow, nil
}

// wrap turns an SDK error into an *llm.Error, leaving context errors as they are.
func (p *Provider) wrap(ctx context.Context, model string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var api *sdk.Error
	if errors.As(err, &api) {
		var h http.Header
		if api.Response != nil {
			h = api.Response.Header
		}
		msg := api.Message
		if msg == "" {
			msg = http.StatusText(api.StatusCode)
		}
		if api.Code != "" {
			msg += " (" + api.Code + ")"
		}
		e := llm.HTTPError(llm.OpenAI, model, api.StatusCode, msg, h,
			"check providers.openai.api_key (or OPENAI_API_KEY): `localgpt config set providers.openai.api_key sk-…`", err)
		return e
	}
	if llm.IsNetwork(err) {
		return llm.NetworkError(llm.OpenAI, model, p.opts.BaseURL, err)
	}
	return &llm.Error{Kind: llm.KindOther, Provider: llm.OpenAI, Model: model, Message: err.Error(), Err: err}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
