package assistant

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// EmbedModel is the name the vectors of the configured embedding model
// are stored under: "ollama/nomic-embed-text", with "@256" when
// memory.embeddings.dimensions shortens them. A change of it re-embeds
// every chunk.
func EmbedModel(c *config.Config) string {
	e := c.Memory.Embeddings
	name := e.Provider + "/" + e.Model
	if e.Dimensions > 0 {
		name += fmt.Sprintf("@%d", e.Dimensions)
	}
	return name
}

// embedCallTimeout bounds one request of the embedding pass: a model on a
// slow CPU takes seconds per batch, a hung server would stop the pass.
const embedCallTimeout = 5 * time.Minute

// embedder adapts the configured embedding provider to memory.Embedder:
// the embedding pass goes through the provider's retry policy, what a
// search waits for is tried once (a search does not wait for a server
// that is down: it ranks by words and says so). A configuration that cannot embed (an OpenAI provider
// without a key) makes every call fail with the configuration error, so
// that searches and stats say what to fix instead of failing to open.
//
// The texts sent are masked first, as everything else that leaves for a
// model is: a note may hold a configured key (pasted by hand), and the
// embedding provider may be another company than the one the key is for.
type embedder struct {
	bulk, now llm.Embedder
	model     string
	dims      int
	err       error
	secrets   *secret.Masker
}

// newEmbedder builds the embedder of [memory.embeddings].
func newEmbedder(c *config.Config, opts provider.Options, secrets *secret.Masker) memory.Embedder {
	e := embedder{model: c.Memory.Embeddings.Model, dims: c.Memory.Embeddings.Dimensions, secrets: secrets}
	e.bulk, e.err = provider.Embedder(c, opts)
	once := llm.RetryPolicy{}
	opts.Retry = &once
	e.now, _ = provider.Embedder(c, opts)
	return e
}

// Embed implements memory.Embedder.
func (e embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if e.err != nil {
		return nil, e.err
	}
	ctx, cancel := context.WithTimeout(ctx, embedCallTimeout)
	defer cancel()
	vecs, err := e.bulk.Embed(ctx, llm.EmbedRequest{Model: e.model, Input: e.masked(texts), Dimensions: e.dims})
	if err != nil {
		return nil, err
	}
	return vecs, e.checkDims(len(vecs[0]))
}

// EmbedNow implements memory.Embedder.
func (e embedder) EmbedNow(ctx context.Context, texts []string) ([][]float32, error) {
	if e.err != nil {
		return nil, e.err
	}
	vecs, err := e.now.Embed(ctx, llm.EmbedRequest{Model: e.model, Input: e.masked(texts), Dimensions: e.dims})
	if err != nil {
		return nil, err
	}
	return vecs, e.checkDims(len(vecs[0]))
}

// masked returns texts with the configured secrets masked (texts itself
// when none is found, which is the rule).
func (e embedder) masked(texts []string) []string {
	var out []string
	for i, t := range texts {
		if m := e.secrets.Mask(t); m != t {
			if out == nil {
				out = slices.Clone(texts)
			}
			out[i] = m
		}
	}
	if out == nil {
		return texts
	}
	return out
}

// checkDims refuses vectors of another size than memory.embeddings.dimensions
// asks for: a model that cannot shorten them ignores the request.
func (e embedder) checkDims(got int) error {
	if e.dims > 0 && got != e.dims {
		return &config.Error{Key: "memory.embeddings.dimensions", Msg: fmt.Sprintf(
			"is %d, but %s answers vectors of %d dimensions (it cannot shorten them); set it to 0", e.dims, e.model, got)}
	}
	return nil
}
