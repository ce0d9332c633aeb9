package ollama

import (
	"context"
	"net/http"

	"github.com/ollama/ollama/api"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Embed implements llm.Embedder with POST /api/embed, all inputs in one
// request. Ollama cuts an input longer than the model's window (its
// default, kept here: a long chunk is still found by its beginning) and
// truncates each vector to Dimensions when set, normalised again.
func (p *Provider) Embed(ctx context.Context, req llm.EmbedRequest) ([][]float32, error) {
	var out [][]float32
	err := p.opts.Retry.Do(ctx, func(ctx context.Context) error {
		var header http.Header
		hctx := context.WithValue(ctx, headersKey{}, &header)
		resp, err := p.client.Embed(hctx, &api.EmbedRequest{Model: req.Model, Input: req.Input,
			Dimensions: req.Dimensions, KeepAlive: p.keepAlive})
		if err != nil {
			return p.wrap(ctx, req.Model, err, header)
		}
		out = resp.Embeddings
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := llm.CheckEmbeddings(llm.Ollama, req, out); err != nil {
		return nil, err
	}
	return out, nil
}
