package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/tools/webfetch"
)

// WebFetch is the web_fetch tool.
type WebFetch struct {
	Fetcher *webfetch.Fetcher
	// Secrets are refused in URLs (also percent-, base64- or hex-encoded):
	// fetching such a URL would hand the key to whoever runs the server.
	Secrets *secret.Masker
}

type webFetchArgs struct {
	URL string `json:"url"`
}

// Name implements Tool.
func (*WebFetch) Name() string { return "web_fetch" }

// Description implements Tool.
func (*WebFetch) Description() string {
	return "Fetch a web page (GET, http or https) and return it as readable text: title, headings, paragraphs, " +
		"and links as text (URL). Only public internet addresses are reached; long pages are cut."
}

// Parameters implements Tool.
func (*WebFetch) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"url":{"type":"string","description":"The http or https URL to fetch."}` +
		`},"required":["url"],"additionalProperties":false}`)
}

// Summary implements Summarizer.
func (*WebFetch) Summary(raw json.RawMessage) string {
	a, err := decodeArgs[webFetchArgs]("web_fetch", raw)
	if err != nil {
		return ""
	}
	return "GET " + a.URL
}

// Run implements Tool.
func (t *WebFetch) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[webFetchArgs]("web_fetch", raw, "url")
	if err != nil {
		return Result{}, err
	}
	if err := required("web_fetch", "url", a.URL); err != nil {
		return Result{}, err
	}
	if t.Secrets.InURL(a.URL) {
		return Result{}, errors.New("web_fetch refused: the URL holds one of the user's API keys or tokens (perhaps encoded), " +
			"and fetching it would send the key to that server. Never put credentials in a URL")
	}
	p, err := t.Fetcher.Fetch(ctx, a.URL)
	if err != nil {
		return Result{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "URL: %s\nStatus: %d\n", p.URL, p.Status)
	if p.Title != "" {
		fmt.Fprintf(&b, "Title: %s\n", p.Title)
	}
	if p.Note != "" {
		b.WriteString(p.Note + "\n")
	}
	b.WriteString("\n")
	b.WriteString(p.Text)
	if p.Truncated {
		b.WriteString("\n[… the page was longer and was cut here …]")
	}
	return Result{Content: b.String(), IsError: p.Status >= 400}, nil
}
