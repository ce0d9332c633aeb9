package openai

import (
	"context"

	sdk "github.com/openai/openai-go/v3"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Embed implements llm.Embedder with POST /embeddings at the base URL:
// OpenAI, LM Studio, llama.cpp's server and vLLM all serve it. Vectors
// are asked for as JSON numbers ("float"): not every compatible server
// speaks base64.
func (p *Provider) Embed(ctx context.Context, req llm.EmbedRequest) ([][]float32, error) {
	params := sdk.EmbeddingNewParams{
		Model:          req.Model,
		Input:          sdk.EmbeddingNewParamsInputUnion{OfArrayOfStrings: req.Input},
		EncodingFormat: sdk.EmbeddingNewParamsEncodingFormatFloat,
	}
	if req.Dimensions > 0 {
		params.Dimensions = sdk.Int(int64(req.Dimensions))
	}
	var out [][]float32
	err := p.opts.Retry.Do(ctx, func(ctx context.Context) error {
		resp, err := p.embeddings.New(ctx, params)
		if err != nil {
			return p.wrap(ctx, req.Model, err)
		}
		out = make([][]float32, len(req.Input))
		for _, d := range resp.Data {
			if d.Index < 0 || int(d.Index) >= len(out) {
				return &llm.Error{Kind: llm.KindStream, Provider: llm.OpenAI, Model: req.Model,
					Message: "an embedding has an index outside the request"}
			}
			v := make([]float32, len(d.Embedding))
			for i, x := range d.Embedding {
				v[i] = float32(x)
			}
			out[d.Index] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := llm.CheckEmbeddings(llm.OpenAI, req, out); err != nil {
		return nil, err
	}
	return out, nil
}
