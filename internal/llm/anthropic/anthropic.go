// Package anthropic is the LLM adapter for the Anthropic Messages API and
// Anthropic-compatible servers, over the official SDK
// github.com/anthropics/anthropic-sdk-go.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// DefaultBaseURL is Anthropic's own endpoint.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is sent when the request sets none: the API requires
// max_tokens, and every current Claude model can write this many.
const DefaultMaxTokens = 8192

const keyHint = "check providers.anthropic.api_key (or ANTHROPIC_API_KEY): `localgpt config set providers.anthropic.api_key sk-ant-…`"

// Options configures the adapter.
type Options struct {
	APIKey string
	// BaseURL is the API root without /v1; empty means DefaultBaseURL.
	BaseURL    string
	HTTPClient *http.Client
	// ContextWindow is reported by ContextWindow (agent.context_window).
	ContextWindow int
	Retry         llm.RetryPolicy
}

// Provider talks to one Anthropic-compatible endpoint.
type Provider struct {
	messages sdk.MessageService
	models   sdk.ModelService
	opts     Options
}

// New returns a Provider. Only the two services LocalGPT uses are built:
// they read no environment variables (the config already fell back to
// ANTHROPIC_API_KEY), and the SDK does not retry: retries follow
// opts.Retry.
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
	return &Provider{messages: sdk.NewMessageService(ro...), models: sdk.NewModelService(ro...), opts: opts}
}

// Name returns llm.Anthropic.
func (p *Provider) Name() llm.ProviderName { return llm.Anthropic }

// Stream starts a streamed message.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (*llm.Stream, error) {
	params, err := buildParams(req)
	if err != nil {
		return nil, &llm.Error{Kind: llm.KindBadRequest, Provider: llm.Anthropic, Model: req.Model, Message: err.Error(), Err: err}
	}
	return llm.NewStream(ctx, llm.Anthropic, req.Model, p.opts.Retry.For(req), func(ctx context.Context) (llm.Decoder, error) {
		st := p.messages.NewStreaming(ctx, params)
		if err := st.Err(); err != nil {
			_ = st.Close()
			return nil, p.wrap(ctx, req.Model, err)
		}
		return &decoder{p: p, ctx: ctx, model: req.Model, st: st}, nil
	})
}

// Models lists the endpoint's models (GET /v1/models).
func (p *Provider) Models(ctx context.Context) ([]llm.ModelInfo, error) {
	var out []llm.ModelInfo
	pager := p.models.ListAutoPaging(ctx, sdk.ModelListParams{})
	for pager.Next() {
		out = append(out, llm.ModelInfo{Provider: llm.Anthropic, Name: pager.Current().ID})
	}
	if err := pager.Err(); err != nil {
		return nil, p.wrap(ctx, "", err)
	}
	return out, nil
}

// ContextWindow returns the configured window.
func (p *Provider) ContextWindow(context.Context, string) (int, error) {
	return p.opts.ContextWindow, nil
}

// errorBody is Anthropic's error shape, in responses and in stream events.
type errorBody struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// typeStatus maps an error type of a stream event to the HTTP status that
// carries it in a response.
var typeStatus = map[string]int{
	"invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
	"not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429,
	"api_error": 500, "overloaded_error": 529,
}

func (p *Provider) wrap(ctx context.Context, model string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var api *sdk.Error
	if errors.As(err, &api) {
		var body errorBody
		_ = json.Unmarshal([]byte(api.RawJSON()), &body)
		status := api.StatusCode
		if s, ok := typeStatus[body.Error.Type]; ok && (status == 0 || status == http.StatusOK) {
			status = s // an error event inside a 200 stream
		}
		var h http.Header
		if api.Response != nil {
			h = api.Response.Header
		}
		msg := body.Error.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		return llm.HTTPError(llm.Anthropic, model, status, msg, h, keyHint, err)
	}
	if llm.IsNetwork(err) {
		return llm.NetworkError(llm.Anthropic, model, p.opts.BaseURL, err)
	}
	// The SDK reports an error event it could not type as plain text
	// followed by the event's JSON.
	if msg := err.Error(); strings.HasPrefix(msg, "received error while streaming: ") {
		var body errorBody
		if json.Unmarshal([]byte(strings.TrimPrefix(msg, "received error while streaming: ")), &body) == nil && body.Error.Type != "" {
			status, ok := typeStatus[body.Error.Type]
			if !ok {
				status = 500
			}
			return llm.HTTPError(llm.Anthropic, model, status, body.Error.Message, nil, keyHint, err)
		}
	}
	return llm.StreamError(llm.Anthropic, model, err)
}
