// Package anthropic is the LLM adapter for the Anthropic Messages API
// (version 2023-06-01) and Anthropic-compatible servers.
//
// It speaks the API's JSON itself and reads the event stream with the
// official SDK's decoder (github.com/anthropics/anthropic-sdk-go's
// packages/ssestream), but does not import the SDK's client: that package
// registers every Anthropic API's types when the program starts, which
// cost 2.1 MB of a 23 MB binary for the one request and the one listing
// LocalGPT makes (docs/benchmarks.md, "Binary size").
package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// DefaultBaseURL is Anthropic's own endpoint.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is sent when the request sets none: the API requires
// max_tokens, and every current Claude model can write this many.
const DefaultMaxTokens = 8192

// apiVersion is the Messages API version the request and event shapes
// here follow (the anthropic-version header).
const apiVersion = "2023-06-01"

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
	hc   *http.Client
	opts Options
}

// New returns a Provider. It reads no environment variables (the config
// already fell back to ANTHROPIC_API_KEY) and retries nothing itself:
// retries follow opts.Retry.
func New(opts Options) *Provider {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Provider{hc: hc, opts: opts}
}

// Name returns llm.Anthropic.
func (p *Provider) Name() llm.ProviderName { return llm.Anthropic }

// Stream starts a streamed message.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (*llm.Stream, error) {
	params, err := buildParams(req)
	if err != nil {
		return nil, &llm.Error{Kind: llm.KindBadRequest, Provider: llm.Anthropic, Model: req.Model, Message: err.Error(), Err: err}
	}
	params.Stream = true
	body, err := json.Marshal(params)
	if err != nil {
		return nil, &llm.Error{Kind: llm.KindBadRequest, Provider: llm.Anthropic, Model: req.Model, Message: err.Error(), Err: err}
	}
	return llm.NewStream(ctx, llm.Anthropic, req.Model, p.opts.Retry.For(req), func(ctx context.Context) (llm.Decoder, error) {
		res, err := p.do(ctx, http.MethodPost, "v1/messages", nil, body)
		if err != nil {
			return nil, p.wrap(ctx, req.Model, err)
		}
		st := ssestream.NewStream[streamEvent](ssestream.NewDecoder(res), nil)
		return &decoder{p: p, ctx: ctx, model: req.Model, st: st}, nil
	})
}

// maxModelPages bounds the listing, against a server that always says
// there is more.
const maxModelPages = 100

// Models lists the endpoint's models (GET /v1/models, page after page).
func (p *Provider) Models(ctx context.Context) ([]llm.ModelInfo, error) {
	var out []llm.ModelInfo
	var query url.Values
	for range maxModelPages {
		res, err := p.do(ctx, http.MethodGet, "v1/models", query, nil)
		if err != nil {
			return nil, p.wrap(ctx, "", err)
		}
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			HasMore *bool  `json:"has_more"`
			LastID  string `json:"last_id"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		_ = res.Body.Close()
		if err != nil {
			return nil, p.wrap(ctx, "", fmt.Errorf("the model list is not JSON: %w", err))
		}
		for _, m := range page.Data {
			out = append(out, llm.ModelInfo{Provider: llm.Anthropic, Name: m.ID})
		}
		if len(page.Data) == 0 || page.HasMore != nil && !*page.HasMore || page.LastID == "" {
			break
		}
		query = url.Values{"after_id": {page.LastID}}
	}
	return out, nil
}

// ContextWindow returns the configured window.
func (p *Provider) ContextWindow(context.Context, string) (int, error) {
	return p.opts.ContextWindow, nil
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// statusError is a response with an HTTP error status.
type statusError struct {
	status int
	header http.Header
	body   []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), bytes.TrimSpace(e.body))
}

// do sends one request to the API (path is relative to the base URL) and
// returns the response of a 2xx status; any other is a *statusError.
func (p *Provider) do(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Response, error) {
	u := strings.TrimRight(p.opts.BaseURL, "/") + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Anthropic-Version", apiVersion)
	req.Header.Set("X-Api-Key", p.opts.APIKey)
	res, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 400 {
		data, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		_ = res.Body.Close()
		return nil, &statusError{status: res.StatusCode, header: res.Header, body: data}
	}
	return res, nil
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

// streamErrorPrefix starts the error the SDK's stream decoder returns for
// an error event, followed by the event's JSON.
const streamErrorPrefix = "received error while streaming: "

func (p *Provider) wrap(ctx context.Context, model string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *statusError
	if errors.As(err, &se) {
		var body errorBody
		_ = json.Unmarshal(se.body, &body)
		msg := body.Error.Message
		if msg == "" {
			msg = http.StatusText(se.status)
		}
		return llm.HTTPError(llm.Anthropic, model, se.status, msg, se.header, keyHint, err)
	}
	if llm.IsNetwork(err) {
		return llm.NetworkError(llm.Anthropic, model, p.opts.BaseURL, err)
	}
	if msg := err.Error(); strings.HasPrefix(msg, streamErrorPrefix) {
		var body errorBody
		if json.Unmarshal([]byte(strings.TrimPrefix(msg, streamErrorPrefix)), &body) == nil && body.Error.Type != "" {
			status, ok := typeStatus[body.Error.Type]
			if !ok {
				status = 500
			}
			return llm.HTTPError(llm.Anthropic, model, status, body.Error.Message, nil, keyHint, err)
		}
	}
	return llm.StreamError(llm.Anthropic, model, err)
}
